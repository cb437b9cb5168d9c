#!/usr/bin/env bash
# The hosted signing page in a real browser: Debian's Chromium driven by
# chromedriver (selenium from PyPI, the console test's venv) against the real
# `mobipass-verifier serve` on 127.0.0.1 with a temp SQLite database, master
# key, return secret and a 30 s challenge lifetime (the expiry check waits
# that long). The test plays the bank over the API and runs its return page
# itself (crates/verifier-server/tests/browser/signing.py). Screenshots go
# to a temporary folder; to keep them, run with
# MOBIPASS_SIGNING_SCREENSHOTS=/some/dir. Fails if any check fails or if a
# link token reached the server's log; the server is stopped on every exit.
set -euo pipefail
venv=${MOBIPASS_CONSOLE_VENV:-target/console-venv}
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install -q --disable-pip-version-check selenium==4.40.0
cargo build -q --locked -p mobipass-verifier-server --bin mobipass-verifier
cargo build -q --locked -p mobipass-scheme --example respond
bin=$PWD/target/debug/mobipass-verifier
started=$(date +%s)

work=$(mktemp -d)
server=
cleanup() {
  if [ -n "$server" ]; then
    kill "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

"$bin" master-key new --file "$work/master.key" > /dev/null
"$venv/bin/python" -c 'import secrets; print(secrets.token_hex(32))' > "$work/return.secret"
chmod 600 "$work/return.secret"
"$bin" api-key --name signing-bank --role bank > "$work/bank.txt"
"$bin" api-key --name signing-ops --role operator > "$work/ops.txt"
bank=$(grep -o 'mpv_[0-9a-f]*' "$work/bank.txt")
ops=$(grep -o 'mpv_[0-9a-f]*' "$work/ops.txt")
# A free port for the bank's return page (the allow-list names it).
return_port=$("$venv/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
ttl=30
{
  echo "db = \"sqlite://$work/verifier.sqlite3\""
  echo "master_key_file = \"$work/master.key\""
  echo "challenge_ttl_secs = $ttl"
  echo "signing_return_urls = [\"http://127.0.0.1:$return_port/signed\"]"
  echo "signing_return_secret_file = \"$work/return.secret\""
  grep -hv '^#' "$work/bank.txt" "$work/ops.txt"
} > "$work/verifier.toml"

"$bin" serve --config "$work/verifier.toml" --listen 127.0.0.1:0 > "$work/serve.out" 2> "$work/serve.err" &
server=$!
for _ in $(seq 100); do
  grep -q '^listening on ' "$work/serve.out" && break
  kill -0 "$server" 2>/dev/null || { cat "$work/serve.err" >&2; exit 1; }
  sleep 0.1
done
base=$(sed -n 's/^listening on //p' "$work/serve.out")
[ -n "$base" ] || { echo "serve did not start" >&2; cat "$work/serve.err" >&2; exit 1; }

SIGN_BASE=$base SIGN_BANK_KEY=$bank SIGN_OPS_KEY=$ops \
  SIGN_RETURN_SECRET_FILE=$work/return.secret SIGN_RETURN_PORT=$return_port \
  SIGN_RESPOND=$PWD/target/debug/examples/respond SIGN_TTL=$ttl \
  SIGN_TOKENS_FILE=$work/tokens \
  SCREENSHOTS=${MOBIPASS_SIGNING_SCREENSHOTS:-$work/screenshots} \
  "$venv/bin/python" crates/verifier-server/tests/browser/signing.py

[ -s "$work/tokens" ] || { echo "FAILED: the browser test saw no link token" >&2; exit 1; }
while read -r token; do
  if grep -q -e "$token" "$work/serve.out" "$work/serve.err"; then
    echo "FAILED: a signing link token reached the server's log" >&2
    exit 1
  fi
done < "$work/tokens"
echo "signing browser test: $(( $(date +%s) - started )) s"
