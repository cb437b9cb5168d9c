#!/usr/bin/env bash
# Regenerates every derived icon from the one source SVG, so the sizes can never
# drift apart: hicolor PNGs (Linux, Flatpak), mobipass-64.png (the GUI's window
# icon), mobipass.ico (Windows exe + installer) and mobipass.icns (macOS bundle).
#
# Needs Debian's librsvg2-bin (rsvg-convert), icoutils (icotool) and
# icnsutils (png2icns):  apt-get install librsvg2-bin icoutils icnsutils
# The outputs are committed, so building a package never needs these tools.
set -euo pipefail
cd "$(dirname "$0")"

source_svg=org.mobipass.MobiPass.svg
name=org.mobipass.MobiPass
sizes=(16 24 32 48 64 128 256 512)

for tool in rsvg-convert icotool png2icns; do
  command -v "$tool" >/dev/null || { echo "generate.sh: $tool is missing (see the header of this script)" >&2; exit 1; }
done

for size in "${sizes[@]}"; do
  dir="hicolor/${size}x${size}/apps"
  mkdir -p "$dir"
  rsvg-convert --width "$size" --height "$size" "$source_svg" --output "$dir/$name.png"
done

png() { echo "hicolor/${1}x${1}/apps/$name.png"; }

# The GUI's window icon (src/gui/look.rs embeds this path).
cp "$(png 64)" mobipass-64.png

# Windows shows 16..48 in lists and 256 in large views; 256 is stored as PNG
# (--raw) as Vista and later expect, the small ones as BMP for old shells.
icotool --create --output mobipass.ico \
  "$(png 16)" "$(png 24)" "$(png 32)" "$(png 48)" "$(png 64)" --raw="$(png 256)"

# png2icns picks the icns slot from each image's size.
png2icns mobipass.icns "$(png 16)" "$(png 32)" "$(png 128)" "$(png 256)" "$(png 512)" >/dev/null

echo "icons regenerated from $source_svg"
