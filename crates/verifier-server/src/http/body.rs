//! Request and response bodies: the JSON contract of the API.
//!
//! These types are the wire format, separate from the library's types, so the
//! library can evolve without silently changing what bank backends parse.
//! Every request type refuses unknown fields: a misspelt `amount_minr` must be
//! an error, not a plain signature where a linked one was meant.

use std::fmt;

use axum::extract::{FromRequest, Request};
use serde::{Deserialize, Serialize};
use zeroize::Zeroize;

use super::error::ApiError;

/// `axum::Json`, but its rejections are this API's JSON errors.
pub struct JsonBody<T>(pub T);

impl<S, T> FromRequest<S> for JsonBody<T>
where
    axum::Json<T>: FromRequest<S, Rejection = axum::extract::rejection::JsonRejection>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let axum::Json(value) = axum::Json::<T>::from_request(request, state).await?;
        Ok(Self(value))
    }
}

/// `POST /v1/credentials/{id}/challenges`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChallengeRequest {
    /// Amount in minor units, for a linked signature (with `payee`).
    pub amount_minor: Option<u64>,
    /// Payee account, for a linked signature (with `amount_minor`).
    pub payee: Option<String>,
}

/// A new challenge, to show the customer.
#[derive(Debug, Serialize)]
pub struct ChallengeCreated {
    /// Pass back to `verifications`.
    pub challenge_id: String,
    /// The document code the customer types into the app.
    pub document_code: String,
    /// RFC 3339 UTC time after which the challenge is refused.
    pub expires_at: String,
    /// Whether amount and payee are bound into the signature.
    pub linked: bool,
}

/// `POST /v1/credentials/{id}/verifications`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VerifyRequest {
    /// From the challenge.
    pub challenge_id: String,
    /// The 8 digits the customer typed (spaces allowed).
    pub response: String,
}

impl fmt::Debug for VerifyRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerifyRequest")
            .field("challenge_id", &self.challenge_id)
            .field("response", &"[redacted]")
            .finish()
    }
}

impl Drop for VerifyRequest {
    fn drop(&mut self) {
        self.response.zeroize();
    }
}

/// The answer to a verification. Every outcome is a 200: the request was
/// served, the signature judged.
#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct VerifyResult {
    /// `accepted`, `rejected`, `blocked`, `expired`, `already_used`,
    /// `unknown_challenge` or `revoked`.
    pub outcome: &'static str,
    /// Wrong responses still allowed before the block (with `rejected`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attempts_left: Option<u8>,
}

/// `POST /v1/credentials/{id}/block`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BlockRequest {
    /// Why (goes to the audit log): "customer reported lost laptop".
    pub reason: String,
}

/// The envelope contents after issue or reissue: shown once, never stored.
#[derive(Serialize)]
pub struct Issued {
    /// The credential.
    pub credential_id: String,
    /// The four parts, 10 digits each, in order.
    pub activation_key: [String; 4],
    /// The same grouped for printing: "12345 67890 - ...".
    pub grouped: String,
}

impl Drop for Issued {
    fn drop(&mut self) {
        self.activation_key.iter_mut().for_each(Zeroize::zeroize);
        self.grouped.zeroize();
    }
}

/// `GET /v1/audit` query.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    /// Only this credential's events.
    pub credential_id: Option<String>,
    /// Most events returned, newest first (default 100, at most 1000).
    pub limit: Option<usize>,
}

/// `/healthz` and `/readyz`.
#[derive(Debug, Serialize)]
pub struct Health {
    /// `ok`.
    pub status: &'static str,
}

// The library's answers in wire form. The CLI's `--json` prints these same
// types, so a script and a bank backend parse one format.

impl Issued {
    /// The envelope for `id` (the key is copied into zeroized-on-drop text).
    pub fn new(
        id: &mobipass_verifier::CredentialId,
        key: &mobipass_verifier::ActivationKey,
    ) -> Self {
        Self {
            credential_id: id.to_string(),
            activation_key: key.parts().map(|part| part.as_str().to_owned()),
            grouped: key.grouped().to_string(),
        }
    }
}

impl ChallengeCreated {
    /// The challenge as the customer's bank shows it.
    pub fn new(issued: &mobipass_verifier::IssuedChallenge) -> Self {
        Self {
            challenge_id: issued.id.to_string(),
            document_code: issued.code.clone(),
            expires_at: humantime::format_rfc3339_seconds(issued.expires_at).to_string(),
            linked: issued.amount_minor.is_some(),
        }
    }
}

impl From<mobipass_verifier::Outcome> for VerifyResult {
    fn from(outcome: mobipass_verifier::Outcome) -> Self {
        Self {
            outcome: outcome.as_str(),
            attempts_left: match outcome {
                mobipass_verifier::Outcome::Rejected { attempts_left } => Some(attempts_left),
                _ => None,
            },
        }
    }
}
