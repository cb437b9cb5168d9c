//! Storage behind one trait, with two implementations: an embedded SQLite
//! file (one machine) and PostgreSQL (several verifier nodes on one database).
//!
//! Every method is one whole transaction: it locks what it reads, applies the
//! decision from [`crate::rules`], appends the audit row, and returns only
//! after the commit is durable. The store owns the master key because a
//! verification must decrypt the seed inside that transaction.

use async_trait::async_trait;
use mobipass_scheme::{ActivationCode, ActivationKey, EnvelopeKind, Response};

use crate::clock::Clock;
use crate::error::VerifierError;
use crate::ids::{Actor, ChallengeId, CredentialId};
use crate::model::{AuditEvent, CredentialStatus, Verified};
use crate::rules::Action;
use crate::sealing_key::SealingKey;

pub(crate) mod operators;
mod pg_connect;
pub(crate) mod postgres;
pub(crate) mod signing;
pub(crate) mod sqlite;

/// The message of a node whose master key was retired by a rotation elsewhere.
pub(crate) const ROTATED_ELSEWHERE: &str = "the master key was rotated; restart with the new key";

/// The master key of this process, with its fingerprint computed once.
///
/// The fingerprint stored in the database is authoritative: every
/// transaction that seals or opens a seed compares it with this one inside
/// the same transaction, so a process still holding a key that another
/// process rotated away fails closed instead of sealing seeds that nobody
/// can open.
#[derive(Clone)]
pub(crate) struct Sealer {
    pub(crate) master: SealingKey,
    pub(crate) fingerprint: String,
}

impl Sealer {
    pub(crate) fn new(master: SealingKey) -> Self {
        let fingerprint = master.fingerprint().to_owned();
        Self {
            master,
            fingerprint,
        }
    }

    /// The key, if `stored` (the database's fingerprint, read in the caller's
    /// transaction) says it is still the one in force.
    pub(crate) fn checked(&self, stored: Option<&str>) -> Result<&SealingKey, VerifierError> {
        if stored == Some(self.fingerprint.as_str()) {
            Ok(&self.master)
        } else {
            Err(VerifierError::MasterKey(ROTATED_ELSEWHERE.into()))
        }
    }
}

/// A new envelope secret for a credential (issue or reissue); the store
/// seals K (envelope only) or S (two-channel) as [`crate::rules::seal_new`] says.
pub(crate) struct NewKey {
    pub(crate) id: CredentialId,
    pub(crate) secret: ActivationKey,
    /// The kind at issue; `None` on reissue, which keeps the credential's kind.
    pub(crate) kind: Option<EnvelopeKind>,
    /// The policy of a new credential (a reissue keeps the stored one).
    pub(crate) policy: crate::config::Policy,
    pub(crate) actor: Actor,
    pub(crate) now: i64,
}

impl NewKey {
    /// The kind recorded for a new credential.
    pub(crate) fn issue_kind(&self) -> EnvelopeKind {
        self.kind.unwrap_or(EnvelopeKind::TwoChannel)
    }
}

/// An activation code to derive and seal a new K from (two-channel).
pub(crate) struct NewActivation {
    pub(crate) credential: CredentialId,
    pub(crate) code: ActivationCode,
    pub(crate) expires_at: i64,
    pub(crate) actor: Actor,
    pub(crate) now: i64,
}

/// The audit detail of `issued`/`reissued`.
pub(crate) fn issue_detail(version: Option<u32>, kind: EnvelopeKind) -> String {
    match version {
        Some(version) => format!("key version {version}; {}", kind.name()),
        None => kind.name().to_owned(),
    }
}

/// A challenge to record.
pub(crate) struct NewChallenge {
    pub(crate) id: ChallengeId,
    pub(crate) credential: CredentialId,
    pub(crate) code: String,
    pub(crate) amount_minor: Option<i64>,
    pub(crate) payee: Option<String>,
    pub(crate) now: i64,
    pub(crate) expires_at: i64,
    pub(crate) actor: Actor,
    /// A signing session created with the challenge, in its transaction.
    pub(crate) session: Option<signing::NewSessionRow>,
}

/// One response to judge.
pub(crate) struct Attempt {
    pub(crate) credential: CredentialId,
    pub(crate) challenge: ChallengeId,
    pub(crate) response: Response,
    /// Read by the store once it holds the credential (the SQLite writer
    /// running the job, the PostgreSQL row lock): expiry is judged then, not
    /// when the request was queued behind others.
    pub(crate) clock: std::sync::Arc<dyn Clock>,
    pub(crate) actor: Actor,
    /// Record `verification.rejected` events.
    pub(crate) record_rejections: bool,
    /// The signing session this response was typed into: the verdict's
    /// meaning for it is recorded in the same transaction.
    pub(crate) session: Option<crate::signing::SigningSessionId>,
}

/// An operator action to apply.
pub(crate) struct Change {
    pub(crate) credential: CredentialId,
    pub(crate) action: Action,
    pub(crate) actor: Actor,
    pub(crate) now: i64,
}

/// One bounded chunk of expired challenges to forget.
pub(crate) struct Purge {
    /// Challenges whose expiry is before this instant (ms) go.
    pub(crate) expired_before: i64,
    /// At most this many rows in one transaction, so verifications queued
    /// behind it wait milliseconds, not the length of a table scan.
    pub(crate) max_rows: u32,
    pub(crate) actor: Actor,
    pub(crate) now: i64,
}

/// A sender's request for deliveries to one endpoint.
pub(crate) struct OutboxClaim {
    pub(crate) endpoint: String,
    pub(crate) events: Vec<crate::outbox::EventType>,
    pub(crate) max: u32,
    /// How long (ms) the claimed deliveries are reserved for this sender.
    pub(crate) lease: i64,
    pub(crate) now: i64,
}

/// How one delivery attempt went: `error` is `None` on success.
pub(crate) struct OutboxReport {
    pub(crate) seq: i64,
    pub(crate) error: Option<String>,
    pub(crate) now: i64,
}

/// The audit detail of a purge chunk.
pub(crate) fn purge_detail(removed: u64, expired_before: i64) -> String {
    format!(
        "{removed} challenges that expired before {} removed",
        humantime::format_rfc3339_seconds(crate::clock::from_millis(expired_before))
    )
}

/// The outbox events a transaction records, in order, filtered by what is
/// recorded at all.
pub(crate) fn stored_events(
    events: &[crate::outbox::NewEvent],
    credential: &CredentialId,
    now: i64,
    record_rejections: bool,
) -> Vec<crate::outbox::StoredEvent> {
    events
        .iter()
        .filter(|event| crate::outbox::records(record_rejections, event.kind))
        .map(|event| crate::outbox::finish(event, credential, now))
        .collect()
}

/// A credential store. Each call is one durable transaction.
#[async_trait]
pub(crate) trait Store:
    Send + Sync + operators::OperatorStore + signing::SigningStore
{
    /// Creates a credential; `AlreadyExists` if the id is taken.
    async fn issue(&self, new: NewKey) -> Result<(), VerifierError>;
    /// Replaces a credential's key, resets it to `Issued` and drops its open
    /// challenges; keeps and returns its kind.
    async fn reissue(&self, new: NewKey) -> Result<EnvelopeKind, VerifierError>;
    /// Derives and seals K from a two-channel credential's S and a new code.
    async fn activation_code(&self, new: NewActivation) -> Result<(), VerifierError>;
    /// Records a challenge for an issued or active credential.
    async fn challenge(&self, new: NewChallenge) -> Result<(), VerifierError>;
    /// Judges a response, serialised per credential.
    async fn verify(&self, attempt: Attempt) -> Result<Verified, VerifierError>;
    /// Blocks, unblocks or revokes.
    async fn change(&self, change: Change) -> Result<(), VerifierError>;
    /// Re-wraps every seed under `new` in one transaction; returns how many.
    async fn rotate_master_key(
        &self,
        new: SealingKey,
        actor: Actor,
        now: i64,
    ) -> Result<usize, VerifierError>;
    /// Deletes up to `max_rows` expired challenges (audited when any);
    /// returns how many went.
    async fn purge_challenges(&self, purge: Purge) -> Result<u64, VerifierError>;
    /// `clock` minus the database server's clock, in ms, where the server is
    /// another machine; `None` for an embedded database, which shares ours.
    async fn clock_skew(&self, _clock: &dyn Clock) -> Result<Option<i64>, VerifierError> {
        Ok(None)
    }
    /// Starts tracking an endpoint at the newest event (no-op if known).
    async fn outbox_register(&self, endpoint: &str) -> Result<(), VerifierError>;
    /// Fans out new events to an endpoint and claims its due deliveries.
    async fn outbox_claim(
        &self,
        claim: OutboxClaim,
    ) -> Result<Vec<crate::outbox::Delivery>, VerifierError>;
    /// Records a delivery attempt's result.
    async fn outbox_report(&self, report: OutboxReport) -> Result<(), VerifierError>;
    /// Puts failed deliveries back in line; returns how many.
    async fn outbox_redeliver(&self, seq: Option<i64>, now: i64) -> Result<u64, VerifierError>;
    /// Failed deliveries, oldest first.
    async fn outbox_failed(
        &self,
        limit: usize,
    ) -> Result<Vec<crate::outbox::DeliveryInfo>, VerifierError>;
    /// Pending and failed deliveries.
    async fn outbox_counts(&self) -> Result<crate::outbox::OutboxCounts, VerifierError>;
    /// A credential's status.
    async fn status(&self, id: &CredentialId, now: i64) -> Result<CredentialStatus, VerifierError>;
    /// The newest `limit` audit events, newest first, optionally for one credential.
    async fn audit(
        &self,
        id: Option<&CredentialId>,
        limit: usize,
    ) -> Result<Vec<AuditEvent>, VerifierError>;
}

/// Opens the store a URL names: `sqlite://PATH` (or a bare path) or `postgres://...`.
pub(crate) async fn open(
    url: &str,
    master: SealingKey,
    config: &crate::Config,
) -> Result<Box<dyn Store>, VerifierError> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Box::new(
            postgres::PgStore::open(url, master, config).await?,
        ))
    } else {
        let path = url.strip_prefix("sqlite://").unwrap_or(url);
        if path.is_empty() {
            return Err(VerifierError::InvalidInput(
                "a SQLite URL names a file: sqlite:///path/to/verifier.sqlite3".into(),
            ));
        }
        Ok(Box::new(sqlite::SqliteStore::open(
            std::path::Path::new(path),
            master,
            config,
        )?))
    }
}
