//! The outbox: events recorded with the change they report, handed to a
//! sender per endpoint in order per credential, retried with back-off,
//! given up on after a day and redelivered by an operator.

mod common;

use std::collections::HashSet;
use std::time::Duration;

use common::{TestDb, respond, wrong_nth};
use mobipass_verifier::{Actor, Config, CredentialId, EventType, MasterKey, Verifier};

const ENDPOINT: &str = "https://bank.example/hooks";
const LEASE: Duration = Duration::from_secs(30);

fn id(text: &str) -> CredentialId {
    CredentialId::new(text).unwrap()
}

fn operator() -> Actor {
    Actor::new("operator").unwrap()
}

fn body(delivery: &mobipass_verifier::Delivery) -> serde_json::Value {
    serde_json::from_str(&delivery.body).unwrap()
}

/// Claims, reports success, and returns the event types, until nothing is due.
async fn drain(verifier: &Verifier, events: &[EventType]) -> Vec<(String, String)> {
    let mut seen = Vec::new();
    loop {
        let batch = verifier
            .claim_deliveries(ENDPOINT, events, 100, LEASE)
            .await
            .unwrap();
        if batch.is_empty() {
            return seen;
        }
        for delivery in batch {
            seen.push((delivery.credential_id.clone(), delivery.event_type.clone()));
            verifier.delivery_done(delivery.seq).await.unwrap();
        }
    }
}

both_stores!(
    every_change_leaves_its_event_in_order_per_credential,
    |db: TestDb| async move {
        let config = Config {
            record_rejections: true,
            ..Config::default()
        };
        let clock = common::clock_at_now();
        let verifier = db
            .open(MasterKey::generate(), config)
            .await
            .with_clock(clock.clone());
        verifier.outbox_register(ENDPOINT).await.unwrap();
        let (alice, bob) = (id("alice"), id("bob"));
        let key = verifier
            .issue_envelope_only(&alice, &operator())
            .await
            .unwrap();
        verifier
            .issue_envelope_only(&bob, &operator())
            .await
            .unwrap();
        let challenge = verifier.challenge(&alice, None).await.unwrap();
        let right = respond(&key, &challenge);
        for n in 0..3 {
            common::outcome(&verifier, &alice, &challenge.id, &wrong_nth(&right, n))
                .await
                .unwrap();
        }
        verifier.unblock(&alice, &operator()).await.unwrap();
        let challenge = verifier.challenge(&alice, None).await.unwrap();
        common::outcome(&verifier, &alice, &challenge.id, &respond(&key, &challenge))
            .await
            .unwrap();
        verifier
            .block(&bob, "lost laptop", &operator())
            .await
            .unwrap();
        verifier.reissue(&bob, &operator()).await.unwrap();
        verifier.revoke(&bob, &operator()).await.unwrap();

        let seen = drain(&verifier, &EventType::ALL).await;
        let of = |who: &str| -> Vec<String> {
            seen.iter()
                .filter(|(c, _)| c == who)
                .map(|(_, t)| t.clone())
                .collect()
        };
        assert_eq!(
            of("alice"),
            [
                "credential.issued",
                "verification.rejected",
                "verification.rejected",
                "verification.rejected",
                "credential.blocked",
                "credential.unblocked",
                "credential.activated",
            ]
        );
        assert_eq!(
            of("bob"),
            [
                "credential.issued",
                "credential.blocked",
                "credential.reissued",
                "credential.revoked",
            ]
        );
        assert_eq!(verifier.outbox_counts().await.unwrap().pending, 0);
    }
);

both_stores!(
    one_claim_hands_out_only_the_oldest_open_event_of_each_credential,
    |db: TestDb| async move {
        let verifier = db.open(MasterKey::generate(), Config::default()).await;
        verifier.outbox_register(ENDPOINT).await.unwrap();
        let alice = id("alice");
        let key = verifier
            .issue_envelope_only(&alice, &operator())
            .await
            .unwrap();
        verifier
            .issue_envelope_only(&id("bob"), &operator())
            .await
            .unwrap();
        verifier
            .block(&alice, "lost laptop", &operator())
            .await
            .unwrap();
        let first = verifier
            .claim_deliveries(ENDPOINT, &EventType::ALL, 100, LEASE)
            .await
            .unwrap();
        let types: Vec<_> = first
            .iter()
            .map(|d| (d.credential_id.as_str(), d.event_type.as_str()))
            .collect();
        assert_eq!(
            types,
            [("alice", "credential.issued"), ("bob", "credential.issued")]
        );
        // While alice's first event is out (leased), her second waits.
        assert!(
            verifier
                .claim_deliveries(ENDPOINT, &EventType::ALL, 100, LEASE)
                .await
                .unwrap()
                .is_empty()
        );
        // A failed attempt keeps her later event waiting too.
        verifier
            .delivery_failed(first[0].seq, "status 503")
            .await
            .unwrap();
        assert!(
            verifier
                .claim_deliveries(ENDPOINT, &EventType::ALL, 100, LEASE)
                .await
                .unwrap()
                .is_empty()
        );
        let _ = key;
        // Without rejections subscribed nor recorded, no such event exists.
        assert!(
            first
                .iter()
                .all(|d| d.event_type != "verification.rejected")
        );
        // The body carries no secret: no part of the activation key.
        for d in &first {
            let value = body(d);
            assert_eq!(value["id"], d.event_id.as_str());
            assert_eq!(value["credential_id"], d.credential_id.as_str());
        }
        assert!(
            key.parts()
                .iter()
                .all(|part| !first[0].body.contains(part.as_str()))
        );
    }
);

both_stores!(
    failed_delivery_backs_off_then_gives_up_and_is_redelivered,
    |db: TestDb| async move {
        let clock = common::clock_at_now();
        let verifier = db
            .open(MasterKey::generate(), Config::default())
            .await
            .with_clock(clock.clone());
        verifier.outbox_register(ENDPOINT).await.unwrap();
        verifier
            .issue_envelope_only(&id("alice"), &operator())
            .await
            .unwrap();
        let claim = || verifier.claim_deliveries(ENDPOINT, &EventType::ALL, 10, LEASE);
        let first = claim().await.unwrap();
        assert_eq!(first.len(), 1);
        let event_id = first[0].event_id.clone();
        verifier
            .delivery_failed(first[0].seq, "status 500")
            .await
            .unwrap();
        assert!(claim().await.unwrap().is_empty(), "not before the back-off");
        clock.advance(Duration::from_secs(1));
        let second = claim().await.unwrap();
        assert_eq!(second.len(), 1);
        assert_eq!(second[0].event_id, event_id, "a retry is the same event");
        assert_eq!(second[0].attempts, 1);
        verifier
            .delivery_failed(second[0].seq, "status 500")
            .await
            .unwrap();
        clock.advance(Duration::from_secs(1));
        assert!(claim().await.unwrap().is_empty(), "the second wait is 2 s");
        clock.advance(Duration::from_secs(1));
        let third = claim().await.unwrap();
        assert_eq!(third.len(), 1);
        // A sender that never reports (it died): the lease runs out and the
        // delivery is handed out again.
        assert!(claim().await.unwrap().is_empty());
        clock.advance(LEASE);
        let again = claim().await.unwrap();
        assert_eq!(again.len(), 1);
        assert_eq!(again[0].event_id, event_id);

        // A day later it is given up on.
        clock.advance(Duration::from_secs(24 * 3600));
        verifier
            .delivery_failed(again[0].seq, "connection refused")
            .await
            .unwrap();
        let counts = verifier.outbox_counts().await.unwrap();
        assert_eq!((counts.pending, counts.failed), (0, 1));
        clock.advance(Duration::from_secs(3600));
        assert!(claim().await.unwrap().is_empty(), "failed is not retried");
        let failed = verifier.failed_deliveries(10).await.unwrap();
        assert_eq!(failed.len(), 1);
        assert_eq!(failed[0].event_id, event_id);
        assert_eq!(failed[0].last_error.as_deref(), Some("connection refused"));
        assert_eq!(failed[0].endpoint, ENDPOINT);

        assert_eq!(verifier.redeliver(None).await.unwrap(), 1);
        let back = claim().await.unwrap();
        assert_eq!(back.len(), 1);
        assert_eq!(back[0].event_id, event_id);
        verifier.delivery_done(back[0].seq).await.unwrap();
        let counts = verifier.outbox_counts().await.unwrap();
        assert_eq!((counts.pending, counts.failed), (0, 0));
    }
);

both_stores!(
    a_new_endpoint_starts_after_the_history_and_filters_by_type,
    |db: TestDb| async move {
        let verifier = db.open(MasterKey::generate(), Config::default()).await;
        verifier
            .issue_envelope_only(&id("old"), &operator())
            .await
            .unwrap();
        verifier.outbox_register(ENDPOINT).await.unwrap();
        verifier
            .issue_envelope_only(&id("new"), &operator())
            .await
            .unwrap();
        verifier
            .block(&id("new"), "lost", &operator())
            .await
            .unwrap();
        let seen = drain(&verifier, &[EventType::Blocked]).await;
        assert_eq!(seen, [("new".to_owned(), "credential.blocked".to_owned())]);
    }
);

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "needs PostgreSQL: set MOBIPASS_TEST_PG_URL"]
async fn two_postgres_nodes_claiming_at_once_never_get_the_same_delivery() {
    let db = TestDb::new(common::Backend::Postgres).await;
    let master = MasterKey::generate();
    let a = db.open(master.clone(), Config::default()).await;
    let b = db.open(master, Config::default()).await;
    a.outbox_register(ENDPOINT).await.unwrap();
    for n in 0..60 {
        a.issue_envelope_only(&id(&format!("c{n}")), &operator())
            .await
            .unwrap();
    }
    let mut tasks = Vec::new();
    for node in [a.clone(), b.clone(), a.clone(), b.clone()] {
        tasks.push(tokio::spawn(async move {
            let mut mine = Vec::new();
            loop {
                let batch = node
                    .claim_deliveries(ENDPOINT, &EventType::ALL, 7, LEASE)
                    .await
                    .unwrap();
                if batch.is_empty() {
                    return mine;
                }
                for d in batch {
                    node.delivery_done(d.seq).await.unwrap();
                    mine.push(d.event_id);
                }
            }
        }));
    }
    let mut all = Vec::new();
    for task in tasks {
        all.extend(task.await.unwrap());
    }
    let unique: HashSet<_> = all.iter().collect();
    assert_eq!(all.len(), 60, "each event handed out once");
    assert_eq!(unique.len(), 60);
}
