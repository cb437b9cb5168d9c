#!/usr/bin/env bash
# The `respond` example against python-oath (PyPI `oath`), an OCRA written by
# others, on random keys, codes, amounts and payees.
set -euo pipefail
venv=${MOBIPASS_PY_VENV:-target/py-venv}
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install -q --disable-pip-version-check oath==1.4.5
cargo build -q -p mobipass-scheme --example respond
"$venv/bin/python" crates/scheme/scripts/cross_check.py target/debug/examples/respond 300
