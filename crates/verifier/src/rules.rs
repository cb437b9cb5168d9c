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
use crate::master_key::MasterKey;
use crate::model::{Outcome, State, Verified};
use crate::seal::{self, SealedSeed};

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
}

/// A challenge row as loaded for a decision.
pub(crate) struct ChallengeRow {
    pub(crate) code: String,
    pub(crate) amount_minor: Option<i64>,
    pub(crate) payee: Option<String>,
    pub(crate) expires_at: i64,
    pub(crate) used: bool,
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

/// What a verification does to the credential and challenge.
pub(crate) struct Verdict {
    pub(crate) outcome: Outcome,
    /// New (state, failures, activated), if the credential changes.
    pub(crate) credential: Option<(State, u8, bool)>,
    /// Whether the challenge is now used up.
    pub(crate) consume_challenge: bool,
    /// Whether the response was compared with the expected one (a guess the
    /// failure limit counts), as opposed to refused unseen.
    pub(crate) evaluated: bool,
    /// This accepted response confirms a pending activation code.
    pub(crate) confirms_activation: bool,
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
        }
    }

    /// The audit rows this verification leaves, in order. An evaluated
    /// response is `verify` with `accepted` or `rejected` (so counting those
    /// counts the guesses evaluated); the wrong response that reaches the
    /// limit is a `rejected` followed by the block itself; a response refused
    /// unseen is `verify` with the refusal (`blocked`, `expired`, ...).
    pub(crate) fn audit_rows(&self) -> Vec<AuditRow> {
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
        if let Some((State::Blocked, failures, _)) = self.credential {
            rows.push((
                "blocked",
                format!("failure limit reached: {failures} wrong responses in a row"),
            ));
        }
        rows
    }

    /// What the caller learns.
    pub(crate) fn verified(&self) -> Verified {
        Verified {
            outcome: self.outcome,
            blocked_now: matches!(self.credential, Some((State::Blocked, ..))),
        }
    }
}

/// Judges one response. `challenge` is `None` when no challenge with that id
/// belongs to this credential.
pub(crate) fn judge(
    master: &MasterKey,
    id: &CredentialId,
    credential: &CredentialRow,
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
    let Some(challenge) = challenge else {
        return Ok(Verdict::refuse(Outcome::UnknownChallenge));
    };
    if challenge.used {
        return Ok(Verdict::refuse(Outcome::AlreadyUsed));
    }
    if now_millis >= challenge.expires_at {
        return Ok(Verdict::refuse(Outcome::Expired));
    }
    let key = seal::open(master, id, credential.key_version, &credential.sealed)?;
    let expected = challenge.question()?.respond(&key);
    if expected == *response {
        return Ok(Verdict {
            outcome: Outcome::Accepted,
            credential: Some((State::Active, 0, true)),
            consume_challenge: true,
            evaluated: true,
            confirms_activation: matches!(credential.activation, Activation::Pending { .. }),
        });
    }
    let failures = credential.failures.saturating_add(1);
    let (outcome, state) = if failures >= credential.limit {
        (Outcome::Blocked, State::Blocked)
    } else {
        let attempts_left = credential.limit - failures;
        (Outcome::Rejected { attempts_left }, credential.state)
    };
    Ok(Verdict {
        outcome,
        credential: Some((state, failures, credential.activated)),
        consume_challenge: false,
        evaluated: true,
        confirms_activation: false,
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
    master: &MasterKey,
    id: &CredentialId,
    key_version: u32,
    kind: EnvelopeKind,
    secret: &ActivationKey,
) -> NewSeal {
    match kind {
        EnvelopeKind::EnvelopeOnly => NewSeal {
            sealed: seal::seal(master, id, key_version, &secret.ocra_key()),
            sealed_secret: None,
            activation: Activation::Settled,
        },
        EnvelopeKind::TwoChannel => NewSeal {
            sealed: SealedSeed(Vec::new()),
            sealed_secret: Some(seal::seal_secret(master, id, key_version, secret)),
            activation: Activation::CodeNeeded,
        },
    }
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
    master: &MasterKey,
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
        sealed: seal::seal(master, id, version, &key),
        sealed_secret: seal::seal_secret(master, id, version, &secret),
        activation: Activation::Pending { expires_at },
        audit_detail,
    })
}

/// Re-wraps one credential's sealed blobs from `old` to `new`.
pub(crate) fn reseal(
    old: &MasterKey,
    new: &MasterKey,
    id: &CredentialId,
    key_version: u32,
    sealed: &SealedSeed,
    sealed_secret: Option<&SealedSeed>,
) -> Result<(SealedSeed, Option<SealedSeed>), VerifierError> {
    let sealed = if sealed.0.is_empty() {
        SealedSeed(Vec::new())
    } else {
        let key = seal::open(old, id, key_version, sealed)?;
        seal::seal(new, id, key_version, &key)
    };
    let sealed_secret = match sealed_secret {
        Some(blob) => {
            let secret = seal::open_secret(old, id, key_version, blob)?;
            Some(seal::seal_secret(new, id, key_version, &secret))
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

    /// The new (state, failures) after the action; revocation is final, so
    /// nothing but a repeated revoke applies to a revoked credential.
    pub(crate) fn apply(&self, credential: &CredentialRow) -> Result<(State, u8), VerifierError> {
        match (self, credential.state) {
            (Self::Revoke, _) => Ok((State::Revoked, credential.failures)),
            (_, State::Revoked) => Err(VerifierError::Revoked),
            (Self::Block { .. }, _) => Ok((State::Blocked, credential.failures)),
            (Self::Unblock, _) => Ok((
                if credential.activated {
                    State::Active
                } else {
                    State::Issued
                },
                0,
            )),
        }
    }
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

    struct Fixture {
        master: MasterKey,
        id: CredentialId,
        key: ActivationKey,
        credential: CredentialRow,
        challenge: ChallengeRow,
    }

    fn fixture(failures: u8, limit: u8) -> Fixture {
        let master = MasterKey::generate();
        let id = CredentialId::new("alice").unwrap();
        let key = ActivationKey::generate();
        let sealed = seal::seal(&master, &id, 1, &key.ocra_key());
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
            },
            challenge: ChallengeRow {
                code: "338609".into(),
                amount_minor: None,
                payee: None,
                expires_at: 1_000,
                used: false,
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
        assert_eq!(verdict.credential, Some((State::Active, 0, true)));
        assert!(verdict.consume_challenge);
    }

    #[test]
    fn wrong_response_counts_down_then_blocks_at_the_limit() {
        let f = fixture(1, 3);
        let verdict = run(&f, 0, &wrong(&f));
        assert_eq!(verdict.outcome, Outcome::Rejected { attempts_left: 1 });
        assert_eq!(verdict.credential, Some((State::Issued, 2, false)));
        let f = fixture(2, 3);
        let verdict = run(&f, 0, &wrong(&f));
        assert_eq!(verdict.outcome, Outcome::Blocked);
        assert_eq!(verdict.credential, Some((State::Blocked, 3, false)));
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
        let unknown = judge(&f.master, &f.id, &f.credential, None, 0, &right(&f)).unwrap();
        assert_eq!(unknown.outcome, Outcome::UnknownChallenge);
    }

    fn two_channel(f: &mut Fixture, activation: Activation) -> ActivationKey {
        let secret = ActivationKey::generate();
        f.credential.kind = EnvelopeKind::TwoChannel;
        f.credential.sealed_secret = Some(seal::seal_secret(&f.master, &f.id, 1, &secret));
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
        assert_eq!(
            Action::Unblock.apply(&f.credential).unwrap(),
            (State::Issued, 0)
        );
        f.credential.activated = true;
        assert_eq!(
            Action::Unblock.apply(&f.credential).unwrap(),
            (State::Active, 0)
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
}
