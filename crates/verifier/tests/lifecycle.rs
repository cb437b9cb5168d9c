//! The credential life cycle, run identically on SQLite and PostgreSQL.

mod common;

use std::time::Duration;

use common::{TestDb, respond, wrong};
use mobipass_verifier::{
    Actor, Amount, ChallengeId, Config, CredentialId, MasterKey, Outcome, Payee, State, Verified,
    VerifierError,
};

fn id(text: &str) -> CredentialId {
    CredentialId::new(text).unwrap()
}

fn operator() -> Actor {
    Actor::new("operator.anna").unwrap()
}

both_stores!(
    right_response_is_accepted_once_and_activates,
    |db: TestDb| async move {
        let verifier = db.open(MasterKey::generate(), Config::default()).await;
        let alice = id("alice");
        let key = verifier
            .issue_envelope_only(&alice, &operator())
            .await
            .unwrap();
        assert_eq!(verifier.status(&alice).await.unwrap().state, State::Issued);
        let challenge = verifier.challenge(&alice, None).await.unwrap();
        assert_eq!(challenge.code.len(), 6);
        let right = respond(&key, &challenge);
        let grouped = format!("{} {}", &right[..4], &right[4..]);
        assert_eq!(
            common::outcome(&verifier, &alice, &challenge.id, &grouped)
                .await
                .unwrap(),
            Outcome::Accepted
        );
        let status = verifier.status(&alice).await.unwrap();
        assert_eq!(
            (status.state, status.failures, status.limit),
            (State::Active, 0, 3)
        );
        assert_eq!(
            common::outcome(&verifier, &alice, &challenge.id, &right)
                .await
                .unwrap(),
            Outcome::AlreadyUsed
        );
    }
);

both_stores!(
    third_wrong_response_blocks_and_then_even_the_right_one_is_refused,
    |db: TestDb| async move {
        let verifier = db.open(MasterKey::generate(), Config::default()).await;
        let alice = id("alice");
        let key = verifier
            .issue_envelope_only(&alice, &operator())
            .await
            .unwrap();
        let challenge = verifier.challenge(&alice, None).await.unwrap();
        let right = respond(&key, &challenge);
        let bad = |n| common::wrong_nth(&right, n);
        assert_eq!(
            common::outcome(&verifier, &alice, &challenge.id, &bad(0))
                .await
                .unwrap(),
            Outcome::Rejected {
                attempts_left: 2,
                final_attempt: false
            }
        );
        assert_eq!(
            common::outcome(&verifier, &alice, &challenge.id, &bad(1))
                .await
                .unwrap(),
            Outcome::Rejected {
                attempts_left: 1,
                final_attempt: true
            }
        );
        // The third wrong response is the one that blocks...
        let third = verifier
            .verify(&alice, &challenge.id, &bad(2), &operator())
            .await
            .unwrap();
        assert_eq!(
            third,
            Verified {
                outcome: Outcome::Blocked,
                blocked_now: true,
                locked_now: false
            }
        );
        // ...and every later one, even right, finds it blocked.
        let later = verifier
            .verify(&alice, &challenge.id, &right, &operator())
            .await
            .unwrap();
        assert_eq!(
            later,
            Verified {
                outcome: Outcome::Blocked,
                blocked_now: false,
                locked_now: false
            }
        );
        let status = verifier.status(&alice).await.unwrap();
        assert_eq!((status.state, status.failures), (State::Blocked, 3));
        assert!(matches!(
            verifier.challenge(&alice, None).await,
            Err(VerifierError::Blocked)
        ));

        verifier.unblock(&alice, &operator()).await.unwrap();
        let status = verifier.status(&alice).await.unwrap();
        assert_eq!((status.state, status.failures), (State::Issued, 0));
        assert_eq!(
            common::outcome(&verifier, &alice, &challenge.id, &right)
                .await
                .unwrap(),
            Outcome::Accepted
        );
    }
);

both_stores!(success_resets_the_failure_count, |db: TestDb| async move {
    let verifier = db.open(MasterKey::generate(), Config::default()).await;
    let alice = id("alice");
    let key = verifier
        .issue_envelope_only(&alice, &operator())
        .await
        .unwrap();
    for _ in 0..3 {
        let challenge = verifier.challenge(&alice, None).await.unwrap();
        let right = respond(&key, &challenge);
        assert!(matches!(
            common::outcome(&verifier, &alice, &challenge.id, &wrong(&right))
                .await
                .unwrap(),
            Outcome::Rejected { .. }
        ));
        assert!(matches!(
            common::outcome(&verifier, &alice, &challenge.id, &wrong(&right))
                .await
                .unwrap(),
            Outcome::Rejected { .. }
        ));
        assert_eq!(
            common::outcome(&verifier, &alice, &challenge.id, &right)
                .await
                .unwrap(),
            Outcome::Accepted
        );
        assert_eq!(verifier.status(&alice).await.unwrap().failures, 0);
    }
});

both_stores!(
    configured_limit_applies_to_new_credentials,
    |db: TestDb| async move {
        let config = Config {
            failure_limit: 5,
            ..Config::default()
        };
        let verifier = db.open(MasterKey::generate(), config).await;
        let alice = id("alice");
        let key = verifier
            .issue_envelope_only(&alice, &operator())
            .await
            .unwrap();
        let challenge = verifier.challenge(&alice, None).await.unwrap();
        let right = respond(&key, &challenge);
        let bad = |n| common::wrong_nth(&right, n);
        for left in (1..5).rev() {
            assert_eq!(
                common::outcome(&verifier, &alice, &challenge.id, &bad(u64::from(left)))
                    .await
                    .unwrap(),
                Outcome::Rejected {
                    attempts_left: left,
                    final_attempt: left == 1
                }
            );
        }
        assert_eq!(
            common::outcome(&verifier, &alice, &challenge.id, &bad(0))
                .await
                .unwrap(),
            Outcome::Blocked
        );
    }
);

both_stores!(
    expired_challenge_is_refused_and_counts_no_failure,
    |db: TestDb| async move {
        let (verifier, clock) = db.open_with_manual_clock().await;
        let alice = id("alice");
        let key = verifier
            .issue_envelope_only(&alice, &operator())
            .await
            .unwrap();
        let challenge = verifier.challenge(&alice, None).await.unwrap();
        let right = respond(&key, &challenge);
        clock.advance(Duration::from_secs(5 * 60 - 1));
        let still_valid = verifier.challenge(&alice, None).await.unwrap();
        clock.advance(Duration::from_secs(1));
        assert_eq!(
            common::outcome(&verifier, &alice, &challenge.id, &right)
                .await
                .unwrap(),
            Outcome::Expired
        );
        assert_eq!(
            common::outcome(&verifier, &alice, &challenge.id, &wrong(&right))
                .await
                .unwrap(),
            Outcome::Expired
        );
        assert_eq!(verifier.status(&alice).await.unwrap().failures, 0);
        let right = respond(&key, &still_valid);
        assert_eq!(
            common::outcome(&verifier, &alice, &still_valid.id, &right)
                .await
                .unwrap(),
            Outcome::Accepted
        );
    }
);

both_stores!(
    linked_challenge_accepts_only_the_same_amount_and_payee,
    |db: TestDb| async move {
        let verifier = db.open(MasterKey::generate(), Config::default()).await;
        let alice = id("alice");
        let key = verifier
            .issue_envelope_only(&alice, &operator())
            .await
            .unwrap();
        let amount = Amount::from_minor(150_000).unwrap();
        let payee = Payee::parse("KZ86 125K ZT50 0410 0100").unwrap();
        let challenge = verifier
            .challenge(&alice, Some((amount, payee)))
            .await
            .unwrap();
        assert_eq!(challenge.amount_minor, Some(150_000));
        assert_eq!(challenge.payee.as_deref(), Some("04100100"));

        let mut other_amount = challenge.clone();
        other_amount.amount_minor = Some(150_001);
        let mut other_payee = challenge.clone();
        other_payee.payee = Some("04100101".into());
        let mut plain = challenge.clone();
        plain.amount_minor = None;
        plain.payee = None;
        let expected = [
            Outcome::Rejected {
                attempts_left: 2,
                final_attempt: false,
            },
            Outcome::Rejected {
                attempts_left: 1,
                final_attempt: true,
            },
            Outcome::Blocked,
        ];
        for (forged, expected) in [&other_amount, &other_payee, &plain]
            .into_iter()
            .zip(expected)
        {
            let outcome = common::outcome(&verifier, &alice, &challenge.id, &respond(&key, forged))
                .await
                .unwrap();
            assert_eq!(outcome, expected);
        }
        verifier.unblock(&alice, &operator()).await.unwrap();
        assert_eq!(
            common::outcome(&verifier, &alice, &challenge.id, &respond(&key, &challenge))
                .await
                .unwrap(),
            Outcome::Accepted
        );
    }
);

both_stores!(
    reissue_invalidates_the_old_key_and_open_challenges,
    |db: TestDb| async move {
        let verifier = db.open(MasterKey::generate(), Config::default()).await;
        let alice = id("alice");
        let old = verifier
            .issue_envelope_only(&alice, &operator())
            .await
            .unwrap();
        let open_challenge = verifier.challenge(&alice, None).await.unwrap();
        let new = verifier.reissue(&alice, &operator()).await.unwrap();
        assert_ne!(old, new);
        let status = verifier.status(&alice).await.unwrap();
        assert_eq!((status.state, status.key_version), (State::Issued, 2));
        assert_eq!(
            common::outcome(
                &verifier,
                &alice,
                &open_challenge.id,
                &respond(&old, &open_challenge)
            )
            .await
            .unwrap(),
            Outcome::UnknownChallenge
        );
        let challenge = verifier.challenge(&alice, None).await.unwrap();
        assert_eq!(
            common::outcome(&verifier, &alice, &challenge.id, &respond(&old, &challenge))
                .await
                .unwrap(),
            Outcome::Rejected {
                attempts_left: 2,
                final_attempt: false
            }
        );
        assert_eq!(
            common::outcome(&verifier, &alice, &challenge.id, &respond(&new, &challenge))
                .await
                .unwrap(),
            Outcome::Accepted
        );
    }
);

both_stores!(
    revoked_credential_refuses_everything,
    |db: TestDb| async move {
        let verifier = db.open(MasterKey::generate(), Config::default()).await;
        let alice = id("alice");
        let key = verifier
            .issue_envelope_only(&alice, &operator())
            .await
            .unwrap();
        let challenge = verifier.challenge(&alice, None).await.unwrap();
        verifier.revoke(&alice, &operator()).await.unwrap();
        assert_eq!(
            common::outcome(&verifier, &alice, &challenge.id, &respond(&key, &challenge))
                .await
                .unwrap(),
            Outcome::Revoked
        );
        assert!(matches!(
            verifier.challenge(&alice, None).await,
            Err(VerifierError::Revoked)
        ));
        assert!(matches!(
            verifier.unblock(&alice, &operator()).await,
            Err(VerifierError::Revoked)
        ));
        assert!(matches!(
            verifier.block(&alice, "lost", &operator()).await,
            Err(VerifierError::Revoked)
        ));
        assert!(matches!(
            verifier.reissue(&alice, &operator()).await,
            Err(VerifierError::Revoked)
        ));
        assert_eq!(verifier.status(&alice).await.unwrap().state, State::Revoked);
    }
);

both_stores!(
    operator_block_stops_signatures_and_is_audited,
    |db: TestDb| async move {
        let verifier = db.open(MasterKey::generate(), Config::default()).await;
        let alice = id("alice");
        let key = verifier
            .issue_envelope_only(&alice, &operator())
            .await
            .unwrap();
        let challenge = verifier.challenge(&alice, None).await.unwrap();
        verifier
            .block(&alice, "customer reported a lost laptop", &operator())
            .await
            .unwrap();
        let right = respond(&key, &challenge);
        let verified = verifier
            .verify(&alice, &challenge.id, &right, &operator())
            .await
            .unwrap();
        assert_eq!(
            verified,
            Verified {
                outcome: Outcome::Blocked,
                blocked_now: false,
                locked_now: false
            },
            "the operator blocked it, not this response"
        );
        for bad in [
            "two\nlines",
            "line\u{2028}sep",
            "evil\u{202E}txt",
            "\u{200B}\u{200D}",
            "",
        ] {
            assert!(
                matches!(
                    verifier.block(&alice, bad, &operator()).await,
                    Err(VerifierError::InvalidInput(_))
                ),
                "{bad:?}"
            );
        }
        let events = verifier.audit(Some(&alice), 100).await.unwrap();
        let block = events.iter().find(|e| e.action == "blocked").unwrap();
        assert_eq!(block.actor, "operator.anna");
        assert_eq!(block.detail, "customer reported a lost laptop");
        let actions: Vec<&str> = events.iter().rev().map(|e| e.action.as_str()).collect();
        assert_eq!(actions, ["issued", "challenge", "blocked", "verify"]);
        assert_eq!(events[0].detail, "blocked");
    }
);

both_stores!(
    unknown_ids_and_duplicates_are_clear_errors,
    |db: TestDb| async move {
        let verifier = db.open(MasterKey::generate(), Config::default()).await;
        let alice = id("alice");
        let bob = id("bob");
        let key = verifier
            .issue_envelope_only(&alice, &operator())
            .await
            .unwrap();
        verifier
            .issue_envelope_only(&bob, &operator())
            .await
            .unwrap();
        assert!(matches!(
            verifier.issue_envelope_only(&alice, &operator()).await,
            Err(VerifierError::AlreadyExists)
        ));
        let nobody = id("nobody");
        assert!(matches!(
            verifier.status(&nobody).await,
            Err(VerifierError::UnknownCredential)
        ));
        assert!(matches!(
            verifier.challenge(&nobody, None).await,
            Err(VerifierError::UnknownCredential)
        ));
        assert!(matches!(
            verifier.block(&nobody, "x", &operator()).await,
            Err(VerifierError::UnknownCredential)
        ));
        assert!(matches!(
            verifier.reissue(&nobody, &operator()).await,
            Err(VerifierError::UnknownCredential)
        ));
        assert!(matches!(
            common::outcome(&verifier, &nobody, &ChallengeId::generate(), "12345678").await,
            Err(VerifierError::UnknownCredential)
        ));
        // Bob's challenge cannot be answered as Alice, and a random id is unknown.
        let bobs = verifier.challenge(&bob, None).await.unwrap();
        let right_for_alice = respond(&key, &bobs);
        assert_eq!(
            common::outcome(&verifier, &alice, &bobs.id, &right_for_alice)
                .await
                .unwrap(),
            Outcome::UnknownChallenge
        );
        assert_eq!(
            common::outcome(&verifier, &alice, &ChallengeId::generate(), "12345678")
                .await
                .unwrap(),
            Outcome::UnknownChallenge
        );
        assert_eq!(verifier.status(&alice).await.unwrap().failures, 0);
    }
);

both_stores!(
    malformed_response_is_invalid_input_and_counts_nothing,
    |db: TestDb| async move {
        let verifier = db.open(MasterKey::generate(), Config::default()).await;
        let alice = id("alice");
        verifier
            .issue_envelope_only(&alice, &operator())
            .await
            .unwrap();
        let challenge = verifier.challenge(&alice, None).await.unwrap();
        for bad in ["", "1234567", "123456789", "1234567a", "12345678\u{0}"] {
            assert!(
                matches!(
                    common::outcome(&verifier, &alice, &challenge.id, bad).await,
                    Err(VerifierError::InvalidInput(_))
                ),
                "{bad:?}"
            );
        }
        assert_eq!(verifier.status(&alice).await.unwrap().failures, 0);
    }
);

both_stores!(
    audit_records_every_verification_but_never_a_response,
    |db: TestDb| async move {
        let verifier = db.open(MasterKey::generate(), Config::default()).await;
        let alice = id("alice");
        let key = verifier
            .issue_envelope_only(&alice, &operator())
            .await
            .unwrap();
        let challenge = verifier.challenge(&alice, None).await.unwrap();
        let right = respond(&key, &challenge);
        let bad = wrong(&right);
        common::outcome(&verifier, &alice, &challenge.id, &bad)
            .await
            .unwrap();
        common::outcome(&verifier, &alice, &challenge.id, &right)
            .await
            .unwrap();
        let events = verifier.audit(None, 100).await.unwrap();
        let verifies: Vec<&str> = events
            .iter()
            .filter(|e| e.action == "verify")
            .map(|e| e.detail.as_str())
            .collect();
        assert_eq!(verifies, ["accepted", "rejected"]);
        let text = serde_json::to_string(&events).unwrap();
        assert!(!text.contains(&right) && !text.contains(&bad));
        for part in key.parts() {
            assert!(!text.contains(part.as_str()));
        }
        assert_eq!(verifier.audit(None, 1).await.unwrap().len(), 1);
    }
);

both_stores!(
    master_key_rotation_rewraps_every_seed,
    |db: TestDb| async move {
        let first = MasterKey::generate();
        let verifier = db.open(first.clone(), Config::default()).await;
        let mut keys = Vec::new();
        for n in 0..5 {
            let cid = id(&format!("c{n}"));
            keys.push((
                cid.clone(),
                verifier
                    .issue_envelope_only(&cid, &operator())
                    .await
                    .unwrap(),
            ));
        }
        let second = MasterKey::generate();
        assert_eq!(verifier.rotate_master_key(second.clone()).await.unwrap(), 5);
        for (cid, key) in &keys {
            let challenge = verifier.challenge(cid, None).await.unwrap();
            assert_eq!(
                common::outcome(&verifier, cid, &challenge.id, &respond(key, &challenge))
                    .await
                    .unwrap(),
                Outcome::Accepted
            );
        }
        drop(verifier);
        let refused = mobipass_verifier::Verifier::open(&db.url, first, Config::default()).await;
        assert!(matches!(refused, Err(VerifierError::MasterKey(_))));
        let reopened = db.open(second, Config::default()).await;
        let (cid, key) = &keys[0];
        let challenge = reopened.challenge(cid, None).await.unwrap();
        assert_eq!(
            common::outcome(&reopened, cid, &challenge.id, &respond(key, &challenge))
                .await
                .unwrap(),
            Outcome::Accepted
        );
    }
);

both_stores!(
    outcome_survives_reopening_the_store,
    |db: TestDb| async move {
        let master = MasterKey::generate();
        let alice = id("alice");
        let (key, challenge) = {
            let verifier = db.open(master.clone(), Config::default()).await;
            let key = verifier
                .issue_envelope_only(&alice, &operator())
                .await
                .unwrap();
            let challenge = verifier.challenge(&alice, None).await.unwrap();
            let bad = wrong(&respond(&key, &challenge));
            common::outcome(&verifier, &alice, &challenge.id, &bad)
                .await
                .unwrap();
            (key, challenge)
        };
        let verifier = db.open(master, Config::default()).await;
        assert_eq!(verifier.status(&alice).await.unwrap().failures, 1);
        assert_eq!(
            common::outcome(&verifier, &alice, &challenge.id, &respond(&key, &challenge))
                .await
                .unwrap(),
            Outcome::Accepted
        );
    }
);

both_stores!(
    audit_tells_evaluated_failures_the_block_and_refusals_apart,
    |db: TestDb| async move {
        let verifier = db.open(MasterKey::generate(), Config::default()).await;
        let alice = id("alice");
        let key = verifier
            .issue_envelope_only(&alice, &operator())
            .await
            .unwrap();
        let challenge = verifier.challenge(&alice, None).await.unwrap();
        let right = respond(&key, &challenge);
        let bad: Vec<String> = (0..5).map(|n| common::wrong_nth(&right, n)).collect();
        // The first guess twice (a double-submitted form), then four more.
        for guess in [&bad[0], &bad[0], &bad[1], &bad[2], &bad[3], &bad[4]] {
            common::outcome(&verifier, &alice, &challenge.id, guess)
                .await
                .unwrap();
        }
        let mut events = verifier.audit(Some(&alice), 100).await.unwrap();
        events.reverse();
        let rows: Vec<(&str, &str)> = events
            .iter()
            .filter(|e| e.action != "issued" && e.action != "challenge")
            .map(|e| (e.action.as_str(), e.detail.as_str()))
            .collect();
        let block = "failure limit reached: 3 wrong responses in a row";
        assert_eq!(
            rows,
            [
                ("verify", "rejected"),
                ("verify", "repeated"),
                ("verify", "rejected"),
                ("verify", "rejected"),
                ("blocked", block),
                ("verify", "blocked"),
                ("verify", "blocked"),
            ]
        );
        // Guesses evaluated, read from the audit alone: the limit.
        let evaluated = events
            .iter()
            .filter(|e| e.action == "verify" && (e.detail == "rejected" || e.detail == "accepted"))
            .count();
        assert_eq!(evaluated, 3);
        let text = serde_json::to_string(&events).unwrap();
        assert!(bad.iter().all(|guess| !text.contains(guess.as_str())));
    }
);
