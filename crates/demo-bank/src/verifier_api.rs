//! The verifier's HTTP API as the bank's backend calls it: one method per
//! call the demo bank makes, with the bank or the operator API key.
//!
//! This is the whole contact surface between bank and verifier, on purpose:
//! a real bank backend has nothing else (docs/INTEGRATION.md walks through
//! the same calls). The client is hyper-util's pooled HTTP/1 client over
//! plain `http://`, meant for a verifier on loopback or an internal network;
//! answers are size-capped and time-limited. Keys travel only in the
//! `Authorization` header (marked sensitive) and never appear in an error.

use std::time::Duration;

use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Bytes;
use hyper::header::{self, HeaderValue};
use hyper::{Method, Request, StatusCode};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use zeroize::Zeroizing;

/// Longest one API call may take.
const CALL_TIMEOUT: Duration = Duration::from_secs(10);
/// Largest answer read (real ones are well under 2 KiB).
const MAX_ANSWER: usize = 64 * 1024;

/// Why an API call failed.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// No answer: connection refused, timeout, broken answer.
    #[error("the verifier at {0} did not answer")]
    Unreachable(String),
    /// The verifier answered with its error body.
    #[error("the verifier refused ({status}): {code}: {message}")]
    Refused {
        /// HTTP status.
        status: u16,
        /// The stable error code (`credential_blocked`, ...).
        code: String,
        /// The verifier's message for people.
        message: String,
    },
    /// An answer that is not what the API documents.
    #[error("the verifier's answer was not understood ({0})")]
    Unexpected(String),
}

impl ApiError {
    /// The verifier's error code, if it sent one.
    pub fn code(&self) -> Option<&str> {
        match self {
            Self::Refused { code, .. } => Some(code),
            _ => None,
        }
    }
}

/// A fresh envelope (`POST /v1/credentials/{id}/issue`).
#[derive(Deserialize)]
pub struct Envelope {
    /// The credential.
    pub credential_id: String,
    /// `two_channel` or `envelope_only`.
    pub kind: String,
    /// The four 10-digit parts.
    pub activation_key: Vec<Zeroizing<String>>,
}

/// An activation code (`POST /v1/credentials/{id}/activation-code`).
#[derive(Deserialize)]
pub struct ActivationCode {
    /// `1234 5678`.
    pub grouped: Zeroizing<String>,
    /// RFC 3339.
    pub expires_at: String,
}

/// A new signing session (`POST /v1/signing-sessions`). No `Debug`: the
/// URL carries the one-time token.
#[derive(Deserialize)]
pub struct SessionCreated {
    /// Opaque, not a secret.
    pub session_id: String,
    /// The one-time page to send the payer's browser to.
    pub url: String,
}

/// A signing session as `GET /v1/signing-sessions/{id}` reports it.
#[derive(Debug, Clone, Deserialize)]
pub struct SessionInfo {
    /// Opaque id.
    pub session_id: String,
    /// Whose.
    pub credential_id: String,
    /// `pending`, `accepted`, `blocked` or `expired`.
    pub state: String,
    /// With amount and payee bound into the signature.
    #[serde(default)]
    pub linked: bool,
    /// Linked only.
    #[serde(default)]
    pub amount_minor: Option<u64>,
    /// Linked only.
    #[serde(default)]
    pub payee: Option<String>,
}

/// What the bank asks to be signed.
#[derive(Debug, Clone, serde::Serialize)]
pub struct NewSession<'a> {
    /// Whose MobiPass signs.
    pub credential_id: &'a str,
    /// Shown on the page ("Transfer to Electronic Store").
    pub description: &'a str,
    /// Who asks (the bank's name).
    pub requester: &'a str,
    /// Where the page sends the browser back (on the verifier's allow-list).
    pub return_url: &'a str,
    /// Linked signature: the amount in minor units.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amount_minor: Option<u64>,
    /// Linked signature: the payee account.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payee: Option<&'a str>,
}

/// The API with its two keys.
#[derive(Clone)]
pub struct VerifierApi {
    base: String,
    bank_key: std::sync::Arc<Zeroizing<String>>,
    operator_key: std::sync::Arc<Zeroizing<String>>,
    client: Client<HttpConnector, Full<Bytes>>,
}

impl std::fmt::Debug for VerifierApi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VerifierApi")
            .field("base", &self.base)
            .field("keys", &"[redacted]")
            .finish()
    }
}

#[derive(Clone, Copy)]
enum As {
    Bank,
    Operator,
    Nobody,
}

impl VerifierApi {
    /// A client for the verifier at `base` (`http://host:port`, no trailing slash).
    pub fn new(base: &str, bank_key: Zeroizing<String>, operator_key: Zeroizing<String>) -> Self {
        Self {
            base: base.trim_end_matches('/').to_owned(),
            bank_key: std::sync::Arc::new(bank_key),
            operator_key: std::sync::Arc::new(operator_key),
            client: Client::builder(TokioExecutor::new()).build_http(),
        }
    }

    /// The verifier's base URL.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// `GET /readyz`: the verifier answers and its store works.
    pub async fn ready(&self) -> bool {
        matches!(
            self.raw(Method::GET, "/readyz", As::Nobody, None).await,
            Ok((StatusCode::OK, _))
        )
    }

    /// Operator: a new two-channel credential and its envelope.
    pub async fn issue(&self, id: &str) -> Result<Envelope, ApiError> {
        let path = format!("/v1/credentials/{id}/issue");
        self.call(Method::POST, &path, As::Operator, Some(b"{}".to_vec()))
            .await
    }

    /// Bank: an activation code for the customer's second channel.
    pub async fn activation_code(&self, id: &str) -> Result<ActivationCode, ApiError> {
        let path = format!("/v1/credentials/{id}/activation-code");
        self.call(Method::POST, &path, As::Bank, None).await
    }

    /// Bank: a signing session on the verifier's hosted page.
    pub async fn create_session(&self, new: &NewSession<'_>) -> Result<SessionCreated, ApiError> {
        let body = serde_json::to_vec(new).map_err(|e| ApiError::Unexpected(e.to_string()))?;
        self.call(Method::POST, "/v1/signing-sessions", As::Bank, Some(body))
            .await
    }

    /// Bank: a signing session's state.
    pub async fn session(&self, session_id: &str) -> Result<SessionInfo, ApiError> {
        if session_id.is_empty()
            || !session_id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return Err(ApiError::Unexpected("not a session id".into()));
        }
        let path = format!("/v1/signing-sessions/{session_id}");
        self.call(Method::GET, &path, As::Bank, None).await
    }

    async fn call<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        who: As,
        body: Option<Vec<u8>>,
    ) -> Result<T, ApiError> {
        let (status, bytes) = self.raw(method, path, who, body).await?;
        if status.is_success() {
            return serde_json::from_slice(&bytes).map_err(|e| ApiError::Unexpected(e.to_string()));
        }
        #[derive(Deserialize)]
        struct Body {
            error: Inner,
        }
        #[derive(Deserialize)]
        struct Inner {
            code: String,
            message: String,
        }
        match serde_json::from_slice::<Body>(&bytes) {
            Ok(body) => Err(ApiError::Refused {
                status: status.as_u16(),
                code: body.error.code,
                message: body.error.message,
            }),
            Err(_) => Err(ApiError::Unexpected(format!("status {status}"))),
        }
    }

    /// One request. The copy of the answer kept here is wiped when dropped
    /// (an envelope or an activation code passes through it); hyper's own
    /// receive buffers are outside this crate's reach.
    async fn raw(
        &self,
        method: Method,
        path: &str,
        who: As,
        body: Option<Vec<u8>>,
    ) -> Result<(StatusCode, Zeroizing<Vec<u8>>), ApiError> {
        let unreachable = || ApiError::Unreachable(self.base.clone());
        let mut request = Request::builder()
            .method(method)
            .uri(format!("{}{path}", self.base))
            .header(header::ACCEPT, "application/json");
        let key = match who {
            As::Bank => Some(&self.bank_key),
            As::Operator => Some(&self.operator_key),
            As::Nobody => None,
        };
        if let Some(key) = key {
            let mut value = HeaderValue::from_str(&format!("Bearer {}", key.as_str()))
                .map_err(|_| ApiError::Unexpected("an API key with unusable characters".into()))?;
            value.set_sensitive(true);
            request = request.header(header::AUTHORIZATION, value);
        }
        if body.is_some() {
            request = request.header(header::CONTENT_TYPE, "application/json");
        }
        let request = request
            .body(Full::new(Bytes::from(body.unwrap_or_default())))
            .map_err(|_| ApiError::Unexpected("cannot build the request".into()))?;
        let exchange = async {
            let answer = self
                .client
                .request(request)
                .await
                .map_err(|_| unreachable())?;
            let status = answer.status();
            let bytes = Limited::new(answer.into_body(), MAX_ANSWER)
                .collect()
                .await
                .map_err(|_| unreachable())?
                .to_bytes();
            Ok((status, Zeroizing::new(bytes.to_vec())))
        };
        tokio::time::timeout(CALL_TIMEOUT, exchange)
            .await
            .map_err(|_| unreachable())?
    }
}
