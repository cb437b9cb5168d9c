//! Every failure a client can see, as one JSON shape with a stable code.
//!
//! Bank backends branch on `error.code`, so codes are part of the API and never
//! change meaning; the message is for people. Neither ever carries a response
//! value, a key or a storage detail: storage and crypto failures are logged
//! server-side by kind only and reported as a generic code.
//!
//! [`ErrorCode`] is the one list of codes: the OpenAPI document's enum is
//! checked against it, so a code cannot be served without being documented.

use axum::Json;
use axum::extract::rejection::{BytesRejection, PathRejection, QueryRejection};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use mobipass_verifier::VerifierError;

/// Every stable error code. Bank backends branch on these: a code never
/// changes meaning, and a new one is a new variant here and in the document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    /// 401: no bearer token, or one that matches no configured key.
    Unauthenticated,
    /// 403: the key's role may not call the endpoint.
    Forbidden,
    /// 404: no route serves the path.
    NoSuchEndpoint,
    /// 405: the path is served, but not with this method.
    MethodNotAllowed,
    /// 400: the body is not JSON.
    MalformedJson,
    /// 422: JSON that does not match the request schema.
    InvalidBody,
    /// 415: a body without `Content-Type: application/json`.
    ExpectedJson,
    /// 413: the body is over the configured limit.
    BodyTooLarge,
    /// The body could not be read (connection cut mid-body).
    UnreadableBody,
    /// 400: a path segment that is not UTF-8.
    InvalidPath,
    /// 400: unknown or mistyped query parameters.
    InvalidQuery,
    /// 400: the credential id breaks the id rules.
    InvalidCredentialId,
    /// 400: the challenge id is not 32 hex digits.
    InvalidChallengeId,
    /// 400: the response is not 8 digits.
    InvalidResponse,
    /// 400: the amount is over the largest the scheme signs.
    InvalidAmount,
    /// 400: the payee has no digit.
    InvalidPayee,
    /// 400: only one of amount and payee.
    IncompleteLink,
    /// 400: the block reason is empty, too long or not one line.
    InvalidReason,
    /// 400: the audit page size is out of range.
    InvalidLimit,
    /// 400: other input the library refused.
    InvalidInput,
    /// 400: a signing session's `return_url` is not on `signing_return_urls`
    /// (or none is configured: signing sessions are off).
    ReturnUrlNotAllowed,
    /// 400: the signing session id is not 32 hex digits.
    InvalidSessionId,
    /// 404: no signing session with this id.
    UnknownSigningSession,
    /// 404: no credential with this id.
    UnknownCredential,
    /// 409: issue of an id already taken.
    CredentialExists,
    /// 409: the credential is revoked.
    CredentialRevoked,
    /// 409: the credential is blocked.
    CredentialBlocked,
    /// 409: a two-channel credential has no activation code yet: no challenge.
    ActivationCodeNeeded,
    /// 409: the activation code expired unconfirmed: no challenge until a new code.
    ActivationExpired,
    /// 409: an activation code was asked for an envelope-only credential.
    NotTwoChannel,
    /// 503: the request outlived its deadline.
    Timeout,
    /// 503: the service is at its concurrency or queue limit.
    Busy,
    /// 503: the store or master key failed.
    Unavailable,
}

impl ErrorCode {
    /// Every code, in document order.
    pub const ALL: [Self; 33] = [
        Self::Unauthenticated,
        Self::Forbidden,
        Self::NoSuchEndpoint,
        Self::MethodNotAllowed,
        Self::MalformedJson,
        Self::InvalidBody,
        Self::ExpectedJson,
        Self::BodyTooLarge,
        Self::UnreadableBody,
        Self::InvalidPath,
        Self::InvalidQuery,
        Self::InvalidCredentialId,
        Self::InvalidChallengeId,
        Self::InvalidResponse,
        Self::InvalidAmount,
        Self::InvalidPayee,
        Self::IncompleteLink,
        Self::InvalidReason,
        Self::InvalidLimit,
        Self::InvalidInput,
        Self::ReturnUrlNotAllowed,
        Self::InvalidSessionId,
        Self::UnknownSigningSession,
        Self::UnknownCredential,
        Self::CredentialExists,
        Self::CredentialRevoked,
        Self::CredentialBlocked,
        Self::ActivationCodeNeeded,
        Self::ActivationExpired,
        Self::NotTwoChannel,
        Self::Timeout,
        Self::Busy,
        Self::Unavailable,
    ];

    /// The code as sent in `error.code`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Unauthenticated => "unauthenticated",
            Self::Forbidden => "forbidden",
            Self::NoSuchEndpoint => "no_such_endpoint",
            Self::MethodNotAllowed => "method_not_allowed",
            Self::MalformedJson => "malformed_json",
            Self::InvalidBody => "invalid_body",
            Self::ExpectedJson => "expected_json",
            Self::BodyTooLarge => "body_too_large",
            Self::UnreadableBody => "unreadable_body",
            Self::InvalidPath => "invalid_path",
            Self::InvalidQuery => "invalid_query",
            Self::InvalidCredentialId => "invalid_credential_id",
            Self::InvalidChallengeId => "invalid_challenge_id",
            Self::InvalidResponse => "invalid_response",
            Self::InvalidAmount => "invalid_amount",
            Self::InvalidPayee => "invalid_payee",
            Self::IncompleteLink => "incomplete_link",
            Self::InvalidReason => "invalid_reason",
            Self::InvalidLimit => "invalid_limit",
            Self::InvalidInput => "invalid_input",
            Self::ReturnUrlNotAllowed => "return_url_not_allowed",
            Self::InvalidSessionId => "invalid_session_id",
            Self::UnknownSigningSession => "unknown_signing_session",
            Self::UnknownCredential => "unknown_credential",
            Self::CredentialExists => "credential_exists",
            Self::CredentialRevoked => "credential_revoked",
            Self::CredentialBlocked => "credential_blocked",
            Self::ActivationCodeNeeded => "activation_code_needed",
            Self::ActivationExpired => "activation_expired",
            Self::NotTwoChannel => "not_two_channel",
            Self::Timeout => "timeout",
            Self::Busy => "busy",
            Self::Unavailable => "unavailable",
        }
    }

    /// The code with this wire name, if any.
    pub fn from_wire(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|code| code.as_str() == text)
    }
}

/// What [`ApiError::new`] takes as a code: an [`ErrorCode`], or (for call
/// sites not yet moved to the enum) its wire name.
pub trait IntoErrorCode {
    /// The code.
    fn into_error_code(self) -> ErrorCode;
}

impl IntoErrorCode for ErrorCode {
    fn into_error_code(self) -> ErrorCode {
        self
    }
}

/// A client-visible failure: HTTP status, stable code, human message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    status: StatusCode,
    code: ErrorCode,
    message: String,
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    error: ErrorDetail<'a>,
}

#[derive(Serialize)]
struct ErrorDetail<'a> {
    code: &'a str,
    message: &'a str,
}

impl ApiError {
    /// A failure with the given status, stable code and message.
    pub fn new(status: StatusCode, code: impl IntoErrorCode, message: impl Into<String>) -> Self {
        Self {
            status,
            code: code.into_error_code(),
            message: message.into(),
        }
    }

    /// 400 for a value the client sent that is well-formed JSON but invalid.
    pub fn invalid(code: impl IntoErrorCode, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    /// 401: no bearer token, or one that matches no configured key.
    pub fn unauthenticated() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            ErrorCode::Unauthenticated,
            "send a valid API key as `Authorization: Bearer <key>`",
        )
    }

    /// 403: a valid key whose role may not call this endpoint.
    pub fn forbidden() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            ErrorCode::Forbidden,
            "this API key's role may not call this endpoint",
        )
    }

    /// 413 for a body larger than the configured limit.
    pub fn body_too_large() -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::BodyTooLarge,
            "the request body is larger than this service accepts",
        )
    }

    /// 503 when the service is at capacity or a credential is locked by
    /// another request for longer than the storage waits: retry shortly.
    pub fn busy() -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::Busy,
            "the verifier is busy; retry in a moment",
        )
    }

    /// 404 for a path no route serves.
    pub fn no_route() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            ErrorCode::NoSuchEndpoint,
            "no such endpoint; see /openapi.json",
        )
    }

    /// 415 for a body that is not declared as JSON.
    pub fn expected_json() -> Self {
        Self::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ErrorCode::ExpectedJson,
            "send the body with `Content-Type: application/json`",
        )
    }

    /// 405 for a known path with a method it does not serve.
    pub fn method_not_allowed() -> Self {
        Self::new(
            StatusCode::METHOD_NOT_ALLOWED,
            ErrorCode::MethodNotAllowed,
            "this endpoint does not accept this HTTP method; see /openapi.json",
        )
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The stable machine-readable code.
    pub fn code(&self) -> &'static str {
        self.code.as_str()
    }

    /// The stable code as the enum.
    pub fn error_code(&self) -> ErrorCode {
        self.code
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code.as_str(),
                message: &self.message,
            },
        };
        (self.status, Json(body)).into_response()
    }
}

impl From<VerifierError> for ApiError {
    fn from(error: VerifierError) -> Self {
        match error {
            VerifierError::UnknownCredential => Self::new(
                StatusCode::NOT_FOUND,
                ErrorCode::UnknownCredential,
                "no credential with this id",
            ),
            VerifierError::AlreadyExists => Self::new(
                StatusCode::CONFLICT,
                ErrorCode::CredentialExists,
                "a credential with this id already exists; use reissue to replace its key",
            ),
            VerifierError::Revoked => Self::new(
                StatusCode::CONFLICT,
                ErrorCode::CredentialRevoked,
                "the credential is revoked",
            ),
            VerifierError::Blocked => Self::new(
                StatusCode::CONFLICT,
                ErrorCode::CredentialBlocked,
                "the credential is blocked; an operator must unblock it",
            ),
            VerifierError::ActivationCodeNeeded => Self::new(
                StatusCode::CONFLICT,
                ErrorCode::ActivationCodeNeeded,
                "the credential needs an activation code first (POST .../activation-code)",
            ),
            VerifierError::ActivationExpired => Self::new(
                StatusCode::CONFLICT,
                ErrorCode::ActivationExpired,
                "the activation code expired unconfirmed; issue a new one",
            ),
            VerifierError::NotTwoChannel => Self::new(
                StatusCode::CONFLICT,
                ErrorCode::NotTwoChannel,
                "the credential is envelope-only: it takes no activation code",
            ),
            // A lock wait, a full queue or an exhausted pool: retry shortly.
            VerifierError::Busy(reason) => {
                tracing::warn!(reason, "request refused: the verifier is busy");
                Self::busy()
            }
            // The library's input messages describe the input, never a secret.
            VerifierError::InvalidInput(message) => {
                Self::invalid(ErrorCode::InvalidInput, message.to_string())
            }
            other => {
                log_failure(&other);
                Self::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    ErrorCode::Unavailable,
                    "the verifier could not complete the request; retry later",
                )
            }
        }
    }
}

/// Storage, key and clock failures are logged with their cause for the
/// operator; none of them carries a secret (queries are parameterised, and
/// key material never enters an error). The client gets only "unavailable".
fn log_failure(error: &VerifierError) {
    tracing::error!(%error, "request failed");
}

impl From<BytesRejection> for ApiError {
    fn from(rejection: BytesRejection) -> Self {
        let status = rejection.status();
        if status == StatusCode::PAYLOAD_TOO_LARGE {
            Self::body_too_large()
        } else {
            Self::new(
                status,
                ErrorCode::UnreadableBody,
                "the request body could not be read",
            )
        }
    }
}

impl From<PathRejection> for ApiError {
    fn from(_: PathRejection) -> Self {
        Self::invalid(ErrorCode::InvalidPath, "the path parameters are invalid")
    }
}

impl From<QueryRejection> for ApiError {
    fn from(_: QueryRejection) -> Self {
        // Not serde's text: it repeats the parameter names the client sent.
        Self::invalid(
            ErrorCode::InvalidQuery,
            "the query string has an unknown or malformed parameter; see /openapi.json",
        )
    }
}

#[cfg(test)]
mod tests {
    use super::ErrorCode;

    #[test]
    fn codes_are_distinct_snake_case_and_round_trip() {
        let mut seen = std::collections::HashSet::new();
        for code in ErrorCode::ALL {
            let wire = code.as_str();
            assert!(seen.insert(wire), "{wire} twice");
            assert!(
                wire.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'),
                "{wire}"
            );
            assert_eq!(ErrorCode::from_wire(wire), Some(code));
        }
        assert_eq!(ErrorCode::from_wire("no_such_code"), None);
    }
}
