#!/usr/bin/env bash
# The whole system end to end in a real browser: Debian's Chromium driven by
# chromedriver (selenium from PyPI in a venv) on the demo bank
# (`mobipass-demo-bank`, which starts its own verifier in-process with a
# fresh SQLite data dir), the verifier's hosted signing page, and the real
# `target/debug/mobipass` in terminal mode (--pin-stdin, a temporary HOME
# and vault, so it never touches the user's). Two banks: the normal one,
# and one whose verifier's sessions expire after 30 s (the expiry check).
# Screenshots go to a temporary folder, so CI leaves the checkout as it found
# it; to retake the committed ones run it with
# MOBIPASS_DEMO_BANK_SCREENSHOTS=$PWD/docs/screenshots. Any failed check fails
# CI; no envelope part, activation code or signing-link token the browser
# saw may reach the banks' (and their verifiers') output; the banks are
# stopped on every exit.
set -euo pipefail
venv=${MOBIPASS_CONSOLE_VENV:-target/console-venv}
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install -q --disable-pip-version-check selenium==4.40.0
cargo build -q --locked -p mobipass --bin mobipass -p mobipass-demo-bank --bin mobipass-demo-bank
bank_bin=$PWD/target/debug/mobipass-demo-bank
started=$(date +%s)

work=$(mktemp -d)
banks=()
cleanup() {
  for pid in "${banks[@]}"; do
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT

# start NAME ARGS...: a bank (and its verifier) on free ports.
start() {
  local name=$1
  shift
  "$bank_bin" --listen 127.0.0.1:0 --verifier-listen 127.0.0.1:0 "$@" \
    > "$work/$name.out" 2> "$work/$name.err" &
  banks+=($!)
  local pid=$!
  for _ in $(seq 150); do
    grep -q '^demo bank listening on ' "$work/$name.out" && return 0
    kill -0 "$pid" 2>/dev/null || { cat "$work/$name.err" >&2; exit 1; }
    sleep 0.1
  done
  echo "the demo bank $name did not start" >&2
  cat "$work/$name.err" >&2
  exit 1
}
start main
start short --challenge-ttl-secs 30
url() { sed -n "s/^$2listening on //p" "$work/$1.out" | head -1; }

mkdir -p "$work/app"
BANK_URL=$(url main "demo bank ") VERIFIER_URL=$(url main "") \
  SHORT_BANK_URL=$(url short "demo bank ") SHORT_VERIFIER_URL=$(url short "") SHORT_TTL=30 \
  CONSOLE_PASSWORD=$(sed -n 's/.*operator demo, password \([0-9a-f]*\) (shown once).*/\1/p' "$work/main.out") \
  MOBIPASS_BIN=$PWD/target/debug/mobipass WORK=$work/app SECRETS_FILE=$work/secrets \
  SCREENSHOTS=${MOBIPASS_DEMO_BANK_SCREENSHOTS:-$work/screenshots} \
  "$venv/bin/python" crates/demo-bank/tests/browser/demo_bank.py

[ -s "$work/secrets" ] || { echo "FAILED: the browser test saw no envelope or code" >&2; exit 1; }
while read -r secret; do
  if grep -qF -e "$secret" "$work"/main.out "$work"/main.err "$work"/short.out "$work"/short.err; then
    echo "FAILED: an envelope part, activation code or link token reached a log" >&2
    exit 1
  fi
done < "$work/secrets"
echo "demo bank browser test: $(( $(date +%s) - started )) s"
