//! Prometheus metrics: what a bank's on-call engineer watches.
//!
//! Counters for outcomes and blocks tell fraud teams when guessing starts; the
//! latency histogram shows when the store (fsync, PostgreSQL) falls behind.
//! Labels are fixed small sets (outcome names, block causes): never a
//! credential id, so cardinality stays bounded and no customer data leaks into
//! the monitoring system.

use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

/// Outcome label of a verification.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabel {
    outcome: &'static str,
}

/// Why a credential was blocked.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct BlockLabel {
    cause: &'static str,
}

/// Label of a finished HTTP request.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StatusLabel {
    status: u16,
}

/// Why a request was answered 503 without completing.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RefusalLabel {
    reason: &'static str,
}

/// The service's metrics and their registry.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    verifications: Family<OutcomeLabel, Counter>,
    verification_seconds: Histogram,
    blocks: Family<BlockLabel, Counter>,
    challenges: Counter,
    activation_codes: Counter,
    requests: Family<StatusLabel, Counter>,
    refused: Family<RefusalLabel, Counter>,
    webhook_pending: Gauge,
    webhook_failed: Gauge,
    webhook_attempts: Family<ResultLabel, Counter>,
}

/// How a webhook delivery attempt ended.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ResultLabel {
    result: &'static str,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// Registers every metric under the `mobipass_` prefix.
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("mobipass");
        let verifications = Family::<OutcomeLabel, Counter>::default();
        registry.register(
            "verifications",
            "Verifications answered, by outcome",
            verifications.clone(),
        );
        // 0.25 ms .. ~4 s: group commit keeps most under a few ms.
        let verification_seconds = Histogram::new(exponential_buckets(0.000_25, 2.0, 15));
        registry.register(
            "verification_duration_seconds",
            "Time to evaluate and durably commit one verification",
            verification_seconds.clone(),
        );
        let blocks = Family::<BlockLabel, Counter>::default();
        registry.register(
            "blocks",
            "Credentials blocked, by cause (failure limit or operator)",
            blocks.clone(),
        );
        let challenges = Counter::default();
        registry.register("challenges_issued", "Challenges issued", challenges.clone());
        let activation_codes = Counter::default();
        registry.register(
            "activation_codes_issued",
            "Activation codes issued for two-channel credentials",
            activation_codes.clone(),
        );
        let requests = Family::<StatusLabel, Counter>::default();
        registry.register(
            "http_requests",
            "HTTP requests answered, by status code",
            requests.clone(),
        );
        let refused = Family::<RefusalLabel, Counter>::default();
        registry.register(
            "http_refused",
            "Requests answered 503 without completing, by reason (timeout: past the deadline; busy: over capacity or storage lock wait)",
            refused.clone(),
        );
        let webhook_pending = Gauge::default();
        registry.register(
            "webhook_deliveries_pending",
            "Webhook deliveries not yet taken by their receiver (all nodes, refreshed every 2 s)",
            webhook_pending.clone(),
        );
        let webhook_failed = Gauge::default();
        registry.register(
            "webhook_deliveries_failed",
            "Webhook deliveries given up on after a day of retries (redeliver with the CLI)",
            webhook_failed.clone(),
        );
        let webhook_attempts = Family::<ResultLabel, Counter>::default();
        registry.register(
            "webhook_attempts",
            "Webhook delivery attempts by this node, by result (delivered, failed)",
            webhook_attempts.clone(),
        );
        Self {
            registry,
            refused,
            webhook_pending,
            webhook_failed,
            webhook_attempts,
            verifications,
            verification_seconds,
            blocks,
            challenges,
            activation_codes,
            requests,
        }
    }

    /// Records one activation code issued.
    pub fn activation_code_issued(&self) {
        self.activation_codes.inc();
    }

    /// Records one answered verification.
    pub fn verification(&self, outcome: &'static str, took: Duration) {
        self.verifications
            .get_or_create(&OutcomeLabel { outcome })
            .inc();
        self.verification_seconds.observe(took.as_secs_f64());
    }

    /// Records a credential blocked by reaching the failure limit.
    pub fn blocked_by_failures(&self) {
        self.blocks
            .get_or_create(&BlockLabel { cause: "failures" })
            .inc();
    }

    /// Records a credential blocked by an operator.
    pub fn blocked_by_operator(&self) {
        self.blocks
            .get_or_create(&BlockLabel { cause: "operator" })
            .inc();
    }

    /// Records one issued challenge.
    pub fn challenge_issued(&self) {
        self.challenges.inc();
    }

    /// Records one answered request.
    pub fn request(&self, status: u16) {
        self.requests.get_or_create(&StatusLabel { status }).inc();
    }

    /// Records a request answered 503 for `reason` (`timeout` or `busy`).
    pub fn refused(&self, reason: &'static str) {
        self.refused.get_or_create(&RefusalLabel { reason }).inc();
    }

    /// Sets the webhook backlog as last counted.
    pub fn webhook_backlog(&self, pending: u64, failed: u64) {
        self.webhook_pending
            .set(i64::try_from(pending).unwrap_or(i64::MAX));
        self.webhook_failed
            .set(i64::try_from(failed).unwrap_or(i64::MAX));
    }

    /// Records one webhook delivery attempt.
    pub fn webhook_attempt(&self, delivered: bool) {
        let result = if delivered { "delivered" } else { "failed" };
        self.webhook_attempts
            .get_or_create(&ResultLabel { result })
            .inc();
    }

    /// The OpenMetrics text exposition.
    pub fn render(&self) -> String {
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &self.registry)
            .expect("writing to a String cannot fail");
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rendered_text_counts_outcomes_blocks_and_challenges() {
        let metrics = Metrics::new();
        metrics.verification("accepted", Duration::from_millis(1));
        metrics.verification("accepted", Duration::from_millis(2));
        metrics.verification("rejected", Duration::from_millis(1));
        metrics.blocked_by_failures();
        metrics.challenge_issued();
        let text = metrics.render();
        assert!(
            text.contains("mobipass_verifications_total{outcome=\"accepted\"} 2"),
            "{text}"
        );
        assert!(text.contains("mobipass_verifications_total{outcome=\"rejected\"} 1"));
        assert!(text.contains("mobipass_blocks_total{cause=\"failures\"} 1"));
        assert!(text.contains("mobipass_challenges_issued_total 1"));
        assert!(text.contains("mobipass_verification_duration_seconds_count 3"));
    }
}
