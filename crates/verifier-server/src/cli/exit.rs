//! Exit codes and error reports, one place, so scripts can rely on them.
//!
//! Reports are written with fallible writes: a closed stdout or stderr must
//! not turn a clean error into a panic (exit 101) that hides the real code.

use std::io::{self, Write};
use std::process::ExitCode;

use mobipass_verifier::{CredentialId, HsmProblem, VerifierError};

/// `verify`: the response was not accepted.
pub(crate) const NOT_ACCEPTED: u8 = 1;
/// Bad usage or invalid input (clap uses 2 for usage errors too).
pub(crate) const INVALID: u8 = 2;
/// No such credential.
pub(crate) const NOT_FOUND: u8 = 3;
/// The credential's state forbids the action.
pub(crate) const CONFLICT: u8 = 4;
/// Storage, master-key or clock failure.
pub(crate) const STORAGE: u8 = 5;
/// The action was done (and committed) but its result could not be written
/// to stdout (closed pipe, full disk).
pub(crate) const OUTPUT: u8 = 6;

/// The PKCS#11 module (`pkcs11_module`) cannot be loaded or started.
pub(crate) const HSM_MODULE: u8 = 10;
/// No token with the URI's `token=` label.
pub(crate) const HSM_TOKEN: u8 = 11;
/// The token refused the PIN (wrong, locked, not set).
pub(crate) const HSM_PIN: u8 = 12;
/// The key object is missing, ambiguous, unfit, or exists already (`master-key new`).
pub(crate) const HSM_OBJECT: u8 = 13;

/// A command that failed, with the error to report.
#[derive(Debug)]
pub(crate) enum Failure {
    /// The verifier refused or failed.
    Verifier(VerifierError),
    /// The result could not be printed; the message says what to do.
    Output(String),
}

impl From<VerifierError> for Failure {
    fn from(error: VerifierError) -> Self {
        Self::Verifier(error)
    }
}

impl From<io::Error> for Failure {
    fn from(error: io::Error) -> Self {
        Self::Output(format!(
            "done, but the result could not be written to stdout: {}",
            error.kind()
        ))
    }
}

impl Failure {
    /// `issue`/`reissue` committed a key that nobody has seen: the only way
    /// to an envelope now is another reissue.
    pub(crate) fn code_not_printed(id: &CredentialId, error: &io::Error) -> Self {
        Self::Output(format!(
            "activation code issued but it could not be printed ({}): run `activation-code {id}` again",
            error.kind()
        ))
    }

    pub(crate) fn key_not_printed(id: &CredentialId, what: &str, error: &io::Error) -> Self {
        Self::Output(format!(
            "credential {what} but the key could not be printed ({}): run `reissue {id}`",
            error.kind()
        ))
    }

    fn code(&self) -> (u8, &'static str) {
        let Self::Verifier(error) = self else {
            return (OUTPUT, "output");
        };
        match error {
            VerifierError::InvalidInput(_) => (INVALID, "invalid_input"),
            VerifierError::UnknownCredential => (NOT_FOUND, "unknown_credential"),
            VerifierError::AlreadyExists => (CONFLICT, "already_exists"),
            VerifierError::Blocked => (CONFLICT, "blocked"),
            VerifierError::Revoked => (CONFLICT, "revoked"),
            VerifierError::ActivationCodeNeeded => (CONFLICT, "activation_code_needed"),
            VerifierError::ActivationExpired => (CONFLICT, "activation_expired"),
            VerifierError::NotTwoChannel => (CONFLICT, "not_two_channel"),
            VerifierError::MasterKey(_) => (STORAGE, "master_key"),
            VerifierError::Crypto => (STORAGE, "crypto"),
            VerifierError::Storage(_) => (STORAGE, "storage"),
            VerifierError::ClockSkew { .. } => (STORAGE, "clock_skew"),
            VerifierError::Busy(_) => (STORAGE, "busy"),
            VerifierError::Hsm { problem, .. } => match problem {
                HsmProblem::Module => (HSM_MODULE, "hsm_module"),
                HsmProblem::Token => (HSM_TOKEN, "hsm_token"),
                HsmProblem::Pin => (HSM_PIN, "hsm_pin"),
                HsmProblem::Object => (HSM_OBJECT, "hsm_object"),
                HsmProblem::Device => (STORAGE, "hsm_device"),
            },
        }
    }

    /// Prints the error (JSON on stdout with `--json`, text on stderr; an
    /// output failure always on stderr, stdout being what failed) and
    /// returns its exit code.
    pub(crate) fn report(self, json: bool) -> ExitCode {
        let (code, name) = self.code();
        let message = match &self {
            Self::Verifier(error) => error.to_string(),
            Self::Output(message) => message.clone(),
        };
        if json && code != OUTPUT {
            let _ = writeln!(
                io::stdout().lock(),
                "{}",
                serde_json::json!({ "error": name, "message": message })
            );
            let _ = io::stdout().lock().flush();
        } else {
            let _ = writeln!(io::stderr().lock(), "error: {message}");
        }
        ExitCode::from(code)
    }
}
