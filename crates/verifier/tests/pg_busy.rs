//! PostgreSQL under a row held by another session (an operator's `psql`, a
//! stuck node): verifications of that credential give up quickly with
//! `Busy`, every other credential keeps verifying, the pool is never used up
//! by blocked or abandoned requests, and all is well once the row is free.

mod common;

use std::time::{Duration, Instant};

use common::{Backend, TestDb, respond};
use mobipass_verifier::{Actor, Config, CredentialId, MasterKey, Outcome, Verifier, VerifierError};

fn id(text: &str) -> CredentialId {
    CredentialId::new(text).unwrap()
}

/// A second, ordinary PostgreSQL session that locks `credential`'s row and
/// keeps its transaction open until told to commit.
async fn hold_row(db: &TestDb, credential: &str) -> tokio_postgres::Client {
    let (client, connection) = tokio_postgres::connect(&db.url, tokio_postgres::NoTls)
        .await
        .expect("second session");
    tokio::spawn(connection);
    client.batch_execute("BEGIN").await.unwrap();
    let held = client
        .query(
            "SELECT id FROM credentials WHERE id = $1 FOR UPDATE",
            &[&credential],
        )
        .await
        .unwrap();
    assert_eq!(held.len(), 1);
    client
}

/// Issues `bob` and checks that a right response is accepted within `within`.
async fn bob_verifies(verifier: &Verifier, key: &mobipass_verifier::Envelope, within: Duration) {
    let bob = id("bob");
    let started = Instant::now();
    let challenge = verifier.challenge(&bob, None).await.unwrap();
    let outcome = common::outcome(verifier, &bob, &challenge.id, &respond(key, &challenge))
        .await
        .unwrap();
    assert_eq!(outcome, Outcome::Accepted);
    assert!(
        started.elapsed() < within,
        "bob waited {:?} behind alice's row",
        started.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "needs PostgreSQL: set MOBIPASS_TEST_PG_URL"]
async fn held_row_makes_its_verifications_busy_fast_while_others_keep_working() {
    let db = TestDb::new(Backend::Postgres).await;
    let config = Config {
        pg_pool_size: 4,
        pg_lock_timeout: Duration::from_millis(500),
        pg_pool_wait: Duration::from_secs(5),
        ..Config::default()
    };
    let verifier = db.open(MasterKey::generate(), config).await;
    let operator = Actor::new("operator").unwrap();
    let alice = id("alice");
    let alice_key = verifier
        .issue_envelope_only(&alice, &operator)
        .await
        .unwrap();
    let bob_key = verifier
        .issue_envelope_only(&id("bob"), &operator)
        .await
        .unwrap();
    let challenge = verifier.challenge(&alice, None).await.unwrap();
    let right = respond(&alice_key, &challenge);

    let holder = hold_row(&db, "alice").await;
    // Three times the pool: blocked attempts must not use it up.
    let attempts: Vec<_> = (0..12)
        .map(|_| {
            let (verifier, alice, right) = (verifier.clone(), alice.clone(), right.clone());
            let challenge = challenge.id;
            tokio::spawn(async move {
                let started = Instant::now();
                let result = common::outcome(&verifier, &alice, &challenge, &right).await;
                (result, started.elapsed())
            })
        })
        .collect();
    // Meanwhile another credential verifies, again and again.
    for _ in 0..5 {
        bob_verifies(&verifier, &bob_key, Duration::from_secs(3)).await;
    }
    let all = tokio::time::timeout(Duration::from_secs(20), async {
        let mut results = Vec::new();
        for attempt in attempts {
            results.push(attempt.await.unwrap());
        }
        results
    })
    .await
    .expect("verifications of a held row hung instead of giving up");
    for (result, took) in all {
        assert!(matches!(result, Err(VerifierError::Busy(_))), "{result:?}");
        // Lock timeout plus at most two turns waiting for a connection.
        assert!(took < Duration::from_secs(4), "busy only after {took:?}");
    }
    // Nothing was evaluated: no failure counted, the challenge still open.
    assert_eq!(verifier.status(&alice).await.unwrap().failures, 0);

    holder.batch_execute("COMMIT").await.unwrap();
    let outcome = common::outcome(&verifier, &alice, &challenge.id, &right)
        .await
        .unwrap();
    assert_eq!(outcome, Outcome::Accepted);
    bob_verifies(&verifier, &bob_key, Duration::from_secs(3)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "needs PostgreSQL: set MOBIPASS_TEST_PG_URL"]
async fn abandoned_verifications_do_not_hand_blocked_connections_to_others() {
    let db = TestDb::new(Backend::Postgres).await;
    // A long lock timeout: a connection returned to the pool while its
    // statement still waits would hold up the next user for seconds.
    let config = Config {
        pg_pool_size: 2,
        pg_lock_timeout: Duration::from_secs(8),
        pg_statement_timeout: Duration::from_secs(10),
        pg_pool_wait: Duration::from_secs(5),
        ..Config::default()
    };
    let verifier = db.open(MasterKey::generate(), config).await;
    let operator = Actor::new("operator").unwrap();
    let alice = id("alice");
    let alice_key = verifier
        .issue_envelope_only(&alice, &operator)
        .await
        .unwrap();
    let bob_key = verifier
        .issue_envelope_only(&id("bob"), &operator)
        .await
        .unwrap();
    let challenge = verifier.challenge(&alice, None).await.unwrap();
    let right = respond(&alice_key, &challenge);

    let holder = hold_row(&db, "alice").await;
    // Twice the pool, each given up by its caller (a request deadline).
    for _ in 0..4 {
        let attempt = common::outcome(&verifier, &alice, &challenge.id, &right);
        let gave_up = tokio::time::timeout(Duration::from_millis(300), attempt).await;
        assert!(gave_up.is_err(), "the held row did not hold: {gave_up:?}");
    }
    for _ in 0..3 {
        bob_verifies(&verifier, &bob_key, Duration::from_secs(2)).await;
    }
    holder.batch_execute("COMMIT").await.unwrap();
    let outcome = common::outcome(&verifier, &alice, &challenge.id, &right)
        .await
        .unwrap();
    assert_eq!(outcome, Outcome::Accepted);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "needs PostgreSQL: set MOBIPASS_TEST_PG_URL"]
async fn used_up_pool_answers_busy_after_the_pool_wait() {
    let db = TestDb::new(Backend::Postgres).await;
    let config = Config {
        pg_pool_size: 1,
        pg_lock_timeout: Duration::from_secs(3),
        pg_pool_wait: Duration::from_millis(200),
        ..Config::default()
    };
    let verifier = db.open(MasterKey::generate(), config).await;
    let operator = Actor::new("operator").unwrap();
    let alice = id("alice");
    let alice_key = verifier
        .issue_envelope_only(&alice, &operator)
        .await
        .unwrap();
    let challenge = verifier.challenge(&alice, None).await.unwrap();
    let right = respond(&alice_key, &challenge);

    let holder = hold_row(&db, "alice").await;
    // Takes the only connection and waits on the row.
    let blocked = {
        let (verifier, alice, right) = (verifier.clone(), alice.clone(), right.clone());
        tokio::spawn(async move { common::outcome(&verifier, &alice, &challenge.id, &right).await })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    let started = Instant::now();
    let status = verifier.status(&alice).await;
    assert!(matches!(status, Err(VerifierError::Busy(_))), "{status:?}");
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );

    holder.batch_execute("COMMIT").await.unwrap();
    assert_eq!(blocked.await.unwrap().unwrap(), Outcome::Accepted);
    assert_eq!(verifier.status(&alice).await.unwrap().failures, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "needs PostgreSQL: set MOBIPASS_TEST_PG_URL"]
async fn statement_timeout_answers_busy_too() {
    let db = TestDb::new(Backend::Postgres).await;
    // The statement timeout fires before the lock timeout would.
    let config = Config {
        pg_lock_timeout: Duration::from_secs(10),
        pg_statement_timeout: Duration::from_millis(300),
        ..Config::default()
    };
    let verifier = db.open(MasterKey::generate(), config).await;
    let operator = Actor::new("operator").unwrap();
    let alice = id("alice");
    let key = verifier
        .issue_envelope_only(&alice, &operator)
        .await
        .unwrap();
    let challenge = verifier.challenge(&alice, None).await.unwrap();
    let right = respond(&key, &challenge);
    let holder = hold_row(&db, "alice").await;
    let started = Instant::now();
    let result = common::outcome(&verifier, &alice, &challenge.id, &right).await;
    assert!(matches!(result, Err(VerifierError::Busy(_))), "{result:?}");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    holder.batch_execute("COMMIT").await.unwrap();
    let outcome = common::outcome(&verifier, &alice, &challenge.id, &right)
        .await
        .unwrap();
    assert_eq!(outcome, Outcome::Accepted);
}
