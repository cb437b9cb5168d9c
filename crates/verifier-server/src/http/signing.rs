//! `POST /v1/signing-sessions` and `GET /v1/signing-sessions/{session_id}`
//! (bank): a challenge shown on this server's payer page (`/sign/...`,
//! [`crate::signing_page`]) instead of the bank's own.
//!
//! The handlers check what only the service knows (the return-URL
//! allow-list, the public URL); the library validates the texts and
//! refuses credentials as challenge creation does.

use axum::Extension;
use axum::Json;
use axum::extract::{FromRequestParts, Path, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use serde::{Deserialize, Serialize};

use super::auth::Caller;
use super::body::JsonBody;
use super::error::{ApiError, ErrorCode};
use super::state::AppState;
use mobipass_verifier::{Actor, CredentialId, SigningRequest, SigningSession, SigningSessionId};

/// `POST /v1/signing-sessions`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SigningSessionRequest {
    /// Whose signature.
    pub credential_id: String,
    /// What is signed, as the payer reads it.
    pub description: String,
    /// Who asks (merchant or bank name).
    pub requester: String,
    /// Where the browser goes back to: one of `signing_return_urls`.
    pub return_url: String,
    /// Linked signature: amount in minor units (with `payee`).
    pub amount_minor: Option<u64>,
    /// Linked signature: payee account (with `amount_minor`).
    pub payee: Option<String>,
}

/// A new session.
#[derive(Debug, Serialize)]
pub struct SigningSessionCreated {
    /// The session's id (not a secret).
    pub session_id: String,
    /// The one-time page URL to send the payer's browser to.
    pub url: String,
    /// RFC 3339 UTC.
    pub expires_at: String,
    /// Whether amount and payee are bound into the signature.
    pub linked: bool,
}

/// A session's state.
#[derive(Debug, Serialize)]
pub struct SigningSessionStatus {
    /// The session's id.
    pub session_id: String,
    /// Whose signature.
    pub credential_id: String,
    /// `pending`, `accepted`, `blocked` or `expired`.
    pub state: &'static str,
    /// While pending: wrong values left; else null.
    pub attempts_left: Option<u8>,
    /// RFC 3339 UTC.
    pub expires_at: String,
    /// When it became final (RFC 3339 UTC), or null.
    pub completed_at: Option<String>,
    /// What is signed.
    pub description: String,
    /// Who asks.
    pub requester: String,
    /// Amount and payee are bound into the signature.
    pub linked: bool,
    /// Linked only: amount in minor units.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amount_minor: Option<u64>,
    /// Linked only: the payee digits signed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payee: Option<String>,
}

fn rfc3339(time: std::time::SystemTime) -> String {
    humantime::format_rfc3339_seconds(time).to_string()
}

impl From<&SigningSession> for SigningSessionStatus {
    fn from(session: &SigningSession) -> Self {
        Self {
            session_id: session.id.to_string(),
            credential_id: session.credential.as_str().to_owned(),
            state: session.state.as_str(),
            attempts_left: session.attempts_left,
            expires_at: rfc3339(session.expires_at),
            completed_at: session.completed_at.map(rfc3339),
            description: session.description.clone(),
            requester: session.requester.clone(),
            linked: session.linked(),
            amount_minor: session.amount_minor,
            payee: session.payee.clone(),
        }
    }
}

/// The `{session_id}` path segment.
pub struct SessionPath(SigningSessionId);

impl<S: Send + Sync> FromRequestParts<S> for SessionPath {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let Path(text) = Path::<String>::from_request_parts(parts, state).await?;
        text.parse().map(Self).map_err(|_| {
            ApiError::invalid(
                ErrorCode::InvalidSessionId,
                "a signing session id is 32 lowercase hex digits",
            )
        })
    }
}

/// `POST /v1/signing-sessions` (bank).
pub async fn create(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    JsonBody(request): JsonBody<SigningSessionRequest>,
) -> Result<(StatusCode, Json<SigningSessionCreated>), ApiError> {
    let credential: CredentialId = request.credential_id.parse().map_err(|_| {
        ApiError::invalid(
            ErrorCode::InvalidCredentialId,
            "credential ids are 1 to 64 characters of A-Z a-z 0-9 . _ : -",
        )
    })?;
    if !state.signing.allows(&request.return_url) {
        let message = if state.signing.return_urls.is_empty() {
            "signing sessions are off: the service has no signing_return_urls configured"
        } else {
            "return_url is not one of the service's signing_return_urls (compared exactly)"
        };
        return Err(ApiError::invalid(ErrorCode::ReturnUrlNotAllowed, message));
    }
    let linked = super::handlers::linked(request.amount_minor, request.payee)?;
    let actor = Actor::new(format!("api:{}", caller.name)).unwrap_or_else(|_| Actor::service());
    let issued = state
        .verifier
        .create_signing_session(
            &SigningRequest {
                credential,
                description: request.description,
                requester: request.requester,
                return_url: request.return_url,
                linked,
            },
            &actor,
        )
        .await?;
    state.metrics.challenge_issued();
    Ok((
        StatusCode::CREATED,
        Json(SigningSessionCreated {
            session_id: issued.id.to_string(),
            url: format!(
                "{}/sign/{}",
                state.signing.public_url,
                issued.token.as_str()
            ),
            expires_at: rfc3339(issued.expires_at),
            linked: issued.linked,
        }),
    ))
}

/// `GET /v1/signing-sessions/{session_id}` (bank).
pub async fn get(
    State(state): State<AppState>,
    SessionPath(id): SessionPath,
) -> Result<Json<SigningSessionStatus>, ApiError> {
    match state.verifier.signing_session(&id).await? {
        Some(session) => Ok(Json(SigningSessionStatus::from(&session))),
        None => Err(ApiError::new(
            StatusCode::NOT_FOUND,
            ErrorCode::UnknownSigningSession,
            "no signing session with this id",
        )),
    }
}
