#!/usr/bin/env bash
# Runs the criterion bench and python-oath on the same inputs in one go and
# prints the figures for docs/BENCHMARKS.md. Needs `pip install oath==1.4.5`
# (or a venv in $MOBIPASS_PY_VENV).
set -euo pipefail
cd "$(dirname "$0")/../../.."
python=${MOBIPASS_PY_VENV:+$MOBIPASS_PY_VENV/bin/}python3
cargo bench -q -p mobipass-scheme --bench ocra -- --warm-up-time 2 --measurement-time 5 >/dev/null 2>&1
target=${CARGO_TARGET_DIR:-target}
median() { "$python" -c 'import json,sys; print(round(json.load(open(sys.argv[1]))["median"]["point_estimate"],1))' "$target/criterion/$1/new/estimates.json"; }
plain=$(median ocra_plain_response)
linked=$(median ocra_linked_response)
hmac=$(median raw_hmac_sha256_same_bytes)
hmac_prepared=$(median raw_hmac_sha256_prepared_key)
plain_setup=$(median ocra_plain_response_with_key_setup)
py=$("$python" crates/scheme/scripts/bench_python_oath.py)
py_plain=$(echo "$py" | awk '/plain/ {print $2}')
py_linked=$(echo "$py" | awk '/linked/ {print $2}')
echo "machine: $(date -u +%F), load $(cut -d" " -f1 /proc/loadavg), $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p')"
row() { printf '%-52s %10s\n' "$1" "$2"; }
row "measurement" "ns/op"
row "raw HMAC-SHA256, 154 bytes, key prepared" "$hmac_prepared"
row "mobipass-scheme plain (QN08), key prepared" "$plain"
row "mobipass-scheme linked (QN28), key prepared" "$linked"
row "raw HMAC-SHA256, 154 bytes, key set up per call" "$hmac"
row "mobipass-scheme plain, key set up per call" "$plain_setup"
row "python-oath plain (key set up per call)" "$py_plain"
row "python-oath linked (key set up per call)" "$py_linked"
"$python" - "$plain" "$linked" "$hmac_prepared" "$plain_setup" "$hmac" "$py_plain" "$py_linked" <<'PY'
import sys
plain, linked, hmac_prepared, plain_setup, hmac, py_plain, py_linked = map(float, sys.argv[1:])
print(f"plain vs raw HMAC, key prepared:       {plain / hmac_prepared:.2f}x (goal <= 1.3x)")
print(f"plain vs raw HMAC, key set up per call: {plain_setup / hmac:.2f}x (goal <= 1.3x)")
print(f"python-oath / ours, plain, like for like (key set up per call): {py_plain / plain_setup:.1f}x (goal >= 15x)")
print(f"python-oath / ours, plain, our prepared key: {py_plain / plain:.1f}x")
print(f"python-oath / ours, linked, our prepared key: {py_linked / linked:.1f}x")
PY
