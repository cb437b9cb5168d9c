//! Signing sessions: a challenge a bank hands to a hosted payer page
//! instead of showing it itself (issue 14).
//!
//! A session is a challenge plus what the page shows (requester,
//! description, amount and payee) and where the browser goes back to. It is
//! created in the same transaction as its challenge and judged by the one
//! [`crate::Verifier::verify`] path: the session only records what the
//! challenge's verdict meant for it, in the same transaction, so the lockout
//! logic exists once.
//!
//! Two secrets guard the page, both 256 random bits known to the database
//! only by their SHA-256: the link token in the URL the bank gives the
//! payer, exchangeable once, and the browser key it is exchanged for (an
//! HttpOnly cookie), which every later page view and POST must present.

use std::fmt;
use std::str::FromStr;
use std::time::SystemTime;

use serde::Serialize;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use crate::error::VerifierError;
use crate::ids::CredentialId;
use crate::model::{Outcome, Verified};

/// Longest description, in characters.
pub const MAX_DESCRIPTION_LEN: usize = 200;
/// Longest requester name, in characters.
pub const MAX_REQUESTER_LEN: usize = 80;
/// Longest return URL, in bytes.
pub const MAX_RETURN_URL_LEN: usize = 2000;

/// A session id: 128 random bits as 32 lowercase hex digits. Not a secret
/// (it is safe to log and travels in the return form), but unguessable so
/// that it reveals nothing about volume.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SigningSessionId([u8; 16]);

impl SigningSessionId {
    pub(crate) fn generate() -> Self {
        let mut bytes = [0u8; 16];
        getrandom::fill(&mut bytes).expect("the OS random source failed");
        Self(bytes)
    }

    /// The raw bytes.
    pub fn as_bytes(&self) -> &[u8; 16] {
        &self.0
    }

    pub(crate) fn from_stored(bytes: Vec<u8>) -> Result<Self, VerifierError> {
        bytes
            .try_into()
            .map(Self)
            .map_err(|_| VerifierError::Storage("a signing session id is not 16 bytes".into()))
    }
}

impl FromStr for SigningSessionId {
    type Err = VerifierError;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let invalid =
            || VerifierError::InvalidInput("a signing session id is 32 hex digits".into());
        if text.len() != 32 {
            return Err(invalid());
        }
        let bytes = hex::decode(text).map_err(|_| invalid())?;
        bytes.try_into().map(Self).map_err(|_| invalid())
    }
}

impl fmt::Display for SigningSessionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex::encode(self.0))
    }
}

impl Serialize for SigningSessionId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// A link token or a browser key: 256 random bits as 64 lowercase hex
/// digits, zeroized on drop, never printed by `Debug`.
pub struct SigningSecret(Zeroizing<String>);

impl SigningSecret {
    pub(crate) fn generate() -> Self {
        let mut bytes = Zeroizing::new([0u8; 32]);
        getrandom::fill(&mut *bytes).expect("the OS random source failed");
        Self(Zeroizing::new(hex::encode(*bytes)))
    }

    /// A secret from a URL segment or cookie; `None` unless it has the shape.
    pub fn parse(text: &str) -> Option<Self> {
        (text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit()))
            .then(|| Self(Zeroizing::new(text.to_ascii_lowercase())))
    }

    /// The 64 hex digits (for the URL or the cookie only).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// What the database keeps.
    pub(crate) fn hash(&self) -> String {
        hex::encode(Sha256::digest(self.0.as_bytes()))
    }

    /// Whether this secret hashes to `stored`, compared in constant time.
    pub(crate) fn matches(&self, stored: &str) -> bool {
        bool::from(self.hash().as_bytes().ct_eq(stored.as_bytes()))
    }
}

impl fmt::Debug for SigningSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SigningSecret([redacted])")
    }
}

/// Where a session is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SessionState {
    /// Waiting for the payer's signature value.
    Pending,
    /// A right value was accepted (final).
    Accepted,
    /// The credential is blocked, revoked or needs a new activation: the
    /// payer must call the bank (final).
    Blocked,
    /// The challenge expired (or was dropped by a reissue) first (final).
    Expired,
}

impl SessionState {
    /// The stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Accepted => "accepted",
            Self::Blocked => "blocked",
            Self::Expired => "expired",
        }
    }

    /// Whether nothing changes it any more.
    pub fn is_final(self) -> bool {
        self != Self::Pending
    }

    pub(crate) fn from_stored(text: &str) -> Result<Self, VerifierError> {
        match text {
            "pending" => Ok(Self::Pending),
            "accepted" => Ok(Self::Accepted),
            "blocked" => Ok(Self::Blocked),
            "expired" => Ok(Self::Expired),
            _ => Err(VerifierError::Storage(format!(
                "unknown signing session state {text:?} in the database"
            ))),
        }
    }

    /// The final state a verification's outcome puts a session in, if any.
    /// A wrong value with attempts left and a temporary lock leave it
    /// pending.
    pub(crate) fn after(outcome: &Outcome) -> Option<Self> {
        match outcome {
            Outcome::Accepted => Some(Self::Accepted),
            Outcome::Rejected { .. } | Outcome::Locked { .. } => None,
            Outcome::Blocked | Outcome::Revoked | Outcome::ActivationExpired => Some(Self::Blocked),
            Outcome::Expired | Outcome::AlreadyUsed | Outcome::UnknownChallenge => {
                Some(Self::Expired)
            }
        }
    }
}

/// What a bank asks a session for.
#[derive(Debug, Clone)]
pub struct SigningRequest {
    /// Whose signature.
    pub credential: CredentialId,
    /// What is signed, as the payer reads it ("Transfer to Electronic Store").
    pub description: String,
    /// Who asks (the merchant or the bank).
    pub requester: String,
    /// Where the browser goes back to; the caller checks it against its
    /// allow-list, the library only stores it.
    pub return_url: String,
    /// Amount and payee for a linked signature.
    pub linked: Option<(mobipass_scheme::Amount, mobipass_scheme::Payee)>,
}

impl SigningRequest {
    /// Checks the texts (one visible line each, bounded) and returns them trimmed.
    pub(crate) fn validated(&self) -> Result<(String, String), VerifierError> {
        let description = one_line(&self.description, MAX_DESCRIPTION_LEN, "a description")?;
        let requester = one_line(&self.requester, MAX_REQUESTER_LEN, "a requester")?;
        if self.return_url.is_empty() || self.return_url.len() > MAX_RETURN_URL_LEN {
            return Err(VerifierError::InvalidInput(format!(
                "a return URL is 1 to {MAX_RETURN_URL_LEN} bytes"
            )));
        }
        Ok((description, requester))
    }
}

fn one_line(text: &str, max: usize, what: &str) -> Result<String, VerifierError> {
    crate::ids::one_visible_line(text, max)
        .map(str::to_owned)
        .ok_or_else(|| {
            VerifierError::InvalidInput(format!(
                "{what} is one line of 1 to {max} visible characters, without bidi controls"
            ))
        })
}

/// A new session, returned once: `token` goes into the payer's URL and is
/// stored only hashed.
#[derive(Debug)]
pub struct IssuedSigningSession {
    /// The session's id (not a secret).
    pub id: SigningSessionId,
    /// The one-time link token.
    pub token: SigningSecret,
    /// When the session (its challenge) expires.
    pub expires_at: SystemTime,
    /// Whether amount and payee are bound into the signature.
    pub linked: bool,
}

/// A session as the bank and the page see it. Holds no secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SigningSession {
    /// Its id.
    pub id: SigningSessionId,
    /// Whose signature.
    pub credential: CredentialId,
    /// Its state now (a pending session past its expiry reads `Expired`).
    pub state: SessionState,
    /// Wrong values the credential may still take, while pending.
    pub attempts_left: Option<u8>,
    /// The document code to type into MobiPass.
    pub document_code: String,
    /// What is signed.
    pub description: String,
    /// Who asks.
    pub requester: String,
    /// Where the browser goes back to.
    pub return_url: String,
    /// Linked signature: the amount in minor units.
    pub amount_minor: Option<u64>,
    /// Linked signature: the payee digits signed.
    pub payee: Option<String>,
    /// When it was created.
    pub created: SystemTime,
    /// When its challenge expires.
    pub expires_at: SystemTime,
    /// When it reached its final state (its expiry, for one that expired
    /// unanswered).
    pub completed_at: Option<SystemTime>,
}

impl SigningOutcome {
    /// The verdict's outcome, if the value was judged.
    pub fn outcome(&self) -> Option<Outcome> {
        match self {
            Self::Judged(verified) => Some(verified.outcome),
            Self::Final(_) => None,
        }
    }
}

impl SigningSession {
    /// Amount and payee are bound into the signature.
    pub fn linked(&self) -> bool {
        self.amount_minor.is_some()
    }
}

/// What one signature value typed into the page did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SigningOutcome {
    /// The value was judged; here is the verdict. The session is then
    /// accepted, blocked (blocked, revoked, activation expired) or expired
    /// (expired, already used, unknown challenge); a wrong value with
    /// attempts left and a temporary lock leave it pending.
    Judged(Verified),
    /// The session was already final: nothing was judged.
    Final(SessionState),
}

impl crate::Verifier {
    /// Creates a signing session: a challenge (plain, or linked to amount
    /// and payee) and, in the same transaction, the session that shows it
    /// on the hosted page. Refused as [`crate::Verifier::challenge`] refuses
    /// (unknown, blocked, revoked, not yet activated credential). The link
    /// token is returned once; the session expires with its challenge.
    pub async fn create_signing_session(
        &self,
        request: &SigningRequest,
        actor: &crate::Actor,
    ) -> Result<IssuedSigningSession, VerifierError> {
        let (description, requester) = request.validated()?;
        let id = SigningSessionId::generate();
        let token = SigningSecret::generate();
        let row = crate::store::signing::NewSessionRow {
            id,
            token_sha256: token.hash(),
            description,
            requester,
            return_url: request.return_url.clone(),
        };
        let issued = self
            .new_challenge(
                &request.credential,
                request.linked.clone(),
                actor,
                Some(row),
            )
            .await?;
        Ok(IssuedSigningSession {
            id,
            token,
            expires_at: issued.expires_at,
            linked: issued.amount_minor.is_some(),
        })
    }

    /// A session by id, as of now; `None` if there is none (never created,
    /// or purged long after it expired).
    pub async fn signing_session(
        &self,
        id: &SigningSessionId,
    ) -> Result<Option<SigningSession>, VerifierError> {
        Ok(self.stored_session(id).await?.map(|stored| stored.session))
    }

    async fn stored_session(
        &self,
        id: &SigningSessionId,
    ) -> Result<Option<crate::store::signing::StoredSession>, VerifierError> {
        match self.store.signing_session(*id).await? {
            Some(row) => Ok(Some(row.into_session(self.now())?)),
            None => Ok(None),
        }
    }

    /// Exchanges a link token for a browser key, once: the session's id and
    /// the key (for an HttpOnly cookie), or `None` for an unknown token or a
    /// link opened before. Only the key's hash is stored.
    pub async fn open_signing_link(
        &self,
        token: &SigningSecret,
    ) -> Result<Option<(SigningSessionId, SigningSecret)>, VerifierError> {
        let browser = SigningSecret::generate();
        let opened = self
            .store
            .open_signing_link(token.hash(), browser.hash(), self.now())
            .await?;
        Ok(opened.map(|id| (id, browser)))
    }

    /// The session `id` if `browser` is the key its link was exchanged
    /// for (compared in constant time); `None` otherwise.
    pub async fn signing_session_for(
        &self,
        id: &SigningSessionId,
        browser: &SigningSecret,
    ) -> Result<Option<SigningSession>, VerifierError> {
        Ok(self
            .stored_session(id)
            .await?
            .filter(|stored| {
                stored
                    .browser_sha256
                    .as_deref()
                    .is_some_and(|hash| browser.matches(hash))
            })
            .map(|stored| stored.session))
    }

    /// Judges a signature value typed into session `id`'s page through
    /// [`crate::Verifier::verify`], recording the verdict's meaning for the
    /// session in the same transaction. `None` if `browser` is not the
    /// session's key. A value that is not 8 digits is
    /// [`VerifierError::InvalidInput`] and is never counted; a final session
    /// judges nothing.
    pub async fn sign_in_session(
        &self,
        id: &SigningSessionId,
        browser: &SigningSecret,
        response: &str,
        actor: &crate::Actor,
    ) -> Result<Option<SigningOutcome>, VerifierError> {
        let Some(stored) = self.stored_session(id).await? else {
            return Ok(None);
        };
        let own = stored
            .browser_sha256
            .as_deref()
            .is_some_and(|hash| browser.matches(hash));
        if !own {
            return Ok(None);
        }
        if mobipass_scheme::Response::parse(response).is_err() {
            return Err(VerifierError::InvalidInput(
                "a signature value is 8 digits".into(),
            ));
        }
        let session = stored.session;
        // One past its expiry but not yet recorded so goes to the verify
        // path, which refuses it unjudged and records it expired.
        if !stored.stored_pending {
            return Ok(Some(SigningOutcome::Final(session.state)));
        }
        let verified = self
            .verify_for(
                &session.credential,
                &stored.challenge,
                response,
                actor,
                Some(*id),
            )
            .await?;
        Ok(Some(SigningOutcome::Judged(verified)))
    }
}
