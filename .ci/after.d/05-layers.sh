#!/usr/bin/env bash
# The verifier library is what a bank embeds: it must compile no web server,
# no CLI parser and no config-file format (docs/ARCHITECTURE.md).
set -euo pipefail
cd "$(dirname "$0")/../.."
forbidden='^(axum|hyper|hyper-util|clap|toml|tracing-subscriber|prometheus-client) '
found=$(cargo tree -p mobipass-verifier -e normal --prefix none --locked | sort -u | grep -E "$forbidden" || true)
if [ -n "$found" ]; then
  echo "mobipass-verifier (the library) depends on server crates:" >&2
  echo "$found" >&2
  exit 1
fi
# The scheme crate is pure: no I/O crates at all.
found=$(cargo tree -p mobipass-scheme -e normal --prefix none --locked | sort -u | grep -E '^(tokio|rusqlite|tokio-postgres|directories|tracing) ' || true)
if [ -n "$found" ]; then
  echo "mobipass-scheme (pure) depends on I/O crates:" >&2
  echo "$found" >&2
  exit 1
fi
echo "layers: the verifier library has no HTTP/CLI crates; the scheme has no I/O crates"
