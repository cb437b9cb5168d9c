//! One function per endpoint: translate JSON to library calls and back.
//!
//! Handlers hold no policy of their own: failure counting, blocking and
//! expiry are the library's. What lives here is input validation that should
//! answer 400 before the store is touched, and the metrics.

use std::time::Instant;

use axum::Extension;
use axum::Json;
use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use mobipass_scheme::{Amount, Payee};

use super::auth::Caller;
use super::body::{
    ActivationCodeIssued, AuditEntry, AuditPage, AuditQuery, BlockRequest, ChallengeCreated,
    ChallengeRequest, Health, IssueRequest, Issued, JsonBody, OptionalJsonBody, Status,
    VerifyRequest, VerifyResult,
};
use super::error::{ApiError, ErrorCode};
use super::state::AppState;
use mobipass_verifier::{Actor, ChallengeId, CredentialId};

/// Default and largest page of audit events.
const AUDIT_DEFAULT: usize = 100;
const AUDIT_MAX: usize = 1000;

type ApiResult<T> = Result<T, ApiError>;

/// The `{id}` path segment, validated as a credential id.
pub struct CredentialPath {
    id: CredentialId,
}

impl<S: Send + Sync> FromRequestParts<S> for CredentialPath {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let Path(text) = Path::<String>::from_request_parts(parts, state).await?;
        Ok(Self {
            id: credential(&text)?,
        })
    }
}

fn credential(id: &str) -> ApiResult<CredentialId> {
    id.parse().map_err(|_| {
        ApiError::invalid(
            ErrorCode::InvalidCredentialId,
            "credential ids are 1 to 64 characters of A-Z a-z 0-9 . _ : -",
        )
    })
}

/// The audit actor of a request: the key's name, marked as coming from the API.
fn actor(caller: &Caller) -> Actor {
    // Key names are validated at load to fit an actor name with this prefix.
    Actor::new(format!("api:{}", caller.name)).unwrap_or_else(|_| Actor::service())
}

/// `GET /healthz`: the process is up.
pub async fn healthz() -> Json<Health> {
    Json(Health { status: "ok" })
}

/// `GET /readyz`: the store answers a read (probed at most once a second).
pub async fn readyz(State(state): State<AppState>) -> ApiResult<Json<Health>> {
    if state.readiness.check(&state.verifier).await {
        Ok(Json(Health { status: "ok" }))
    } else {
        Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::Unavailable,
            "the store does not answer",
        ))
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

/// Amount and payee of a linked signature: both or neither.
pub(super) fn linked(
    amount_minor: Option<u64>,
    payee: Option<String>,
) -> ApiResult<Option<(Amount, Payee)>> {
    match (amount_minor, payee) {
        (None, None) => Ok(None),
        (Some(amount), Some(payee)) => {
            let amount = Amount::from_minor(amount)
                .map_err(|error| ApiError::invalid(ErrorCode::InvalidAmount, error.to_string()))?;
            let payee = Payee::parse(&payee)
                .map_err(|error| ApiError::invalid(ErrorCode::InvalidPayee, error.to_string()))?;
            Ok(Some((amount, payee)))
        }
        _ => Err(ApiError::invalid(
            ErrorCode::IncompleteLink,
            "a linked challenge needs both amount_minor and payee",
        )),
    }
}

/// `POST /v1/credentials/{id}/challenges` (bank).
pub async fn create_challenge(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    CredentialPath { id }: CredentialPath,
    JsonBody(request): JsonBody<ChallengeRequest>,
) -> ApiResult<(StatusCode, Json<ChallengeCreated>)> {
    let linked = linked(request.amount_minor, request.payee)?;
    let issued = state
        .verifier
        .challenge_as(&id, linked, &actor(&caller))
        .await?;
    state.metrics.challenge_issued();
    Ok((StatusCode::CREATED, Json(ChallengeCreated::new(&issued))))
}

/// `POST /v1/credentials/{id}/verifications` (bank).
pub async fn verify(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    CredentialPath { id }: CredentialPath,
    JsonBody(request): JsonBody<VerifyRequest>,
) -> ApiResult<Json<VerifyResult>> {
    let challenge: ChallengeId = request.challenge_id.parse().map_err(|_| {
        ApiError::invalid(
            ErrorCode::InvalidChallengeId,
            "the challenge id is malformed",
        )
    })?;
    if mobipass_scheme::Response::parse(&request.response).is_err() {
        return Err(ApiError::invalid(
            ErrorCode::InvalidResponse,
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
    Ok(Json(VerifyResult::from(outcome)))
}

/// `GET /v1/credentials/{id}` (bank, operator).
pub async fn status(
    State(state): State<AppState>,
    CredentialPath { id }: CredentialPath,
) -> ApiResult<Response> {
    let status = state.verifier.status(&id).await?;
    Ok(Json(Status::from(&status)).into_response())
}

/// `POST /v1/credentials/{id}/issue` (operator): two-channel unless the
/// body says `{"envelope_only": true}`.
pub async fn issue(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    CredentialPath { id }: CredentialPath,
    OptionalJsonBody(request): OptionalJsonBody<IssueRequest>,
) -> ApiResult<Response> {
    let policy = request.policy(state.verifier.config().policy());
    let key = state
        .verifier
        .issue_with_policy(&id, request.kind(), &policy, &actor(&caller))
        .await?;
    Ok(envelope(StatusCode::CREATED, &id, &key))
}

/// `POST /v1/credentials/{id}/activation-code` (bank, operator).
pub async fn activation_code(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    CredentialPath { id }: CredentialPath,
) -> ApiResult<Response> {
    let issued = state.verifier.activation_code(&id, &actor(&caller)).await?;
    state.metrics.activation_code_issued();
    let body = ActivationCodeIssued::new(&issued);
    // The code must not linger in a proxy or browser cache.
    Ok((
        StatusCode::CREATED,
        [(header::CACHE_CONTROL, "no-store")],
        Json(&body),
    )
        .into_response())
}

/// `POST /v1/credentials/{id}/reissue` (operator).
pub async fn reissue(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    CredentialPath { id }: CredentialPath,
) -> ApiResult<Response> {
    let key = state.verifier.reissue(&id, &actor(&caller)).await?;
    Ok(envelope(StatusCode::OK, &id, &key))
}

fn envelope(status: StatusCode, id: &CredentialId, key: &mobipass_scheme::Envelope) -> Response {
    let body = Issued::new(id, key);
    // The key must not linger in a proxy or browser cache.
    (status, [(header::CACHE_CONTROL, "no-store")], Json(&body)).into_response()
}

/// `POST /v1/credentials/{id}/block` (operator).
pub async fn block(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    CredentialPath { id }: CredentialPath,
    JsonBody(request): JsonBody<BlockRequest>,
) -> ApiResult<StatusCode> {
    // The library's rule, checked here too for the stable `invalid_reason` code.
    let reason = mobipass_verifier::ids::block_reason(&request.reason)
        .map_err(|error| ApiError::invalid(ErrorCode::InvalidReason, error.to_string()))?;
    state.verifier.block(&id, reason, &actor(&caller)).await?;
    state.metrics.blocked_by_operator();
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /v1/credentials/{id}/unblock` (operator).
pub async fn unblock(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    CredentialPath { id }: CredentialPath,
) -> ApiResult<StatusCode> {
    state.verifier.unblock(&id, &actor(&caller)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /v1/credentials/{id}/revoke` (operator).
pub async fn revoke(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    CredentialPath { id }: CredentialPath,
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
        return Err(ApiError::invalid(
            ErrorCode::InvalidLimit,
            "limit is 1 to 1000",
        ));
    }
    let events = state.verifier.audit(id.as_ref(), limit).await?;
    Ok(Json(AuditPage {
        events: events.iter().map(AuditEntry::from).collect(),
    })
    .into_response())
}
