//! The route table: one list that builds the router, decides who may call
//! each endpoint, and is checked against the OpenAPI document.
//!
//! Keeping method, path, access rule and handler in one enum means an
//! endpoint cannot be added to the router without an access rule, and the
//! OpenAPI test can compare the document with exactly what is served.

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{Method, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get, post};

use super::auth::{Role, bearer_token};
use super::error::ApiError;
use super::handlers;
use super::state::AppState;

/// Who may call an endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone who can reach the port (health, metrics, the API document).
    Public,
    /// Holders of a key with one of these roles.
    Roles(&'static [Role]),
}

/// Every endpoint the service serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    /// Liveness.
    Healthz,
    /// Readiness: the store answers.
    Readyz,
    /// Prometheus metrics.
    Metrics,
    /// This API's OpenAPI 3 document.
    OpenApi,
    /// Bank: a new challenge for a credential.
    CreateChallenge,
    /// Bank: judge a response.
    Verify,
    /// Bank and operator: a credential's state.
    GetStatus,
    /// Operator: create a credential and its activation key.
    Issue,
    /// Bank and operator: an activation code for a two-channel credential.
    ActivationCode,
    /// Operator: replace a credential's key.
    Reissue,
    /// Operator: block (lost device).
    Block,
    /// Operator: unblock and reset the failure count.
    Unblock,
    /// Operator: revoke for good.
    Revoke,
    /// Operator: read the audit log.
    Audit,
    /// Bank: a signing session shown on the hosted payer page.
    CreateSigningSession,
    /// Bank: a signing session's state.
    GetSigningSession,
}

const BANK: &[Role] = &[Role::Bank];
const OPERATOR: &[Role] = &[Role::Operator];
const BANK_OR_OPERATOR: &[Role] = &[Role::Bank, Role::Operator];

impl Operation {
    /// All endpoints, in document order.
    pub const ALL: [Self; 16] = [
        Self::Healthz,
        Self::Readyz,
        Self::Metrics,
        Self::OpenApi,
        Self::CreateChallenge,
        Self::Verify,
        Self::GetStatus,
        Self::Issue,
        Self::ActivationCode,
        Self::Reissue,
        Self::Block,
        Self::Unblock,
        Self::Revoke,
        Self::Audit,
        Self::CreateSigningSession,
        Self::GetSigningSession,
    ];

    /// HTTP method.
    pub fn method(self) -> Method {
        match self {
            Self::Healthz | Self::Readyz | Self::Metrics | Self::OpenApi | Self::GetStatus => {
                Method::GET
            }
            Self::Audit | Self::GetSigningSession => Method::GET,
            _ => Method::POST,
        }
    }

    /// Path template, in OpenAPI and axum syntax alike.
    pub fn path(self) -> &'static str {
        match self {
            Self::Healthz => "/healthz",
            Self::Readyz => "/readyz",
            Self::Metrics => "/metrics",
            Self::OpenApi => "/openapi.json",
            Self::CreateChallenge => "/v1/credentials/{id}/challenges",
            Self::Verify => "/v1/credentials/{id}/verifications",
            Self::GetStatus => "/v1/credentials/{id}",
            Self::Issue => "/v1/credentials/{id}/issue",
            Self::ActivationCode => "/v1/credentials/{id}/activation-code",
            Self::Reissue => "/v1/credentials/{id}/reissue",
            Self::Block => "/v1/credentials/{id}/block",
            Self::Unblock => "/v1/credentials/{id}/unblock",
            Self::Revoke => "/v1/credentials/{id}/revoke",
            Self::Audit => "/v1/audit",
            Self::CreateSigningSession => "/v1/signing-sessions",
            Self::GetSigningSession => "/v1/signing-sessions/{session_id}",
        }
    }

    /// The OpenAPI `operationId`.
    pub fn operation_id(self) -> &'static str {
        match self {
            Self::Healthz => "healthz",
            Self::Readyz => "readyz",
            Self::Metrics => "metrics",
            Self::OpenApi => "openapi",
            Self::CreateChallenge => "createChallenge",
            Self::Verify => "verify",
            Self::GetStatus => "getStatus",
            Self::Issue => "issue",
            Self::ActivationCode => "activationCode",
            Self::Reissue => "reissue",
            Self::Block => "block",
            Self::Unblock => "unblock",
            Self::Revoke => "revoke",
            Self::Audit => "audit",
            Self::CreateSigningSession => "createSigningSession",
            Self::GetSigningSession => "getSigningSession",
        }
    }

    /// Who may call it.
    pub fn access(self) -> Access {
        match self {
            Self::Healthz | Self::Readyz | Self::Metrics | Self::OpenApi => Access::Public,
            Self::CreateChallenge
            | Self::Verify
            | Self::CreateSigningSession
            | Self::GetSigningSession => Access::Roles(BANK),
            Self::GetStatus | Self::ActivationCode => Access::Roles(BANK_OR_OPERATOR),
            Self::Issue
            | Self::Reissue
            | Self::Block
            | Self::Unblock
            | Self::Revoke
            | Self::Audit => Access::Roles(OPERATOR),
        }
    }

    /// Whether the endpoint reads a JSON body (and so can answer 413).
    pub fn takes_body(self) -> bool {
        matches!(
            self,
            Self::CreateChallenge
                | Self::Verify
                | Self::Block
                | Self::Issue
                | Self::CreateSigningSession
        )
    }

    fn handler(self) -> MethodRouter<AppState> {
        match self {
            Self::Healthz => get(handlers::healthz),
            Self::Readyz => get(handlers::readyz),
            Self::Metrics => get(handlers::metrics),
            Self::OpenApi => get(handlers::openapi),
            Self::CreateChallenge => post(handlers::create_challenge),
            Self::Verify => post(handlers::verify),
            Self::GetStatus => get(handlers::status),
            Self::Issue => post(handlers::issue),
            Self::ActivationCode => post(handlers::activation_code),
            Self::Reissue => post(handlers::reissue),
            Self::Block => post(handlers::block),
            Self::Unblock => post(handlers::unblock),
            Self::Revoke => post(handlers::revoke),
            Self::Audit => get(handlers::audit),
            Self::CreateSigningSession => post(super::signing::create),
            Self::GetSigningSession => get(super::signing::get),
        }
    }
}

/// The whole API with its state and body limit. Counting, capacity,
/// deadline and graceful shutdown are added by the server around it.
pub fn router(state: AppState, body_limit: usize) -> Router {
    let mut router = Router::new();
    for operation in Operation::ALL {
        let mut endpoint = operation.handler();
        if let Access::Roles(roles) = operation.access() {
            endpoint = endpoint.route_layer(middleware::from_fn_with_state(
                state.clone(),
                move |state: State<AppState>, request: Request, next: Next| {
                    authorize(state, roles, request, next)
                },
            ));
        }
        if operation.takes_body() {
            // Added after auth, so it runs before it: a valid key must not
            // make a lying `Content-Length` wait for a body that never comes.
            endpoint =
                endpoint.route_layer(middleware::from_fn(move |request: Request, next: Next| {
                    refuse_declared_oversize(body_limit, request, next)
                }));
        }
        router = router.route(operation.path(), endpoint);
    }
    router
        .fallback(|| async { ApiError::no_route() })
        .method_not_allowed_fallback(|| async { ApiError::method_not_allowed() })
        .layer(DefaultBodyLimit::max(body_limit))
        .with_state(state)
}

/// 401 before 403, and both before the body is read: an unauthenticated
/// client never gets its JSON parsed.
async fn authorize(
    State(state): State<AppState>,
    roles: &'static [Role],
    mut request: Request,
    next: Next,
) -> Response {
    let caller = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(bearer_token)
        .and_then(|token| state.keys.authenticate(token));
    let Some(caller) = caller else {
        return ApiError::unauthenticated().into_response();
    };
    if !roles.contains(&caller.role) {
        return ApiError::forbidden().into_response();
    }
    request.extensions_mut().insert(caller);
    next.run(request).await
}

/// A declared `Content-Length` above the limit is refused from the headers
/// alone: the body is never awaited.
async fn refuse_declared_oversize(limit: usize, request: Request, next: Next) -> Response {
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|text| text.parse::<u64>().ok());
    match declared {
        Some(length) if length > limit as u64 => ApiError::body_too_large().into_response(),
        _ => next.run(request).await,
    }
}
