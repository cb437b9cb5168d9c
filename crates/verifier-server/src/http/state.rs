//! What every handler and middleware shares: the library, the key table,
//! the metrics, and the two guards that keep an overloaded or probed
//! service bounded (requests in flight, readiness probes).
//!
//! Its own module so that the route table and the handlers both depend on
//! it without depending on each other.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::{Mutex, Semaphore};

use super::auth::ApiKeys;
use super::metrics::Metrics;
use mobipass_verifier::{CredentialId, Verifier, VerifierError};

/// Shared by every request.
#[derive(Clone)]
pub struct AppState {
    /// The library.
    pub verifier: Verifier,
    /// Who may call what.
    pub keys: Arc<ApiKeys>,
    /// The Prometheus view.
    pub metrics: Arc<Metrics>,
    /// Requests allowed in flight at once; the next gets 503 `busy`.
    pub in_flight: Arc<Semaphore>,
    /// The last readiness probe of the store.
    pub readiness: Arc<Readiness>,
    /// Signing sessions: the allowed return URLs and the page's address.
    pub signing: Arc<crate::signing_page::SigningSettings>,
}

impl AppState {
    /// State for `verifier` with at most `max_in_flight` requests at once.
    pub fn new(verifier: Verifier, keys: ApiKeys, max_in_flight: usize) -> Self {
        Self::with_metrics(verifier, keys, max_in_flight, Arc::new(Metrics::new()))
    }

    /// [`AppState::new`] sharing `metrics` (with the webhook sender).
    pub fn with_metrics(
        verifier: Verifier,
        keys: ApiKeys,
        max_in_flight: usize,
        metrics: Arc<Metrics>,
    ) -> Self {
        Self {
            verifier,
            keys: Arc::new(keys),
            metrics,
            in_flight: Arc::new(Semaphore::new(max_in_flight)),
            readiness: Arc::new(Readiness::default()),
            signing: Arc::new(crate::signing_page::SigningSettings::default()),
        }
    }

    /// This state with signing sessions configured.
    pub fn with_signing(mut self, signing: crate::signing_page::SigningSettings) -> Self {
        self.signing = Arc::new(signing);
        self
    }
}

/// How long a readiness answer is reused. `/readyz` needs no key, so
/// without this anyone could make the store answer at the rate they send.
pub const READINESS_REUSE: Duration = Duration::from_secs(1);

/// The last readiness probe and when it ran; probes are single-flight.
#[derive(Debug, Default)]
pub struct Readiness {
    last: Mutex<Option<(Instant, bool)>>,
}

impl Readiness {
    /// Whether the store answers, probing it at most once per
    /// [`READINESS_REUSE`] however many callers ask.
    pub async fn check(&self, verifier: &Verifier) -> bool {
        self.check_with(|| probe(verifier)).await
    }

    async fn check_with<F: Future<Output = bool>>(&self, probe: impl FnOnce() -> F) -> bool {
        let mut last = self.last.lock().await;
        if let Some((at, ready)) = *last
            && at.elapsed() < READINESS_REUSE
        {
            return ready;
        }
        let ready = probe().await;
        *last = Some((Instant::now(), ready));
        ready
    }
}

async fn probe(verifier: &Verifier) -> bool {
    let Ok(id) = "readyz-probe".parse::<CredentialId>() else {
        return false;
    };
    match verifier.status(&id).await {
        Ok(_) | Err(VerifierError::UnknownCredential) => true,
        Err(error) => {
            tracing::warn!(%error, "readiness probe: the store did not answer");
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    #[tokio::test]
    async fn concurrent_readiness_checks_probe_the_store_once_per_interval() {
        let readiness = Arc::new(Readiness::default());
        let probes = Arc::new(AtomicUsize::new(0));
        let mut callers = Vec::new();
        for _ in 0..100 {
            let readiness = readiness.clone();
            let probes = probes.clone();
            callers.push(tokio::spawn(async move {
                readiness
                    .check_with(|| async {
                        probes.fetch_add(1, Ordering::SeqCst);
                        true
                    })
                    .await
            }));
        }
        for caller in callers {
            assert!(caller.await.unwrap());
        }
        assert_eq!(probes.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn a_failed_probe_is_reported_and_retried_after_the_interval() {
        let readiness = Readiness::default();
        assert!(!readiness.check_with(|| async { false }).await);
        // Within the interval the failure is reused, not re-probed.
        assert!(!readiness.check_with(|| async { true }).await);
        tokio::time::sleep(READINESS_REUSE + Duration::from_millis(50)).await;
        assert!(readiness.check_with(|| async { true }).await);
    }
}
