#!/usr/bin/env python3
"""Static checks of the packaging files that no platform validator covers.

Run by packaging/validate.sh (and so by CI). Standard library only, so it runs
on a fresh machine. Each check names the file and what is wrong, so a failure
says what to fix:

- versions: Cargo.toml is the only place a version is written. Any x.y.z in a
  packaging file must be that version, the metainfo's newest <release> must be
  it (bump Cargo.toml -> add a <release> entry), and templates use @VERSION@.
- ids: the app id, desktop file, icon name and binary agree everywhere.
- Info.plist (after substitution) parses with plistlib and has the bundle keys.
- the Flatpak manifest parses and installs what the .deb installs.
- icons: every hicolor PNG is the size its folder claims, and the GUI's window
  icon is the one made from the SVG.
"""

import json
import plistlib
import re
import struct
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
APP_ID = "org.mobipass.MobiPass"
BINARY = "mobipass"
ICON_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
SEMVER = re.compile(r"(?<![\w.])\d+\.\d+\.\d+(?:-[0-9A-Za-z.]+)?(?![\w.])")

problems: list[str] = []


def problem(path: Path, message: str) -> None:
    problems.append(f"{path.relative_to(REPO)}: {message}")


def cargo_version() -> str:
    out = subprocess.run(
        ["bash", str(REPO / "packaging/version.sh")],
        check=True, capture_output=True, text=True,
    ).stdout.strip()
    if not SEMVER.fullmatch(out):
        sys.exit(f"packaging/version.sh printed {out!r}, not a version")
    return out


def packaging_files() -> list[Path]:
    skip = {"vendor"}
    return sorted(
        p for p in (REPO / "packaging").rglob("*")
        if p.is_file() and not skip.intersection(p.relative_to(REPO / "packaging").parts)
        and p.name != "cargo-vendor.toml"
    )


def check_versions(version: str) -> None:
    for path in packaging_files():
        if path.suffix == ".py":
            continue  # this checker's own regexes are not versions
        text = path.read_text(encoding="utf-8")
        if path.name.endswith(".metainfo.xml"):
            # Older <release> entries are history, not a claim about this build;
            # the newest one is checked below.
            text = re.sub(r"<release\b[^>]*>", "", text)
        for found in SEMVER.findall(text):
            if found != version:
                problem(path, f"hard-codes version {found}; Cargo.toml says {version}")

    metainfo = REPO / f"packaging/linux/{APP_ID}.metainfo.xml"
    releases = ET.parse(metainfo).getroot().findall("./releases/release")
    if not releases:
        problem(metainfo, "has no <release>")
    elif releases[0].get("version") != version:
        problem(metainfo, f"newest <release> is {releases[0].get('version')}, Cargo.toml says "
                          f"{version}: add a <release> entry on top")

    plist = REPO / "packaging/macos/Info.plist.in"
    if "@VERSION@" not in plist.read_text(encoding="utf-8"):
        problem(plist, "must take the version from make-dmg.sh (@VERSION@)")

    wxs = REPO / "packaging/windows/main.wxs"
    product = ET.parse(wxs).getroot().find("{http://schemas.microsoft.com/wix/2006/wi}Product")
    if product is None or product.get("Version") != "$(var.Version)":
        problem(wxs, "Product Version must be $(var.Version), which cargo-wix takes from Cargo.toml")


def check_desktop_and_metainfo() -> None:
    desktop = REPO / f"packaging/linux/{APP_ID}.desktop"
    entries = dict(
        line.split("=", 1) for line in desktop.read_text(encoding="utf-8").splitlines()
        if "=" in line and not line.startswith("#")
    )
    if entries.get("Icon") != APP_ID:
        problem(desktop, f"Icon= must be {APP_ID}")
    if entries.get("Exec", "").split()[0:1] != [BINARY]:
        problem(desktop, f"Exec= must start {BINARY}")
    if entries.get("StartupWMClass") != APP_ID:
        problem(desktop, f"StartupWMClass= must be {APP_ID} (the GUI's window class)")

    metainfo = REPO / f"packaging/linux/{APP_ID}.metainfo.xml"
    root = ET.parse(metainfo).getroot()
    if root.findtext("id") != APP_ID:
        problem(metainfo, f"<id> must be {APP_ID}")
    if root.findtext("launchable") != f"{APP_ID}.desktop":
        problem(metainfo, f"<launchable> must be {APP_ID}.desktop")
    shots_dir = REPO / "docs/screenshots"
    names = [(image.text or "").rsplit("/", 1)[-1]
             for image in root.iterfind("./screenshots/screenshot/image")]
    if not shots_dir.is_dir():
        # The GUI commits the screenshots; until then there is nothing to compare.
        print(f"note: no docs/screenshots/ yet, {', '.join(names)} not checked")
        return
    for name in names:
        if not (shots_dir / name).is_file():
            problem(metainfo, f"screenshot {name} is not in docs/screenshots/")


def check_info_plist(version: str) -> None:
    path = REPO / "packaging/macos/Info.plist.in"
    numeric = re.sub(r"[-+].*", "", version)
    data = plistlib.loads(path.read_text(encoding="utf-8").replace("@VERSION@", numeric).encode())
    expected = {
        "CFBundleIdentifier": APP_ID,
        "CFBundleExecutable": BINARY,
        "CFBundlePackageType": "APPL",
        "CFBundleShortVersionString": numeric,
        "CFBundleVersion": numeric,
        "CFBundleIconFile": "mobipass.icns",
    }
    for key, value in expected.items():
        if data.get(key) != value:
            problem(path, f"{key} is {data.get(key)!r}, expected {value!r}")
    if not (REPO / "assets/icons" / data.get("CFBundleIconFile", "")).is_file():
        problem(path, "CFBundleIconFile names no file in assets/icons")


def check_flatpak() -> None:
    path = REPO / f"packaging/flatpak/{APP_ID}.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    if manifest.get("id") != APP_ID:
        problem(path, f"id must be {APP_ID}")
    if manifest.get("command") != BINARY:
        problem(path, f"command must be {BINARY}")
    if "--share=network" in manifest.get("finish-args", []):
        problem(path, "MobiPass works offline: the sandbox must not get the network")
    commands = "\n".join(manifest["modules"][-1]["build-commands"])
    for needed in ("--offline", f"/app/share/applications/{APP_ID}.desktop",
                   f"/app/share/metainfo/{APP_ID}.metainfo.xml",
                   f"/app/share/icons/hicolor/scalable/apps/{APP_ID}.svg"):
        if needed not in commands:
            problem(path, f"build-commands lack {needed}")


def png_size(path: Path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    if header[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    return struct.unpack(">II", header[16:24])


def check_icons() -> None:
    icons = REPO / "assets/icons"
    if not (icons / f"{APP_ID}.svg").is_file():
        problem(icons, f"the source {APP_ID}.svg is missing")
    for size in ICON_SIZES:
        png = icons / f"hicolor/{size}x{size}/apps/{APP_ID}.png"
        if not png.is_file():
            problem(png, "missing (run assets/icons/generate.sh)")
        elif png_size(png) != (size, size):
            problem(png, f"is {png_size(png)}, not {size}x{size}")
    window_icon = icons / "mobipass-64.png"
    if window_icon.read_bytes() != (icons / f"hicolor/64x64/apps/{APP_ID}.png").read_bytes():
        problem(window_icon, "is not the 64x64 icon made from the SVG (run assets/icons/generate.sh)")
    ico = icons / "mobipass.ico"
    reserved, kind, count = struct.unpack("<HHH", ico.read_bytes()[:6])
    if (reserved, kind) != (0, 1) or count < 4:
        problem(ico, "is not an icon file with the small and large sizes")
    if (icons / "mobipass.icns").read_bytes()[:4] != b"icns":
        problem(icons / "mobipass.icns", "is not an icns file")


def main() -> int:
    version = cargo_version()
    check_versions(version)
    check_desktop_and_metainfo()
    check_info_plist(version)
    check_flatpak()
    check_icons()
    for line in problems:
        print(f"packaging check: {line}", file=sys.stderr)
    if problems:
        return 1
    print(f"packaging files agree with each other and with version {version}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
