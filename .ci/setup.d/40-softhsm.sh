# SoftHSM2 (Debian's softhsm2, .ci/apt/hsm.txt) for the verifier's PKCS#11
# tests: a private SOFTHSM2_CONF and token directory in a temporary folder,
# two tokens with test PINs, and the variables the tests read. Sourced by
# .ci/run (set -euo pipefail); safe to source again: a second run keeps the
# tokens it made.
mobipass_softhsm_setup() {
  local module="" candidate
  for candidate in /usr/lib/softhsm/libsofthsm2.so /usr/lib/*/softhsm/libsofthsm2.so; do
    if [ -f "$candidate" ]; then
      module=$candidate
      break
    fi
  done
  if [ -z "$module" ] || ! command -v softhsm2-util >/dev/null; then
    echo "SoftHSM2 is not installed (.ci/apt/hsm.txt lists it)" >&2
    return 1
  fi
  if [ -z "${MOBIPASS_TEST_SOFTHSM_DIR:-}" ] || [ ! -d "$MOBIPASS_TEST_SOFTHSM_DIR/tokens" ]; then
    MOBIPASS_TEST_SOFTHSM_DIR=$(mktemp -d "${TMPDIR:-/tmp}/mobipass-softhsm.XXXXXX")
    mkdir -m 700 "$MOBIPASS_TEST_SOFTHSM_DIR/tokens"
    printf 'directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\n' \
      "$MOBIPASS_TEST_SOFTHSM_DIR/tokens" > "$MOBIPASS_TEST_SOFTHSM_DIR/softhsm2.conf"
  fi
  export MOBIPASS_TEST_SOFTHSM_DIR
  export SOFTHSM2_CONF="$MOBIPASS_TEST_SOFTHSM_DIR/softhsm2.conf"
  local token slots
  # mobipass-test: keys of the tests; mobipass-pin-test: wrong-PIN tests only,
  # so that a PIN retry counter never locks the token the others use;
  # mobipass-away-test: the test that takes the token away mid-run.
  for token in mobipass-test mobipass-pin-test mobipass-away-test; do
    # Read whole, then searched: grep -q closing the pipe early must not
    # make an existing token look missing under pipefail.
    slots=$(softhsm2-util --show-slots 2>/dev/null || true)
    if ! grep -q "Label: *$token *$" <<<"$slots"; then
      softhsm2-util --init-token --free --label "$token" --so-pin 87654321 --pin 123456 >/dev/null
    fi
  done
  export MOBIPASS_TEST_PKCS11_MODULE="$module"
  export MOBIPASS_TEST_PKCS11_TOKEN=mobipass-test
  export MOBIPASS_TEST_PKCS11_PIN_TOKEN=mobipass-pin-test
  export MOBIPASS_TEST_PKCS11_AWAY_TOKEN=mobipass-away-test
  export MOBIPASS_TEST_PKCS11_PIN=123456
  echo "SoftHSM2 tokens in $MOBIPASS_TEST_SOFTHSM_DIR; MOBIPASS_TEST_PKCS11_* and SOFTHSM2_CONF set"
}
mobipass_softhsm_setup
