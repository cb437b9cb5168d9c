//! Every failure a client can see, as one JSON shape with a stable code.
//!
//! Bank backends branch on `error.code`, so codes are part of the API and never
//! change meaning; the message is for people. Neither ever carries a response
//! value, a key or a storage detail: storage and crypto failures are logged
//! server-side by kind only and reported as a generic code.

use axum::Json;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::VerifierError;

/// A client-visible failure: HTTP status, stable code, human message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
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
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
        }
    }

    /// 400 for a value the client sent that is well-formed JSON but invalid.
    pub fn invalid(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    /// 401: no bearer token, or one that matches no configured key.
    pub fn unauthenticated() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
            "send a valid API key as `Authorization: Bearer <key>`",
        )
    }

    /// 403: a valid key whose role may not call this endpoint.
    pub fn forbidden() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "this API key's role may not call this endpoint",
        )
    }

    /// 404 for a path no route serves.
    pub fn no_route() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "no_such_endpoint",
            "no such endpoint; see /openapi.json",
        )
    }

    /// 405 for a known path with a method it does not serve.
    pub fn method_not_allowed() -> Self {
        Self::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            "this endpoint does not accept this HTTP method; see /openapi.json",
        )
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The stable machine-readable code.
    pub fn code(&self) -> &'static str {
        self.code
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code,
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
                "unknown_credential",
                "no credential with this id",
            ),
            VerifierError::AlreadyExists => Self::new(
                StatusCode::CONFLICT,
                "credential_exists",
                "a credential with this id already exists; use reissue to replace its key",
            ),
            VerifierError::Revoked => Self::new(
                StatusCode::CONFLICT,
                "credential_revoked",
                "the credential is revoked",
            ),
            VerifierError::Blocked => Self::new(
                StatusCode::CONFLICT,
                "credential_blocked",
                "the credential is blocked; an operator must unblock it",
            ),
            VerifierError::Busy(_) => Self::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "busy",
                "the verifier is busy; retry later",
            ),
            // The library's input messages describe the input, never a secret.
            VerifierError::InvalidInput(message) => {
                Self::invalid("invalid_input", message.to_string())
            }
            other => {
                // Log the kind only: storage errors can quote SQL or paths.
                tracing_kind(&other);
                Self::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "unavailable",
                    "the verifier could not complete the request; retry later",
                )
            }
        }
    }
}

fn tracing_kind(error: &VerifierError) {
    let kind = match error {
        VerifierError::Storage(_) => "storage",
        VerifierError::Crypto => "crypto",
        VerifierError::MasterKey(_) => "master key",
        VerifierError::ClockSkew { .. } => "clock",
        _ => "other",
    };
    eprintln!("mobipass-verifier: request failed: {kind} error");
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        let status = rejection.status();
        match rejection {
            JsonRejection::JsonDataError(inner) => Self::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_body",
                describe_data_error(&inner.body_text()),
            ),
            JsonRejection::JsonSyntaxError(_) => {
                Self::invalid("malformed_json", "the request body is not valid JSON")
            }
            JsonRejection::MissingJsonContentType(_) => Self::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "expected_json",
                "send the body with `Content-Type: application/json`",
            ),
            _ if status == StatusCode::PAYLOAD_TOO_LARGE => Self::new(
                status,
                "body_too_large",
                "the request body is larger than this service accepts",
            ),
            _ => Self::new(
                status,
                "unreadable_body",
                "the request body could not be read",
            ),
        }
    }
}

impl From<PathRejection> for ApiError {
    fn from(_: PathRejection) -> Self {
        Self::invalid("invalid_path", "the path parameters are invalid")
    }
}

impl From<QueryRejection> for ApiError {
    fn from(rejection: QueryRejection) -> Self {
        Self::invalid("invalid_query", rejection.body_text())
    }
}

/// Turns serde's description into one that names fields but never quotes a
/// value: a client may have put a response value in the wrong field.
fn describe_data_error(serde_text: &str) -> String {
    let detail = serde_text
        .split_once("target type: ")
        .map_or(serde_text, |(_, rest)| rest);
    if detail.contains("unknown field") || detail.contains("missing field") {
        // These quote field names only.
        let message = detail.split(" at line").next().unwrap_or(detail);
        return format!("the request body does not match the schema: {message}");
    }
    match detail.split_once(": ") {
        Some((path, _)) if !path.contains(' ') => {
            format!("field `{path}` has the wrong type or an invalid value")
        }
        _ => "the request body does not match the schema".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::describe_data_error;

    #[test]
    fn data_errors_name_the_field_but_never_quote_the_value() {
        let text = "Failed to deserialize the JSON body into the target type: response: \
                    invalid type: integer `12345678`, expected a string at line 1 column 24";
        let message = describe_data_error(text);
        assert!(message.contains("`response`"), "{message}");
        assert!(!message.contains("12345678"), "{message}");
    }

    #[test]
    fn unknown_fields_are_named() {
        let text = "Failed to deserialize the JSON body into the target type: unknown field \
                    `extra`, expected `response` at line 1 column 9";
        let message = describe_data_error(text);
        assert!(message.contains("unknown field `extra`"), "{message}");
        assert!(!message.contains("line 1"), "{message}");
    }
}
