//! A verifier process killed with SIGKILL in the middle of a stream of
//! verifications loses nothing it had acknowledged: no failure count, no used
//! challenge, no audit row.
//!
//! The child is this same test binary, re-run with `MOBIPASS_CRASH_CHILD` set
//! so that `crash_child` does the work: it verifies a prepared stream of
//! responses (one task per credential, all credentials concurrently, so group
//! commits are in flight) and prints `ACK credential challenge outcome` only
//! after each verification has returned.

mod common;

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::Duration;

use common::{Backend, TestDb, respond, wrong};
use mobipass_verifier::{Actor, ChallengeId, Config, CredentialId, MasterKey, Outcome, Verifier};

const CREDENTIALS: usize = 20;
const OPS_PER_CREDENTIAL: usize = 30;
const KILL_AFTER_ACKS: usize = 150;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn crash_child() {
    let Ok(plan) = std::env::var("MOBIPASS_CRASH_CHILD") else {
        return; // only does something as the child of the test below
    };
    let url = std::env::var("MOBIPASS_CRASH_DB").unwrap();
    let master = MasterKey::from_env().unwrap().unwrap();
    let verifier = Verifier::open(&url, master, Config::default())
        .await
        .unwrap();
    let mut streams: HashMap<String, Vec<(String, String)>> = HashMap::new();
    for line in std::fs::read_to_string(plan).unwrap().lines() {
        let fields: Vec<&str> = line.split(' ').collect();
        streams
            .entry(fields[0].into())
            .or_default()
            .push((fields[1].into(), fields[2].into()));
    }
    let mut tasks = Vec::new();
    for (credential, ops) in streams {
        let verifier = verifier.clone();
        tasks.push(tokio::spawn(async move {
            let id = CredentialId::new(credential.clone()).unwrap();
            for (challenge, response) in ops {
                let challenge_id: ChallengeId = challenge.parse().unwrap();
                let outcome = common::outcome(&verifier, &id, &challenge_id, &response)
                    .await
                    .unwrap();
                {
                    let mut out = std::io::stdout().lock();
                    writeln!(out, "ACK {credential} {challenge} {}", outcome.as_str()).unwrap();
                    out.flush().unwrap();
                }
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sigkill_mid_stream_loses_no_acknowledged_verification_on_sqlite() {
    sigkill_mid_stream(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "needs PostgreSQL: set MOBIPASS_TEST_PG_URL"]
async fn sigkill_mid_stream_loses_no_acknowledged_verification_on_postgres() {
    sigkill_mid_stream(Backend::Postgres).await;
}

async fn sigkill_mid_stream(backend: Backend) {
    if std::env::var("MOBIPASS_CRASH_CHILD").is_ok() {
        return;
    }
    let db = TestDb::new(backend).await;
    let master = MasterKey::generate();
    let operator = Actor::new("operator").unwrap();
    let mut plan = String::new();
    let mut right_responses = HashMap::new();
    {
        let verifier = db.open(master.clone(), Config::default()).await;
        for c in 0..CREDENTIALS {
            let id = CredentialId::new(format!("c{c}")).unwrap();
            let key = verifier.issue_envelope_only(&id, &operator).await.unwrap();
            for op in 0..OPS_PER_CREDENTIAL {
                let challenge = verifier.challenge(&id, None).await.unwrap();
                let right = respond(&key, &challenge);
                // wrong, wrong, right, ...: never reaches the limit of 3.
                let response = if op % 3 == 2 {
                    right.clone()
                } else {
                    wrong(&right)
                };
                plan.push_str(&format!("{id} {} {response}\n", challenge.id));
                right_responses.insert(challenge.id.to_string(), right);
            }
        }
    }
    let plan_dir = tempfile::tempdir().unwrap();
    let plan_path = plan_dir.path().join("plan.txt");
    std::fs::write(&plan_path, plan).unwrap();

    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "crash_child",
            "--nocapture",
            "--test-threads",
            "1",
        ])
        .env("MOBIPASS_CRASH_CHILD", &plan_path)
        .env("MOBIPASS_CRASH_DB", &db.url)
        .env("MOBIPASS_MASTER_KEY", master.to_hex().as_str())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut acked: HashMap<String, Vec<(String, String)>> = HashMap::new();
    let mut count = 0;
    for line in BufReader::new(child.stdout.take().unwrap()).lines() {
        let line = line.unwrap();
        // The test harness may print "test crash_child ... " before the first ACK.
        let Some(start) = line.find("ACK ") else {
            continue;
        };
        let rest = &line[start + 4..];
        let fields: Vec<&str> = rest.split(' ').collect();
        acked
            .entry(fields[0].into())
            .or_default()
            .push((fields[1].into(), fields[2].into()));
        count += 1;
        if count == KILL_AFTER_ACKS {
            child.kill().unwrap(); // SIGKILL
            break;
        }
    }
    child.wait().unwrap();
    assert_eq!(
        count, KILL_AFTER_ACKS,
        "the child acknowledged too little before dying"
    );

    let verifier = db.open(master, Config::default()).await;
    let all_verifies = verifier
        .audit(None, 100_000)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.action == "verify")
        .count();
    assert!(
        all_verifies < CREDENTIALS * OPS_PER_CREDENTIAL,
        "the kill came after the stream ended"
    );
    for c in 0..CREDENTIALS {
        let id = CredentialId::new(format!("c{c}")).unwrap();
        let mut events = verifier.audit(Some(&id), 100_000).await.unwrap();
        events.reverse();
        let logged: Vec<&str> = events
            .iter()
            .filter(|e| e.action == "verify")
            .map(|e| e.detail.as_str())
            .collect();
        let mine = acked.get(id.as_str()).cloned().unwrap_or_default();
        // Every acknowledged outcome is in the log, in order, as a prefix
        // (operations committed but not yet acknowledged may follow).
        assert!(
            logged.len() >= mine.len(),
            "{id}: acknowledged audit rows lost"
        );
        for ((_, outcome), logged) in mine.iter().zip(&logged) {
            assert_eq!(outcome, logged, "{id}");
        }
        // The failure count agrees with the log it was committed with.
        let mut failures = 0;
        for outcome in &logged {
            failures = if *outcome == "accepted" {
                0
            } else {
                failures + 1
            };
        }
        assert_eq!(
            verifier.status(&id).await.unwrap().failures,
            failures,
            "{id}"
        );
        // Acknowledged acceptances stay used.
        for (challenge, outcome) in &mine {
            if outcome == "accepted" {
                let challenge_id: ChallengeId = challenge.parse().unwrap();
                let again =
                    common::outcome(&verifier, &id, &challenge_id, &right_responses[challenge])
                        .await
                        .unwrap();
                assert_eq!(again, Outcome::AlreadyUsed, "{id}");
            }
        }
    }
}
