//! The terminal mode's exit codes, one per kind of outcome a script can act on.
//!
//! A wrong PIN has no code of its own: it cannot be detected, and signing with
//! one succeeds (exit 0) with a response the bank will refuse.

use std::process::ExitCode;

use crate::token::{KeystoreError, TokenError};

/// Done.
pub const OK: u8 = 0;
/// The graphical app could not start.
pub const GUI_FAILED: u8 = 1;
/// Bad command line or bad input: a mistyped key part, parts of two
/// envelopes, a malformed or mistyped activation code, a PIN refused by the
/// rules or typed differently twice, a malformed code, amount or payee, or
/// input that ended too early. Nothing was written.
pub const BAD_INPUT: u8 = 2;
/// MobiPass is not activated (no vault file).
pub const NOT_ACTIVATED: u8 = 3;
/// The vault file is damaged or of an unknown format; it was left untouched.
pub const DAMAGED: u8 = 4;
/// Another MobiPass is changing the vault right now.
pub const LOCKED: u8 = 5;
/// The operating system refused a file operation (disk full, permissions).
pub const IO: u8 = 6;
/// `activate` on a vault that already holds a key.
pub const ALREADY_ACTIVATED: u8 = 7;
/// Not enough free memory for the key derivation; try again later.
pub const OUT_OF_MEMORY: u8 = 8;

/// The vault is bound to a keystore entry this computer and user account
/// do not have: it was activated elsewhere. Nothing was written.
pub const OTHER_DEVICE: u8 = 9;
/// No keystore runs (no Secret Service in this session): a bound vault cannot
/// be opened, and activation needs `--allow-unbound` to write an unbound one.
pub const NO_KEYSTORE: u8 = 10;
/// The keyring is locked; unlock it and try again.
pub const KEYSTORE_LOCKED: u8 = 11;
/// The keyring's prompt was dismissed.
pub const KEYSTORE_CANCELLED: u8 = 12;
/// The keystore failed otherwise.
pub const KEYSTORE_FAILED: u8 = 13;

/// Stopped by Ctrl-C (128 + SIGINT, as shells report it).
pub const INTERRUPTED: u8 = 130;

/// The exit code for a core error.
pub fn code_for(error: &TokenError) -> u8 {
    match error {
        TokenError::Key(_)
        | TokenError::PartsDoNotBelongTogether
        | TokenError::Code(_)
        | TokenError::Activation(_)
        | TokenError::Pin(_)
        | TokenError::Question(_) => BAD_INPUT,
        TokenError::NotActivated => NOT_ACTIVATED,
        TokenError::AlreadyActivated => ALREADY_ACTIVATED,
        TokenError::Damaged { .. } => DAMAGED,
        TokenError::Locked { .. } => LOCKED,
        TokenError::Io { .. } | TokenError::NoDataDir => IO,
        TokenError::OutOfMemory => OUT_OF_MEMORY,
        TokenError::OtherDevice => OTHER_DEVICE,
        TokenError::Keystore(error) => match error {
            KeystoreError::NoKeystore => NO_KEYSTORE,
            KeystoreError::Locked => KEYSTORE_LOCKED,
            KeystoreError::Cancelled => KEYSTORE_CANCELLED,
            // The core turns a missing entry into `OtherDevice`.
            KeystoreError::EntryMissing => OTHER_DEVICE,
            KeystoreError::Other { .. } => KEYSTORE_FAILED,
        },
    }
}

/// Why a command stopped early: a message for standard error and an exit code.
#[derive(Debug)]
pub struct Failure {
    /// What to tell the person.
    pub message: String,
    /// What to tell the calling script.
    pub code: u8,
}

impl Failure {
    /// Bad input, reported with `message`.
    pub fn bad_input(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            code: BAD_INPUT,
        }
    }

    /// Prints the message and turns it into the process exit code.
    pub fn report(self) -> ExitCode {
        eprintln!("mobipass: {}", self.message);
        ExitCode::from(self.code)
    }
}

impl From<TokenError> for Failure {
    fn from(error: TokenError) -> Self {
        Self {
            code: code_for(&error),
            message: error.to_string(),
        }
    }
}
