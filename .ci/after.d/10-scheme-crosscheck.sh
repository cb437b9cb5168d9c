#!/usr/bin/env bash
# The `respond` example against python-oath (PyPI `oath`), an OCRA written by
# others, on random keys, codes, amounts and payees, envelope-only and
# two-channel; then the two-channel vectors are recomputed by their
# independent script and must equal the committed file.
set -euo pipefail
venv=${MOBIPASS_PY_VENV:-target/py-venv}
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install -q --disable-pip-version-check oath==1.4.5
cargo build -q -p mobipass-scheme --example respond
"$venv/bin/python" crates/scheme/scripts/cross_check.py target/debug/examples/respond 300
"$venv/bin/python" crates/scheme/scripts/make_two_channel_vectors.py \
    | diff -u crates/scheme/tests/data/mobipass_v1_two_channel.json - \
    && echo "two-channel vectors: reproduced by scripts/make_two_channel_vectors.py"
