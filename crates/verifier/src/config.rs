//! Tunables of a verifier, with the defaults the design asks for.

use std::time::Duration;

use crate::error::VerifierError;

/// Verifier settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// Consecutive wrong responses that block a credential: 1 to 5 (PSD2 RTS
    /// Art. 4 allows at most 5), default 3. Fixed per credential at issue.
    pub failure_limit: u8,
    /// How long a challenge can be answered. Default 5 minutes.
    pub challenge_ttl: Duration,
    /// SQLite: most operations committed together in one transaction (group
    /// commit, one fsync). `1` commits every operation on its own. Default 256.
    pub max_batch: usize,
    /// PostgreSQL: connections in the pool. Default 16.
    pub pg_pool_size: usize,
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
            challenge_ttl: Duration::from_secs(5 * 60),
            max_batch: 256,
            pg_pool_size: 16,
            check_clock_at_open: true,
        }
    }
}

impl Config {
    /// Refuses settings outside their ranges.
    pub fn validate(&self) -> Result<(), VerifierError> {
        if !(1..=5).contains(&self.failure_limit) {
            return Err(VerifierError::InvalidInput(
                "the failure limit is 1 to 5".into(),
            ));
        }
        if self.challenge_ttl.is_zero() {
            return Err(VerifierError::InvalidInput(
                "the challenge lifetime must be positive".into(),
            ));
        }
        if self.max_batch == 0 || self.pg_pool_size == 0 {
            return Err(VerifierError::InvalidInput(
                "max_batch and pg_pool_size must be at least 1".into(),
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
}
