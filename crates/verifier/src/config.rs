//! Tunables of a verifier, with the defaults the design asks for.

use std::time::Duration;

use crate::error::VerifierError;

/// Shortest challenge lifetime accepted.
pub const MIN_CHALLENGE_TTL: Duration = Duration::from_secs(30);
/// Longest challenge lifetime accepted.
pub const MAX_CHALLENGE_TTL: Duration = Duration::from_secs(3600);
/// Shortest activation-code lifetime accepted (DESIGN 2b: 1 to 60 minutes).
pub const MIN_ACTIVATION_CODE_TTL: Duration = Duration::from_secs(60);
/// Longest activation-code lifetime accepted.
pub const MAX_ACTIVATION_CODE_TTL: Duration = Duration::from_secs(3600);
/// Longest PostgreSQL lock, statement or pool wait timeout accepted.
const MAX_PG_TIMEOUT: Duration = Duration::from_secs(600);
/// Most steps of the temporary-lock ladder.
pub const MAX_LOCK_STEPS: usize = 8;
/// Longest temporary lock, in minutes (one week).
pub const MAX_LOCK_MINUTES: u32 = 7 * 24 * 60;

/// What happens when a credential reaches its failure limit, fixed per
/// credential at issue (a reissue keeps it).
///
/// Reaching the limit takes the next step of `temporary_lock_minutes`: the
/// credential is locked for that many minutes (no response is evaluated
/// meanwhile) and then gets `failure_limit` fresh attempts. The step after
/// the last one is the permanent block that only an operator lifts. An
/// accepted response or an unblock starts the ladder again from its first
/// step. An empty ladder blocks permanently at the first limit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    /// Consecutive wrong responses that lock or block: 1 to 5.
    pub failure_limit: u8,
    /// Minutes of each temporary lock, in order: at most
    /// [`MAX_LOCK_STEPS`] steps of 1 minute to [`MAX_LOCK_MINUTES`].
    pub temporary_lock_minutes: Vec<u32>,
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            failure_limit: 3,
            temporary_lock_minutes: Vec::new(),
        }
    }
}

impl Policy {
    /// Refuses limits outside 1-5 and ladders outside their bounds.
    pub fn validate(&self) -> Result<(), VerifierError> {
        if !(1..=5).contains(&self.failure_limit) {
            return Err(VerifierError::InvalidInput(
                "the failure limit is 1 to 5".into(),
            ));
        }
        if self.temporary_lock_minutes.len() > MAX_LOCK_STEPS
            || self
                .temporary_lock_minutes
                .iter()
                .any(|m| !(1..=MAX_LOCK_MINUTES).contains(m))
        {
            return Err(VerifierError::InvalidInput(format!(
                "temporary locks are at most {MAX_LOCK_STEPS} steps of 1 to {MAX_LOCK_MINUTES} minutes"
            )));
        }
        Ok(())
    }
}

/// Verifier settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// Consecutive wrong responses that block a credential: 1 to 5 (PSD2 RTS
    /// Art. 4 allows at most 5), default 3. Fixed per credential at issue.
    pub failure_limit: u8,
    /// The ladder of temporary locks new credentials get (see [`Policy`]).
    /// Default empty: the first limit blocks permanently.
    pub temporary_lock_minutes: Vec<u32>,
    /// Record a `verification.rejected` outbox event for every evaluated
    /// wrong response (a webhook subscribed to them). Default off: the other
    /// event types are rare and always recorded; rejections are not.
    pub record_rejections: bool,
    /// How long a challenge can be answered: 30 s to 1 hour, default 5
    /// minutes. Shorter would expire codes while a customer types; longer
    /// leaves a signed-for document open to a relayed answer for too long.
    pub challenge_ttl: Duration,
    /// How long a two-channel credential's activation code can be confirmed
    /// (by the first accepted response): 1 minute to 1 hour, default 15
    /// minutes, as the bank's 3-D Secure connection code.
    pub activation_code_ttl: Duration,
    /// SQLite: most operations committed together in one transaction (group
    /// commit, one fsync). `1` commits every operation on its own. Default 256.
    pub max_batch: usize,
    /// SQLite: most operations waiting for the writer. When full, new ones
    /// fail at once with [`VerifierError::Busy`] instead of queueing without
    /// bound. Default 4096.
    pub max_queue: usize,
    /// PostgreSQL: connections in the pool. Default 16.
    pub pg_pool_size: usize,
    /// PostgreSQL: longest wait for a row lock (`lock_timeout`), e.g. a
    /// credential row another session holds. Then [`VerifierError::Busy`].
    /// Default 2 s.
    pub pg_lock_timeout: Duration,
    /// PostgreSQL: longest a single statement runs (`statement_timeout`).
    /// Then [`VerifierError::Busy`]. Default 5 s.
    pub pg_statement_timeout: Duration,
    /// PostgreSQL: longest wait for a free pooled connection. Then
    /// [`VerifierError::Busy`]. Default 2 s.
    pub pg_pool_wait: Duration,
    /// Refuse to open a PostgreSQL store whose server clock is more than
    /// [`crate::MAX_CLOCK_SKEW`] from ours, since expiry is judged by our
    /// clock. Default on; off only where expiry is not at stake (an
    /// operator blocking a lost device must not be stopped by a clock).
    pub check_clock_at_open: bool,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            failure_limit: 3,
            temporary_lock_minutes: Vec::new(),
            record_rejections: false,
            challenge_ttl: Duration::from_secs(5 * 60),
            activation_code_ttl: Duration::from_secs(15 * 60),
            max_batch: 256,
            max_queue: 4096,
            pg_pool_size: 16,
            pg_lock_timeout: Duration::from_secs(2),
            pg_statement_timeout: Duration::from_secs(5),
            pg_pool_wait: Duration::from_secs(2),
            check_clock_at_open: true,
        }
    }
}

impl Config {
    /// The policy new credentials get unless their issue names another.
    pub fn policy(&self) -> Policy {
        Policy {
            failure_limit: self.failure_limit,
            temporary_lock_minutes: self.temporary_lock_minutes.clone(),
        }
    }

    /// Refuses settings outside their ranges.
    pub fn validate(&self) -> Result<(), VerifierError> {
        self.policy().validate()?;
        if !(MIN_CHALLENGE_TTL..=MAX_CHALLENGE_TTL).contains(&self.challenge_ttl) {
            return Err(VerifierError::InvalidInput(
                "the challenge lifetime is 30 seconds to 1 hour".into(),
            ));
        }
        if !(MIN_ACTIVATION_CODE_TTL..=MAX_ACTIVATION_CODE_TTL).contains(&self.activation_code_ttl)
        {
            return Err(VerifierError::InvalidInput(
                "the activation code lifetime is 1 minute to 1 hour".into(),
            ));
        }
        if self.max_batch == 0 || self.max_queue == 0 || self.pg_pool_size == 0 {
            return Err(VerifierError::InvalidInput(
                "max_batch, max_queue and pg_pool_size must be at least 1".into(),
            ));
        }
        let timeouts = [
            self.pg_lock_timeout,
            self.pg_statement_timeout,
            self.pg_pool_wait,
        ];
        // PostgreSQL reads 0 as "no timeout", which is the stall to avoid.
        if timeouts
            .iter()
            .any(|t| t.as_millis() == 0 || *t > MAX_PG_TIMEOUT)
        {
            return Err(VerifierError::InvalidInput(
                "the PostgreSQL timeouts are 1 ms to 10 minutes".into(),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failure_limit_outside_one_to_five_is_refused() {
        for limit in [0, 6] {
            let config = Config {
                failure_limit: limit,
                ..Config::default()
            };
            assert!(config.validate().is_err());
        }
        for limit in 1..=5 {
            let config = Config {
                failure_limit: limit,
                ..Config::default()
            };
            assert!(config.validate().is_ok());
        }
    }

    #[test]
    fn lock_ladders_outside_their_bounds_are_refused() {
        for ladder in [
            vec![0],
            vec![MAX_LOCK_MINUTES + 1],
            vec![1; MAX_LOCK_STEPS + 1],
        ] {
            let policy = Policy {
                failure_limit: 3,
                temporary_lock_minutes: ladder,
            };
            assert!(policy.validate().is_err(), "{policy:?}");
        }
        for ladder in [vec![], vec![15, 60], vec![MAX_LOCK_MINUTES; MAX_LOCK_STEPS]] {
            let policy = Policy {
                failure_limit: 3,
                temporary_lock_minutes: ladder,
            };
            assert!(policy.validate().is_ok(), "{policy:?}");
        }
    }

    #[test]
    fn challenge_lifetime_outside_thirty_seconds_to_an_hour_is_refused() {
        for secs in [0, 1, 29, 3601, 86_400 * 365] {
            let config = Config {
                challenge_ttl: Duration::from_secs(secs),
                ..Config::default()
            };
            assert!(config.validate().is_err(), "{secs} s");
        }
        for secs in [30, 300, 3600] {
            let config = Config {
                challenge_ttl: Duration::from_secs(secs),
                ..Config::default()
            };
            assert!(config.validate().is_ok(), "{secs} s");
        }
    }

    #[test]
    fn activation_code_lifetime_outside_a_minute_to_an_hour_is_refused() {
        assert_eq!(
            Config::default().activation_code_ttl,
            Duration::from_secs(900)
        );
        for secs in [0, 59, 3601] {
            let config = Config {
                activation_code_ttl: Duration::from_secs(secs),
                ..Config::default()
            };
            assert!(config.validate().is_err(), "{secs} s");
        }
        for secs in [60, 900, 3600] {
            let config = Config {
                activation_code_ttl: Duration::from_secs(secs),
                ..Config::default()
            };
            assert!(config.validate().is_ok(), "{secs} s");
        }
    }

    #[test]
    fn zero_timeouts_and_queue_are_refused() {
        let zero = Duration::ZERO;
        for config in [
            Config {
                pg_lock_timeout: zero,
                ..Config::default()
            },
            Config {
                pg_statement_timeout: zero,
                ..Config::default()
            },
            Config {
                pg_pool_wait: Duration::from_micros(10),
                ..Config::default()
            },
            Config {
                pg_lock_timeout: Duration::from_secs(3600),
                ..Config::default()
            },
            Config {
                max_queue: 0,
                ..Config::default()
            },
        ] {
            assert!(config.validate().is_err(), "{config:?}");
        }
        assert!(Config::default().validate().is_ok());
    }
}
