//! `mobipass-verifier`: the operator CLI and the HTTP service.

fn main() -> std::process::ExitCode {
    mobipass_verifier_server::cli::run()
}
