//! Operator command line (in progress).

/// Runs the CLI.
pub fn run() -> std::process::ExitCode {
    std::process::ExitCode::FAILURE
}
