//! The terminal mode: the same operations as the window, as subcommands.
//!
//! It exists for scripting, for people who live in a terminal and for screen
//! readers. It holds no crypto and no file logic: everything goes through
//! [`crate::token`]. Standard output carries only results (the response, the
//! status); prompts, notes and errors go to standard error, and each kind of
//! failure has its own exit code ([`exit`]).

mod commands;
pub mod exit;
mod input;
mod terminal;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::token::{Token, VAULT_ENV};

/// MobiPass signs internet-bank payments offline: type the document code the
/// bank shows, get the 8-digit signature value to type back.
///
/// Without a subcommand the window opens.
#[derive(Debug, Parser)]
#[command(name = "mobipass", version, after_help = exit_codes_help())]
pub struct Cli {
    /// The vault file (default: vault.json in the platform data directory).
    #[arg(long, global = true, value_name = "PATH", env = VAULT_ENV)]
    vault: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

/// The terminal mode's subcommands.
#[derive(Debug, Subcommand)]
enum Command {
    /// Save the activation key from the bank's envelope under a new PIN.
    ///
    /// On a terminal the four key parts are asked one by one (a whole key can
    /// be pasted at part 1); if the envelope needs an activation code (the
    /// bank gives it apart: internet bank, contact centre or SMS), the code
    /// is asked next; then the PIN twice, without echo.
    Activate {
        /// Read the key (one line), the activation code (one line, only when
        /// the envelope needs one), then the PIN twice, from standard input.
        #[arg(long)]
        pin_stdin: bool,
        /// Where this computer has no keystore (no Secret Service on Linux),
        /// keep an unbound vault without asking: it opens wherever the file
        /// is copied. Without this flag `--pin-stdin` then fails (exit 10).
        #[arg(long)]
        allow_unbound: bool,
    },
    /// Print the signature value for a document code.
    ///
    /// A mistyped PIN gives a wrong signature value that looks like any other:
    /// MobiPass cannot tell. The bank blocks MobiPass after three wrong ones.
    Sign {
        /// The document code the internet bank shows (6 to 8 digits; spaces allowed, quoted).
        code: String,
        /// Bind the amount into the signature (e.g. 1500, 1500.00, "1 500,00";
        /// at most 2 decimals; 1.000 or 1,000 is refused as ambiguous).
        #[arg(long, requires = "payee")]
        amount: Option<String>,
        /// Bind the payee's account into the signature (its last 8 digits count).
        #[arg(long, requires = "amount")]
        payee: Option<String>,
        /// Print the 8 digits without the space in the middle.
        #[arg(long)]
        plain: bool,
        /// Read the PIN from standard input (one line).
        #[arg(long)]
        pin_stdin: bool,
    },
    /// Change the PIN (the current PIN, then the new one twice).
    ChangePin {
        /// Read the current PIN, the new PIN and the new PIN again from
        /// standard input (one line each).
        #[arg(long)]
        pin_stdin: bool,
    },
    /// Delete the activation key from this computer (overwritten, then removed).
    ///
    /// Asks first: y or yes (also д/да, и/иә) deletes; n, no or Enter keeps it.
    Delete {
        /// Do not ask for confirmation.
        #[arg(long)]
        yes: bool,
    },
    /// Bind an unbound vault to this computer and user account: seal it
    /// under a new key in the OS keystore, so that a copy of the file opens
    /// nowhere else. Needs no PIN.
    Bind,
    /// Show whether MobiPass is activated, with what (the envelope alone, or
    /// with an activation code), since when, its key-derivation cost, and
    /// whether the vault is bound to this computer.
    Status,
}

fn exit_codes_help() -> String {
    use exit::*;
    format!(
        "Exit codes: {OK} done (a mistyped PIN also gives 0 and a signature value), \
         {BAD_INPUT} bad input (nothing written), {NOT_ACTIVATED} not activated, \
         {DAMAGED} vault damaged, {LOCKED} vault busy (another MobiPass is changing it), \
         {IO} file error, {ALREADY_ACTIVATED} already activated, \
         {OUT_OF_MEMORY} not enough free memory (try again), \
         {OTHER_DEVICE} activated on another computer or user account, \
         {NO_KEYSTORE} no keystore, {KEYSTORE_LOCKED} keyring locked, \
         {KEYSTORE_CANCELLED} keyring prompt dismissed, {KEYSTORE_FAILED} keystore failed, \
         {GUI_FAILED} window could not open, \
         {INTERRUPTED} stopped by Ctrl-C."
    )
}

/// Parses the command line and runs it; the window when no subcommand is given.
pub fn run() -> ExitCode {
    let cli = Cli::parse();
    let path = match cli.vault {
        Some(path) => Ok(path),
        None => Token::default_path(),
    };
    let token = match path.and_then(Token::open) {
        Ok(token) => token,
        Err(error) => return exit::Failure::from(error).report(),
    };
    let outcome = match cli.command {
        None => return crate::gui::run(token),
        Some(Command::Activate {
            pin_stdin,
            allow_unbound,
        }) => commands::activate(&token, pin_stdin, allow_unbound),
        Some(Command::Sign {
            code,
            amount,
            payee,
            plain,
            pin_stdin,
        }) => commands::sign(&token, &code, amount.zip(payee), plain, pin_stdin),
        Some(Command::ChangePin { pin_stdin }) => commands::change_pin(&token, pin_stdin),
        Some(Command::Delete { yes }) => commands::delete(&token, yes),
        Some(Command::Bind) => commands::bind(&token),
        Some(Command::Status) => commands::status(&token),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => failure.report(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_line_definition_is_consistent() {
        <Cli as clap::CommandFactory>::command().debug_assert();
    }
}
