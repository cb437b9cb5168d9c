//! The graphical app. A placeholder until the iced front end lands, so that
//! `mobipass` without a subcommand says what to do instead of failing oddly.

use std::process::ExitCode;

use crate::token::Token;

/// Starts the graphical app on `token`'s vault.
pub fn run(token: Token) -> ExitCode {
    let _ = token;
    eprintln!("the graphical app is not built yet; see `mobipass --help`");
    ExitCode::FAILURE
}
