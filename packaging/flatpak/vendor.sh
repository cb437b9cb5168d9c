#!/usr/bin/env bash
# Vendors every crate MobiPass depends on into packaging/flatpak/vendor and
# writes packaging/flatpak/cargo-vendor.toml, which points cargo at it.
#
# Why: flatpak-builder runs the build without network, so every crate must be
# on disk before it starts. Run this once per Cargo.lock change, on a machine
# with network, before `flatpak-builder` (see README, "Install" > "Flatpak").
# Both outputs are git-ignored: they are build inputs, not sources.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
cd "$repo"

rm -rf packaging/flatpak/vendor
# --locked: vendor exactly what Cargo.lock pins, never resolve anew.
# cargo prints the [source] replacement that makes the vendored copy the only
# source of crates; the path in it is relative to the repository root, which
# is where the manifest's build copies it (.cargo/config.toml).
cargo vendor --locked --versioned-dirs packaging/flatpak/vendor > packaging/flatpak/cargo-vendor.toml
echo "vendored $(find packaging/flatpak/vendor -mindepth 1 -maxdepth 1 | wc -l) crates into packaging/flatpak/vendor"
