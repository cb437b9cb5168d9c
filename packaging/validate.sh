#!/usr/bin/env bash
# Validates every packaging file that can be checked on Linux:
#   - the .desktop file (desktop-file-validate) and AppStream metainfo
#     (appstreamcli validate --no-net: CI has no network for screenshot URLs);
#   - the Windows installer source is well-formed XML (xmllint), since WiX
#     itself only runs on Windows;
#   - the macOS bundle: assembled by make-dmg.sh --bundle-only around a stand-in
#     executable, its Info.plist parsed with plistlib;
#   - cross-file consistency: ids, versions, icons (check_files.py).
# Needs Debian's desktop-file-utils, appstream, libxml2-utils (.ci/apt/packaging.txt).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"

echo "desktop-file-validate"
desktop-file-validate packaging/linux/org.mobipass.MobiPass.desktop

echo "appstreamcli validate"
appstreamcli validate --no-net --explain packaging/linux/org.mobipass.MobiPass.metainfo.xml

echo "xmllint (Windows installer source)"
xmllint --noout packaging/windows/main.wxs

echo "macOS bundle layout and Info.plist"
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
printf '#!/bin/sh\nexit 0\n' > "$scratch/mobipass"
chmod 755 "$scratch/mobipass"
CARGO_TARGET_DIR="$scratch/target" packaging/macos/make-dmg.sh --bundle-only --binary "$scratch/mobipass"
python3 - "$scratch/target/macos/MobiPass.app" "$(packaging/version.sh --numeric)" <<'PY'
import plistlib, sys
from pathlib import Path
app, version = Path(sys.argv[1]), sys.argv[2]
info = plistlib.loads((app / "Contents/Info.plist").read_bytes())
assert info["CFBundleShortVersionString"] == version, info["CFBundleShortVersionString"]
assert (app / "Contents/MacOS" / info["CFBundleExecutable"]).is_file(), "executable missing"
assert (app / "Contents/Resources" / info["CFBundleIconFile"]).is_file(), "icon missing"
assert (app / "Contents/PkgInfo").read_bytes() == b"APPL????"
print(f"  {app.name}: Info.plist parses, version {version}, executable and icon in place")
PY

echo "cross-file checks"
python3 packaging/check_files.py
# ...and those checks do fail on the mistakes they are for:
tests=$(python3 packaging/test_check_files.py 2>&1) || { echo "$tests"; exit 1; }
tail -n 3 <<<"$tests"
echo "packaging files valid"
