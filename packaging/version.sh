#!/usr/bin/env bash
# Prints the app's version as Cargo.toml declares it, the single source of the
# version for every installer. Asks cargo instead of parsing TOML so that
# `version.workspace = true` and any later layout change keep working.
# Usage: packaging/version.sh            -> the version (x.y.z, maybe x.y.z-beta.n)
#        packaging/version.sh --numeric  -> x.y.z without a pre-release or build
#                                           suffix, for Info.plist (digits and dots only)
set -euo pipefail
cd "$(dirname "$0")/.."
pkgid=$(cargo pkgid --offline -p mobipass 2>/dev/null || cargo pkgid -p mobipass)
# pkgid looks like path+file:///repo#mobipass@x.y.z (or ...#x.y.z).
version=${pkgid##*[#@]}
if [ "${1:-}" = "--numeric" ]; then
  version=${version%%[-+]*}
fi
printf '%s\n' "$version"
