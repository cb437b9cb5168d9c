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
py=$("$python" crates/scheme/scripts/bench_python_oath.py)
py_plain=$(echo "$py" | awk '/plain/ {print $2}')
py_linked=$(echo "$py" | awk '/linked/ {print $2}')
echo "machine: $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p')"
printf '%-34s %10s\n' "measurement" "ns/op"
printf '%-34s %10s\n' "raw HMAC-SHA256 (same 153 bytes)" "$hmac" "mobipass-scheme plain (QN08)" "$plain" \
  "mobipass-scheme linked (QN28)" "$linked" "python-oath plain" "$py_plain" "python-oath linked" "$py_linked"
"$python" - "$plain" "$linked" "$hmac" "$py_plain" "$py_linked" <<'PY'
import sys
plain, linked, hmac, py_plain, py_linked = map(float, sys.argv[1:])
print(f"plain vs python-oath: {py_plain / plain:.1f}x faster (goal >= 15x)")
print(f"linked vs python-oath: {py_linked / linked:.1f}x faster (goal >= 15x)")
print(f"plain vs raw HMAC: {plain / hmac:.2f}x (goal <= 1.3x)")
PY
