//! `mobipass-verifier`: the operator CLI and (issue 6) the HTTP service.

fn main() -> std::process::ExitCode {
    mobipass_verifier::cli::run()
}
