#!/usr/bin/env bash
# The app's macOS and Windows keystore back ends (src/token/keystore/native.rs,
# through the keyring crate) type-checked for their targets (issue 17). They
# never run here. rustup can add a target only with access to
# static.rust-lang.org, which a fresh CI machine may not have: a target that
# is not installed is reported as NOT CHECKED, never as passed.
set -euo pipefail
installed=$(rustup target list --installed 2>/dev/null || true)
for target in x86_64-pc-windows-gnu x86_64-apple-darwin; do
  if ! grep -qx "$target" <<<"$installed"; then
    echo "NOT CHECKED: the $target target is not installed (rustup target add $target)"
    continue
  fi
  started=$(date +%s)
  cargo check -q --locked -p mobipass --lib --target "$target"
  echo "checked: mobipass (lib) for $target in $(( $(date +%s) - started )) s"
done
