//! The store's half of signing sessions. A session row is written by the
//! challenge transaction that creates its challenge ([`NewSessionRow`] in
//! [`super::NewChallenge`]) and finished by the verify transaction that
//! judges it ([`super::Attempt::session`]); this trait adds only the two
//! operations of its own: exchanging the link token, and reading a session.

use async_trait::async_trait;

use crate::clock::from_millis;
use crate::error::VerifierError;
use crate::ids::CredentialId;
use crate::signing::{SessionState, SigningSession, SigningSessionId};

/// The session part of a new challenge.
pub(crate) struct NewSessionRow {
    pub(crate) id: SigningSessionId,
    pub(crate) token_sha256: String,
    pub(crate) description: String,
    pub(crate) requester: String,
    pub(crate) return_url: String,
}

/// A session as stored, with the credential's counters for `attempts_left`.
pub(crate) struct SessionRow {
    pub(crate) id: Vec<u8>,
    pub(crate) credential: String,
    pub(crate) browser_sha256: Option<String>,
    pub(crate) document_code: String,
    pub(crate) description: String,
    pub(crate) requester: String,
    pub(crate) return_url: String,
    pub(crate) amount_minor: Option<i64>,
    pub(crate) payee: Option<String>,
    pub(crate) created_at: i64,
    pub(crate) expires_at: i64,
    pub(crate) state: String,
    pub(crate) completed_at: Option<i64>,
    pub(crate) failures: i64,
    pub(crate) limit: i64,
    pub(crate) challenge_id: Vec<u8>,
}

/// The columns [`SessionRow`] is read from, in its order (both stores).
pub(crate) const SESSION_COLUMNS: &str = "s.id, s.credential_id, s.browser_sha256, s.document_code,
    s.description, s.requester, s.return_url, s.amount_minor, s.payee, s.created_at,
    s.expires_at, s.state, s.completed_at, c.failures, c.failure_limit, s.challenge_id
    FROM signing_sessions s JOIN credentials c ON c.id = s.credential_id";

impl SessionRow {
    /// The session as of `now`, and the hash of its browser key, if the
    /// link was opened.
    pub(crate) fn into_session(self, now: i64) -> Result<StoredSession, VerifierError> {
        let mut state = SessionState::from_stored(&self.state)?;
        let stored_pending = state == SessionState::Pending;
        let mut completed_at = self.completed_at;
        if state == SessionState::Pending && now >= self.expires_at {
            state = SessionState::Expired;
            completed_at = Some(self.expires_at);
        }
        let attempts_left = (state == SessionState::Pending)
            .then(|| u8::try_from((self.limit - self.failures).max(0)).unwrap_or(0));
        let session = SigningSession {
            id: SigningSessionId::from_stored(self.id)?,
            credential: CredentialId::new(self.credential)?,
            state,
            attempts_left,
            document_code: self.document_code,
            description: self.description,
            requester: self.requester,
            return_url: self.return_url,
            amount_minor: self.amount_minor.map(|a| a as u64),
            payee: self.payee,
            created: from_millis(self.created_at),
            expires_at: from_millis(self.expires_at),
            completed_at: completed_at.map(from_millis),
        };
        let challenge: [u8; 16] = self.challenge_id.try_into().map_err(|_| {
            VerifierError::Storage("a signing session's challenge id is not 16 bytes".into())
        })?;
        Ok(StoredSession {
            session,
            browser_sha256: self.browser_sha256,
            stored_pending,
            challenge: crate::ids::ChallengeId::from_bytes(challenge),
        })
    }
}

/// A session with what only the library sees: its browser key's hash and
/// its challenge.
pub(crate) struct StoredSession {
    pub(crate) session: SigningSession,
    pub(crate) browser_sha256: Option<String>,
    /// Pending in the database (perhaps past its expiry, not yet recorded).
    pub(crate) stored_pending: bool,
    pub(crate) challenge: crate::ids::ChallengeId,
}

/// The audit detail of a session's creation and of its end.
pub(crate) fn session_detail(id: &SigningSessionId, what: &str) -> String {
    format!("session {id}: {what}")
}

/// Signing sessions' own operations.
#[async_trait]
pub(crate) trait SigningStore: Send + Sync {
    /// Exchanges a link token (its hash) for a browser key (its hash), once:
    /// the session's id, or `None` if no session has this token or its link
    /// was opened before.
    async fn open_signing_link(
        &self,
        token_sha256: String,
        browser_sha256: String,
        now: i64,
    ) -> Result<Option<SigningSessionId>, VerifierError>;
    /// A session by id.
    async fn signing_session(
        &self,
        id: SigningSessionId,
    ) -> Result<Option<SessionRow>, VerifierError>;
}
