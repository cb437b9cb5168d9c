//! The verifier: the credential life cycle over a store.
//!
//! This layer validates input, draws randomness and reads the clock; the
//! store does the transactions and [`crate::rules`] the decisions. A
//! `Verifier` is cheap to clone and safe to share between tasks.

use std::sync::Arc;

use mobipass_scheme::{
    ActivationCode, ActivationKey, Amount, DocumentCode, Envelope, EnvelopeKind, Payee, Response,
};

use crate::clock::{Clock, SystemClock, to_millis};
use crate::config::{Config, Policy};
use crate::error::VerifierError;
use crate::ids::{Actor, ChallengeId, CredentialId};
use crate::model::{AuditEvent, CredentialStatus, IssuedActivationCode, IssuedChallenge, Verified};
use crate::outbox::{Delivery, DeliveryInfo, EventType, OutboxCounts};
use crate::rules::Action;
use crate::sealing_key::SealingKey;
use crate::store::{
    self, Attempt, Change, NewActivation, NewChallenge, NewKey, OutboxClaim, OutboxReport, Purge,
    Store,
};

/// Expired challenges deleted per transaction by [`Verifier::purge_challenges`].
const PURGE_CHUNK: u32 = 2_000;

/// Most this machine's clock may differ from a database server's. Every node
/// judges challenge expiry (5 minutes by default) by its own clock, so nodes
/// whose clocks disagree by more would shorten or stretch the window.
pub const MAX_CLOCK_SKEW: std::time::Duration = std::time::Duration::from_secs(30);

/// Shortest retention [`Verifier::purge_challenges`] accepts: far above
/// [`MAX_CLOCK_SKEW`], so no node, even with its clock behind, can still be
/// judging a challenge that another node's purge deletes.
pub const MIN_CHALLENGE_RETENTION: std::time::Duration = std::time::Duration::from_secs(3600);

pub use crate::ids::MAX_REASON_LEN;

/// The bank-side verifier. Clone it freely: clones share one store.
#[derive(Clone)]
pub struct Verifier {
    pub(crate) store: Arc<dyn Store>,
    config: Arc<Config>,
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for Verifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Verifier")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl Verifier {
    /// Opens (and migrates) the store at `db_url`: `sqlite://PATH` or
    /// `postgres://USER@HOST/DB`. Fails if `master` is not the key this
    /// database's seeds are sealed under. `master` is a [`crate::MasterKey`]
    /// or any [`SealingKey`] (such as an HSM key).
    pub async fn open(
        db_url: &str,
        master: impl Into<SealingKey>,
        config: Config,
    ) -> Result<Self, VerifierError> {
        config.validate()?;
        let store = store::open(db_url, master.into(), &config).await?;
        let verifier = Self {
            store: Arc::from(store),
            config: Arc::new(config),
            clock: Arc::new(SystemClock),
        };
        if verifier.config.check_clock_at_open {
            verifier.check_clock().await?;
        }
        Ok(verifier)
    }

    /// Fails with [`VerifierError::ClockSkew`] if this verifier's clock and
    /// the database server's (PostgreSQL) differ by more than
    /// [`MAX_CLOCK_SKEW`]. [`Verifier::open`] checks once (unless
    /// [`Config::check_clock_at_open`] is off); a long-running service should
    /// check again now and then. Always passes on SQLite.
    pub async fn check_clock(&self) -> Result<(), VerifierError> {
        let Some(skew_ms) = self.store.clock_skew(&*self.clock).await? else {
            return Ok(());
        };
        let max = i64::try_from(MAX_CLOCK_SKEW.as_millis()).unwrap_or(i64::MAX);
        if skew_ms.abs() > max {
            return Err(VerifierError::ClockSkew { skew_ms });
        }
        Ok(())
    }

    /// Uses `clock` instead of the system clock (tests).
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// The settings in force.
    pub fn config(&self) -> &Config {
        &self.config
    }

    pub(crate) fn now(&self) -> i64 {
        to_millis(self.clock.now())
    }

    /// Creates a two-channel credential (the default, DESIGN 2b) and returns
    /// its envelope, once. Nothing signs until an activation code is issued
    /// ([`Verifier::activation_code`]); the verifier keeps only the sealed S,
    /// so the envelope cannot be printed again.
    pub async fn issue(&self, id: &CredentialId, actor: &Actor) -> Result<Envelope, VerifierError> {
        self.issue_kind(id, EnvelopeKind::TwoChannel, actor).await
    }

    /// Creates an envelope-only credential (the envelope alone activates;
    /// for envelopes handed over after an ID check). Only the sealed K is
    /// stored.
    pub async fn issue_envelope_only(
        &self,
        id: &CredentialId,
        actor: &Actor,
    ) -> Result<Envelope, VerifierError> {
        self.issue_kind(id, EnvelopeKind::EnvelopeOnly, actor).await
    }

    /// Creates a credential of `kind` and returns its envelope, once.
    pub async fn issue_kind(
        &self,
        id: &CredentialId,
        kind: EnvelopeKind,
        actor: &Actor,
    ) -> Result<Envelope, VerifierError> {
        self.issue_with_policy(id, kind, &self.config.policy(), actor)
            .await
    }

    /// [`Verifier::issue_kind`] with a policy of its own instead of the
    /// configured one (a customer the bank treats differently). The
    /// credential keeps it for life, across reissues.
    pub async fn issue_with_policy(
        &self,
        id: &CredentialId,
        kind: EnvelopeKind,
        policy: &Policy,
        actor: &Actor,
    ) -> Result<Envelope, VerifierError> {
        policy.validate()?;
        let secret = ActivationKey::generate();
        let mut new = self.new_key(id, &secret, Some(kind), actor);
        new.policy = policy.clone();
        self.store.issue(new).await?;
        Ok(Envelope::new(secret, kind))
    }

    /// Gives a credential a new envelope of the same kind; the old one stops
    /// working at once and open challenges are dropped. Resets the state to
    /// `Issued`, the failure count and the lock ladder; the credential keeps
    /// the policy it was issued with. A two-channel credential then needs a
    /// new activation code.
    pub async fn reissue(
        &self,
        id: &CredentialId,
        actor: &Actor,
    ) -> Result<Envelope, VerifierError> {
        let secret = ActivationKey::generate();
        let kind = self
            .store
            .reissue(self.new_key(id, &secret, None, actor))
            .await?;
        Ok(Envelope::new(secret, kind))
    }

    fn new_key(
        &self,
        id: &CredentialId,
        secret: &ActivationKey,
        kind: Option<EnvelopeKind>,
        actor: &Actor,
    ) -> NewKey {
        NewKey {
            id: id.clone(),
            secret: secret.clone(),
            kind,
            policy: self.config.policy(),
            actor: actor.clone(),
            now: self.now(),
        }
    }

    /// Issues an activation code for a two-channel credential and returns
    /// it, once, with its expiry ([`Config::activation_code_ttl`]). K is
    /// derived from the sealed S and the code and sealed under a new key
    /// version: a previous code (or the key of an already active credential:
    /// a re-activation, a new computer) stops working at once, and the
    /// credential is `Issued` until the first accepted response before the
    /// expiry confirms it. The code is not stored and not audited; the
    /// audit log gets `activation_code` with the expiry.
    ///
    /// Refused for envelope-only (`NotTwoChannel`), blocked and revoked
    /// credentials.
    pub async fn activation_code(
        &self,
        id: &CredentialId,
        actor: &Actor,
    ) -> Result<IssuedActivationCode, VerifierError> {
        let now = self.clock.now();
        let expires_at = now + self.config.activation_code_ttl;
        let code = ActivationCode::generate();
        self.store
            .activation_code(NewActivation {
                credential: id.clone(),
                code: code.clone(),
                expires_at: to_millis(expires_at),
                actor: actor.clone(),
                now: to_millis(now),
            })
            .await?;
        Ok(IssuedActivationCode { code, expires_at })
    }

    /// A new challenge: a random 6-digit document code, optionally linked to
    /// an amount and payee, valid for [`Config::challenge_ttl`].
    pub async fn challenge(
        &self,
        id: &CredentialId,
        linked: Option<(Amount, Payee)>,
    ) -> Result<IssuedChallenge, VerifierError> {
        self.challenge_as(id, linked, &Actor::service()).await
    }

    /// [`Verifier::challenge`], recording `actor` in the audit log.
    pub async fn challenge_as(
        &self,
        id: &CredentialId,
        linked: Option<(Amount, Payee)>,
        actor: &Actor,
    ) -> Result<IssuedChallenge, VerifierError> {
        self.new_challenge(id, linked, actor, None).await
    }

    /// A challenge, with the signing session that shows it if `session`.
    pub(crate) async fn new_challenge(
        &self,
        id: &CredentialId,
        linked: Option<(Amount, Payee)>,
        actor: &Actor,
        session: Option<crate::store::signing::NewSessionRow>,
    ) -> Result<IssuedChallenge, VerifierError> {
        let now = self.clock.now();
        let expires_at = now + self.config.challenge_ttl;
        let code = DocumentCode::generate();
        let challenge_id = ChallengeId::generate();
        let (amount_minor, payee) = match &linked {
            Some((amount, payee)) => (Some(amount.minor()), Some(payee.digits().to_owned())),
            None => (None, None),
        };
        self.store
            .challenge(NewChallenge {
                id: challenge_id,
                credential: id.clone(),
                code: code.as_str().to_owned(),
                amount_minor: amount_minor.map(|a| a as i64),
                payee: payee.clone(),
                now: to_millis(now),
                expires_at: to_millis(expires_at),
                actor: actor.clone(),
                session,
            })
            .await?;
        Ok(IssuedChallenge {
            id: challenge_id,
            code: code.as_str().to_owned(),
            amount_minor,
            payee,
            expires_at,
        })
    }

    /// Checks a customer's response (8 digits, spaces allowed) to a
    /// challenge, recording `actor` in the audit log. The outcome is
    /// committed durably before it is returned, with whether this very
    /// response is the one that blocked the credential.
    pub async fn verify(
        &self,
        id: &CredentialId,
        challenge: &ChallengeId,
        response: &str,
        actor: &Actor,
    ) -> Result<Verified, VerifierError> {
        self.verify_for(id, challenge, response, actor, None).await
    }

    /// [`Verifier::verify`], recording the verdict's meaning for `session`
    /// in the same transaction.
    pub(crate) async fn verify_for(
        &self,
        id: &CredentialId,
        challenge: &ChallengeId,
        response: &str,
        actor: &Actor,
        session: Option<crate::signing::SigningSessionId>,
    ) -> Result<Verified, VerifierError> {
        let response = Response::parse(response)
            .map_err(|_| VerifierError::InvalidInput("a response is 8 digits".into()))?;
        self.store
            .verify(Attempt {
                credential: id.clone(),
                challenge: *challenge,
                response,
                clock: Arc::clone(&self.clock),
                actor: actor.clone(),
                record_rejections: self.config.record_rejections,
                session,
            })
            .await
    }

    /// Blocks a credential at once (a customer reporting a lost device; no
    /// identity check is needed to stop signatures). `reason` must pass
    /// [`crate::ids::block_reason`].
    pub async fn block(
        &self,
        id: &CredentialId,
        reason: &str,
        actor: &Actor,
    ) -> Result<(), VerifierError> {
        let reason = crate::ids::block_reason(reason)?;
        self.change(
            id,
            Action::Block {
                reason: reason.to_owned(),
            },
            actor,
        )
        .await
    }

    /// Unblocks a credential and resets its failure count.
    pub async fn unblock(&self, id: &CredentialId, actor: &Actor) -> Result<(), VerifierError> {
        self.change(id, Action::Unblock, actor).await
    }

    /// Revokes a credential for good.
    pub async fn revoke(&self, id: &CredentialId, actor: &Actor) -> Result<(), VerifierError> {
        self.change(id, Action::Revoke, actor).await
    }

    async fn change(
        &self,
        id: &CredentialId,
        action: Action,
        actor: &Actor,
    ) -> Result<(), VerifierError> {
        self.store
            .change(Change {
                credential: id.clone(),
                action,
                actor: actor.clone(),
                now: self.now(),
            })
            .await
    }

    /// A credential's state, failure count and limit.
    pub async fn status(&self, id: &CredentialId) -> Result<CredentialStatus, VerifierError> {
        self.store.status(id, self.now()).await
    }

    /// The newest `limit` audit events, newest first; all credentials or one.
    pub async fn audit(
        &self,
        id: Option<&CredentialId>,
        limit: usize,
    ) -> Result<Vec<AuditEvent>, VerifierError> {
        self.store.audit(id, limit).await
    }

    /// Deletes the challenges that expired more than `retention` ago and
    /// returns how many went. Without it the challenge table grows by one row
    /// per signature for ever. A deleted challenge can no longer be answered
    /// either way: its id then verifies as `UnknownChallenge` instead of
    /// `Expired` or `AlreadyUsed`, and the audit log keeps every outcome.
    /// Works in chunks of a few thousand rows, each its own transaction, so
    /// verifications keep flowing while a large backlog goes.
    pub async fn purge_challenges(
        &self,
        retention: std::time::Duration,
        actor: &Actor,
    ) -> Result<u64, VerifierError> {
        if retention < MIN_CHALLENGE_RETENTION {
            return Err(VerifierError::InvalidInput(
                "keep expired challenges for at least an hour before purging them".into(),
            ));
        }
        let retention = i64::try_from(retention.as_millis()).unwrap_or(i64::MAX);
        let expired_before = self.now().saturating_sub(retention);
        let mut total = 0;
        loop {
            let removed = self
                .store
                .purge_challenges(Purge {
                    expired_before,
                    max_rows: PURGE_CHUNK,
                    actor: actor.clone(),
                    now: self.now(),
                })
                .await?;
            total += removed;
            if removed < u64::from(PURGE_CHUNK) {
                return Ok(total);
            }
        }
    }

    /// Re-wraps every stored seed under `new` in one transaction and uses it
    /// from then on. Returns the number of seeds re-wrapped. Other verifier
    /// processes on the same database must be restarted with the new key.
    pub async fn rotate_master_key(
        &self,
        new: impl Into<SealingKey>,
    ) -> Result<usize, VerifierError> {
        self.rotate_master_key_as(new, &Actor::service()).await
    }

    /// [`Verifier::rotate_master_key`], recording `actor` in the audit log.
    pub async fn rotate_master_key_as(
        &self,
        new: impl Into<SealingKey>,
        actor: &Actor,
    ) -> Result<usize, VerifierError> {
        self.store
            .rotate_master_key(new.into(), actor.clone(), self.now())
            .await
    }

    /// Webhook senders: starts tracking `endpoint` (its URL) at the newest
    /// event, so that it receives every event recorded from now on and none
    /// of the history. Call it before serving requests; a known endpoint
    /// keeps its place.
    pub async fn outbox_register(&self, endpoint: &str) -> Result<(), VerifierError> {
        self.store.outbox_register(endpoint).await
    }

    /// Webhook senders: hands out up to `max` deliveries of `events` due to
    /// `endpoint`, at most one per credential (its oldest open one, so that
    /// each credential's events arrive in order), reserved for this caller
    /// for `lease`. Unreported, they are handed out again after the lease
    /// (at-least-once). On PostgreSQL, nodes claiming at once get different
    /// deliveries (`SKIP LOCKED`).
    pub async fn claim_deliveries(
        &self,
        endpoint: &str,
        events: &[EventType],
        max: u32,
        lease: std::time::Duration,
    ) -> Result<Vec<Delivery>, VerifierError> {
        self.store
            .outbox_claim(OutboxClaim {
                endpoint: endpoint.to_owned(),
                events: events.to_vec(),
                max,
                lease: i64::try_from(lease.as_millis()).unwrap_or(i64::MAX),
                now: self.now(),
            })
            .await
    }

    /// Webhook senders: the receiver took delivery `seq`.
    pub async fn delivery_done(&self, seq: i64) -> Result<(), VerifierError> {
        self.store
            .outbox_report(OutboxReport {
                seq,
                error: None,
                now: self.now(),
            })
            .await
    }

    /// Webhook senders: delivery `seq` failed with `error` (a status code or
    /// transport error; never the receiver's body). It is retried after
    /// [`crate::outbox::backoff`], or marked failed once it has been failing
    /// for [`crate::outbox::GIVE_UP_AFTER`].
    pub async fn delivery_failed(&self, seq: i64, error: &str) -> Result<(), VerifierError> {
        self.store
            .outbox_report(OutboxReport {
                seq,
                error: Some(error.chars().take(200).collect()),
                now: self.now(),
            })
            .await
    }

    /// Puts failed deliveries back in line (`seq`, or all with `None`);
    /// returns how many.
    pub async fn redeliver(&self, seq: Option<i64>) -> Result<u64, VerifierError> {
        self.store.outbox_redeliver(seq, self.now()).await
    }

    /// Failed deliveries, oldest first.
    pub async fn failed_deliveries(
        &self,
        limit: usize,
    ) -> Result<Vec<DeliveryInfo>, VerifierError> {
        self.store.outbox_failed(limit).await
    }

    /// How many deliveries are pending and failed.
    pub async fn outbox_counts(&self) -> Result<OutboxCounts, VerifierError> {
        self.store.outbox_counts().await
    }
}
