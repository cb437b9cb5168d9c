//! One function per endpoint: translate JSON to library calls and back.
//!
//! Handlers hold no policy of their own: failure counting, blocking and
//! expiry are the library's. What lives here is input validation that should
//! answer 400 before the store is touched, and the metrics.

use std::time::{Instant, SystemTime};

use axum::Extension;
use axum::Json;
use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use mobipass_scheme::{Amount, Payee};

use super::auth::Caller;
use super::body::{
    AuditQuery, BlockRequest, ChallengeCreated, ChallengeRequest, Health, Issued, JsonBody,
    VerifyRequest, VerifyResult,
};
use super::error::ApiError;
use super::routes::AppState;
use crate::verifier::MAX_REASON_LEN;
use crate::{Actor, ChallengeId, CredentialId, Outcome};

/// Default and largest page of audit events.
const AUDIT_DEFAULT: usize = 100;
const AUDIT_MAX: usize = 1000;

type ApiResult<T> = Result<T, ApiError>;

/// The `{id}` path segment, validated as a credential id.
pub struct CredentialPath {
    id: CredentialId,
    text: String,
}

impl<S: Send + Sync> FromRequestParts<S> for CredentialPath {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let Path(text) = Path::<String>::from_request_parts(parts, state).await?;
        Ok(Self {
            id: credential(&text)?,
            text,
        })
    }
}

fn credential(id: &str) -> ApiResult<CredentialId> {
    id.parse().map_err(|_| {
        ApiError::invalid(
            "invalid_credential_id",
            "credential ids are 1 to 64 characters of A-Z a-z 0-9 . _ : -",
        )
    })
}

/// The audit actor of a request: the key's name, marked as coming from the API.
fn actor(caller: &Caller) -> Actor {
    // Key names are validated at load to fit an actor name with this prefix.
    Actor::new(format!("api:{}", caller.name)).unwrap_or_else(|_| Actor::service())
}

fn rfc3339(time: SystemTime) -> String {
    humantime::format_rfc3339_seconds(time).to_string()
}

/// `GET /healthz`: the process is up.
pub async fn healthz() -> Json<Health> {
    Json(Health { status: "ok" })
}

/// `GET /readyz`: the store answers a read.
pub async fn readyz(State(state): State<AppState>) -> ApiResult<Json<Health>> {
    let probe: CredentialId = "readyz-probe".parse().map_err(|_| ApiError::no_route())?;
    match state.verifier.status(&probe).await {
        Ok(_) | Err(crate::VerifierError::UnknownCredential) => Ok(Json(Health { status: "ok" })),
        Err(error) => Err(error.into()),
    }
}

/// `GET /metrics`: Prometheus text exposition.
pub async fn metrics(State(state): State<AppState>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        state.metrics.render(),
    )
        .into_response()
}

/// `GET /openapi.json`.
pub async fn openapi() -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        super::openapi::DOCUMENT,
    )
        .into_response()
}

/// `POST /v1/credentials/{id}/challenges` (bank).
pub async fn create_challenge(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    CredentialPath { id, .. }: CredentialPath,
    JsonBody(request): JsonBody<ChallengeRequest>,
) -> ApiResult<(StatusCode, Json<ChallengeCreated>)> {
    let linked = match (request.amount_minor, request.payee) {
        (None, None) => None,
        (Some(amount), Some(payee)) => {
            let amount = Amount::from_minor(amount)
                .map_err(|error| ApiError::invalid("invalid_amount", error.to_string()))?;
            let payee = Payee::parse(&payee)
                .map_err(|error| ApiError::invalid("invalid_payee", error.to_string()))?;
            Some((amount, payee))
        }
        _ => {
            return Err(ApiError::invalid(
                "incomplete_link",
                "a linked challenge needs both amount_minor and payee",
            ));
        }
    };
    let is_linked = linked.is_some();
    let issued = state
        .verifier
        .challenge_as(&id, linked, &actor(&caller))
        .await?;
    state.metrics.challenge_issued();
    Ok((
        StatusCode::CREATED,
        Json(ChallengeCreated {
            challenge_id: issued.id.to_string(),
            document_code: issued.code.clone(),
            expires_at: rfc3339(issued.expires_at),
            linked: is_linked,
        }),
    ))
}

/// `POST /v1/credentials/{id}/verifications` (bank).
pub async fn verify(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    CredentialPath { id, .. }: CredentialPath,
    JsonBody(request): JsonBody<VerifyRequest>,
) -> ApiResult<Json<VerifyResult>> {
    let challenge: ChallengeId = request
        .challenge_id
        .parse()
        .map_err(|_| ApiError::invalid("invalid_challenge_id", "the challenge id is malformed"))?;
    if mobipass_scheme::Response::parse(&request.response).is_err() {
        return Err(ApiError::invalid(
            "invalid_response",
            "a response is exactly 8 digits (spaces allowed)",
        ));
    }
    let started = Instant::now();
    let verified = state
        .verifier
        .verify(&id, &challenge, &request.response, &actor(&caller))
        .await?;
    let outcome = verified.outcome;
    state
        .metrics
        .verification(outcome.as_str(), started.elapsed());
    if verified.blocked_now {
        state.metrics.blocked_by_failures();
    }
    Ok(Json(VerifyResult {
        outcome: outcome.as_str(),
        attempts_left: match outcome {
            Outcome::Rejected { attempts_left } => Some(attempts_left),
            _ => None,
        },
    }))
}

/// `GET /v1/credentials/{id}` (bank, operator).
pub async fn status(
    State(state): State<AppState>,
    CredentialPath { id, .. }: CredentialPath,
) -> ApiResult<Response> {
    let status = state.verifier.status(&id).await?;
    Ok(Json(status).into_response())
}

/// `POST /v1/credentials/{id}/issue` (operator).
pub async fn issue(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    CredentialPath {
        id: credential_id,
        text: id,
    }: CredentialPath,
) -> ApiResult<Response> {
    let key = state
        .verifier
        .issue(&credential_id, &actor(&caller))
        .await?;
    Ok(envelope(StatusCode::CREATED, id, &key))
}

/// `POST /v1/credentials/{id}/reissue` (operator).
pub async fn reissue(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    CredentialPath {
        id: credential_id,
        text: id,
    }: CredentialPath,
) -> ApiResult<Response> {
    let key = state
        .verifier
        .reissue(&credential_id, &actor(&caller))
        .await?;
    Ok(envelope(StatusCode::OK, id, &key))
}

fn envelope(status: StatusCode, id: String, key: &mobipass_scheme::ActivationKey) -> Response {
    let parts = key.parts();
    let body = Issued {
        credential_id: id,
        activation_key: parts.map(|part| part.as_str().to_owned()),
        grouped: key.grouped().to_string(),
    };
    // The key must not linger in a proxy or browser cache.
    (status, [(header::CACHE_CONTROL, "no-store")], Json(&body)).into_response()
}

/// `POST /v1/credentials/{id}/block` (operator).
pub async fn block(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    CredentialPath { id, .. }: CredentialPath,
    JsonBody(request): JsonBody<BlockRequest>,
) -> ApiResult<StatusCode> {
    let reason = request.reason.trim();
    if reason.is_empty()
        || reason.chars().count() > MAX_REASON_LEN
        || reason.contains(char::is_control)
    {
        return Err(ApiError::invalid(
            "invalid_reason",
            format!("the reason is one line of 1 to {MAX_REASON_LEN} characters"),
        ));
    }
    state.verifier.block(&id, reason, &actor(&caller)).await?;
    state.metrics.blocked_by_operator();
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /v1/credentials/{id}/unblock` (operator).
pub async fn unblock(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    CredentialPath { id, .. }: CredentialPath,
) -> ApiResult<StatusCode> {
    state.verifier.unblock(&id, &actor(&caller)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /v1/credentials/{id}/revoke` (operator).
pub async fn revoke(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    CredentialPath { id, .. }: CredentialPath,
) -> ApiResult<StatusCode> {
    state.verifier.revoke(&id, &actor(&caller)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /v1/audit` (operator).
pub async fn audit(
    State(state): State<AppState>,
    query: Result<Query<AuditQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Response> {
    let Query(query) = query?;
    let id = query.credential_id.as_deref().map(credential).transpose()?;
    let limit = query.limit.unwrap_or(AUDIT_DEFAULT);
    if !(1..=AUDIT_MAX).contains(&limit) {
        return Err(ApiError::invalid("invalid_limit", "limit is 1 to 1000"));
    }
    let events = state.verifier.audit(id.as_ref(), limit).await?;
    Ok(Json(serde_json::json!({ "events": events })).into_response())
}
