//! Every node judges challenge expiry by its own clock, so a node whose clock
//! is far from the database server's is refused (PostgreSQL); an embedded
//! SQLite database shares the machine's clock and has nothing to compare.

mod common;

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use common::{Backend, TestDb};
use mobipass_verifier::{Config, MAX_CLOCK_SKEW, ManualClock, MasterKey, VerifierError};

/// A clock `offset_secs` seconds away from the real time.
fn clock_off_by(offset_secs: i64) -> Arc<ManualClock> {
    let offset = Duration::from_secs(offset_secs.unsigned_abs());
    let now = SystemTime::now();
    Arc::new(ManualClock::new(if offset_secs > 0 {
        now + offset
    } else {
        now - offset
    }))
}

both_stores!(
    a_clock_within_the_tolerance_passes,
    |db: TestDb| async move {
        let verifier = db.open(MasterKey::generate(), Config::default()).await;
        assert!(MAX_CLOCK_SKEW >= Duration::from_secs(20));
        for offset in [0, 10, -10] {
            let skewed = verifier.clone().with_clock(clock_off_by(offset));
            skewed.check_clock().await.unwrap();
        }
    }
);

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "needs PostgreSQL: set MOBIPASS_TEST_PG_URL"]
async fn a_clock_minutes_off_the_postgres_server_is_refused_with_its_direction() {
    let db = TestDb::new(Backend::Postgres).await;
    let verifier = db.open(MasterKey::generate(), Config::default()).await;
    for (offset, direction) in [(120, "ahead of"), (-120, "behind")] {
        let skewed = verifier.clone().with_clock(clock_off_by(offset));
        let error = skewed.check_clock().await.unwrap_err();
        let VerifierError::ClockSkew { skew_ms } = error else {
            panic!("expected a clock skew, got {error:?}");
        };
        assert!(
            (skew_ms - offset * 1000).abs() < 5_000,
            "{offset} s off measured as {skew_ms} ms"
        );
        let message = error.to_string();
        assert!(message.contains(direction), "{message}");
        assert!(
            message.contains("120 s") && message.contains("NTP"),
            "{message}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_has_no_other_clock_to_disagree_with() {
    let db = TestDb::new(Backend::Sqlite).await;
    let verifier = db.open(MasterKey::generate(), Config::default()).await;
    let skewed = verifier.with_clock(clock_off_by(3600));
    skewed.check_clock().await.unwrap();
}

/// Holds what a verification of `alice` waits for: SQLite's write lock from
/// another connection (an operator's CLI next to the service), or alice's
/// row from another PostgreSQL session. Dropping the returned sender frees it.
async fn hold_alice(db: &TestDb) -> std::sync::mpsc::Sender<()> {
    let (release, released) = std::sync::mpsc::channel::<()>();
    let (held, holding) = tokio::sync::oneshot::channel::<()>();
    match db.backend {
        Backend::Sqlite => {
            let path = db.url.strip_prefix("sqlite://").unwrap().to_owned();
            std::thread::spawn(move || {
                let conn = rusqlite::Connection::open(path).unwrap();
                conn.execute_batch("BEGIN IMMEDIATE").unwrap();
                held.send(()).unwrap();
                let _ = released.recv();
                conn.execute_batch("COMMIT").unwrap();
            });
        }
        Backend::Postgres => {
            let (client, connection) = tokio_postgres::connect(&db.url, tokio_postgres::NoTls)
                .await
                .unwrap();
            tokio::spawn(connection);
            client
                .batch_execute("BEGIN; SELECT id FROM credentials WHERE id = 'alice' FOR UPDATE")
                .await
                .unwrap();
            held.send(()).unwrap();
            tokio::spawn(async move {
                let _ = tokio::task::spawn_blocking(move || released.recv()).await;
                client.batch_execute("COMMIT").await.unwrap();
            });
        }
    }
    holding.await.unwrap();
    release
}

both_stores!(
    expiry_is_judged_when_the_store_gets_to_the_verification_not_when_it_was_asked,
    |db: TestDb| async move {
        let (verifier, clock) = db.open_with_manual_clock().await;
        let alice = mobipass_verifier::CredentialId::new("alice").unwrap();
        let operator = mobipass_verifier::Actor::new("operator").unwrap();
        let key = verifier
            .issue_envelope_only(&alice, &operator)
            .await
            .unwrap();
        let challenge = verifier.challenge(&alice, None).await.unwrap();
        let right = common::respond(&key, &challenge);
        // One second left when asked...
        clock.advance(verifier.config().challenge_ttl - Duration::from_secs(1));
        let release = hold_alice(&db).await;
        let waiting = {
            let (verifier, alice, id) = (verifier.clone(), alice.clone(), challenge.id);
            tokio::spawn(async move { common::outcome(&verifier, &alice, &id, &right).await })
        };
        tokio::time::sleep(Duration::from_millis(300)).await;
        // ...but expired by the time the store could judge it.
        clock.advance(Duration::from_secs(2));
        drop(release);
        let outcome = waiting.await.unwrap().unwrap();
        assert_eq!(outcome, mobipass_verifier::Outcome::Expired);
        assert_eq!(verifier.status(&alice).await.unwrap().failures, 0);
    }
);
