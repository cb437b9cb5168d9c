#!/usr/bin/env bash
# Schemathesis (PyPI) against the real `mobipass-verifier serve`: requests
# generated from /openapi.json with the operator key and with the bank key,
# every check on: any 5xx, undocumented status, content type or header, a
# body off its schema, a schema-valid request refused or a schema-invalid one
# accepted fails CI. Bounded (25 examples per operation): about 15 s for the
# venv (warm pip cache) and 15 s for both passes. One worker: schemathesis'
# threads trip a CPython ast bug here ("AST constructor recursion depth
# mismatch").
set -euo pipefail
venv=${MOBIPASS_ST_VENV:-target/st-venv}
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install -q --disable-pip-version-check schemathesis==4.32.5
cargo build -q --locked -p mobipass-verifier-server --bin mobipass-verifier
bin=$PWD/target/debug/mobipass-verifier
st=$(cd "$venv" && pwd)/bin/st

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

"$venv/bin/python" -c 'import secrets; print(secrets.token_hex(32))' > "$work/master.key"
chmod 600 "$work/master.key"
"$bin" api-key --name schemathesis-bank --role bank > "$work/bank.txt"
"$bin" api-key --name schemathesis-ops --role operator > "$work/ops.txt"
bank=$(grep -o 'mpv_[0-9a-f]*' "$work/bank.txt")
ops=$(grep -o 'mpv_[0-9a-f]*' "$work/ops.txt")
# Signing sessions on, with the document's example return URL allowed.
"$venv/bin/python" -c 'import secrets; print(secrets.token_hex(32))' > "$work/return.secret"
chmod 600 "$work/return.secret"
{
  echo "db = \"sqlite://$work/verifier.sqlite3\""
  echo "master_key_file = \"$work/master.key\""
  echo "signing_return_urls = [\"http://127.0.0.1:8441/signed\"]"
  echo "signing_return_secret_file = \"$work/return.secret\""
  grep -hv '^#' "$work/bank.txt" "$work/ops.txt"
} > "$work/verifier.toml"
# A schema-valid return_url is still refused (400 return_url_not_allowed)
# unless it is on the deployment's signing_return_urls: that list is
# configuration, which no static schema can name.
cat > "$work/schemathesis.toml" <<'TOML'
[[operations]]
include-operation-id = "createSigningSession"
checks.positive_data_acceptance.expected-statuses = ["2xx", 400, 401, 403, 404, 409]
TOML

"$bin" serve --config "$work/verifier.toml" --listen 127.0.0.1:0 > "$work/serve.out" 2> "$work/serve.err" &
server=$!
for _ in $(seq 100); do
  grep -q '^listening on ' "$work/serve.out" && break
  kill -0 "$server" 2>/dev/null || { cat "$work/serve.err" >&2; exit 1; }
  sleep 0.1
done
base=$(sed -n 's/^listening on //p' "$work/serve.out")
[ -n "$base" ] || { echo "serve did not start" >&2; cat "$work/serve.err" >&2; exit 1; }

# A few credentials for the generated requests to find (the document's
# example id is one of them): two-channel (the default) with an activation
# code, so that challenges are created, not refused as activation_code_needed.
for id in alice bob carol; do
  for step in issue activation-code; do
    "$venv/bin/python" - "$base/v1/credentials/$id/$step" "$ops" <<'PY'
import sys, urllib.request
request = urllib.request.Request(sys.argv[1], method="POST", headers={"Authorization": "Bearer " + sys.argv[2]})
assert urllib.request.urlopen(request).status == 201
PY
  done
done

checks=${MOBIPASS_ST_CHECKS:-all}
started=$(date +%s)
for who in operator bank; do
  key=$ops
  [ "$who" = bank ] && key=$bank
  echo "schemathesis with the $who key"
  # From the temp dir: schemathesis keeps a crash cache in its working dir.
  (cd "$work" && "$st" run "$base/openapi.json" \
    --header "Authorization: Bearer $key" \
    --checks "$checks" \
    --max-examples "${MOBIPASS_ST_EXAMPLES:-25}" \
    --workers 1 \
    --seed 1 \
    --no-color)
done
echo "schemathesis: no findings in $(($(date +%s) - started)) s"
