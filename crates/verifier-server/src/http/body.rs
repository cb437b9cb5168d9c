//! Request and response bodies: the JSON contract of the API.
//!
//! These types are the wire format, separate from the library's types, so the
//! library can evolve without silently changing what bank backends parse.
//! Every request type refuses unknown fields: a misspelt `amount_minr` must be
//! an error, not a plain signature where a linked one was meant.

use std::fmt;

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{HeaderMap, StatusCode, header};
use serde::de::{DeserializeOwned, Deserializer, Visitor};
use serde::{Deserialize, Serialize};
use serde_path_to_error::Segment;
use zeroize::Zeroize;

use super::error::{ApiError, ErrorCode};

/// `axum::Json`, but its rejections are this API's JSON errors, worded from
/// `serde_path_to_error`'s path and the type's own field list (never from
/// serde's message, which can quote the value a client sent).
pub struct JsonBody<T>(pub T);

impl<S, T> FromRequest<S> for JsonBody<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !is_json(request.headers()) {
            return Err(ApiError::expected_json());
        }
        let bytes = Bytes::from_request(request, state).await?;
        parse_json(&bytes).map(Self)
    }
}

/// [`JsonBody`] for an endpoint whose body is optional: no body at all (any
/// or no `Content-Type`) is `T::default()`; a body is JSON as for `JsonBody`.
pub struct OptionalJsonBody<T>(pub T);

impl<S, T> FromRequest<S> for OptionalJsonBody<T>
where
    T: DeserializeOwned + Default,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let json = is_json(request.headers());
        let bytes = Bytes::from_request(request, state).await?;
        if bytes.is_empty() {
            return Ok(Self(T::default()));
        }
        if !json {
            return Err(ApiError::expected_json());
        }
        parse_json(&bytes).map(Self)
    }
}

/// `application/json` or `application/*+json`, as `axum::Json` accepts.
fn is_json(headers: &HeaderMap) -> bool {
    let Some(value) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
    else {
        return false;
    };
    let essence = value.split(';').next().unwrap_or("").trim();
    let Some((kind, subtype)) = essence.split_once('/') else {
        return false;
    };
    kind.eq_ignore_ascii_case("application")
        && (subtype.eq_ignore_ascii_case("json") || subtype.to_ascii_lowercase().ends_with("+json"))
}

/// Parses a request body: not JSON is 400 `malformed_json`; JSON that is not
/// an object of `T`'s fields is 422 `invalid_body`.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let malformed = || {
        ApiError::invalid(
            ErrorCode::MalformedJson,
            "the request body is not valid JSON",
        )
    };
    // serde's derive also reads a struct from an array: refuse that here, so
    // the body is exactly the documented object.
    let starts_as_object = bytes
        .iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|&b| b == b'{');
    if !starts_as_object {
        return match serde_json::from_slice::<serde::de::IgnoredAny>(bytes) {
            Ok(_) => Err(invalid_body(format!(
                "the request body must be a JSON object{}",
                accepted_fields::<T>()
            ))),
            Err(_) => Err(malformed()),
        };
    }
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value = match serde_path_to_error::deserialize::<_, T>(&mut deserializer) {
        Ok(value) => value,
        Err(error) if error.inner().is_data() => {
            return Err(invalid_body(describe_path::<T>(error.path())));
        }
        Err(_) => return Err(malformed()),
    };
    deserializer.end().map_err(|_| malformed())?;
    Ok(value)
}

fn invalid_body(message: String) -> ApiError {
    ApiError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        ErrorCode::InvalidBody,
        message,
    )
}

/// Names the field at fault. A key the type does not know is not repeated:
/// a client may have put a response value there.
fn describe_path<T: DeserializeOwned>(path: &serde_path_to_error::Path) -> String {
    let fields = field_names::<T>();
    match path.iter().next_back() {
        Some(Segment::Map { key }) if fields.contains(&key.as_str()) => {
            format!("field `{key}` has the wrong type or an invalid value")
        }
        Some(Segment::Map { .. }) => format!(
            "the request body has a field this endpoint does not take{}",
            accepted_fields::<T>()
        ),
        _ => format!(
            "the request body lacks a required field{}",
            accepted_fields::<T>()
        ),
    }
}

fn accepted_fields<T: DeserializeOwned>() -> String {
    match field_names::<T>() {
        [] => String::new(),
        fields => {
            let list: Vec<String> = fields.iter().map(|name| format!("`{name}`")).collect();
            format!(" (fields: {})", list.join(", "))
        }
    }
}

/// The field names a derived `Deserialize` struct declares, read by asking
/// it to deserialize from a probe that records them and then fails.
pub fn field_names<T: DeserializeOwned>() -> &'static [&'static str] {
    struct Probe<'a>(&'a mut &'static [&'static str]);

    impl<'de> Deserializer<'de> for Probe<'_> {
        type Error = serde::de::value::Error;

        fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Self::Error> {
            Err(serde::de::Error::custom("field probe"))
        }

        fn deserialize_struct<V: Visitor<'de>>(
            self,
            _: &'static str,
            fields: &'static [&'static str],
            _: V,
        ) -> Result<V::Value, Self::Error> {
            *self.0 = fields;
            Err(serde::de::Error::custom("field probe"))
        }

        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
            bytes byte_buf option unit unit_struct newtype_struct seq tuple
            tuple_struct map enum identifier ignored_any
        }
    }

    let mut fields: &'static [&'static str] = &[];
    let _ = T::deserialize(Probe(&mut fields));
    fields
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
    /// `accepted`, `rejected`, `locked`, `blocked`, `expired`,
    /// `already_used`, `unknown_challenge`, `revoked` or `activation_expired`.
    pub outcome: &'static str,
    /// Wrong responses still allowed before the block (with `rejected`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attempts_left: Option<u8>,
    /// With `rejected`: the next wrong response blocks permanently (warn the payer).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub final_attempt: Option<bool>,
    /// With `locked`: seconds until responses are evaluated again.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_after_secs: Option<u64>,
}

/// `POST /v1/credentials/{id}/issue`: optional, every field optional (no
/// body, or `{}`, is the service's policy). Fields are added here one per
/// line, each `Option`, so parallel additions merge cleanly.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IssueRequest {
    /// This credential's failure limit (1 to 5) instead of the service's.
    pub failure_limit: Option<u8>,
    /// This credential's ladder of temporary locks, in minutes.
    pub temporary_lock_minutes: Option<Vec<u32>>,
    /// `true`: the envelope alone activates (for an envelope handed over
    /// after an ID check). Default: two-channel, an activation code is
    /// needed as well.
    pub envelope_only: Option<bool>,
}

impl IssueRequest {
    /// The kind the request asks for: two-channel unless `envelope_only`.
    pub fn kind(&self) -> mobipass_verifier::EnvelopeKind {
        if self.envelope_only == Some(true) {
            mobipass_verifier::EnvelopeKind::EnvelopeOnly
        } else {
            mobipass_verifier::EnvelopeKind::TwoChannel
        }
    }

    /// The policy the request asks for, over the service's `default`.
    pub fn policy(&self, default: mobipass_verifier::Policy) -> mobipass_verifier::Policy {
        mobipass_verifier::Policy {
            failure_limit: self.failure_limit.unwrap_or(default.failure_limit),
            temporary_lock_minutes: self
                .temporary_lock_minutes
                .clone()
                .unwrap_or(default.temporary_lock_minutes),
        }
    }
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
    /// `two_channel` (an activation code is needed too) or `envelope_only`.
    pub kind: &'static str,
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

/// A new activation code: shown once (to the customer through the internet
/// bank, the contact centre or an SMS), never stored.
#[derive(Serialize)]
pub struct ActivationCodeIssued {
    /// The 8 digits.
    pub activation_code: String,
    /// The same as shown: `1234 5678`.
    pub grouped: String,
    /// RFC 3339 UTC time after which an unconfirmed activation is refused.
    pub expires_at: String,
}

impl ActivationCodeIssued {
    /// The code in wire form (copied into zeroized-on-drop text).
    pub fn new(issued: &mobipass_verifier::IssuedActivationCode) -> Self {
        Self {
            activation_code: issued.digits().to_string(),
            grouped: issued.grouped().to_string(),
            expires_at: humantime::format_rfc3339_seconds(issued.expires_at).to_string(),
        }
    }
}

impl Drop for ActivationCodeIssued {
    fn drop(&mut self) {
        self.activation_code.zeroize();
        self.grouped.zeroize();
    }
}

impl fmt::Debug for ActivationCodeIssued {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ActivationCodeIssued")
            .field("activation_code", &"[redacted]")
            .field("expires_at", &self.expires_at)
            .finish()
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
    /// The envelope for `id` (the key is copied into zeroized-on-drop text),
    /// its check digits telling its kind.
    pub fn new(
        id: &mobipass_verifier::CredentialId,
        envelope: &mobipass_verifier::Envelope,
    ) -> Self {
        Self {
            credential_id: id.to_string(),
            kind: envelope.kind().name(),
            activation_key: envelope.parts().map(|part| part.as_str().to_owned()),
            grouped: envelope.grouped().to_string(),
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

/// A credential's state, as `GET /v1/credentials/{id}` and `status --json`
/// give it.
#[derive(Debug, Serialize)]
pub struct Status {
    /// The credential.
    pub id: String,
    /// `two_channel` or `envelope_only`.
    pub kind: &'static str,
    /// `issued`, `active`, `blocked` or `revoked`.
    pub state: &'static str,
    /// Two-channel: no activation code since issue or reissue (challenges
    /// are refused until one is issued).
    pub activation_code_needed: bool,
    /// Two-channel, while a code awaits confirmation: until when.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub activation_expires_at: Option<String>,
    /// Consecutive wrong responses.
    pub failures: u8,
    /// Wrong responses that lock or block it.
    pub limit: u8,
    /// Its ladder of temporary locks, in minutes (empty: the limit blocks).
    pub temporary_lock_minutes: Vec<u32>,
    /// Temporary locks taken since the last accepted response or unblock.
    pub lock_step: u8,
    /// While temporarily locked: until when (RFC 3339, UTC, milliseconds).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub locked_until: Option<String>,
    /// 1 at issue, +1 per reissue and per activation code.
    pub key_version: u32,
    /// First issued (RFC 3339, UTC, milliseconds).
    pub created: String,
    /// Last changed.
    pub updated: String,
}

impl From<&mobipass_verifier::CredentialStatus> for Status {
    fn from(status: &mobipass_verifier::CredentialStatus) -> Self {
        Self {
            id: status.id.to_string(),
            kind: status.kind.name(),
            state: status.state.as_str(),
            activation_code_needed: status.activation_code_needed,
            activation_expires_at: status.activation_expires_at.map(rfc3339_millis),
            failures: status.failures,
            limit: status.limit,
            temporary_lock_minutes: status.temporary_lock_minutes.clone(),
            lock_step: status.lock_step,
            locked_until: status.locked_until.map(rfc3339_millis),
            key_version: status.key_version,
            created: rfc3339_millis(status.created),
            updated: rfc3339_millis(status.updated),
        }
    }
}

/// One audit event, as `GET /v1/audit` and `audit --json` give it.
#[derive(Debug, Serialize)]
pub struct AuditEntry {
    /// Position in the log (increasing).
    pub seq: i64,
    /// When (RFC 3339, UTC, milliseconds).
    pub at: String,
    /// Who.
    pub actor: String,
    /// What.
    pub action: String,
    /// Which credential, if any.
    pub credential: Option<String>,
    /// More about it; never a secret.
    pub detail: String,
}

impl From<&mobipass_verifier::AuditEvent> for AuditEntry {
    fn from(event: &mobipass_verifier::AuditEvent) -> Self {
        Self {
            seq: event.seq,
            at: rfc3339_millis(event.at),
            actor: event.actor.clone(),
            action: event.action.clone(),
            credential: event.credential.clone(),
            detail: event.detail.clone(),
        }
    }
}

/// `GET /v1/audit`: newest first.
#[derive(Debug, Serialize)]
pub struct AuditPage {
    /// The events.
    pub events: Vec<AuditEntry>,
}

fn rfc3339_millis(time: std::time::SystemTime) -> String {
    humantime::format_rfc3339_millis(time).to_string()
}

impl From<mobipass_verifier::Outcome> for VerifyResult {
    fn from(outcome: mobipass_verifier::Outcome) -> Self {
        use mobipass_verifier::Outcome;
        let (attempts_left, final_attempt) = match outcome {
            Outcome::Rejected {
                attempts_left,
                final_attempt,
            } => (Some(attempts_left), Some(final_attempt)),
            _ => (None, None),
        };
        Self {
            outcome: outcome.as_str(),
            attempts_left,
            final_attempt,
            retry_after_secs: match outcome {
                Outcome::Locked { retry_after_secs } => Some(retry_after_secs),
                _ => None,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(error: &ApiError) -> String {
        format!("{error:?}")
    }

    #[test]
    fn data_errors_name_the_field_but_never_quote_the_value() {
        let error = parse_json::<VerifyRequest>(br#"{"challenge_id":"00","response":12345678}"#)
            .unwrap_err();
        assert_eq!(error.code(), "invalid_body");
        assert!(message(&error).contains("`response`"), "{error:?}");
        assert!(!message(&error).contains("12345678"), "{error:?}");
    }

    #[test]
    fn unknown_keys_are_not_repeated_and_the_fields_are_listed() {
        let error = parse_json::<VerifyRequest>(br#"{"12345678":"x"}"#).unwrap_err();
        assert_eq!(error.code(), "invalid_body");
        assert!(!message(&error).contains("12345678"), "{error:?}");
        assert!(message(&error).contains("`challenge_id`"), "{error:?}");
    }

    #[test]
    fn arrays_trailing_text_and_syntax_errors_are_told_apart() {
        let array = parse_json::<BlockRequest>(br#"["lost"]"#).unwrap_err();
        assert_eq!(array.code(), "invalid_body");
        for bad in [&b"{\"reason\":\"x\"} tail"[..], b"{", b"", b"nope"] {
            let error = parse_json::<BlockRequest>(bad).unwrap_err();
            assert_eq!(error.code(), "malformed_json", "{bad:?}");
        }
        assert_eq!(
            parse_json::<BlockRequest>(b" {\"reason\":\"x\"} ")
                .unwrap()
                .reason,
            "x"
        );
    }

    #[test]
    fn field_names_come_from_the_type() {
        assert_eq!(field_names::<VerifyRequest>(), ["challenge_id", "response"]);
        assert_eq!(field_names::<ChallengeRequest>(), ["amount_minor", "payee"]);
    }
}
