#!/usr/bin/env bash
# Prints the app's version as Cargo.toml declares it, the single source of the
# version for every installer. Asks cargo instead of parsing TOML so that
# `version.workspace = true` and any later layout change keep working.
# Usage: packaging/version.sh            -> 0.1.0 (or 0.2.0-beta.1)
#        packaging/version.sh --numeric  -> 0.1.0 (pre-release/build suffix cut,
#                                           for Info.plist, which allows digits and dots only)
set -euo pipefail
cd "$(dirname "$0")/.."
pkgid=$(cargo pkgid --offline -p mobipass 2>/dev/null || cargo pkgid -p mobipass)
# pkgid looks like path+file:///repo#mobipass@0.1.0 (or ...#0.1.0).
version=${pkgid##*[#@]}
if [ "${1:-}" = "--numeric" ]; then
  version=${version%%[-+]*}
fi
printf '%s\n' "$version"
