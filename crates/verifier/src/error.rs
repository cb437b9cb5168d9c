//! What can go wrong, in words an operator or a bank backend can act on.
//!
//! No variant carries a secret: messages name the credential or the kind of
//! input that was wrong, never a key, a response or a master key.

/// Errors of the verifier library.
#[derive(Debug, thiserror::Error)]
pub enum VerifierError {
    /// No credential with this id exists.
    #[error("no credential with this id")]
    UnknownCredential,
    /// `issue` was called for an id that already has a credential (use `reissue`).
    #[error("a credential with this id already exists (use reissue to replace its key)")]
    AlreadyExists,
    /// The credential was revoked; revocation is final.
    #[error("the credential is revoked")]
    Revoked,
    /// The credential is blocked; no challenge is created until it is unblocked.
    #[error("the credential is blocked")]
    Blocked,
    /// A two-channel credential has had no activation code since it was
    /// issued (or reissued): there is no key to sign with yet.
    #[error("the credential needs an activation code first")]
    ActivationCodeNeeded,
    /// The two-channel credential's activation code expired before a
    /// response confirmed it; a new code is needed.
    #[error("the activation code expired unconfirmed; issue a new one")]
    ActivationExpired,
    /// Activation codes exist only for two-channel credentials.
    #[error("the credential is envelope-only: it takes no activation code")]
    NotTwoChannel,
    /// The caller passed something malformed (an id, a response, an amount...).
    #[error("invalid input: {0}")]
    InvalidInput(String),
    /// The master key could not be read, or does not fit this database.
    #[error("master key: {0}")]
    MasterKey(String),
    /// The PKCS#11 token (HSM) holding the master key cannot be used: its
    /// module, the token, the PIN or the key object. Raised when the key is
    /// loaded or created; an HSM failing later, mid-operation, is
    /// [`VerifierError::Busy`] instead.
    #[error("HSM: {message}")]
    Hsm {
        /// What was wrong, for exit codes.
        problem: HsmProblem,
        /// Says what to fix; never holds the PIN.
        message: String,
    },
    /// A stored seed failed to decrypt: wrong master key or a damaged row.
    #[error("a stored seed could not be decrypted (wrong master key or damaged database)")]
    Crypto,
    /// The database failed or could not be reached.
    #[error("storage: {0}")]
    Storage(String),
    /// The store is overloaded or a row is held elsewhere: the operation
    /// waited its bounded time (lock, statement or pool-wait timeout; a full
    /// SQLite queue) and gave up; its transaction was rolled back. Retry later.
    #[error("the verifier is busy ({0}); retry later")]
    Busy(&'static str),
    /// This machine's clock and the database server's disagree by more than
    /// [`crate::MAX_CLOCK_SKEW`]: challenge expiry would be judged wrongly.
    #[error(
        "this machine's clock is {} s {} the database server's: challenge expiry would be wrong; synchronise the clocks (NTP)",
        (.skew_ms.unsigned_abs() + 500) / 1000,
        if *.skew_ms > 0 { "ahead of" } else { "behind" }
    )]
    ClockSkew {
        /// This machine's time minus the database server's, in milliseconds.
        skew_ms: i64,
    },
}

/// Which part of the HSM setup failed ([`VerifierError::Hsm`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HsmProblem {
    /// The PKCS#11 module (shared library) cannot be loaded or initialised.
    Module,
    /// No token with the URI's label is present.
    Token,
    /// The token refused the PIN (wrong, locked, or none given).
    Pin,
    /// The key object is missing, ambiguous, of the wrong kind, or (when
    /// creating it) exists already.
    Object,
    /// The token answered with another error.
    Device,
}

impl From<rusqlite::Error> for VerifierError {
    fn from(error: rusqlite::Error) -> Self {
        Self::Storage(error.to_string())
    }
}

impl From<tokio_postgres::Error> for VerifierError {
    fn from(error: tokio_postgres::Error) -> Self {
        use tokio_postgres::error::SqlState;
        match error.code() {
            Some(code) if *code == SqlState::LOCK_NOT_AVAILABLE => {
                Self::Busy("a row it needs is locked elsewhere")
            }
            // statement_timeout (or an administrator's cancel).
            Some(code) if *code == SqlState::QUERY_CANCELED => Self::Busy("a statement timed out"),
            _ => Self::Storage(describe_pg(&error)),
        }
    }
}

/// tokio-postgres says only "db error" on its own; the cause is the server's
/// message (never its `detail`, which may quote row values) or the I/O
/// error beneath.
fn describe_pg(error: &tokio_postgres::Error) -> String {
    if let Some(db) = error.as_db_error() {
        return format!("{error}: {} (SQLSTATE {})", db.message(), db.code().code());
    }
    match std::error::Error::source(error) {
        Some(cause) => format!("{error}: {cause}"),
        None => error.to_string(),
    }
}

impl From<deadpool_postgres::PoolError> for VerifierError {
    fn from(error: deadpool_postgres::PoolError) -> Self {
        match error {
            deadpool_postgres::PoolError::Timeout(_) => Self::Busy("no free database connection"),
            deadpool_postgres::PoolError::Backend(error) => error.into(),
            other => Self::Storage(other.to_string()),
        }
    }
}
