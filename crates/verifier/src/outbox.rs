//! Events for the bank's other systems, kept in an outbox table.
//!
//! Every change a bank wants to hear about (a credential issued, activated,
//! locked, blocked, ...) is written as one event row IN THE SAME
//! TRANSACTION as the change itself, by both stores. A crash can therefore
//! neither lose an event of a committed change nor announce a change that
//! was rolled back. Delivering the events (HTTP, signatures, retries) is not
//! this crate's business: a sender (the `mobipass-verifier` service's
//! webhook task) claims deliveries through [`crate::Verifier`]'s outbox
//! methods and reports back.
//!
//! Deliveries are tracked per (event, endpoint) in a second table that the
//! sender fills from the events ("fan-out") under a per-endpoint cursor:
//! the library does not need to know the endpoints when it records a change
//! (an operator's CLI next to the service announces its blocks too), one
//! endpoint that is down holds back neither another endpoint nor the
//! change itself, and a new endpoint starts with the events after it was
//! added rather than the whole history.
//!
//! The event body is made once, when the change commits, and stored: every
//! retry sends the same bytes with the same `id`, so a receiver can drop a
//! duplicate of an at-least-once delivery by its id. It never holds a
//! secret: no key, response, code, operator reason or activation part.

use std::time::Duration;

use serde::Serialize;

use crate::error::VerifierError;
use crate::ids::CredentialId;

/// First retry this long after a failed delivery; doubles per attempt.
pub const FIRST_RETRY: Duration = Duration::from_secs(1);
/// Longest wait between two attempts.
pub const MAX_RETRY: Duration = Duration::from_secs(60);
/// A delivery still failing this long after its event is marked failed (it
/// is no longer retried until an operator redelivers it).
pub const GIVE_UP_AFTER: Duration = Duration::from_secs(24 * 3600);

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum EventType {
    /// A credential was created.
    #[serde(rename = "credential.issued")]
    Issued,
    /// The first accepted response of an issued (or reissued) credential.
    #[serde(rename = "credential.activated")]
    Activated,
    /// A temporary lock after reaching the failure limit.
    #[serde(rename = "credential.locked")]
    Locked,
    /// The permanent block: by the failure limit or by an operator.
    #[serde(rename = "credential.blocked")]
    Blocked,
    /// An operator lifted a block or lock.
    #[serde(rename = "credential.unblocked")]
    Unblocked,
    /// A new key replaced the old one.
    #[serde(rename = "credential.reissued")]
    Reissued,
    /// Withdrawn for good.
    #[serde(rename = "credential.revoked")]
    Revoked,
    /// An evaluated wrong response. Recorded only when
    /// [`crate::Config::record_rejections`] is on (a subscriber asked).
    #[serde(rename = "verification.rejected")]
    Rejected,
}

impl EventType {
    /// Every type, in a stable order.
    pub const ALL: [Self; 8] = [
        Self::Issued,
        Self::Activated,
        Self::Locked,
        Self::Blocked,
        Self::Unblocked,
        Self::Reissued,
        Self::Revoked,
        Self::Rejected,
    ];

    /// The wire name, e.g. `credential.blocked`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Issued => "credential.issued",
            Self::Activated => "credential.activated",
            Self::Locked => "credential.locked",
            Self::Blocked => "credential.blocked",
            Self::Unblocked => "credential.unblocked",
            Self::Reissued => "credential.reissued",
            Self::Revoked => "credential.revoked",
            Self::Rejected => "verification.rejected",
        }
    }

    /// The type named `text`.
    pub fn parse(text: &str) -> Result<Self, VerifierError> {
        Self::ALL
            .into_iter()
            .find(|t| t.as_str() == text)
            .ok_or_else(|| {
                VerifierError::InvalidInput(format!(
                    "unknown event type; the types are {}",
                    Self::ALL.map(Self::as_str).join(", ")
                ))
            })
    }
}

impl std::fmt::Display for EventType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An event the rules decided on, before it has an id and a body.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct NewEvent {
    pub(crate) kind: EventType,
    pub(crate) data: serde_json::Value,
}

impl NewEvent {
    pub(crate) fn new(kind: EventType, data: serde_json::Value) -> Self {
        Self { kind, data }
    }
}

/// An event ready to store: a fresh random id and the body JSON.
pub(crate) struct StoredEvent {
    pub(crate) id: String,
    pub(crate) kind: EventType,
    pub(crate) body: String,
}

/// Gives `event` its id and body, as of `now` (ms).
pub(crate) fn finish(event: &NewEvent, credential: &CredentialId, now: i64) -> StoredEvent {
    let mut random = [0u8; 16];
    getrandom::fill(&mut random).expect("the OS random source failed");
    let id = format!("evt_{}", hex::encode(random));
    let body = serde_json::json!({
        "id": id,
        "type": event.kind.as_str(),
        "credential_id": credential.as_str(),
        "occurred_at": humantime::format_rfc3339_millis(crate::clock::from_millis(now)).to_string(),
        "data": event.data,
    })
    .to_string();
    StoredEvent {
        id,
        kind: event.kind,
        body,
    }
}

/// Whether `kind` is recorded under `config`.
pub(crate) fn records(config_rejections: bool, kind: EventType) -> bool {
    kind != EventType::Rejected || config_rejections
}

/// One delivery claimed by a sender: POST `body` to the endpoint, then
/// report with [`crate::Verifier::delivery_done`] or
/// [`crate::Verifier::delivery_failed`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// The delivery's number (for the reports).
    pub seq: i64,
    /// The event's id (also inside `body`).
    pub event_id: String,
    /// The event's type.
    pub event_type: String,
    /// The credential it is about.
    pub credential_id: String,
    /// The exact bytes to send.
    pub body: String,
    /// Earlier attempts.
    pub attempts: u32,
}

/// A delivery as an operator lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeliveryInfo {
    /// The delivery's number (pass it to redeliver).
    pub seq: i64,
    /// The endpoint (the webhook's URL).
    pub endpoint: String,
    /// The event's id.
    pub event_id: String,
    /// The event's type.
    pub event_type: String,
    /// The credential.
    pub credential_id: String,
    /// Attempts made.
    pub attempts: u32,
    /// What went wrong last (a status code or a transport error, never the
    /// receiver's body).
    pub last_error: Option<String>,
}

/// Pending and failed deliveries, for the metrics.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OutboxCounts {
    /// Not delivered yet and still being tried.
    pub pending: u64,
    /// Given up on (until redelivered).
    pub failed: u64,
}

/// The wait before attempt `attempts + 1`, after `attempts` failures:
/// 1 s, 2 s, 4 s, ... capped at [`MAX_RETRY`].
pub fn backoff(attempts: u32) -> Duration {
    let exponent = attempts.saturating_sub(1).min(16);
    (FIRST_RETRY * 2u32.pow(exponent)).min(MAX_RETRY)
}

/// The state and next attempt time (ms) of a delivery after its
/// `attempts`th failure at `now`, made at `created`.
pub(crate) fn after_failure(attempts: u32, created: i64, now: i64) -> (&'static str, i64) {
    let give_up = i64::try_from(GIVE_UP_AFTER.as_millis()).unwrap_or(i64::MAX);
    if now.saturating_sub(created) >= give_up {
        return ("failed", now);
    }
    let wait = i64::try_from(backoff(attempts).as_millis()).unwrap_or(i64::MAX);
    ("pending", now.saturating_add(wait))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_a_second_and_stops_at_a_minute() {
        let waits: Vec<u64> = (1..=9).map(|a| backoff(a).as_secs()).collect();
        assert_eq!(waits, [1, 2, 4, 8, 16, 32, 60, 60, 60]);
        assert_eq!(backoff(u32::MAX), MAX_RETRY);
    }

    #[test]
    fn event_types_round_trip_and_unknown_names_are_refused() {
        for kind in EventType::ALL {
            assert_eq!(EventType::parse(kind.as_str()).unwrap(), kind);
        }
        assert!(EventType::parse("credential.deleted").is_err());
    }

    #[test]
    fn body_has_the_five_fields_and_a_fresh_id() {
        let id = CredentialId::new("alice").unwrap();
        let event = NewEvent::new(EventType::Blocked, serde_json::json!({"by": "operator"}));
        let a = finish(&event, &id, 0);
        let b = finish(&event, &id, 0);
        assert_ne!(a.id, b.id);
        let body: serde_json::Value = serde_json::from_str(&a.body).unwrap();
        assert_eq!(body["id"], a.id.as_str());
        assert_eq!(body["type"], "credential.blocked");
        assert_eq!(body["credential_id"], "alice");
        assert_eq!(body["occurred_at"], "1970-01-01T00:00:00.000Z");
        assert_eq!(body["data"]["by"], "operator");
        assert_eq!(body.as_object().unwrap().len(), 5);
    }
}
