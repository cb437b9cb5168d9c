//! The lockout policy: temporary locks on a ladder, then the permanent
//! block; `final_attempt`; a repeated wrong response counted once; the audit
//! events of each step. Time moves on a manual clock, never by sleeping.

mod common;

use std::time::Duration;

use common::{TestDb, respond, wrong_nth};
use mobipass_verifier::{
    Actor, Config, CredentialId, IssuedChallenge, Outcome, Policy, State, Verifier,
};

fn id(text: &str) -> CredentialId {
    CredentialId::new(text).unwrap()
}

fn operator() -> Actor {
    Actor::new("operator").unwrap()
}

fn ladder(minutes: &[u32]) -> Config {
    Config {
        temporary_lock_minutes: minutes.to_vec(),
        ..Config::default()
    }
}

/// Sends `count` distinct wrong responses to a fresh challenge; returns the outcomes.
async fn guess_wrong(
    verifier: &Verifier,
    alice: &CredentialId,
    key: &mobipass_verifier::Envelope,
    count: u64,
) -> (IssuedChallenge, Vec<Outcome>) {
    let challenge = verifier.challenge(alice, None).await.unwrap();
    let right = respond(key, &challenge);
    let mut outcomes = Vec::new();
    for n in 0..count {
        let guess = wrong_nth(&right, n);
        outcomes.push(
            common::outcome(verifier, alice, &challenge.id, &guess)
                .await
                .unwrap(),
        );
    }
    (challenge, outcomes)
}

fn rejected(attempts_left: u8, final_attempt: bool) -> Outcome {
    Outcome::Rejected {
        attempts_left,
        final_attempt,
    }
}

both_stores!(
    ladder_locks_then_locks_longer_then_blocks_for_good,
    |db: TestDb| async move {
        let (verifier, clock) = db.open_with_clock(ladder(&[15, 60])).await;
        let alice = id("alice");
        let key = verifier
            .issue_envelope_only(&alice, &operator())
            .await
            .unwrap();

        // First round: the third wrong response locks for 15 minutes.
        let (_, outcomes) = guess_wrong(&verifier, &alice, &key, 3).await;
        assert_eq!(
            outcomes,
            [
                rejected(2, false),
                rejected(1, false),
                Outcome::Locked {
                    retry_after_secs: 900
                }
            ]
        );
        let status = verifier.status(&alice).await.unwrap();
        assert_eq!((status.failures, status.lock_step), (0, 1));
        assert!(status.locked_until.is_some());
        assert_eq!(status.state, State::Issued);

        // Meanwhile even the right response is refused unseen.
        let challenge = verifier.challenge(&alice, None).await.unwrap();
        clock.advance(Duration::from_secs(14 * 60));
        assert_eq!(
            common::outcome(&verifier, &alice, &challenge.id, &respond(&key, &challenge))
                .await
                .unwrap(),
            Outcome::Locked {
                retry_after_secs: 60
            }
        );

        // After the lock: three fresh attempts, and the next lock is 60 minutes.
        clock.advance(Duration::from_secs(60));
        assert!(
            verifier
                .status(&alice)
                .await
                .unwrap()
                .locked_until
                .is_none()
        );
        let (_, outcomes) = guess_wrong(&verifier, &alice, &key, 3).await;
        assert_eq!(
            outcomes,
            [
                rejected(2, false),
                rejected(1, false),
                Outcome::Locked {
                    retry_after_secs: 3600
                }
            ]
        );
        clock.advance(Duration::from_secs(59 * 60));
        let (_, outcomes) = guess_wrong(&verifier, &alice, &key, 1).await;
        assert_eq!(
            outcomes,
            [Outcome::Locked {
                retry_after_secs: 60
            }]
        );

        // Past the ladder: the final attempt is announced, then the block.
        clock.advance(Duration::from_secs(60));
        let (challenge, outcomes) = guess_wrong(&verifier, &alice, &key, 3).await;
        assert_eq!(
            outcomes,
            [rejected(2, false), rejected(1, true), Outcome::Blocked]
        );
        clock.advance(Duration::from_secs(24 * 3600));
        assert_eq!(
            common::outcome(&verifier, &alice, &challenge.id, &respond(&key, &challenge))
                .await
                .unwrap(),
            Outcome::Blocked,
            "the permanent block does not wear off"
        );
        assert_eq!(verifier.status(&alice).await.unwrap().state, State::Blocked);

        // The operator's unblock starts the ladder again from the top.
        verifier.unblock(&alice, &operator()).await.unwrap();
        let status = verifier.status(&alice).await.unwrap();
        assert_eq!((status.failures, status.lock_step), (0, 0));
        let (_, outcomes) = guess_wrong(&verifier, &alice, &key, 3).await;
        assert_eq!(
            outcomes[2],
            Outcome::Locked {
                retry_after_secs: 900
            }
        );
    }
);

both_stores!(
    accepted_response_resets_the_ladder,
    |db: TestDb| async move {
        let (verifier, clock) = db.open_with_clock(ladder(&[15])).await;
        let alice = id("alice");
        let key = verifier
            .issue_envelope_only(&alice, &operator())
            .await
            .unwrap();
        guess_wrong(&verifier, &alice, &key, 3).await;
        clock.advance(Duration::from_secs(15 * 60));
        // With the ladder used up, the second wrong response is the final attempt...
        let (_, outcomes) = guess_wrong(&verifier, &alice, &key, 2).await;
        assert_eq!(outcomes, [rejected(2, false), rejected(1, true)]);
        // ...until an accepted response resets count and ladder.
        let challenge = verifier.challenge(&alice, None).await.unwrap();
        assert_eq!(
            common::outcome(&verifier, &alice, &challenge.id, &respond(&key, &challenge))
                .await
                .unwrap(),
            Outcome::Accepted
        );
        let status = verifier.status(&alice).await.unwrap();
        assert_eq!((status.failures, status.lock_step), (0, 0));
        let (_, outcomes) = guess_wrong(&verifier, &alice, &key, 3).await;
        assert_eq!(
            outcomes[2],
            Outcome::Locked {
                retry_after_secs: 900
            }
        );
    }
);

both_stores!(
    empty_ladder_blocks_at_the_first_limit_with_a_final_attempt_warning,
    |db: TestDb| async move {
        let (verifier, _clock) = db.open_with_clock(Config::default()).await;
        let alice = id("alice");
        let key = verifier
            .issue_envelope_only(&alice, &operator())
            .await
            .unwrap();
        let (_, outcomes) = guess_wrong(&verifier, &alice, &key, 3).await;
        assert_eq!(
            outcomes,
            [rejected(2, false), rejected(1, true), Outcome::Blocked]
        );
    }
);

both_stores!(
    policy_given_at_issue_overrides_the_configured_one_and_survives_reissue,
    |db: TestDb| async move {
        let (verifier, clock) = db.open_with_clock(Config::default()).await;
        let alice = id("alice");
        let policy = Policy {
            failure_limit: 2,
            temporary_lock_minutes: vec![5],
        };
        verifier
            .issue_with_policy(
                &alice,
                mobipass_verifier::EnvelopeKind::EnvelopeOnly,
                &policy,
                &operator(),
            )
            .await
            .unwrap();
        let key = verifier.reissue(&alice, &operator()).await.unwrap();
        let status = verifier.status(&alice).await.unwrap();
        assert_eq!((status.limit, status.temporary_lock_minutes), (2, vec![5]));
        let (_, outcomes) = guess_wrong(&verifier, &alice, &key, 2).await;
        assert_eq!(
            outcomes,
            [
                rejected(1, false),
                Outcome::Locked {
                    retry_after_secs: 300
                }
            ]
        );
        clock.advance(Duration::from_secs(300));
        let (_, outcomes) = guess_wrong(&verifier, &alice, &key, 2).await;
        assert_eq!(outcomes, [rejected(1, true), Outcome::Blocked]);

        let bad = Policy {
            failure_limit: 6,
            temporary_lock_minutes: vec![],
        };
        assert!(matches!(
            verifier
                .issue_with_policy(
                    &id("bob"),
                    mobipass_verifier::EnvelopeKind::EnvelopeOnly,
                    &bad,
                    &operator()
                )
                .await,
            Err(mobipass_verifier::VerifierError::InvalidInput(_))
        ));
    }
);

both_stores!(
    repeated_identical_wrong_response_counts_once,
    |db: TestDb| async move {
        let (verifier, _clock) = db.open_with_clock(Config::default()).await;
        let alice = id("alice");
        let key = verifier
            .issue_envelope_only(&alice, &operator())
            .await
            .unwrap();
        let challenge = verifier.challenge(&alice, None).await.unwrap();
        let right = respond(&key, &challenge);
        let bad = wrong_nth(&right, 0);
        for _ in 0..5 {
            assert_eq!(
                common::outcome(&verifier, &alice, &challenge.id, &bad)
                    .await
                    .unwrap(),
                rejected(2, false)
            );
        }
        assert_eq!(verifier.status(&alice).await.unwrap().failures, 1);
        // Another wrong response is a new guess; the right one still passes.
        assert_eq!(
            common::outcome(&verifier, &alice, &challenge.id, &wrong_nth(&right, 1))
                .await
                .unwrap(),
            rejected(1, true)
        );
        // The same wrong response to another challenge is a new guess too.
        let other = verifier.challenge(&alice, None).await.unwrap();
        let other_right = respond(&key, &other);
        if bad != other_right {
            assert_eq!(
                common::outcome(&verifier, &alice, &other.id, &bad)
                    .await
                    .unwrap(),
                Outcome::Blocked
            );
        }
        let events = verifier.audit(Some(&alice), 100).await.unwrap();
        let repeated = events.iter().filter(|e| e.detail == "repeated").count();
        assert_eq!(repeated, 4);
        assert!(
            events
                .iter()
                .all(|e| !e.detail.contains(&bad) && !e.detail.contains(&right))
        );
    }
);

both_stores!(
    audit_tells_lock_block_and_refusals_of_a_locked_credential_apart,
    |db: TestDb| async move {
        let (verifier, clock) = db.open_with_clock(ladder(&[15])).await;
        let alice = id("alice");
        let key = verifier
            .issue_envelope_only(&alice, &operator())
            .await
            .unwrap();
        guess_wrong(&verifier, &alice, &key, 4).await; // 3 evaluated, 1 refused (locked)
        clock.advance(Duration::from_secs(15 * 60));
        guess_wrong(&verifier, &alice, &key, 4).await; // 3 evaluated, 1 refused (blocked)
        let mut events = verifier.audit(Some(&alice), 100).await.unwrap();
        events.reverse();
        let rows: Vec<(&str, &str)> = events
            .iter()
            .filter(|e| e.action != "issued" && e.action != "challenge")
            .map(|e| (e.action.as_str(), e.detail.as_str()))
            .collect();
        let lock = "failure limit reached: 3 wrong responses in a row; locked for 15 minutes (step 1 of 1)";
        let block = "failure limit reached: 3 wrong responses in a row";
        assert_eq!(
            rows,
            [
                ("verify", "rejected"),
                ("verify", "rejected"),
                ("verify", "rejected"),
                ("locked", lock),
                ("verify", "locked"),
                ("verify", "rejected"),
                ("verify", "rejected"),
                ("verify", "rejected"),
                ("blocked", block),
                ("verify", "blocked"),
            ]
        );
    }
);
