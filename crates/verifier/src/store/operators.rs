//! The store's half of console operators: each method one transaction, the
//! same on SQLite and PostgreSQL (see `sqlite/operators.rs` and
//! `postgres/operators.rs`). Kept apart from [`super::Store`] so the
//! credential life cycle and the console's accounts change independently.

use async_trait::async_trait;

use crate::error::VerifierError;
use crate::ids::{Actor, CredentialId};
use crate::model::AuditEvent;
use crate::operators::{ConsoleSession, Operator, OperatorName, Role};

/// An operator to create.
pub(crate) struct NewOperator {
    pub(crate) name: OperatorName,
    pub(crate) role: Role,
    pub(crate) password_hash: String,
    pub(crate) actor: Actor,
    pub(crate) now: i64,
}

/// What a sign-in needs to know before checking the password.
pub(crate) struct SignInCheck {
    /// The account or the address is locked now.
    pub(crate) locked: bool,
    pub(crate) operator: Option<OperatorRow>,
}

/// An operator's row, for checking a password.
pub(crate) struct OperatorRow {
    pub(crate) role: Role,
    pub(crate) password_hash: String,
    pub(crate) disabled: bool,
}

/// When failures lock.
#[derive(Clone, Copy)]
pub(crate) struct ThrottleRule {
    pub(crate) failures: u32,
    pub(crate) lock_ms: i64,
}

/// A failed sign-in to count.
pub(crate) struct FailedSignIn {
    /// The name as typed (trimmed); counted even when no such operator exists.
    pub(crate) account: String,
    /// The name, if it is a valid operator name (for the audit actor).
    pub(crate) operator: Option<OperatorName>,
    pub(crate) address: String,
    pub(crate) rule: ThrottleRule,
    pub(crate) now: i64,
}

/// A session to start after a good password.
pub(crate) struct NewSession {
    pub(crate) token_hash: String,
    pub(crate) operator: OperatorName,
    pub(crate) address: String,
    pub(crate) now: i64,
}

/// The audit actor of a sign-in attempt.
pub(crate) fn sign_in_actor(operator: Option<&OperatorName>) -> Actor {
    operator.map_or_else(
        || Actor::new("console").expect("a valid actor"),
        OperatorName::actor,
    )
}

/// The console's tables.
#[async_trait]
pub(crate) trait OperatorStore: Send + Sync {
    async fn add_operator(&self, new: NewOperator) -> Result<(), VerifierError>;
    async fn set_operator_password(
        &self,
        name: &OperatorName,
        hash: String,
        actor: &Actor,
        now: i64,
    ) -> Result<(), VerifierError>;
    async fn disable_operator(
        &self,
        name: &OperatorName,
        actor: &Actor,
        now: i64,
    ) -> Result<(), VerifierError>;
    async fn operators(&self) -> Result<Vec<Operator>, VerifierError>;
    async fn sign_in_check(
        &self,
        account: &str,
        address: &str,
        now: i64,
    ) -> Result<SignInCheck, VerifierError>;
    /// Audits a sign-in refused because of a lock.
    async fn record_sign_in_locked(
        &self,
        account: &str,
        operator: Option<&OperatorName>,
        address: &str,
        now: i64,
    ) -> Result<(), VerifierError>;
    /// Counts and audits a failure; `true` if it locked the account or address.
    async fn record_sign_in_failure(&self, failed: FailedSignIn) -> Result<bool, VerifierError>;
    /// Starts a session unless a lock or a disable arrived meanwhile
    /// (`false`); clears the account's failures; audited.
    async fn start_session(&self, new: NewSession) -> Result<bool, VerifierError>;
    /// The live session with this token hash, touched; ends stale ones.
    async fn touch_session(
        &self,
        token_hash: String,
        idle_ms: i64,
        absolute_ms: i64,
        now: i64,
    ) -> Result<Option<ConsoleSession>, VerifierError>;
    async fn end_session(&self, token_hash: String, now: i64) -> Result<(), VerifierError>;
    /// Audits `identity_checked` for an existing credential.
    async fn record_identity_check(
        &self,
        id: &CredentialId,
        how: &str,
        actor: &Actor,
        now: i64,
    ) -> Result<(), VerifierError>;
    #[allow(clippy::too_many_arguments)]
    async fn audit_filtered(
        &self,
        credential: Option<&str>,
        actor: Option<&str>,
        action: Option<&str>,
        from: Option<i64>,
        to: Option<i64>,
        limit: usize,
    ) -> Result<Vec<AuditEvent>, VerifierError>;
}

/// The detail of an audited sign-in event: where from, never the password.
pub(crate) fn from_address(address: &str) -> String {
    format!("from {address}")
}

/// `text` with LIKE's wildcards taken literally (escape character `\\`).
pub(crate) fn like_escape(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

/// Unknown operator error.
pub(crate) fn unknown_operator() -> VerifierError {
    VerifierError::InvalidInput("no operator with this name".into())
}

/// One throttle row: failures counted since `first_failure_at`, and until
/// when it is locked (0: not locked).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Throttle {
    pub(crate) failures: u32,
    pub(crate) first_failure_at: i64,
    pub(crate) locked_until: i64,
}

impl Throttle {
    pub(crate) fn locked(row: Option<Self>, now: i64) -> bool {
        row.is_some_and(|row| row.locked_until > now)
    }

    /// The row after one more failure, and whether that failure locked it.
    /// Failures older than the lock window, and those before a lock that
    /// has run out, are forgotten.
    pub(crate) fn after_failure(row: Option<Self>, rule: ThrottleRule, now: i64) -> (Self, bool) {
        let fresh = match row {
            None => true,
            Some(row) => {
                (row.locked_until != 0 && row.locked_until <= now)
                    || now.saturating_sub(row.first_failure_at) >= rule.lock_ms
            }
        };
        let mut next = match (fresh, row) {
            (false, Some(row)) => Self {
                failures: row.failures + 1,
                ..row
            },
            _ => Self {
                failures: 1,
                first_failure_at: now,
                locked_until: 0,
            },
        };
        let locks = next.failures >= rule.failures;
        if locks {
            next.locked_until = now.saturating_add(rule.lock_ms);
        }
        (next, locks)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RULE: ThrottleRule = ThrottleRule {
        failures: 5,
        lock_ms: 900_000,
    };

    #[test]
    fn the_fifth_failure_in_the_window_locks_for_the_lock_time() {
        let mut row = None;
        for n in 1..=4 {
            let (next, locks) = Throttle::after_failure(row, RULE, 1_000 + n);
            assert!(!locks && !Throttle::locked(Some(next), 1_000 + n));
            row = Some(next);
        }
        let (next, locks) = Throttle::after_failure(row, RULE, 2_000);
        assert!(locks);
        assert!(Throttle::locked(Some(next), 2_000 + 899_999));
        assert!(!Throttle::locked(Some(next), 2_000 + 900_000));
        let (after, locks) = Throttle::after_failure(Some(next), RULE, 2_000 + 900_000);
        assert!(!locks);
        assert_eq!(after.failures, 1, "a lock that ran out starts a new count");
    }

    #[test]
    fn failures_older_than_the_window_are_forgotten() {
        let (first, _) = Throttle::after_failure(None, RULE, 0);
        let row = Throttle {
            failures: 4,
            ..first
        };
        let (next, locks) = Throttle::after_failure(Some(row), RULE, 900_000);
        assert!(!locks);
        assert_eq!(next.failures, 1);
    }
}
