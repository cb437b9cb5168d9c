//! Log output for the service and the CLI: `tracing` events on standard
//! error, filtered by `RUST_LOG`, as text for people or as JSON lines for
//! log shippers (`--log-format json`).
//!
//! Standard output stays reserved for results (`listening on ...`, a
//! command's answer), so logs never mix into what a script parses. No event
//! anywhere carries a secret: keys, responses and codes are never fields.

use tracing_subscriber::EnvFilter;

/// How log lines are written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// One readable line per event.
    #[default]
    Text,
    /// One JSON object per line.
    Json,
}

/// Installs the subscriber. `default_level` applies when `RUST_LOG` is unset
/// (`info` for `serve`, `warn` for one-shot commands, whose answers are
/// their output).
pub fn init(format: LogFormat, default_level: &str) {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default_level));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false);
    // A second init (tests calling `run` twice) keeps the first subscriber.
    let _ = match format {
        LogFormat::Text => builder.with_ansi(false).try_init(),
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
    };
}
