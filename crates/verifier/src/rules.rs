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

use mobipass_scheme::{Amount, Challenge, DocumentCode, Payee, Response};

use crate::error::VerifierError;
use crate::ids::CredentialId;
use crate::master_key::MasterKey;
use crate::model::{Outcome, State, Verified};
use crate::seal::{self, SealedSeed};

/// A credential row as loaded for a decision.
pub(crate) struct CredentialRow {
    pub(crate) state: State,
    pub(crate) failures: u8,
    pub(crate) limit: u8,
    pub(crate) key_version: u32,
    pub(crate) sealed: SealedSeed,
    pub(crate) activated: bool,
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
            return vec![("verify", "accepted".to_owned())];
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
    })
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

/// Whether a new challenge may be created for a credential in `state`.
pub(crate) fn may_challenge(state: State) -> Result<(), VerifierError> {
    match state {
        State::Revoked => Err(VerifierError::Revoked),
        State::Blocked => Err(VerifierError::Blocked),
        State::Issued | State::Active => Ok(()),
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
        assert!(may_challenge(State::Revoked).is_err());
        assert!(may_challenge(State::Blocked).is_err());
        assert!(may_reissue(State::Revoked).is_err());
    }
}
