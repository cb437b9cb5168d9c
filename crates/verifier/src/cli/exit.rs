//! Exit codes and error reports, one place, so scripts can rely on them.

use std::process::ExitCode;

use crate::VerifierError;

/// `verify`: the response was not accepted.
pub(crate) const NOT_ACCEPTED: u8 = 1;
/// Bad usage or invalid input (clap uses 2 for usage errors too).
pub(crate) const INVALID: u8 = 2;
/// No such credential.
pub(crate) const NOT_FOUND: u8 = 3;
/// The credential's state forbids the action.
pub(crate) const CONFLICT: u8 = 4;
/// Storage or master-key failure.
pub(crate) const STORAGE: u8 = 5;

/// A command that failed, with the error to report.
#[derive(Debug)]
pub(crate) struct Failure(pub(crate) VerifierError);

impl From<VerifierError> for Failure {
    fn from(error: VerifierError) -> Self {
        Self(error)
    }
}

impl Failure {
    fn code(&self) -> (u8, &'static str) {
        match self.0 {
            VerifierError::InvalidInput(_) => (INVALID, "invalid_input"),
            VerifierError::UnknownCredential => (NOT_FOUND, "unknown_credential"),
            VerifierError::AlreadyExists => (CONFLICT, "already_exists"),
            VerifierError::Blocked => (CONFLICT, "blocked"),
            VerifierError::Revoked => (CONFLICT, "revoked"),
            VerifierError::MasterKey(_) => (STORAGE, "master_key"),
            VerifierError::Crypto => (STORAGE, "crypto"),
            VerifierError::Storage(_) => (STORAGE, "storage"),
        }
    }

    /// Prints the error (JSON on stdout with `--json`, text on stderr) and
    /// returns its exit code.
    pub(crate) fn report(self, json: bool) -> ExitCode {
        let (code, name) = self.code();
        if json {
            println!(
                "{}",
                serde_json::json!({ "error": name, "message": self.0.to_string() })
            );
        } else {
            eprintln!("error: {}", self.0);
        }
        ExitCode::from(code)
    }
}
