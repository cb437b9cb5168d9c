//! What can go wrong with the vault, as a front end needs to explain it.
//!
//! Every variant is something a person can act on (fix the input, activate,
//! delete a damaged vault, wait for the other window, free disk space). None
//! of them can mean "wrong PIN": the app cannot know that, by design. No
//! message carries a key part, a PIN or the mask.

use std::path::PathBuf;

use mobipass_scheme::{ActivationError, CodeError, KeyError, PinError, QuestionError};

use super::keystore::KeystoreError;

/// Why a vault operation was refused or failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// A key part was mistyped (the part is named).
    #[error(transparent)]
    Key(#[from] KeyError),
    /// The four parts each check, but two are of one kind of envelope and two
    /// of the other: they come from different envelopes or were mistyped.
    #[error("the parts do not belong together; compare them with the envelope")]
    PartsDoNotBelongTogether,
    /// The activation code is malformed or has a typo.
    #[error(transparent)]
    Code(#[from] CodeError),
    /// The envelope needs an activation code and none was given, or it is an
    /// envelope-only one and a code was given.
    #[error(transparent)]
    Activation(#[from] ActivationError),
    /// A PIN does not have the right shape, or a new PIN is too easy to guess
    /// or was not typed the same twice.
    #[error(transparent)]
    Pin(#[from] PinError),
    /// The document code, amount or payee is malformed.
    #[error(transparent)]
    Question(#[from] QuestionError),
    /// There is no vault yet.
    #[error("MobiPass is not activated yet: activate it with the key from the bank's envelope")]
    NotActivated,
    /// A vault exists; activating again would overwrite it.
    #[error("MobiPass is already activated; to use another key, delete this one first")]
    AlreadyActivated,
    /// The vault file cannot be read as a MobiPass vault. It is left as it is.
    #[error(
        "the MobiPass vault {} cannot be used: {reason}. Delete the key in MobiPass and activate again with the key from the bank's envelope",
        path.display()
    )]
    Damaged {
        /// The vault file.
        path: PathBuf,
        /// What is wrong with it.
        reason: DamageReason,
    },
    /// Another MobiPass (the window or a terminal command) is changing the vault.
    #[error(
        "another MobiPass window or command is changing the vault {}; try again when it has finished",
        path.display()
    )]
    Locked {
        /// The vault file.
        path: PathBuf,
    },
    /// The operating system refused a file operation (disk full, no permission...).
    #[error("could not read or write {}: {kind}", path.display())]
    Io {
        /// The file or directory concerned.
        path: PathBuf,
        /// What the operating system reported.
        kind: std::io::ErrorKind,
    },
    /// The key derivation could not get the memory it needs (256 MiB by
    /// default). Passing: nothing is wrong with the vault.
    #[error(
        "not enough free memory to compute the signature (MobiPass needs about 256 MiB for a moment); close other programs and try again"
    )]
    OutOfMemory,
    /// The vault is bound to a keystore entry that this computer and user
    /// account do not have: the file was copied here from elsewhere (or the
    /// entry was removed). Nothing was written.
    #[error(
        "this MobiPass was activated on another computer or user account; activate again with your envelope"
    )]
    OtherDevice,
    /// The keystore could not be used: none runs, it is locked, its prompt
    /// was dismissed, or it failed. Nothing was written.
    #[error(transparent)]
    Keystore(#[from] KeystoreError),
    /// No vault path was given and the platform has no data directory for this user.
    #[error(
        "found no data directory for this user; choose a vault file with --vault or MOBIPASS_VAULT"
    )]
    NoDataDir,
}

/// What is wrong with a damaged vault file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DamageReason {
    /// The file has no content.
    #[error("the file is empty")]
    Empty,
    /// The file is far larger than any vault (a few hundred bytes).
    #[error("the file is far too large to be a MobiPass vault")]
    TooLarge,
    /// The path names something other than a regular file (a FIFO, a device,
    /// a directory).
    #[error("it is not a regular file")]
    NotAFile,
    /// The file ends in the middle of its content.
    #[error("the file is cut short")]
    Truncated,
    /// The file is not a MobiPass vault (other JSON, or not JSON at all).
    #[error("the file is not a MobiPass vault")]
    Foreign,
    /// The file was written by a newer MobiPass.
    #[error("it was written by a newer MobiPass (vault format {found})")]
    NewerFormat {
        /// The format version found in the file.
        found: u32,
    },
    /// The file is for a scheme version this MobiPass does not implement.
    #[error("it uses scheme version {found}, which this MobiPass does not know")]
    UnknownScheme {
        /// The scheme version found in the file.
        found: u32,
    },
    /// The stored Argon2id parameters cannot be run.
    #[error("the stored key-derivation parameters are invalid")]
    BadKdf,
    /// The stored envelope kind is neither `envelope_only` nor `two_channel`.
    #[error("the stored envelope kind is unknown")]
    BadKind,
    /// The stored salt is not 16 bytes of hex.
    #[error("the stored salt is invalid")]
    BadSalt,
    /// The stored mask is not 36 digits.
    #[error("the stored mask is invalid")]
    BadMask,
    /// A bound vault's seal is malformed or does not open with its device
    /// key: the file was altered.
    #[error("its seal does not open with this computer's key (the file was altered)")]
    BadSeal,
    /// A stored date is not an RFC 3339 UTC timestamp.
    #[error("a stored date is invalid")]
    BadDate,
}

impl From<mobipass_scheme::EnvelopeError> for TokenError {
    fn from(error: mobipass_scheme::EnvelopeError) -> Self {
        match error {
            mobipass_scheme::EnvelopeError::Key(key) => Self::Key(key),
            mobipass_scheme::EnvelopeError::PartsDoNotBelongTogether => {
                Self::PartsDoNotBelongTogether
            }
        }
    }
}

impl TokenError {
    pub(crate) fn io(path: impl Into<PathBuf>, error: &std::io::Error) -> Self {
        Self::Io {
            path: path.into(),
            kind: error.kind(),
        }
    }
}
