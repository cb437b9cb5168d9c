//! Webhooks end to end: the real `mobipass-verifier serve` process sends
//! signed events to a real HTTP receiver on 127.0.0.1; a receiver that was
//! down gets them once it is up, an event committed just before a SIGKILL
//! still arrives after the restart, and two PostgreSQL nodes deliver each
//! event once (a duplicate, if at-least-once ever gives one, has the same id).

mod http_support;

use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::http::{HeaderMap, StatusCode};
use hmac::{Hmac, KeyInit, Mac};
use http_support::{Client, OPERATOR_KEY, ServerProcess, write_config, wrong};
use serde_json::{Value, json};
use sha2::Sha256;

const SECRET: &str = "an-example-webhook-secret-of-40-bytes!!!";
/// Generous: a loaded 2-core machine, back-off of 1, 2, 4 ... s.
const DEADLINE: Duration = Duration::from_secs(60);

/// What the receiver got: the signature header and the body, in arrival order.
type Received = Arc<Mutex<Vec<(String, String)>>>;

/// A free loopback port, with nothing listening on it (yet).
fn free_port() -> SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap()
}

/// Starts the receiver on `addr`: records every POST, answers 204.
async fn receiver(addr: SocketAddr, received: Received) -> tokio::task::JoinHandle<()> {
    let listener = tokio::net::TcpListener::bind(addr).await.unwrap();
    let app = axum::Router::new().fallback(move |headers: HeaderMap, body: String| {
        let received = Arc::clone(&received);
        async move {
            let signature = headers
                .get("mobipass-signature")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_owned();
            received.lock().unwrap().push((signature, body));
            StatusCode::NO_CONTENT
        }
    });
    tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    })
}

/// What a receiver does: recompute the HMAC over "t.body" and compare, and
/// refuse a timestamp older than 5 minutes.
fn signature_verifies(header: &str, body: &str) -> bool {
    let Some((t, v1)) = header
        .strip_prefix("t=")
        .and_then(|rest| rest.split_once(",v1="))
    else {
        return false;
    };
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let Ok(t) = t.parse::<u64>() else {
        return false;
    };
    if now.abs_diff(t) > 300 {
        return false;
    }
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(format!("{t}.{body}").as_bytes());
    let Ok(given) = hex::decode(v1) else {
        return false;
    };
    mac.verify_slice(&given).is_ok()
}

fn config(dir: &Path, receiver: SocketAddr, events: &str) -> std::path::PathBuf {
    let secret = dir.join("webhook.secret");
    std::fs::write(&secret, format!("{SECRET}\n")).unwrap();
    write_config(
        dir,
        &format!(
            "[[webhooks]]\nurl = \"http://{receiver}/mobipass\"\nsecret_file = \"{}\"\nevents = [{events}]\n",
            secret.display()
        ),
    )
}

const ALL: &str = "\"credential.issued\", \"credential.activated\", \"credential.locked\", \
                   \"credential.blocked\", \"credential.unblocked\", \"credential.reissued\", \
                   \"credential.revoked\", \"verification.rejected\"";

/// The bodies received so far, parsed.
fn bodies(received: &Received) -> Vec<Value> {
    received
        .lock()
        .unwrap()
        .iter()
        .map(|(_, body)| serde_json::from_str(body).unwrap())
        .collect()
}

/// Polls until `done` holds for what arrived, or fails after [`DEADLINE`].
async fn wait_for(received: &Received, what: &str, done: impl Fn(&[Value]) -> bool) {
    let start = Instant::now();
    loop {
        if done(&bodies(received)) {
            return;
        }
        assert!(
            start.elapsed() < DEADLINE,
            "{what}: not within {DEADLINE:?}; got {:?}",
            bodies(received)
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn types_of(bodies: &[Value], credential: &str) -> Vec<String> {
    bodies
        .iter()
        .filter(|b| b["credential_id"] == credential)
        .map(|b| b["type"].as_str().unwrap().to_owned())
        .collect()
}

async fn issue(client: &Client, id: &str) -> [String; 4] {
    client.issue(id).await
}

async fn block(client: &Client, id: &str) {
    let reply = client
        .post(
            &format!("/v1/credentials/{id}/block"),
            Some(OPERATOR_KEY),
            json!({ "reason": "lost laptop" }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT, "{}", reply.text);
}

async fn metric(client: &Client, name: &str) -> Option<f64> {
    let text = client.get("/metrics", None).await.text;
    text.lines()
        .find(|line| line.starts_with(name))
        .and_then(|line| line.rsplit(' ').next())
        .and_then(|value| value.parse().ok())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn blocked_event_arrives_signed_and_in_order_after_the_receiver_comes_back() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("v.sqlite3").display());
    let at = free_port();
    let server = ServerProcess::spawn(&db, &config(dir.path(), at, ALL));
    let client = &server.client;

    // The receiver is down: three wrong responses block alice.
    let parts = issue(client, "alice").await;
    for _ in 0..3 {
        let (challenge, code) = client.challenge("alice").await;
        client
            .verify("alice", &challenge, &wrong(&parts, &code))
            .await;
    }
    issue(client, "bob").await;
    // The sender has tried and failed at least once.
    let start = Instant::now();
    while metric(client, "mobipass_webhook_attempts_total{result=\"failed\"}")
        .await
        .unwrap_or(0.0)
        < 1.0
    {
        assert!(start.elapsed() < DEADLINE, "no failed attempt seen");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        metric(client, "mobipass_webhook_deliveries_pending")
            .await
            .is_some()
    );

    // Up again: everything arrives, alice's events in the order they happened.
    let received: Received = Received::default();
    let _receiver = receiver(at, Arc::clone(&received)).await;
    wait_for(&received, "alice's block", |b| {
        types_of(b, "alice").contains(&"credential.blocked".to_owned())
            && types_of(b, "bob").len() == 1
    })
    .await;
    let all = bodies(&received);
    assert_eq!(
        types_of(&all, "alice"),
        [
            "credential.issued",
            "verification.rejected",
            "verification.rejected",
            "verification.rejected",
            "credential.blocked",
        ]
    );
    for (signature, body) in received.lock().unwrap().iter() {
        assert!(signature_verifies(signature, body), "{signature} {body}");
        // A tampered body fails the check.
        assert!(!signature_verifies(signature, &format!("{body} ")));
    }
    let blocked = all
        .iter()
        .find(|b| b["type"] == "credential.blocked")
        .unwrap();
    let keys: Vec<&str> = blocked
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys, ["credential_id", "data", "id", "occurred_at", "type"]);
    assert_eq!(blocked["data"]["by"], "failure_limit");
    assert!(humantime::parse_rfc3339(blocked["occurred_at"].as_str().unwrap()).is_ok());
    // No secret in any body: no activation key part.
    for (_, body) in received.lock().unwrap().iter() {
        assert!(parts.iter().all(|part| !body.contains(part.as_str())));
    }
    let start = Instant::now();
    while metric(client, "mobipass_webhook_deliveries_pending").await != Some(0.0) {
        assert!(start.elapsed() < DEADLINE, "pending never went back to 0");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn event_committed_just_before_a_sigkill_is_delivered_after_the_restart() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("v.sqlite3").display());
    let at = free_port();
    let path = config(dir.path(), at, "\"credential.blocked\"");
    let mut server = ServerProcess::spawn(&db, &path);
    issue(&server.client, "alice").await;
    block(&server.client, "alice").await;
    // Killed right after the commit was acknowledged: the receiver is not
    // even listening, so nothing can have been delivered.
    server.kill();

    let received: Received = Received::default();
    let _receiver = receiver(at, Arc::clone(&received)).await;
    let _restarted = ServerProcess::spawn(&db, &path);
    wait_for(&received, "the block after the restart", |b| {
        types_of(b, "alice") == ["credential.blocked"]
    })
    .await;
    let (signature, body) = received.lock().unwrap()[0].clone();
    assert!(signature_verifies(&signature, &body));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "needs PostgreSQL: set MOBIPASS_TEST_PG_URL"]
async fn two_postgres_nodes_deliver_each_event_once() {
    let dir = tempfile::tempdir().unwrap();
    let db = http_support::postgres_url().await;
    let received: Received = Received::default();
    let at = free_port();
    let _receiver = receiver(at, Arc::clone(&received)).await;
    let path = config(
        dir.path(),
        at,
        "\"credential.issued\", \"credential.blocked\"",
    );
    let nodes = [
        ServerProcess::spawn(&db, &path),
        ServerProcess::spawn(&db, &path),
    ];
    const CREDENTIALS: usize = 20;
    for n in 0..CREDENTIALS {
        let id = format!("c{n}");
        issue(&nodes[n % 2].client, &id).await;
        block(&nodes[(n + 1) % 2].client, &id).await;
    }
    wait_for(&received, "every event", |b| {
        let ids: std::collections::HashSet<_> = b.iter().map(|b| b["id"].clone()).collect();
        ids.len() == 2 * CREDENTIALS
    })
    .await;
    // Let any duplicate in flight land, then judge.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let all = bodies(&received);
    let mut by_id = std::collections::HashMap::new();
    for body in &all {
        by_id
            .entry(body["id"].as_str().unwrap().to_owned())
            .or_insert_with(Vec::new)
            .push(body.clone());
    }
    assert_eq!(by_id.len(), 2 * CREDENTIALS);
    for copies in by_id.values() {
        assert!(
            copies.iter().all(|c| c == &copies[0]),
            "a duplicate differs"
        );
    }
    assert_eq!(
        all.len(),
        2 * CREDENTIALS,
        "each event sent by one node only"
    );
    for n in 0..CREDENTIALS {
        assert_eq!(
            types_of(&all, &format!("c{n}")),
            ["credential.issued", "credential.blocked"]
        );
    }
}
