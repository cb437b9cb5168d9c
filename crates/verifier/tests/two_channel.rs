//! Two-channel credentials (DESIGN 2b) on both stores: no key before an
//! activation code, K from S and the code, confirmation by the first accepted
//! response, expiry without counting, a new code replacing the previous one,
//! re-activation, refusals, rotation and the upgrade of an older database.

mod common;

use std::time::Duration;

use common::{TestDb, respond, wrong};
use mobipass_scheme::{ActivationCode, ActivationKey, Envelope, EnvelopeKind};
use mobipass_verifier::{
    Actor, Clock, Config, CredentialId, MasterKey, Outcome, State, Verifier, VerifierError,
};

fn id(text: &str) -> CredentialId {
    CredentialId::new(text).unwrap()
}

fn operator() -> Actor {
    Actor::new("operator.anna").unwrap()
}

/// Issues an activation code and returns the S2 the customer's app makes from it.
async fn code_for(verifier: &Verifier, id: &CredentialId, envelope: &Envelope) -> ActivationKey {
    let issued = verifier.activation_code(id, &operator()).await.unwrap();
    envelope.activated(Some(&issued.code)).unwrap()
}

/// Signs one fresh challenge with `key` and returns the outcome.
async fn sign(verifier: &Verifier, id: &CredentialId, key: &ActivationKey) -> Outcome {
    let challenge = verifier.challenge(id, None).await.unwrap();
    common::outcome(verifier, id, &challenge.id, &respond(key, &challenge))
        .await
        .unwrap()
}

both_stores!(
    issue_defaults_to_two_channel_and_refuses_challenges_until_a_code,
    |db: TestDb| async move {
        let (verifier, _clock) = db.open_with_clock(Config::default()).await;
        let alice = id("alice");
        let envelope = verifier.issue(&alice, &operator()).await.unwrap();
        assert_eq!(envelope.kind(), EnvelopeKind::TwoChannel);
        // The printed parts check under the two-channel prefixes.
        let parts = envelope.parts();
        assert_eq!(
            Envelope::from_parts(&parts).unwrap().kind(),
            EnvelopeKind::TwoChannel
        );
        let status = verifier.status(&alice).await.unwrap();
        assert_eq!(status.kind, EnvelopeKind::TwoChannel);
        assert_eq!(status.state, State::Issued);
        assert!(status.activation_code_needed);
        assert_eq!(status.activation_expires_at, None);
        assert!(matches!(
            verifier.challenge(&alice, None).await,
            Err(VerifierError::ActivationCodeNeeded)
        ));
        let audit = verifier.audit(Some(&alice), 10).await.unwrap();
        assert_eq!(audit.len(), 1, "a refused challenge writes nothing");
        assert_eq!(
            (audit[0].action.as_str(), audit[0].detail.as_str()),
            ("issued", "two_channel")
        );
    }
);

both_stores!(
    a_code_makes_the_key_and_the_first_accepted_response_confirms_it,
    |db: TestDb| async move {
        let (verifier, clock) = db.open_with_clock(Config::default()).await;
        let alice = id("alice");
        let envelope = verifier.issue(&alice, &operator()).await.unwrap();
        let issued = verifier.activation_code(&alice, &operator()).await.unwrap();
        assert_eq!(issued.digits().len(), 8);
        assert_eq!(
            ActivationCode::parse(&issued.grouped()).unwrap(),
            issued.code
        );
        assert!(!format!("{issued:?}").contains(issued.digits().as_str()));
        let expected_expiry = clock.now() + Duration::from_secs(900);
        assert_eq!(issued.expires_at, expected_expiry);
        let status = verifier.status(&alice).await.unwrap();
        assert!(!status.activation_code_needed);
        assert_eq!(status.state, State::Issued);
        let expiry_ms =
            |t: std::time::SystemTime| t.duration_since(std::time::UNIX_EPOCH).unwrap().as_millis();
        assert_eq!(
            status.activation_expires_at.map(expiry_ms),
            Some(expiry_ms(expected_expiry))
        );
        assert_eq!(status.key_version, 2, "each code seals a new K");

        // The envelope alone (S as K) does not sign.
        let s2 = envelope.activated(Some(&issued.code)).unwrap();
        assert_eq!(
            sign(&verifier, &alice, envelope.key()).await,
            Outcome::Rejected {
                attempts_left: 2,
                final_attempt: false
            }
        );
        assert_eq!(sign(&verifier, &alice, &s2).await, Outcome::Accepted);
        let status = verifier.status(&alice).await.unwrap();
        assert_eq!(status.state, State::Active);
        assert_eq!(status.failures, 0);
        assert_eq!(status.activation_expires_at, None);

        // Confirmed: the code's expiry no longer matters.
        clock.advance(Duration::from_secs(3600));
        assert_eq!(sign(&verifier, &alice, &s2).await, Outcome::Accepted);

        let audit = verifier.audit(Some(&alice), 50).await.unwrap();
        let actions: Vec<&str> = audit.iter().rev().map(|e| e.action.as_str()).collect();
        assert!(actions.contains(&"activation_code"), "{actions:?}");
        assert_eq!(audit.iter().filter(|e| e.action == "activated").count(), 1);
        let code_event = audit
            .iter()
            .find(|e| e.action == "activation_code")
            .unwrap();
        assert!(
            code_event.detail.starts_with("expires at "),
            "{}",
            code_event.detail
        );
        for event in &audit {
            assert!(
                !event.detail.contains(issued.digits().as_str())
                    && !event.detail.contains(issued.code.data_digits().as_str()),
                "the code is in the audit log: {event:?}"
            );
        }
    }
);

both_stores!(
    a_wrong_code_at_the_app_gives_rejected_and_counts_to_the_block,
    |db: TestDb| async move {
        let (verifier, _clock) = db.open_with_clock(Config::default()).await;
        let alice = id("alice");
        let envelope = verifier.issue(&alice, &operator()).await.unwrap();
        let _right = code_for(&verifier, &alice, &envelope).await;
        let other = envelope
            .activated(Some(&ActivationCode::generate()))
            .unwrap();
        assert_eq!(
            sign(&verifier, &alice, &other).await,
            Outcome::Rejected {
                attempts_left: 2,
                final_attempt: false
            }
        );
        assert_eq!(
            sign(&verifier, &alice, &other).await,
            Outcome::Rejected {
                attempts_left: 1,
                final_attempt: true
            }
        );
        assert_eq!(sign(&verifier, &alice, &other).await, Outcome::Blocked);
        assert_eq!(verifier.status(&alice).await.unwrap().state, State::Blocked);
        // A blocked credential gets no new code (no fresh guesses).
        assert!(matches!(
            verifier.activation_code(&alice, &operator()).await,
            Err(VerifierError::Blocked)
        ));
    }
);

both_stores!(
    an_expired_code_refuses_responses_unevaluated_and_counts_nothing,
    |db: TestDb| async move {
        let config = Config {
            activation_code_ttl: Duration::from_secs(60),
            ..Config::default()
        };
        let (verifier, clock) = db.open_with_clock(config).await;
        let alice = id("alice");
        let envelope = verifier.issue(&alice, &operator()).await.unwrap();
        let s2 = code_for(&verifier, &alice, &envelope).await;
        clock.advance(Duration::from_secs(30));
        // The challenge (5 minutes) outlives the code (1 minute).
        let challenge = verifier.challenge(&alice, None).await.unwrap();
        let right = respond(&s2, &challenge);
        clock.advance(Duration::from_secs(31));
        for response in [wrong(&right), right.clone()] {
            assert_eq!(
                common::outcome(&verifier, &alice, &challenge.id, &response)
                    .await
                    .unwrap(),
                Outcome::ActivationExpired
            );
        }
        let status = verifier.status(&alice).await.unwrap();
        assert_eq!(status.failures, 0);
        assert_eq!(status.state, State::Issued);
        // No challenge nobody can answer: a new code first.
        assert!(matches!(
            verifier.challenge(&alice, None).await,
            Err(VerifierError::ActivationExpired)
        ));
        let audit = verifier.audit(Some(&alice), 5).await.unwrap();
        assert_eq!(audit[0].detail, "activation_expired");
        let again = code_for(&verifier, &alice, &envelope).await;
        assert_eq!(sign(&verifier, &alice, &again).await, Outcome::Accepted);
    }
);

both_stores!(a_second_code_replaces_the_first, |db: TestDb| async move {
    let (verifier, _clock) = db.open_with_clock(Config::default()).await;
    let alice = id("alice");
    let envelope = verifier.issue(&alice, &operator()).await.unwrap();
    let first = code_for(&verifier, &alice, &envelope).await;
    let second = code_for(&verifier, &alice, &envelope).await;
    assert_ne!(first, second);
    assert_eq!(
        sign(&verifier, &alice, &first).await,
        Outcome::Rejected {
            attempts_left: 2,
            final_attempt: false
        }
    );
    assert_eq!(sign(&verifier, &alice, &second).await, Outcome::Accepted);
    assert_eq!(verifier.status(&alice).await.unwrap().state, State::Active);
});

both_stores!(
    a_code_for_an_active_credential_stops_the_old_key_at_once,
    |db: TestDb| async move {
        let (verifier, _clock) = db.open_with_clock(Config::default()).await;
        let alice = id("alice");
        let envelope = verifier.issue(&alice, &operator()).await.unwrap();
        let old = code_for(&verifier, &alice, &envelope).await;
        assert_eq!(sign(&verifier, &alice, &old).await, Outcome::Accepted);
        // An open challenge from before the re-activation: the old key no
        // longer answers it either.
        let open_challenge = verifier.challenge(&alice, None).await.unwrap();
        let new = code_for(&verifier, &alice, &envelope).await;
        let status = verifier.status(&alice).await.unwrap();
        assert_eq!(status.state, State::Issued, "re-activation in progress");
        assert!(status.activation_expires_at.is_some());
        assert_eq!(
            common::outcome(
                &verifier,
                &alice,
                &open_challenge.id,
                &respond(&old, &open_challenge)
            )
            .await
            .unwrap(),
            Outcome::Rejected {
                attempts_left: 2,
                final_attempt: false
            }
        );
        assert_eq!(sign(&verifier, &alice, &new).await, Outcome::Accepted);
        assert_eq!(verifier.status(&alice).await.unwrap().state, State::Active);
        let audit = verifier.audit(Some(&alice), 50).await.unwrap();
        let reactivation = audit
            .iter()
            .filter(|e| e.action == "activation_code")
            .map(|e| e.detail.as_str())
            .collect::<Vec<_>>();
        assert_eq!(reactivation.len(), 2);
        assert!(
            reactivation[0].starts_with("re-activation; expires at "),
            "{reactivation:?}"
        );
        assert_eq!(audit.iter().filter(|e| e.action == "activated").count(), 2);
    }
);

both_stores!(
    envelope_only_credentials_take_no_code_and_work_as_before,
    |db: TestDb| async move {
        let (verifier, _clock) = db.open_with_clock(Config::default()).await;
        let bob = id("bob");
        let envelope = verifier
            .issue_envelope_only(&bob, &operator())
            .await
            .unwrap();
        assert_eq!(envelope.kind(), EnvelopeKind::EnvelopeOnly);
        assert_eq!(
            Envelope::from_parts(&envelope.parts()).unwrap().kind(),
            EnvelopeKind::EnvelopeOnly
        );
        let status = verifier.status(&bob).await.unwrap();
        assert_eq!(status.kind, EnvelopeKind::EnvelopeOnly);
        assert!(!status.activation_code_needed);
        assert!(matches!(
            verifier.activation_code(&bob, &operator()).await,
            Err(VerifierError::NotTwoChannel)
        ));
        assert_eq!(
            sign(&verifier, &bob, envelope.key()).await,
            Outcome::Accepted
        );
        let status = verifier.status(&bob).await.unwrap();
        assert_eq!((status.state, status.key_version), (State::Active, 1));
        // Reissue keeps the kind.
        let again = verifier.reissue(&bob, &operator()).await.unwrap();
        assert_eq!(again.kind(), EnvelopeKind::EnvelopeOnly);
        assert_eq!(sign(&verifier, &bob, again.key()).await, Outcome::Accepted);
    }
);

both_stores!(
    codes_are_refused_for_blocked_revoked_and_unknown_credentials,
    |db: TestDb| async move {
        let (verifier, _clock) = db.open_with_clock(Config::default()).await;
        let alice = id("alice");
        verifier.issue(&alice, &operator()).await.unwrap();
        verifier
            .block(&alice, "lost laptop", &operator())
            .await
            .unwrap();
        let before = verifier.status(&alice).await.unwrap();
        assert!(matches!(
            verifier.activation_code(&alice, &operator()).await,
            Err(VerifierError::Blocked)
        ));
        assert_eq!(
            verifier.status(&alice).await.unwrap(),
            before,
            "nothing written"
        );
        verifier.revoke(&alice, &operator()).await.unwrap();
        assert!(matches!(
            verifier.activation_code(&alice, &operator()).await,
            Err(VerifierError::Revoked)
        ));
        assert!(matches!(
            verifier.activation_code(&id("nobody"), &operator()).await,
            Err(VerifierError::UnknownCredential)
        ));
        let audit = verifier.audit(Some(&alice), 50).await.unwrap();
        assert!(audit.iter().all(|e| e.action != "activation_code"));
    }
);

both_stores!(
    reissue_of_a_two_channel_credential_needs_a_new_code,
    |db: TestDb| async move {
        let (verifier, _clock) = db.open_with_clock(Config::default()).await;
        let alice = id("alice");
        let first = verifier.issue(&alice, &operator()).await.unwrap();
        let old = code_for(&verifier, &alice, &first).await;
        assert_eq!(sign(&verifier, &alice, &old).await, Outcome::Accepted);
        let second = verifier.reissue(&alice, &operator()).await.unwrap();
        assert_eq!(second.kind(), EnvelopeKind::TwoChannel);
        let status = verifier.status(&alice).await.unwrap();
        assert!(status.activation_code_needed);
        assert!(matches!(
            verifier.challenge(&alice, None).await,
            Err(VerifierError::ActivationCodeNeeded)
        ));
        let new = code_for(&verifier, &alice, &second).await;
        assert_eq!(
            sign(&verifier, &alice, &old).await,
            Outcome::Rejected {
                attempts_left: 2,
                final_attempt: false
            }
        );
        assert_eq!(sign(&verifier, &alice, &new).await, Outcome::Accepted);
    }
);

both_stores!(
    rotation_rewraps_the_sealed_secret_too,
    |db: TestDb| async move {
        let old_master = MasterKey::generate();
        let verifier = db.open(old_master, Config::default()).await;
        let alice = id("alice");
        let pending = id("pending");
        let envelope = verifier.issue(&alice, &operator()).await.unwrap();
        let waiting = verifier.issue(&pending, &operator()).await.unwrap();
        let s2 = code_for(&verifier, &alice, &envelope).await;
        let new_master = MasterKey::generate();
        assert_eq!(
            verifier
                .rotate_master_key(new_master.clone())
                .await
                .unwrap(),
            2
        );
        drop(verifier);
        let verifier = db.open(new_master, Config::default()).await;
        assert_eq!(sign(&verifier, &alice, &s2).await, Outcome::Accepted);
        // S of a credential that had no code yet opens under the new key.
        let s2 = code_for(&verifier, &pending, &waiting).await;
        assert_eq!(sign(&verifier, &pending, &s2).await, Outcome::Accepted);
    }
);

both_stores!(
    a_database_at_the_previous_schema_keeps_its_credentials_after_the_upgrade,
    |db: TestDb| async move {
        let master = MasterKey::generate();
        let verifier = db.open(master.clone(), Config::default()).await;
        let old = id("old");
        let envelope = verifier
            .issue_envelope_only(&old, &operator())
            .await
            .unwrap();
        let challenge = verifier.challenge(&old, None).await.unwrap();
        drop(verifier);
        downgrade_to_schema_four(&db).await;

        let verifier = db.open(master, Config::default()).await;
        let status = verifier.status(&old).await.unwrap();
        assert_eq!(status.kind, EnvelopeKind::EnvelopeOnly);
        assert!(!status.activation_code_needed);
        assert_eq!(
            common::outcome(
                &verifier,
                &old,
                &challenge.id,
                &respond(&envelope, &challenge)
            )
            .await
            .unwrap(),
            Outcome::Accepted
        );
        assert!(matches!(
            verifier.activation_code(&old, &operator()).await,
            Err(VerifierError::NotTwoChannel)
        ));
        // New credentials in the upgraded database are two-channel.
        let new = verifier.issue(&id("new"), &operator()).await.unwrap();
        assert_eq!(new.kind(), EnvelopeKind::TwoChannel);
    }
);

/// Turns a current database back into schema version 4 (before two-channel
/// credentials): the later table and the added columns go, the version
/// number goes back. Its K
/// was sealed with the same associated data as before the change.
async fn downgrade_to_schema_four(db: &TestDb) {
    const COLUMNS: [&str; 4] = [
        "kind",
        "sealed_secret",
        "activation",
        "activation_expires_at",
    ];
    match db.backend {
        common::Backend::Sqlite => {
            // The writer thread closes its connection once the store is dropped.
            tokio::time::sleep(Duration::from_millis(200)).await;
            let path = db.url.strip_prefix("sqlite://").unwrap();
            let conn = rusqlite::Connection::open(path).unwrap();
            conn.busy_timeout(Duration::from_secs(10)).unwrap();
            conn.execute_batch("DROP TABLE signing_sessions").unwrap();
            for column in COLUMNS {
                conn.execute_batch(&format!("ALTER TABLE credentials DROP COLUMN {column}"))
                    .unwrap();
            }
            conn.pragma_update(None, "user_version", 4).unwrap();
        }
        common::Backend::Postgres => {
            let (client, connection) = tokio_postgres::connect(&db.url, tokio_postgres::NoTls)
                .await
                .unwrap();
            tokio::spawn(connection);
            client
                .batch_execute("DROP TABLE signing_sessions")
                .await
                .unwrap();
            for column in COLUMNS {
                client
                    .batch_execute(&format!("ALTER TABLE credentials DROP COLUMN {column}"))
                    .await
                    .unwrap();
            }
            client
                .batch_execute("UPDATE mobipass_schema SET version = 4")
                .await
                .unwrap();
        }
    }
}
