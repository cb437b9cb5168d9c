//! The decisions, once for every store: what a verification or an operator
//! action does to a credential. Stores load rows under their lock, ask these
//! functions, and write back what they say, so SQLite and PostgreSQL cannot
//! drift apart in behaviour.
//!
//! Decided here: a response to an unknown, expired or already used challenge
//! is never compared with anything, so it reveals nothing and counts as no
//! failure. The failure count is about guesses evaluated; stale ids give an
//! attacker no guess, and counting them would let a replayed old request
//! lock a customer out.
//!
//! Two-channel credentials (DESIGN 2b) add an activation phase, kept in
//! [`Activation`]: no K exists until an activation code is issued
//! ([`activate`] derives K from the sealed S and the code); a pending code
//! is confirmed by the first accepted response before it expires; after it
//! expired unconfirmed, responses are refused unseen and no challenge is
//! created until a new code is issued (a challenge nobody can answer would
//! only send the customer round in circles).

use mobipass_scheme::{
    ActivationCode, ActivationKey, Amount, Challenge, DocumentCode, EnvelopeKind, Payee, Response,
    two_channel_secret,
};

use crate::error::VerifierError;
use crate::ids::CredentialId;
use crate::model::{Outcome, State, Verified};
use crate::outbox::{EventType, NewEvent};
use crate::seal::{self, SealedSeed};
use crate::sealing_key::SealingKey;

/// Where a credential is in its activation (always `Settled` for
/// envelope-only credentials).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Activation {
    /// The sealed K is the key in force.
    Settled,
    /// Two-channel, no activation code since issue or reissue: no K yet.
    CodeNeeded,
    /// Two-channel, a code was issued: K (from S and that code) is sealed and
    /// the first accepted response before `expires_at` (ms) confirms it.
    Pending { expires_at: i64 },
}

impl Activation {
    /// The stored (name, expiry) pair.
    pub(crate) fn to_stored(self) -> (&'static str, Option<i64>) {
        match self {
            Self::Settled => ("settled", None),
            Self::CodeNeeded => ("code_needed", None),
            Self::Pending { expires_at } => ("pending", Some(expires_at)),
        }
    }

    /// Reads the stored pair back; a damaged combination is a storage error.
    pub(crate) fn from_stored(name: &str, expires_at: Option<i64>) -> Result<Self, VerifierError> {
        match (name, expires_at) {
            ("settled", None) => Ok(Self::Settled),
            ("code_needed", None) => Ok(Self::CodeNeeded),
            ("pending", Some(expires_at)) => Ok(Self::Pending { expires_at }),
            _ => Err(VerifierError::Storage(
                "a stored credential's activation is damaged".into(),
            )),
        }
    }

    /// Refuses what an activation in this phase cannot do yet at `now`.
    fn usable(self, now_millis: i64) -> Result<(), VerifierError> {
        match self {
            Self::Settled => Ok(()),
            Self::CodeNeeded => Err(VerifierError::ActivationCodeNeeded),
            Self::Pending { expires_at } if now_millis >= expires_at => {
                Err(VerifierError::ActivationExpired)
            }
            Self::Pending { .. } => Ok(()),
        }
    }
}

/// The stored kind name back to a kind.
pub(crate) fn kind_from_stored(name: &str) -> Result<EnvelopeKind, VerifierError> {
    EnvelopeKind::from_name(name).ok_or_else(|| {
        VerifierError::Storage(format!("unknown credential kind {name:?} in the database"))
    })
}

/// A credential row as loaded for a decision.
pub(crate) struct CredentialRow {
    pub(crate) state: State,
    pub(crate) failures: u8,
    pub(crate) limit: u8,
    pub(crate) key_version: u32,
    /// The sealed K; empty while `activation` is `CodeNeeded`.
    pub(crate) sealed: SealedSeed,
    pub(crate) activated: bool,
    pub(crate) kind: EnvelopeKind,
    /// The sealed S of a two-channel credential.
    pub(crate) sealed_secret: Option<SealedSeed>,
    pub(crate) activation: Activation,
    /// Minutes of each temporary lock of its policy.
    pub(crate) ladder: Vec<u32>,
    /// Temporary locks taken since the last accepted response or unblock.
    pub(crate) lock_step: u8,
    /// Locked until this instant (ms), if ever locked.
    pub(crate) locked_until: Option<i64>,
}

/// A challenge row as loaded for a decision.
pub(crate) struct ChallengeRow {
    pub(crate) code: String,
    pub(crate) amount_minor: Option<i64>,
    pub(crate) payee: Option<String>,
    pub(crate) expires_at: i64,
    pub(crate) used: bool,
    /// Keyed hashes ([`REPEAT_TAG_LEN`] bytes each) of the wrong responses
    /// already evaluated for this challenge.
    pub(crate) wrong_tags: Vec<u8>,
}

impl ChallengeRow {
    fn question(&self) -> Result<Challenge, VerifierError> {
        let damaged = |_| VerifierError::Storage("a stored challenge is damaged".into());
        let code = DocumentCode::parse(&self.code).map_err(damaged)?;
        Ok(match (self.amount_minor, &self.payee) {
            (Some(amount), Some(payee)) => Challenge::Linked {
                code,
                amount: Amount::from_minor(u64::try_from(amount).unwrap_or(u64::MAX))
                    .map_err(damaged)?,
                payee: Payee::parse(payee).map_err(damaged)?,
            },
            (None, None) => Challenge::Plain(code),
            _ => {
                return Err(VerifierError::Storage(
                    "a stored challenge is damaged".into(),
                ));
            }
        })
    }
}

/// Length of one repeat tag.
pub(crate) const REPEAT_TAG_LEN: usize = 32;
/// Most tags kept per challenge: more wrong responses than this to one
/// challenge cannot happen before a permanent block (5 per step, 8 steps
/// and the block) except across unblocks, where counting again is right.
const MAX_REPEAT_TAGS: usize = 48;

/// The keyed hash that recognises a repeated wrong response: HMAC-SHA256
/// under a key derived from the master key, over the challenge id and the
/// response. The response itself is never stored; without the master key
/// the tag does not let anyone test the 10^8 possible responses.
pub(crate) fn repeat_tag(
    master: &SealingKey,
    challenge: &[u8; 16],
    response: &Response,
) -> [u8; REPEAT_TAG_LEN] {
    use hmac::{Hmac, KeyInit, Mac};
    use sha2::Sha256;
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(master.repeat_key())
        .expect("HMAC takes keys of any length");
    mac.update(challenge);
    mac.update(response.as_str().as_bytes());
    mac.finalize().into_bytes().into()
}

/// The stored form of a ladder: minutes separated by commas, `""` for none.
pub(crate) fn format_ladder(ladder: &[u32]) -> String {
    ladder
        .iter()
        .map(u32::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

/// The inverse of [`format_ladder`].
pub(crate) fn parse_ladder(text: &str) -> Result<Vec<u32>, VerifierError> {
    if text.is_empty() {
        return Ok(Vec::new());
    }
    text.split(',')
        .map(|m| {
            m.parse()
                .map_err(|_| VerifierError::Storage("a stored lock ladder is damaged".into()))
        })
        .collect()
}

fn seen_before(tags: &[u8], tag: &[u8; REPEAT_TAG_LEN]) -> bool {
    use subtle::ConstantTimeEq;
    // Every stored tag is compared in full, so the time taken does not
    // tell which one (if any) matched.
    let mut seen = subtle::Choice::from(0);
    for stored in tags.chunks_exact(REPEAT_TAG_LEN) {
        seen |= stored.ct_eq(tag);
    }
    seen.into()
}

/// What a decision writes back to the credential row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CredentialUpdate {
    pub(crate) state: State,
    pub(crate) failures: u8,
    pub(crate) activated: bool,
    pub(crate) lock_step: u8,
    pub(crate) locked_until: Option<i64>,
}

/// What a verification does to the credential and challenge.
pub(crate) struct Verdict {
    pub(crate) outcome: Outcome,
    /// The credential's new values, if it changes.
    pub(crate) credential: Option<CredentialUpdate>,
    /// Whether the challenge is now used up.
    pub(crate) consume_challenge: bool,
    /// Whether the response was compared with the expected one (a guess the
    /// failure limit counts), as opposed to refused unseen.
    pub(crate) evaluated: bool,
    /// This accepted response confirms a pending activation code.
    pub(crate) confirms_activation: bool,
    /// The new tag list of the challenge, when a wrong response joins it.
    pub(crate) wrong_tags: Option<Vec<u8>>,
    /// A repeated wrong response, answered as before and counted nothing.
    pub(crate) repeated: bool,
    /// Outbox events, in order.
    pub(crate) events: Vec<NewEvent>,
    /// Audit detail of the temporary lock or block this response caused.
    lock_detail: Option<(&'static str, String)>,
}

/// One audit row: action and detail.
pub(crate) type AuditRow = (&'static str, String);

impl Verdict {
    fn refuse(outcome: Outcome) -> Self {
        Self {
            outcome,
            credential: None,
            consume_challenge: false,
            evaluated: false,
            confirms_activation: false,
            wrong_tags: None,
            repeated: false,
            events: Vec::new(),
            lock_detail: None,
        }
    }

    /// The audit rows this verification leaves, in order. An evaluated
    /// response is `verify` with `accepted` or `rejected` (so counting those
    /// counts the guesses evaluated); the wrong response that reaches the
    /// limit is a `rejected` followed by the temporary lock (`locked`) or
    /// the permanent block (`blocked`); a response refused unseen is
    /// `verify` with the refusal (`blocked`, `locked`, `expired`, ...), and
    /// a repeated wrong response is `verify` with `repeated`.
    pub(crate) fn audit_rows(&self) -> Vec<AuditRow> {
        if self.repeated {
            return vec![("verify", "repeated".to_owned())];
        }
        if !self.evaluated {
            return vec![("verify", self.outcome.as_str().to_owned())];
        }
        if self.outcome == Outcome::Accepted {
            let mut rows = vec![("verify", "accepted".to_owned())];
            if self.confirms_activation {
                rows.push(("activated", "confirmed by an accepted response".to_owned()));
            }
            return rows;
        }
        let mut rows = vec![("verify", "rejected".to_owned())];
        if let Some((action, detail)) = &self.lock_detail {
            rows.push((action, detail.clone()));
        }
        rows
    }

    /// What the caller learns.
    pub(crate) fn verified(&self) -> Verified {
        let evaluated_wrong = self.evaluated && self.outcome != Outcome::Accepted;
        Verified {
            outcome: self.outcome,
            blocked_now: evaluated_wrong && matches!(self.outcome, Outcome::Blocked),
            locked_now: evaluated_wrong && matches!(self.outcome, Outcome::Locked { .. }),
        }
    }
}

/// Whether the next wrong response after `failures` is the permanent block.
fn rejected(credential: &CredentialRow, failures: u8) -> Outcome {
    let attempts_left = credential.limit.saturating_sub(failures);
    Outcome::Rejected {
        attempts_left,
        final_attempt: attempts_left == 1
            && usize::from(credential.lock_step) >= credential.ladder.len(),
    }
}

/// Whole seconds from `now` to `until`, rounded up.
fn seconds_until(until: i64, now: i64) -> u64 {
    u64::try_from(until.saturating_sub(now))
        .unwrap_or(0)
        .div_ceil(1000)
}

/// Judges one response. `challenge` is `None` when no challenge with that id
/// belongs to this credential.
pub(crate) fn judge(
    master: &SealingKey,
    id: &CredentialId,
    credential: &CredentialRow,
    challenge_id: &[u8; 16],
    challenge: Option<&ChallengeRow>,
    now_millis: i64,
    response: &Response,
) -> Result<Verdict, VerifierError> {
    match credential.state {
        State::Revoked => return Ok(Verdict::refuse(Outcome::Revoked)),
        State::Blocked => return Ok(Verdict::refuse(Outcome::Blocked)),
        State::Issued | State::Active => {}
    }
    match credential.activation {
        // No K exists, and no challenge can be open: issue creates none,
        // reissue drops the open ones, and none is created until a code.
        Activation::CodeNeeded => return Ok(Verdict::refuse(Outcome::UnknownChallenge)),
        Activation::Pending { expires_at } if now_millis >= expires_at => {
            return Ok(Verdict::refuse(Outcome::ActivationExpired));
        }
        Activation::Pending { .. } | Activation::Settled => {}
    }
    if let Some(until) = credential.locked_until.filter(|until| now_millis < *until) {
        return Ok(Verdict::refuse(Outcome::Locked {
            retry_after_secs: seconds_until(until, now_millis),
        }));
    }
    let Some(challenge) = challenge else {
        return Ok(Verdict::refuse(Outcome::UnknownChallenge));
    };
    if challenge.used {
        return Ok(Verdict::refuse(Outcome::AlreadyUsed));
    }
    if now_millis >= challenge.expires_at {
        return Ok(Verdict::refuse(Outcome::Expired));
    }
    let tag = repeat_tag(master, challenge_id, response);
    if seen_before(&challenge.wrong_tags, &tag) {
        // Known to be wrong already: nothing is compared with the key, so
        // this is no new guess (a double-submitted form).
        let mut verdict = Verdict::refuse(rejected(credential, credential.failures));
        verdict.repeated = true;
        return Ok(verdict);
    }
    let key = seal::open(master, id, credential.key_version, &credential.sealed)?;
    let expected = challenge.question()?.respond(&key);
    if expected == *response {
        let mut events = Vec::new();
        if !credential.activated {
            events.push(NewEvent::new(
                EventType::Activated,
                serde_json::json!({ "key_version": credential.key_version }),
            ));
        }
        return Ok(Verdict {
            outcome: Outcome::Accepted,
            credential: Some(CredentialUpdate {
                state: State::Active,
                failures: 0,
                activated: true,
                lock_step: 0,
                locked_until: None,
            }),
            consume_challenge: true,
            evaluated: true,
            confirms_activation: matches!(credential.activation, Activation::Pending { .. }),
            wrong_tags: None,
            repeated: false,
            events,
            lock_detail: None,
        });
    }
    let mut wrong_tags = challenge.wrong_tags.clone();
    if wrong_tags.len() >= MAX_REPEAT_TAGS * REPEAT_TAG_LEN {
        wrong_tags.drain(..REPEAT_TAG_LEN);
    }
    wrong_tags.extend_from_slice(&tag);
    let failures = credential.failures.saturating_add(1);
    let mut update = CredentialUpdate {
        state: credential.state,
        failures,
        activated: credential.activated,
        lock_step: credential.lock_step,
        locked_until: credential.locked_until,
    };
    let mut events = Vec::new();
    let mut lock_detail = None;
    let outcome = if failures < credential.limit {
        rejected(credential, failures)
    } else if let Some(&minutes) = credential.ladder.get(usize::from(credential.lock_step)) {
        let step = credential.lock_step + 1;
        let until = now_millis.saturating_add(i64::from(minutes) * 60_000);
        update.failures = 0;
        update.lock_step = step;
        update.locked_until = Some(until);
        lock_detail = Some((
            "locked",
            format!(
                "failure limit reached: {failures} wrong responses in a row; locked for {minutes} minutes (step {step} of {})",
                credential.ladder.len()
            ),
        ));
        events.push(NewEvent::new(
            EventType::Locked,
            serde_json::json!({
                "locked_until": humantime::format_rfc3339_seconds(crate::clock::from_millis(until)).to_string(),
                "retry_after_secs": u64::from(minutes) * 60,
                "step": step,
                "steps": credential.ladder.len(),
            }),
        ));
        Outcome::Locked {
            retry_after_secs: u64::from(minutes) * 60,
        }
    } else {
        update.state = State::Blocked;
        lock_detail = Some((
            "blocked",
            format!("failure limit reached: {failures} wrong responses in a row"),
        ));
        events.push(NewEvent::new(
            EventType::Blocked,
            serde_json::json!({ "by": "failure_limit" }),
        ));
        Outcome::Blocked
    };
    let (attempts_left, final_attempt) = match outcome {
        Outcome::Rejected {
            attempts_left,
            final_attempt,
        } => (attempts_left, final_attempt),
        _ => (0, false),
    };
    events.insert(
        0,
        NewEvent::new(
            EventType::Rejected,
            serde_json::json!({
                "attempts_left": attempts_left,
                "final_attempt": final_attempt,
                "outcome": outcome.as_str(),
            }),
        ),
    );
    Ok(Verdict {
        outcome,
        credential: Some(update),
        consume_challenge: false,
        evaluated: true,
        confirms_activation: false,
        wrong_tags: Some(wrong_tags),
        repeated: false,
        events,
        lock_detail,
    })
}

/// What sealing a new envelope secret stores: the sealed K (empty for a
/// two-channel credential, which has none until an activation code), the
/// sealed S (two-channel only) and the activation phase.
pub(crate) struct NewSeal {
    pub(crate) sealed: SealedSeed,
    pub(crate) sealed_secret: Option<SealedSeed>,
    pub(crate) activation: Activation,
}

/// Seals a freshly generated envelope secret of `kind` at `key_version`.
pub(crate) fn seal_new(
    master: &SealingKey,
    id: &CredentialId,
    key_version: u32,
    kind: EnvelopeKind,
    secret: &ActivationKey,
) -> Result<NewSeal, VerifierError> {
    Ok(match kind {
        EnvelopeKind::EnvelopeOnly => NewSeal {
            sealed: seal::seal(master, id, key_version, &secret.ocra_key())?,
            sealed_secret: None,
            activation: Activation::Settled,
        },
        EnvelopeKind::TwoChannel => NewSeal {
            sealed: SealedSeed(Vec::new()),
            sealed_secret: Some(seal::seal_secret(master, id, key_version, secret)?),
            activation: Activation::CodeNeeded,
        },
    })
}

/// What issuing an activation code writes: a new key version, S re-sealed
/// under it, K from S and the code sealed under it, the credential back to
/// `Issued` (not activated) with its failure count kept, and the audit row.
pub(crate) struct Activated {
    pub(crate) key_version: u32,
    pub(crate) sealed: SealedSeed,
    pub(crate) sealed_secret: SealedSeed,
    pub(crate) activation: Activation,
    pub(crate) audit_detail: String,
}

/// Decides an activation code for `credential`. The previous K (of an
/// active credential, or of an earlier code) stops at once because the new
/// one replaces it under a new key version. Failures are kept: a fresh code
/// is no fresh set of guesses.
pub(crate) fn activate(
    master: &SealingKey,
    id: &CredentialId,
    credential: &CredentialRow,
    code: &ActivationCode,
    expires_at: i64,
) -> Result<Activated, VerifierError> {
    match credential.state {
        State::Revoked => return Err(VerifierError::Revoked),
        State::Blocked => return Err(VerifierError::Blocked),
        State::Issued | State::Active => {}
    }
    if credential.kind != EnvelopeKind::TwoChannel {
        return Err(VerifierError::NotTwoChannel);
    }
    let sealed_secret = credential.sealed_secret.as_ref().ok_or_else(|| {
        VerifierError::Storage("a two-channel credential's sealed secret is missing".into())
    })?;
    let secret = seal::open_secret(master, id, credential.key_version, sealed_secret)?;
    let version = credential.key_version.checked_add(1).ok_or_else(|| {
        VerifierError::Storage("the credential's key version is exhausted".into())
    })?;
    let key = two_channel_secret(&secret, code).ocra_key();
    let expiry = humantime::format_rfc3339_seconds(crate::clock::from_millis(expires_at));
    let audit_detail = if credential.state == State::Active {
        format!("re-activation; expires at {expiry}")
    } else {
        format!("expires at {expiry}")
    };
    Ok(Activated {
        key_version: version,
        sealed: seal::seal(master, id, version, &key)?,
        sealed_secret: seal::seal_secret(master, id, version, &secret)?,
        activation: Activation::Pending { expires_at },
        audit_detail,
    })
}

/// Re-wraps one credential's sealed blobs from `old` to `new`.
pub(crate) fn reseal(
    old: &SealingKey,
    new: &SealingKey,
    id: &CredentialId,
    key_version: u32,
    sealed: &SealedSeed,
    sealed_secret: Option<&SealedSeed>,
) -> Result<(SealedSeed, Option<SealedSeed>), VerifierError> {
    let sealed = if sealed.0.is_empty() {
        SealedSeed(Vec::new())
    } else {
        let key = seal::open(old, id, key_version, sealed)?;
        seal::seal(new, id, key_version, &key)?
    };
    let sealed_secret = match sealed_secret {
        Some(blob) => {
            let secret = seal::open_secret(old, id, key_version, blob)?;
            Some(seal::seal_secret(new, id, key_version, &secret)?)
        }
        None => None,
    };
    Ok((sealed, sealed_secret))
}

/// An operator's action on a credential.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Action {
    Block { reason: String },
    Unblock,
    Revoke,
}

impl Action {
    /// The audit action name.
    pub(crate) fn audit_name(&self) -> &'static str {
        match self {
            Self::Block { .. } => "blocked",
            Self::Unblock => "unblocked",
            Self::Revoke => "revoked",
        }
    }

    /// The audit detail.
    pub(crate) fn audit_detail(&self) -> &str {
        match self {
            Self::Block { reason } => reason,
            Self::Unblock | Self::Revoke => "",
        }
    }

    /// The outbox event of the action. An operator's reason is free text
    /// (it may name the customer) and stays in the audit log.
    pub(crate) fn event(&self) -> NewEvent {
        match self {
            Self::Block { .. } => {
                NewEvent::new(EventType::Blocked, serde_json::json!({ "by": "operator" }))
            }
            Self::Unblock => NewEvent::new(EventType::Unblocked, serde_json::json!({})),
            Self::Revoke => NewEvent::new(EventType::Revoked, serde_json::json!({})),
        }
    }

    /// The credential's values after the action; revocation is final, so
    /// nothing but a repeated revoke applies to a revoked credential. An
    /// unblock also lifts a temporary lock and starts the ladder again.
    pub(crate) fn apply(
        &self,
        credential: &CredentialRow,
    ) -> Result<CredentialUpdate, VerifierError> {
        let same = CredentialUpdate {
            state: credential.state,
            failures: credential.failures,
            activated: credential.activated,
            lock_step: credential.lock_step,
            locked_until: credential.locked_until,
        };
        match (self, credential.state) {
            (Self::Revoke, _) => Ok(CredentialUpdate {
                state: State::Revoked,
                ..same
            }),
            (_, State::Revoked) => Err(VerifierError::Revoked),
            (Self::Block { .. }, _) => Ok(CredentialUpdate {
                state: State::Blocked,
                ..same
            }),
            (Self::Unblock, _) => Ok(CredentialUpdate {
                state: if credential.activated {
                    State::Active
                } else {
                    State::Issued
                },
                failures: 0,
                lock_step: 0,
                locked_until: None,
                ..same
            }),
        }
    }
}

/// A lock still in force at `now`.
pub(crate) fn current_lock(locked_until: Option<i64>, now: i64) -> Option<i64> {
    locked_until.filter(|until| now < *until)
}

/// The event of a new credential: its policy, nothing secret.
pub(crate) fn issued_event(policy: &crate::config::Policy) -> NewEvent {
    NewEvent::new(
        EventType::Issued,
        serde_json::json!({
            "key_version": 1,
            "failure_limit": policy.failure_limit,
            "temporary_lock_minutes": policy.temporary_lock_minutes,
        }),
    )
}

/// The event of a reissue.
pub(crate) fn reissued_event(key_version: u32) -> NewEvent {
    NewEvent::new(
        EventType::Reissued,
        serde_json::json!({ "key_version": key_version }),
    )
}

/// Whether a new challenge may be created for a credential in `state` and
/// `activation` at `now`.
pub(crate) fn may_challenge(
    state: State,
    activation: Activation,
    now_millis: i64,
) -> Result<(), VerifierError> {
    match state {
        State::Revoked => Err(VerifierError::Revoked),
        State::Blocked => Err(VerifierError::Blocked),
        State::Issued | State::Active => activation.usable(now_millis),
    }
}

/// Whether a credential in `state` may get a new key.
pub(crate) fn may_reissue(state: State) -> Result<(), VerifierError> {
    match state {
        State::Revoked => Err(VerifierError::Revoked),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mobipass_scheme::ActivationKey;

    const CHALLENGE: [u8; 16] = [7; 16];

    fn update(state: State, failures: u8, activated: bool) -> Option<CredentialUpdate> {
        Some(CredentialUpdate {
            state,
            failures,
            activated,
            lock_step: 0,
            locked_until: None,
        })
    }

    struct Fixture {
        master: SealingKey,
        id: CredentialId,
        key: ActivationKey,
        credential: CredentialRow,
        challenge: ChallengeRow,
    }

    fn fixture(failures: u8, limit: u8) -> Fixture {
        let master = SealingKey::from(crate::master_key::MasterKey::generate());
        let id = CredentialId::new("alice").unwrap();
        let key = ActivationKey::generate();
        let sealed = seal::seal(&master, &id, 1, &key.ocra_key()).unwrap();
        Fixture {
            credential: CredentialRow {
                state: State::Issued,
                failures,
                limit,
                key_version: 1,
                sealed,
                activated: false,
                kind: EnvelopeKind::EnvelopeOnly,
                sealed_secret: None,
                activation: Activation::Settled,
                ladder: Vec::new(),
                lock_step: 0,
                locked_until: None,
            },
            challenge: ChallengeRow {
                code: "338609".into(),
                amount_minor: None,
                payee: None,
                expires_at: 1_000,
                used: false,
                wrong_tags: Vec::new(),
            },
            master,
            id,
            key,
        }
    }

    fn right(f: &Fixture) -> Response {
        Challenge::Plain(DocumentCode::parse("338609").unwrap()).respond(&f.key.ocra_key())
    }

    fn wrong(f: &Fixture) -> Response {
        let digits = right(f).as_str().to_owned();
        let flipped: String = digits
            .chars()
            .map(|c| if c == '0' { '1' } else { '0' })
            .collect();
        Response::parse(&flipped).unwrap()
    }

    fn run(f: &Fixture, now: i64, response: &Response) -> Verdict {
        judge(
            &f.master,
            &f.id,
            &f.credential,
            &CHALLENGE,
            Some(&f.challenge),
            now,
            response,
        )
        .unwrap()
    }

    #[test]
    fn right_response_activates_and_resets_failures() {
        let f = fixture(2, 3);
        let verdict = run(&f, 0, &right(&f));
        assert_eq!(verdict.outcome, Outcome::Accepted);
        assert_eq!(verdict.credential, update(State::Active, 0, true));
        assert!(verdict.consume_challenge);
    }

    #[test]
    fn wrong_response_counts_down_then_blocks_at_the_limit() {
        let f = fixture(1, 3);
        let verdict = run(&f, 0, &wrong(&f));
        assert_eq!(
            verdict.outcome,
            Outcome::Rejected {
                attempts_left: 1,
                final_attempt: true
            }
        );
        assert_eq!(verdict.credential, update(State::Issued, 2, false));
        let f = fixture(2, 3);
        let verdict = run(&f, 0, &wrong(&f));
        assert_eq!(verdict.outcome, Outcome::Blocked);
        assert_eq!(verdict.credential, update(State::Blocked, 3, false));
        assert!(!verdict.consume_challenge);
    }

    #[test]
    fn audit_tells_evaluated_failures_the_block_and_refusals_apart() {
        let f = fixture(1, 3);
        let rows = run(&f, 0, &wrong(&f)).audit_rows();
        assert_eq!(rows, [("verify", "rejected".to_owned())]);
        let f = fixture(2, 3);
        let rows = run(&f, 0, &wrong(&f)).audit_rows();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0], ("verify", "rejected".to_owned()));
        assert_eq!(rows[1].0, "blocked");
        let mut f = fixture(3, 3);
        f.credential.state = State::Blocked;
        let rows = run(&f, 0, &right(&f)).audit_rows();
        assert_eq!(rows, [("verify", "blocked".to_owned())]);
        let f = fixture(0, 3);
        let rows = run(&f, 0, &right(&f)).audit_rows();
        assert_eq!(rows, [("verify", "accepted".to_owned())]);
    }

    #[test]
    fn blocked_credential_refuses_even_the_right_response() {
        let mut f = fixture(3, 3);
        f.credential.state = State::Blocked;
        let verdict = run(&f, 0, &right(&f));
        assert_eq!(verdict.outcome, Outcome::Blocked);
        assert!(verdict.credential.is_none());
    }

    #[test]
    fn stale_challenges_are_refused_without_counting_a_failure() {
        let f = fixture(0, 3);
        let expired = run(&f, 1_000, &wrong(&f));
        assert_eq!(expired.outcome, Outcome::Expired);
        assert!(expired.credential.is_none());
        let mut f = fixture(0, 3);
        f.challenge.used = true;
        let used = run(&f, 0, &right(&f));
        assert_eq!(used.outcome, Outcome::AlreadyUsed);
        assert!(used.credential.is_none());
        let unknown = judge(
            &f.master,
            &f.id,
            &f.credential,
            &CHALLENGE,
            None,
            0,
            &right(&f),
        )
        .unwrap();
        assert_eq!(unknown.outcome, Outcome::UnknownChallenge);
    }

    fn two_channel(f: &mut Fixture, activation: Activation) -> ActivationKey {
        let secret = ActivationKey::generate();
        f.credential.kind = EnvelopeKind::TwoChannel;
        f.credential.sealed_secret = Some(seal::seal_secret(&f.master, &f.id, 1, &secret).unwrap());
        f.credential.activation = activation;
        secret
    }

    #[test]
    fn damaged_activation_columns_are_a_storage_error() {
        assert_eq!(
            Activation::from_stored("pending", Some(5)).unwrap(),
            Activation::Pending { expires_at: 5 }
        );
        for (name, expiry) in [("pending", None), ("settled", Some(1)), ("other", None)] {
            assert!(matches!(
                Activation::from_stored(name, expiry),
                Err(VerifierError::Storage(_))
            ));
        }
        for activation in [
            Activation::Settled,
            Activation::CodeNeeded,
            Activation::Pending { expires_at: 7 },
        ] {
            let (name, expiry) = activation.to_stored();
            assert_eq!(Activation::from_stored(name, expiry).unwrap(), activation);
        }
    }

    #[test]
    fn a_code_seals_k_from_s_and_the_code_under_the_next_version() {
        let mut f = fixture(1, 3);
        let secret = two_channel(&mut f, Activation::CodeNeeded);
        let code = ActivationCode::generate();
        let done = activate(&f.master, &f.id, &f.credential, &code, 9_000).unwrap();
        assert_eq!(done.key_version, 2);
        assert_eq!(done.activation, Activation::Pending { expires_at: 9_000 });
        let k = seal::open(&f.master, &f.id, 2, &done.sealed).unwrap();
        assert_eq!(k, two_channel_secret(&secret, &code).ocra_key());
        assert_ne!(k, secret.ocra_key(), "the envelope alone is not the key");
        assert_eq!(
            seal::open_secret(&f.master, &f.id, 2, &done.sealed_secret).unwrap(),
            secret
        );
        assert!(seal::open_secret(&f.master, &f.id, 1, &done.sealed_secret).is_err());
        assert!(!done.audit_detail.contains(code.data_digits().as_str()));
    }

    #[test]
    fn codes_are_refused_for_envelope_only_blocked_and_revoked() {
        let f = fixture(0, 3);
        let code = ActivationCode::generate();
        assert!(matches!(
            activate(&f.master, &f.id, &f.credential, &code, 1),
            Err(VerifierError::NotTwoChannel)
        ));
        for (state, expected) in [(State::Blocked, "blocked"), (State::Revoked, "revoked")] {
            let mut f = fixture(0, 3);
            two_channel(&mut f, Activation::CodeNeeded);
            f.credential.state = state;
            let Err(error) = activate(&f.master, &f.id, &f.credential, &code, 1) else {
                panic!("a code for a {expected} credential");
            };
            assert!(error.to_string().contains(expected), "{error}");
        }
    }

    #[test]
    fn pending_activation_is_confirmed_once_and_refused_unseen_after_expiry() {
        let mut f = fixture(0, 3);
        two_channel(&mut f, Activation::Pending { expires_at: 500 });
        // The fixture's K stands in for the one the code derived.
        let verdict = run(&f, 499, &right(&f));
        assert!(verdict.confirms_activation);
        assert_eq!(verdict.audit_rows()[1].0, "activated");
        let expired = run(&f, 500, &right(&f));
        assert_eq!(expired.outcome, Outcome::ActivationExpired);
        assert!(!expired.evaluated && expired.credential.is_none());
        assert!(matches!(
            may_challenge(State::Issued, Activation::Pending { expires_at: 500 }, 500),
            Err(VerifierError::ActivationExpired)
        ));
        assert!(matches!(
            may_challenge(State::Issued, Activation::CodeNeeded, 0),
            Err(VerifierError::ActivationCodeNeeded)
        ));
        let settled = fixture(0, 3);
        assert!(!run(&settled, 0, &right(&settled)).confirms_activation);
    }

    #[test]
    fn unblock_returns_to_issued_or_active_and_revoke_is_final() {
        let mut f = fixture(3, 3);
        f.credential.state = State::Blocked;
        f.credential.lock_step = 2;
        f.credential.locked_until = Some(5);
        assert_eq!(
            Action::Unblock.apply(&f.credential).unwrap(),
            update(State::Issued, 0, false).unwrap()
        );
        f.credential.activated = true;
        assert_eq!(
            Action::Unblock.apply(&f.credential).unwrap(),
            update(State::Active, 0, true).unwrap()
        );
        f.credential.state = State::Revoked;
        assert!(matches!(
            Action::Unblock.apply(&f.credential),
            Err(VerifierError::Revoked)
        ));
        let block = Action::Block {
            reason: "lost".into(),
        };
        assert!(matches!(
            block.apply(&f.credential),
            Err(VerifierError::Revoked)
        ));
        assert!(may_challenge(State::Revoked, Activation::Settled, 0).is_err());
        assert!(may_challenge(State::Blocked, Activation::Settled, 0).is_err());
        assert!(may_reissue(State::Revoked).is_err());
    }

    #[test]
    fn ladder_locks_then_locks_longer_then_blocks() {
        let mut f = fixture(2, 3);
        f.credential.ladder = vec![15, 60];
        let first = run(&f, 0, &wrong(&f));
        assert_eq!(
            first.outcome,
            Outcome::Locked {
                retry_after_secs: 900
            }
        );
        assert!(first.verified().locked_now && !first.verified().blocked_now);
        let lock = first.credential.clone().unwrap();
        assert_eq!(
            (lock.failures, lock.lock_step, lock.locked_until),
            (0, 1, Some(900_000))
        );
        assert_eq!(first.audit_rows()[1].0, "locked");
        let kinds: Vec<_> = first.events.iter().map(|e| e.kind).collect();
        assert_eq!(kinds, [EventType::Rejected, EventType::Locked]);

        // Meanwhile nothing is evaluated, not even the right response.
        f.credential.failures = 0;
        f.credential.lock_step = 1;
        f.credential.locked_until = Some(900_000);
        let refused = run(&f, 899_001, &right(&f));
        assert_eq!(
            refused.outcome,
            Outcome::Locked {
                retry_after_secs: 1
            }
        );
        assert!(!refused.evaluated && refused.credential.is_none());
        assert_eq!(refused.audit_rows(), [("verify", "locked".to_owned())]);

        f.challenge.expires_at = i64::MAX;
        f.credential.failures = 2;
        let second = run(&f, 900_000, &wrong(&f));
        assert_eq!(
            second.outcome,
            Outcome::Locked {
                retry_after_secs: 3600
            }
        );
        f.credential.lock_step = 2;
        f.credential.failures = 1;
        assert_eq!(
            run(&f, 10_000_000, &wrong(&f)).outcome,
            Outcome::Rejected {
                attempts_left: 1,
                final_attempt: true
            }
        );
        f.credential.failures = 2;
        let last = run(&f, 10_000_000, &wrong(&f));
        assert_eq!(last.outcome, Outcome::Blocked);
        assert!(last.verified().blocked_now);
        assert_eq!(last.audit_rows()[1].0, "blocked");
    }

    #[test]
    fn final_attempt_only_when_no_lock_is_left() {
        let mut f = fixture(1, 3);
        f.credential.ladder = vec![15];
        assert_eq!(
            run(&f, 0, &wrong(&f)).outcome,
            Outcome::Rejected {
                attempts_left: 1,
                final_attempt: false
            }
        );
        f.credential.lock_step = 1;
        assert_eq!(
            run(&f, 0, &wrong(&f)).outcome,
            Outcome::Rejected {
                attempts_left: 1,
                final_attempt: true
            }
        );
    }

    #[test]
    fn repeated_wrong_response_to_the_same_challenge_counts_once() {
        let mut f = fixture(0, 3);
        let first = run(&f, 0, &wrong(&f));
        f.challenge.wrong_tags = first.wrong_tags.clone().unwrap();
        f.credential.failures = 1;
        let again = run(&f, 0, &wrong(&f));
        assert_eq!(
            again.outcome,
            Outcome::Rejected {
                attempts_left: 2,
                final_attempt: false
            }
        );
        assert!(again.repeated && !again.evaluated && again.credential.is_none());
        assert_eq!(again.audit_rows(), [("verify", "repeated".to_owned())]);
        // The stored tag is no plain copy of the response.
        let digits = wrong(&f).as_str().as_bytes().to_vec();
        assert!(
            !f.challenge
                .wrong_tags
                .windows(digits.len())
                .any(|w| w == digits)
        );
        // Another wrong response is a new guess; the right one still passes.
        let shifted: String = right(&f)
            .as_str()
            .chars()
            .map(|c| char::from(b'0' + (c as u8 - b'0' + 1) % 10))
            .collect();
        let other = Response::parse(&shifted).unwrap();
        assert!(run(&f, 0, &other).evaluated);
        assert_eq!(run(&f, 0, &right(&f)).outcome, Outcome::Accepted);
        // The same response to another challenge is a new guess too.
        let elsewhere = judge(
            &f.master,
            &f.id,
            &f.credential,
            &[8; 16],
            Some(&f.challenge),
            0,
            &wrong(&f),
        )
        .unwrap();
        assert!(elsewhere.evaluated);
    }

    #[test]
    fn first_accepted_response_announces_the_activation_once() {
        let mut f = fixture(0, 3);
        let kinds: Vec<_> = run(&f, 0, &right(&f))
            .events
            .iter()
            .map(|e| e.kind)
            .collect();
        assert_eq!(kinds, [EventType::Activated]);
        f.credential.activated = true;
        assert!(run(&f, 0, &right(&f)).events.is_empty());
    }
}
