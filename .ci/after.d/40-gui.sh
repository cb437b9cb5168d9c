#!/usr/bin/env bash
# Drives the real MobiPass window under Xvfb (activation and one signature,
# checked against the terminal mode) and keeps the screenshots out of the
# tree. Debian packages come from .ci/apt/gui.txt.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
timeout 900 bash scripts/gui-screenshots.sh "${TMPDIR:-/tmp}/mobipass-gui-screenshots"
