//! The service stays bounded under abuse: a body declared too large is
//! refused from its headers (with or without a key), work beyond the
//! in-flight cap gets 503 `busy` at once, and requests cut off by the
//! deadline are counted in the metrics.

mod http_support;

use std::time::{Duration, Instant};

use axum::http::StatusCode;
use http_support::{BANK_KEY, OPERATOR_KEY, TestServer};
use mobipass_verifier::Config;
use mobipass_verifier_server::http::HttpLimits;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Sends a POST whose headers promise `declared` bytes but no body, and
/// returns the raw answer and how long it took (or `None` if the server
/// is still silent after `wait`).
async fn post_without_body(
    server: &TestServer,
    token: &str,
    declared: usize,
    wait: Duration,
) -> Option<(String, Duration)> {
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    let head = format!(
        "POST /v1/credentials/alice/challenges HTTP/1.1\r\nHost: x\r\n\
         Authorization: Bearer {token}\r\nContent-Type: application/json\r\n\
         Content-Length: {declared}\r\n\r\n"
    );
    let started = Instant::now();
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut answer = vec![0u8; 4096];
    match tokio::time::timeout(wait, stream.read(&mut answer)).await {
        Ok(Ok(n)) => Some((
            String::from_utf8_lossy(&answer[..n]).into_owned(),
            started.elapsed(),
        )),
        _ => None,
    }
}

#[tokio::test]
async fn a_lying_content_length_with_a_valid_key_gets_413_at_once() {
    let server = TestServer::start().await;
    server.client.issue("alice").await;
    let limit = HttpLimits::default().body_limit;
    for token in [BANK_KEY, OPERATOR_KEY, "mpv_unknown"] {
        let (answer, took) = post_without_body(&server, token, limit + 1, Duration::from_secs(5))
            .await
            .expect("the server answered before the body arrived");
        assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
        assert!(answer.contains("body_too_large"), "{answer}");
        assert!(took < Duration::from_secs(2), "took {took:?}");
    }
    server.shutdown().await;
}

#[tokio::test]
async fn requests_beyond_the_in_flight_cap_get_busy_at_once() {
    let limits = HttpLimits {
        max_in_flight: 1,
        request_timeout: Duration::from_secs(3),
        ..HttpLimits::default()
    };
    let server = TestServer::start_with(Config::default(), limits).await;
    // One request holds the only slot: its body never comes.
    let holder = {
        let addr = server.addr;
        tokio::spawn(async move {
            let mut stream = TcpStream::connect(addr).await.unwrap();
            let head = format!(
                "POST /v1/credentials/alice/challenges HTTP/1.1\r\nHost: x\r\n\
                 Authorization: Bearer {BANK_KEY}\r\nContent-Type: application/json\r\n\
                 Content-Length: 100\r\n\r\n"
            );
            stream.write_all(head.as_bytes()).await.unwrap();
            tokio::time::sleep(Duration::from_secs(4)).await;
        })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    let started = Instant::now();
    let reply = server.client.get("/healthz", None).await;
    assert_eq!(
        reply.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        reply.text
    );
    assert_eq!(reply.code(), "busy");
    assert!(started.elapsed() < Duration::from_secs(1));
    // When the slot frees (the holder's deadline passes), service resumes.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let reply = server.client.get("/healthz", None).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let metrics = server.client.get("/metrics", None).await.text;
    assert!(
        metrics.contains("mobipass_http_refused_total{reason=\"busy\"} 1"),
        "{metrics}"
    );
    assert!(
        metrics.contains("mobipass_http_refused_total{reason=\"timeout\"} 1"),
        "{metrics}"
    );
    holder.abort();
    server.shutdown().await;
}

#[tokio::test]
async fn requests_past_the_deadline_are_counted_as_timeouts() {
    let limits = HttpLimits {
        request_timeout: Duration::from_millis(300),
        ..HttpLimits::default()
    };
    let server = TestServer::start_with(Config::default(), limits).await;
    let (answer, _) = post_without_body(&server, BANK_KEY, 50, Duration::from_secs(5))
        .await
        .expect("the deadline answered");
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
    assert!(answer.contains("\"timeout\""), "{answer}");
    let metrics = server.client.get("/metrics", None).await.text;
    assert!(
        metrics.contains("mobipass_http_refused_total{reason=\"timeout\"} 1"),
        "{metrics}"
    );
    assert!(
        metrics.contains("mobipass_http_requests_total{status=\"503\"} 1"),
        "{metrics}"
    );
    server.shutdown().await;
}
