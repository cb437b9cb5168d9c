#!/usr/bin/env bash
# Builds MobiPass.app and MobiPass-<version>.dmg on macOS.
#
#   packaging/macos/make-dmg.sh                 release build for this Mac's CPU
#   packaging/macos/make-dmg.sh --universal     one binary for Apple silicon and Intel
#                                               (needs: rustup target add aarch64-apple-darwin x86_64-apple-darwin)
#   packaging/macos/make-dmg.sh --bundle-only --binary PATH
#                                               only assemble the .app around an existing binary;
#                                               runs on any OS (CI uses it on Linux to check the bundle)
#
# Output: $CARGO_TARGET_DIR/macos (default target/macos).
# Signing: ad-hoc by default, which Apple silicon needs to run the app at all;
# set MACOS_SIGN_IDENTITY="Developer ID Application: ..." to sign for
# distribution (then notarise the .dmg with `xcrun notarytool`).
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
cd "$repo"

universal=no
bundle_only=no
binary=
while [ $# -gt 0 ]; do
  case "$1" in
    --universal) universal=yes ;;
    --bundle-only) bundle_only=yes ;;
    --binary) binary=${2:?--binary needs a path}; shift ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "make-dmg.sh: unknown argument '$1' (try --help)" >&2; exit 2 ;;
  esac
  shift
done

version=$(packaging/version.sh --numeric)
target_dir=${CARGO_TARGET_DIR:-$repo/target}
out="$target_dir/macos"
app="$out/MobiPass.app"

if [ -z "$binary" ]; then
  if [ "$universal" = yes ]; then
    for triple in aarch64-apple-darwin x86_64-apple-darwin; do
      cargo build --release --locked --bin mobipass --target "$triple"
    done
    mkdir -p "$out"
    binary="$out/mobipass-universal"
    lipo -create -output "$binary" \
      "$target_dir/aarch64-apple-darwin/release/mobipass" \
      "$target_dir/x86_64-apple-darwin/release/mobipass"
  else
    cargo build --release --locked --bin mobipass
    binary="$target_dir/release/mobipass"
  fi
fi
[ -x "$binary" ] || { echo "make-dmg.sh: no executable at $binary" >&2; exit 1; }

# Assemble the bundle from scratch each time so no stale file from an older
# build ends up inside it.
rm -rf "$app"
mkdir -p "$app/Contents/MacOS" "$app/Contents/Resources"
cp "$binary" "$app/Contents/MacOS/mobipass"
chmod 755 "$app/Contents/MacOS/mobipass"
cp assets/icons/mobipass.icns "$app/Contents/Resources/mobipass.icns"
sed "s/@VERSION@/$version/g" packaging/macos/Info.plist.in > "$app/Contents/Info.plist"
printf 'APPL????' > "$app/Contents/PkgInfo"
echo "bundle: $app (version $version)"

if [ "$bundle_only" = yes ]; then
  exit 0
fi

plutil -lint "$app/Contents/Info.plist"
if [ -n "${MACOS_SIGN_IDENTITY:-}" ]; then
  # Notarisation wants the hardened runtime and a secure timestamp.
  codesign --force --options runtime --timestamp --sign "$MACOS_SIGN_IDENTITY" "$app"
else
  codesign --force --sign - "$app"
fi
codesign --verify --strict "$app"

# The disk image shows the app next to a link to /Applications, the usual
# drag-to-install layout.
staging="$out/dmg-staging"
rm -rf "$staging"
mkdir -p "$staging"
cp -R "$app" "$staging/"
ln -s /Applications "$staging/Applications"
dmg="$out/MobiPass-$version.dmg"
rm -f "$dmg"
hdiutil create -volname "MobiPass $version" -srcfolder "$staging" -fs HFS+ -format UDZO -ov "$dmg"
rm -rf "$staging"
echo "disk image: $dmg"
