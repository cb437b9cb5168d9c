//! The webhook sender: delivers the library's outbox events to the bank's
//! endpoints, signed, at least once, in order per credential.
//!
//! The library records every event in the same transaction as the change
//! and tracks one delivery per (event, endpoint); this task only claims due
//! deliveries (`Verifier::claim_deliveries`: at most one open delivery per
//! credential, leased, `SKIP LOCKED` across PostgreSQL nodes), POSTs them
//! and reports the status code back. A delivery is done on a 2xx answer;
//! anything else (another status, a refused connection, a timeout) is
//! retried by the library's back-off. The receiver's body is never read: a
//! hostile or broken receiver can make a delivery fail, nothing more.
//!
//! The signature is `MobiPass-Signature: t=<unix seconds>,v1=<hex
//! HMAC-SHA256(secret, "<t>.<body>")>`: the timestamp is signed too, so a
//! receiver rejects replays of an old request by its age.
//!
//! Only `https` URLs (TLS with the Mozilla roots of `webpki-roots`) or
//! `http` to a loopback address are accepted, checked when the configuration
//! is loaded.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::body::Body as Full;
use axum::http::{Request, Uri, header};
use hmac::{Hmac, KeyInit, Mac};
use hyper_util::rt::TokioIo;
use mobipass_verifier::{Delivery, EventType, Verifier};
use sha2::Sha256;
use zeroize::Zeroizing;

use crate::http::metrics::Metrics;

/// Longest one delivery (connect, TLS, request, answer's head) may take.
pub const DELIVERY_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a claimed delivery is reserved for this node: longer than a
/// delivery can take, so that no second node sends it meanwhile.
pub const LEASE: Duration = Duration::from_secs(30);
/// Pause between polls when nothing is due.
pub const IDLE_POLL: Duration = Duration::from_millis(250);
/// Deliveries claimed (and sent concurrently) per round.
const BATCH: u32 = 32;
/// Shortest shared secret accepted.
pub const MIN_SECRET_LEN: usize = 32;

/// One configured endpoint.
pub struct Webhook {
    /// Where to POST (validated: https, or http to loopback).
    pub url: Uri,
    /// The URL as configured: the endpoint's name in the outbox.
    pub name: String,
    /// The event types it receives.
    pub events: Vec<EventType>,
    secret: Zeroizing<Vec<u8>>,
}

impl std::fmt::Debug for Webhook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Webhook")
            .field("url", &self.name)
            .field("events", &self.events)
            .field("secret", &"[redacted]")
            .finish()
    }
}

/// Why a webhook entry is refused.
#[derive(Debug, thiserror::Error)]
pub enum WebhookError {
    /// Not a URL this sender will use.
    #[error("webhook url {0:?}: {1}")]
    Url(String, &'static str),
    /// The secret file could not be read or is too short.
    #[error("webhook secret file {0}: {1}")]
    Secret(String, String),
    /// An event name is unknown, or none is given.
    #[error("webhook {0:?}: {1}")]
    Events(String, String),
}

impl Webhook {
    /// Validates one `[[webhooks]]` entry and reads its secret.
    pub fn new(
        url: &str,
        secret_file: &std::path::Path,
        events: &[String],
    ) -> Result<Self, WebhookError> {
        let uri = check_url(url)?;
        let secret = read_secret(secret_file)?;
        if events.is_empty() {
            return Err(WebhookError::Events(
                url.to_owned(),
                "list at least one event type".into(),
            ));
        }
        let mut parsed = Vec::new();
        for name in events {
            let kind = EventType::parse(name)
                .map_err(|error| WebhookError::Events(url.to_owned(), error.to_string()))?;
            if !parsed.contains(&kind) {
                parsed.push(kind);
            }
        }
        Ok(Self {
            url: uri,
            name: url.to_owned(),
            events: parsed,
            secret,
        })
    }

    /// The `MobiPass-Signature` header value for `body` at `unix` seconds.
    pub fn signature(&self, unix: u64, body: &str) -> String {
        sign(&self.secret, unix, body)
    }
}

/// `t=<unix>,v1=<hex HMAC-SHA256(secret, "<unix>.<body>")>`.
pub fn sign(secret: &[u8], unix: u64, body: &str) -> String {
    let mut mac =
        <Hmac<Sha256> as KeyInit>::new_from_slice(secret).expect("HMAC takes keys of any length");
    mac.update(unix.to_string().as_bytes());
    mac.update(b".");
    mac.update(body.as_bytes());
    format!("t={unix},v1={}", hex::encode(mac.finalize().into_bytes()))
}

fn check_url(url: &str) -> Result<Uri, WebhookError> {
    crate::outbound::https_or_loopback(url).map_err(|why| WebhookError::Url(url.to_owned(), why))
}

fn read_secret(path: &std::path::Path) -> Result<Zeroizing<Vec<u8>>, WebhookError> {
    crate::outbound::read_secret(path, MIN_SECRET_LEN, false)
        .map_err(|why| WebhookError::Secret(path.display().to_string(), why))
}

/// Whether any endpoint wants `verification.rejected` (then the library
/// records them).
pub fn wants_rejections(webhooks: &[Webhook]) -> bool {
    webhooks
        .iter()
        .any(|w| w.events.contains(&EventType::Rejected))
}

/// Registers every endpoint (so each receives every event recorded from
/// now on) and spawns one sender task per endpoint plus the metrics poller.
pub async fn start(
    verifier: &Verifier,
    webhooks: Vec<Webhook>,
    metrics: Arc<Metrics>,
) -> Result<Vec<tokio::task::JoinHandle<()>>, mobipass_verifier::VerifierError> {
    let mut tasks = Vec::new();
    if webhooks.is_empty() {
        return Ok(tasks);
    }
    let tls = Arc::new(tls_config());
    for webhook in webhooks {
        verifier.outbox_register(&webhook.name).await?;
        tasks.push(tokio::spawn(send_loop(
            verifier.clone(),
            Arc::new(webhook),
            Arc::clone(&tls),
            Arc::clone(&metrics),
        )));
    }
    let poller = verifier.clone();
    tasks.push(tokio::spawn(async move {
        loop {
            if let Ok(counts) = poller.outbox_counts().await {
                metrics.webhook_backlog(counts.pending, counts.failed);
            }
            tokio::time::sleep(Duration::from_secs(2)).await;
        }
    }));
    Ok(tasks)
}

fn tls_config() -> rustls::ClientConfig {
    let roots = rustls::RootCertStore::from_iter(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .expect("ring supports the default protocol versions")
        .with_root_certificates(roots)
        .with_no_client_auth()
}

async fn send_loop(
    verifier: Verifier,
    webhook: Arc<Webhook>,
    tls: Arc<rustls::ClientConfig>,
    metrics: Arc<Metrics>,
) {
    loop {
        let batch = match verifier
            .claim_deliveries(&webhook.name, &webhook.events, BATCH, LEASE)
            .await
        {
            Ok(batch) => batch,
            Err(error) => {
                tracing::warn!(%error, endpoint = %webhook.name, "claiming webhook deliveries failed");
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        if batch.is_empty() {
            tokio::time::sleep(IDLE_POLL).await;
            continue;
        }
        // One delivery per credential per batch: sending them at once keeps
        // each credential's order.
        let mut sends = tokio::task::JoinSet::new();
        for delivery in batch {
            let (verifier, webhook, tls, metrics) = (
                verifier.clone(),
                Arc::clone(&webhook),
                Arc::clone(&tls),
                Arc::clone(&metrics),
            );
            sends.spawn(async move {
                let result = deliver(&webhook, &tls, &delivery).await;
                metrics.webhook_attempt(result.is_ok());
                let reported = match &result {
                    Ok(()) => verifier.delivery_done(delivery.seq).await,
                    Err(why) => {
                        tracing::info!(
                            endpoint = %webhook.name,
                            event = %delivery.event_id,
                            attempt = delivery.attempts + 1,
                            error = %why,
                            "webhook delivery failed; retrying later"
                        );
                        verifier.delivery_failed(delivery.seq, why).await
                    }
                };
                if let Err(error) = reported {
                    // The lease runs out and the delivery is sent again.
                    tracing::warn!(%error, "recording a webhook delivery failed");
                }
            });
        }
        while sends.join_next().await.is_some() {}
    }
}

/// POSTs one delivery; `Err` says why it did not count as delivered.
async fn deliver(
    webhook: &Webhook,
    tls: &Arc<rustls::ClientConfig>,
    delivery: &Delivery,
) -> Result<(), String> {
    match tokio::time::timeout(DELIVERY_TIMEOUT, post(webhook, tls, delivery)).await {
        Ok(result) => result,
        Err(_) => Err(format!("no answer within {} s", DELIVERY_TIMEOUT.as_secs())),
    }
}

async fn post(
    webhook: &Webhook,
    tls: &Arc<rustls::ClientConfig>,
    delivery: &Delivery,
) -> Result<(), String> {
    let uri = &webhook.url;
    let host = uri.host().unwrap_or_default();
    let secure = uri.scheme_str() == Some("https");
    let port = uri.port_u16().unwrap_or(if secure { 443 } else { 80 });
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    let tcp = tokio::net::TcpStream::connect((bare, port))
        .await
        .map_err(|e| format!("connect: {}", e.kind()))?;
    let unix = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let path = uri.path_and_query().map_or("/", |p| p.as_str());
    let request = Request::post(path)
        .header(header::HOST, uri.authority().map_or(host, |a| a.as_str()))
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::USER_AGENT, "mobipass-verifier-webhooks")
        .header(
            "MobiPass-Signature",
            webhook.signature(unix, &delivery.body),
        )
        .body(Full::from(delivery.body.clone()))
        .map_err(|_| "cannot build the request".to_owned())?;
    let status = if secure {
        let name = rustls::pki_types::ServerName::try_from(bare.to_owned())
            .map_err(|_| "the host is not a valid TLS server name".to_owned())?;
        let stream = tokio_rustls::TlsConnector::from(Arc::clone(tls))
            .connect(name, tcp)
            .await
            .map_err(|e| format!("TLS: {}", e.kind()))?;
        send(TokioIo::new(stream), request).await?
    } else {
        send(TokioIo::new(tcp), request).await?
    };
    if status.is_success() {
        Ok(())
    } else {
        Err(format!("status {}", status.as_u16()))
    }
}

async fn send<T>(io: T, request: Request<Full>) -> Result<axum::http::StatusCode, String>
where
    T: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    let (mut sender, connection) = hyper::client::conn::http1::handshake(io)
        .await
        .map_err(|_| "HTTP handshake failed".to_owned())?;
    let driver = tokio::spawn(connection);
    let answer = sender.send_request(request).await;
    // Only the status line counts; the body is never read.
    driver.abort();
    answer
        .map(|response| response.status())
        .map_err(|_| "the request failed".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_is_hmac_sha256_over_timestamp_dot_body() {
        // The receiver's recipe, computed independently.
        let secret = b"0123456789abcdef0123456789abcdef";
        let header = sign(secret, 1_700_000_000, r#"{"id":"evt_1"}"#);
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret).unwrap();
        mac.update(br#"1700000000.{"id":"evt_1"}"#);
        let expected = hex::encode(mac.finalize().into_bytes());
        assert_eq!(header, format!("t=1700000000,v1={expected}"));
    }

    #[test]
    fn only_https_or_loopback_http_urls_are_accepted() {
        for ok in [
            "https://bank.example/hooks",
            "http://127.0.0.1:9000/hook",
            "http://[::1]:9000/",
            "http://localhost/x",
        ] {
            assert!(check_url(ok).is_ok(), "{ok}");
        }
        for bad in [
            "http://bank.example/hooks",
            "http://10.0.0.1/hook",
            "ftp://127.0.0.1/",
            "https://user:pw@bank.example/",
            "not a url",
            "/relative",
        ] {
            assert!(check_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn short_secrets_and_unknown_events_are_refused_and_debug_hides_the_secret() {
        let dir = tempfile::tempdir().unwrap();
        let short = dir.path().join("short");
        std::fs::write(&short, "too short\n").unwrap();
        let error =
            Webhook::new("https://b.example/", &short, &["credential.blocked".into()]).unwrap_err();
        assert!(error.to_string().contains("at least 32 bytes"));
        let good = dir.path().join("good");
        let secret = "s".repeat(40);
        std::fs::write(&good, format!("{secret}\n")).unwrap();
        assert!(Webhook::new("https://b.example/", &good, &["credential.gone".into()]).is_err());
        assert!(Webhook::new("https://b.example/", &good, &[]).is_err());
        let hook =
            Webhook::new("https://b.example/", &good, &["credential.blocked".into()]).unwrap();
        assert!(!format!("{hook:?}").contains(&secret));
        // The trailing newline is not part of the secret.
        assert_eq!(hook.signature(1, "x"), sign(secret.as_bytes(), 1, "x"));
    }
}
