//! Concurrent guessing never evaluates more wrong responses than the limit.

mod common;

use std::time::Duration;

use common::{Backend, TestDb, respond};
use mobipass_verifier::{Actor, Config, CredentialId, MasterKey, Outcome, State, Verifier};

const ATTEMPTS: usize = 200;

/// Fires `ATTEMPTS` wrong responses at once, spread over `verifiers`, and
/// checks that exactly `limit` were evaluated before the block.
async fn concurrent_wrong_guesses_stop_at_the_limit(verifiers: Vec<Verifier>) {
    let alice = CredentialId::new("alice").unwrap();
    let operator = Actor::new("operator").unwrap();
    let key = verifiers[0]
        .issue_envelope_only(&alice, &operator)
        .await
        .unwrap();
    let challenge = verifiers[0].challenge(&alice, None).await.unwrap();
    let right = respond(&key, &challenge);

    let mut tasks = Vec::new();
    for n in 0..ATTEMPTS {
        let verifier = verifiers[n % verifiers.len()].clone();
        // Distinct guesses: a repeated one would count once.
        let bad = common::wrong_nth(&right, n as u64);
        let (alice, challenge_id) = (alice.clone(), challenge.id);
        let actor = operator.clone();
        tasks.push(tokio::spawn(async move {
            let verified = verifier.verify(&alice, &challenge_id, &bad, &actor);
            verified.await.unwrap()
        }));
    }
    let mut rejected = Vec::new();
    let (mut blocked, mut blocked_now) = (0, 0);
    for task in tasks {
        let verified = task.await.unwrap();
        match verified.outcome {
            Outcome::Rejected { attempts_left, .. } => rejected.push(attempts_left),
            Outcome::Blocked => blocked += 1,
            other => panic!("unexpected {other:?}"),
        }
        blocked_now += usize::from(verified.blocked_now);
    }
    rejected.sort_unstable();
    assert_eq!(rejected, [1, 2], "exactly limit - 1 rejections");
    assert_eq!(blocked, ATTEMPTS - 2);
    assert_eq!(
        blocked_now, 1,
        "one response blocked; the rest found it blocked"
    );
    let status = verifiers[0].status(&alice).await.unwrap();
    assert_eq!(
        (status.state, status.failures),
        (State::Blocked, 3),
        "exactly limit guesses evaluated"
    );

    assert_eq!(
        common::outcome(
            &verifiers[1 % verifiers.len()],
            &alice,
            &challenge.id,
            &right
        )
        .await
        .unwrap(),
        Outcome::Blocked
    );
    verifiers[0].unblock(&alice, &operator).await.unwrap();
    assert_eq!(
        common::outcome(
            &verifiers[1 % verifiers.len()],
            &alice,
            &challenge.id,
            &right
        )
        .await
        .unwrap(),
        Outcome::Accepted
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_hundred_concurrent_wrong_guesses_on_sqlite_evaluate_only_the_limit() {
    let db = TestDb::new(Backend::Sqlite).await;
    let verifier = db.open(MasterKey::generate(), Config::default()).await;
    concurrent_wrong_guesses_stop_at_the_limit(vec![verifier]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_hundred_concurrent_wrong_guesses_on_sqlite_without_batching_evaluate_only_the_limit() {
    let db = TestDb::new(Backend::Sqlite).await;
    let verifier = db
        .open(
            MasterKey::generate(),
            Config {
                max_batch: 1,
                ..Config::default()
            },
        )
        .await;
    concurrent_wrong_guesses_stop_at_the_limit(vec![verifier]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "needs PostgreSQL: set MOBIPASS_TEST_PG_URL"]
async fn two_hundred_concurrent_wrong_guesses_on_two_postgres_nodes_evaluate_only_the_limit() {
    let db = TestDb::new(Backend::Postgres).await;
    let master = MasterKey::generate();
    // All 200 queue on one row: this test is about serialisation, so none
    // may give up on the lock or the pool (that is pg_busy.rs).
    let patient = Config {
        pg_lock_timeout: Duration::from_secs(60),
        pg_statement_timeout: Duration::from_secs(60),
        pg_pool_wait: Duration::from_secs(60),
        ..Config::default()
    };
    let first = db.open(master.clone(), patient.clone()).await;
    let second = db.open(master, patient).await;
    concurrent_wrong_guesses_stop_at_the_limit(vec![first, second]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_sqlite_verifiers_on_one_file_share_the_count() {
    let db = TestDb::new(Backend::Sqlite).await;
    let master = MasterKey::generate();
    let first = db.open(master.clone(), Config::default()).await;
    let second = db.open(master, Config::default()).await;
    concurrent_wrong_guesses_stop_at_the_limit(vec![first, second]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn failing_operations_do_not_disturb_their_batch() {
    let db = TestDb::new(Backend::Sqlite).await;
    let verifier = db.open(MasterKey::generate(), Config::default()).await;
    let operator = Actor::new("operator").unwrap();
    // 100 issues of 50 ids, all at once: half must fail as duplicates, the
    // other half commit, whatever batches they land in.
    let mut tasks = Vec::new();
    for n in 0..100 {
        let (verifier, operator) = (verifier.clone(), operator.clone());
        tasks.push(tokio::spawn(async move {
            let cid = CredentialId::new(format!("c{}", n % 50)).unwrap();
            verifier.issue_envelope_only(&cid, &operator).await.is_ok()
        }));
    }
    let mut issued = 0;
    for task in tasks {
        issued += usize::from(task.await.unwrap());
    }
    assert_eq!(issued, 50);
    for n in 0..50 {
        let cid = CredentialId::new(format!("c{n}")).unwrap();
        assert_eq!(verifier.status(&cid).await.unwrap().state, State::Issued);
    }
    let issued_events = verifier
        .audit(None, 1000)
        .await
        .unwrap()
        .iter()
        .filter(|e| e.action == "issued")
        .count();
    assert_eq!(issued_events, 50);
}
