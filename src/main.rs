//! The `mobipass` binary: the terminal mode's subcommands, or the window when
//! run without one.

fn main() -> std::process::ExitCode {
    mobipass::cli::run()
}
