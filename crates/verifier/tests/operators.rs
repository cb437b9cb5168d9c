//! Console operators, sessions and sign-in throttling, run identically on
//! SQLite and PostgreSQL.

mod common;

use std::net::IpAddr;
use std::time::Duration;

use common::TestDb;
use mobipass_verifier::{
    Actor, AuditFilter, CredentialId, OperatorName, Password, Role, SessionPolicy, SignIn, State,
    VerifierError,
};
use zeroize::Zeroizing;

const PASSWORD: &str = "correct horse battery";

fn name(text: &str) -> OperatorName {
    OperatorName::new(text).unwrap()
}

fn password(text: &str) -> Password {
    Password::new(Zeroizing::new(text.to_owned())).unwrap()
}

fn typed(text: &str) -> Zeroizing<String> {
    Zeroizing::new(text.to_owned())
}

fn cli() -> Actor {
    Actor::new("supervisor.cli").unwrap()
}

fn addr(text: &str) -> IpAddr {
    text.parse().unwrap()
}

async fn audit_actions(verifier: &mobipass_verifier::Verifier) -> Vec<String> {
    let mut actions: Vec<String> = verifier
        .audit(None, 1000)
        .await
        .unwrap()
        .into_iter()
        .map(|event| event.action)
        .collect();
    actions.reverse();
    actions
}

both_stores!(
    operators_are_added_listed_and_refused_twice,
    |db: TestDb| async move {
        let (verifier, _clock) = db.open_with_manual_clock().await;
        verifier
            .add_operator(&name("anna"), Role::Agent, &password(PASSWORD), &cli())
            .await
            .unwrap();
        verifier
            .add_operator(&name("boss"), Role::Supervisor, &password(PASSWORD), &cli())
            .await
            .unwrap();
        let again = verifier
            .add_operator(&name("anna"), Role::Supervisor, &password(PASSWORD), &cli())
            .await
            .unwrap_err();
        assert!(again.to_string().contains("exists already"), "{again}");
        let listed = verifier.operators().await.unwrap();
        let summary: Vec<_> = listed
            .iter()
            .map(|o| (o.name.as_str(), o.role, o.disabled))
            .collect();
        assert_eq!(
            summary,
            [
                ("anna", Role::Agent, false),
                ("boss", Role::Supervisor, false)
            ]
        );
        let audit = verifier.audit(None, 10).await.unwrap();
        assert!(audit.iter().all(|e| !e.detail.contains(PASSWORD)));
        assert_eq!(
            audit_actions(&verifier).await,
            ["operator_added", "operator_added"]
        );
    }
);

both_stores!(
    right_password_signs_in_and_the_session_is_found_by_its_token,
    |db: TestDb| async move {
        let (verifier, _clock) = db.open_with_manual_clock().await;
        verifier
            .add_operator(&name("anna"), Role::Agent, &password(PASSWORD), &cli())
            .await
            .unwrap();
        let SignIn::Accepted { token, session } = verifier
            .console_sign_in("anna", &typed(PASSWORD), addr("10.0.0.1"))
            .await
            .unwrap()
        else {
            panic!("refused a right password");
        };
        assert_eq!(session.role, Role::Agent);
        assert_eq!(session.actor().as_str(), "console:anna");
        let found = verifier
            .console_session(&token, SessionPolicy::default())
            .await
            .unwrap()
            .expect("live session");
        assert_eq!(found, session);
        let wrong = mobipass_verifier::SessionToken::from_cookie(&"0".repeat(64)).unwrap();
        assert!(
            verifier
                .console_session(&wrong, SessionPolicy::default())
                .await
                .unwrap()
                .is_none()
        );
        verifier.console_sign_out(&token).await.unwrap();
        assert!(
            verifier
                .console_session(&token, SessionPolicy::default())
                .await
                .unwrap()
                .is_none(),
            "signed out"
        );
        let audit = verifier.audit(None, 100).await.unwrap();
        assert!(
            audit
                .iter()
                .all(|e| !e.detail.contains(token.as_str()) && !e.actor.contains(token.as_str()))
        );
        assert_eq!(
            audit_actions(&verifier).await,
            ["operator_added", "console_signed_in", "console_signed_out"]
        );
    }
);

both_stores!(
    five_wrong_passwords_lock_the_account_even_against_the_right_one,
    |db: TestDb| async move {
        let (verifier, clock) = db.open_with_manual_clock().await;
        verifier
            .add_operator(&name("anna"), Role::Agent, &password(PASSWORD), &cli())
            .await
            .unwrap();
        for attempt in 1..=5 {
            // Each from its own address: the account alone is counted here.
            let from = addr(&format!("10.0.0.{attempt}"));
            let answer = verifier
                .console_sign_in("anna", &typed("wrong password!"), from)
                .await
                .unwrap();
            let expected_locked = attempt == 5;
            assert_eq!(
                matches!(answer, SignIn::Locked),
                expected_locked,
                "attempt {attempt}: {answer:?}"
            );
            assert!(expected_locked || matches!(answer, SignIn::Refused));
        }
        let answer = verifier
            .console_sign_in("anna", &typed(PASSWORD), addr("10.9.9.9"))
            .await
            .unwrap();
        assert!(matches!(answer, SignIn::Locked), "{answer:?}");
        clock.advance(Duration::from_secs(15 * 60));
        let answer = verifier
            .console_sign_in("anna", &typed(PASSWORD), addr("10.9.9.9"))
            .await
            .unwrap();
        assert!(matches!(answer, SignIn::Accepted { .. }), "{answer:?}");
        let actions = audit_actions(&verifier).await;
        assert_eq!(
            actions
                .iter()
                .filter(|a| *a == "console_sign_in_failed")
                .count(),
            5
        );
        assert_eq!(
            actions
                .iter()
                .filter(|a| *a == "console_sign_in_locked")
                .count(),
            1
        );
        assert!(actions.contains(&"console_sign_in_refused_locked".to_owned()));
    }
);

both_stores!(
    five_failures_from_one_address_lock_it_for_every_account,
    |db: TestDb| async move {
        let (verifier, _clock) = db.open_with_manual_clock().await;
        verifier
            .add_operator(&name("anna"), Role::Agent, &password(PASSWORD), &cli())
            .await
            .unwrap();
        for guess in 1..=5 {
            let answer = verifier
                .console_sign_in(
                    &format!("nobody{guess}"),
                    &typed(PASSWORD),
                    addr("192.0.2.7"),
                )
                .await
                .unwrap();
            assert_eq!(matches!(answer, SignIn::Locked), guess == 5, "{answer:?}");
        }
        let from_there = verifier
            .console_sign_in("anna", &typed(PASSWORD), addr("192.0.2.7"))
            .await
            .unwrap();
        assert!(matches!(from_there, SignIn::Locked), "{from_there:?}");
        let elsewhere = verifier
            .console_sign_in("anna", &typed(PASSWORD), addr("192.0.2.8"))
            .await
            .unwrap();
        assert!(
            matches!(elsewhere, SignIn::Accepted { .. }),
            "{elsewhere:?}"
        );
    }
);

both_stores!(
    idle_and_old_sessions_end_and_disabling_ends_them_at_once,
    |db: TestDb| async move {
        let (verifier, clock) = db.open_with_manual_clock().await;
        verifier
            .add_operator(&name("anna"), Role::Agent, &password(PASSWORD), &cli())
            .await
            .unwrap();
        let policy = SessionPolicy {
            idle: Duration::from_secs(60),
            absolute: Duration::from_secs(150),
        };
        let sign_in = || async {
            match verifier
                .console_sign_in("anna", &typed(PASSWORD), addr("10.0.0.1"))
                .await
                .unwrap()
            {
                SignIn::Accepted { token, .. } => token,
                other => panic!("{other:?}"),
            }
        };
        let token = sign_in().await;
        clock.advance(Duration::from_secs(59));
        assert!(
            verifier
                .console_session(&token, policy)
                .await
                .unwrap()
                .is_some()
        );
        clock.advance(Duration::from_secs(59));
        assert!(
            verifier
                .console_session(&token, policy)
                .await
                .unwrap()
                .is_some()
        );
        clock.advance(Duration::from_secs(40));
        assert!(
            verifier
                .console_session(&token, policy)
                .await
                .unwrap()
                .is_none(),
            "older than the absolute limit though used"
        );
        let token = sign_in().await;
        clock.advance(Duration::from_secs(60));
        assert!(
            verifier
                .console_session(&token, policy)
                .await
                .unwrap()
                .is_none(),
            "idle"
        );
        let token = sign_in().await;
        verifier
            .disable_operator(&name("anna"), &cli())
            .await
            .unwrap();
        assert!(
            verifier
                .console_session(&token, policy)
                .await
                .unwrap()
                .is_none()
        );
        let refused = verifier
            .console_sign_in("anna", &typed(PASSWORD), addr("10.0.0.1"))
            .await
            .unwrap();
        assert!(matches!(refused, SignIn::Refused), "{refused:?}");
        assert!(verifier.operators().await.unwrap()[0].disabled);
        let unknown = verifier.disable_operator(&name("ghost"), &cli()).await;
        assert!(matches!(unknown, Err(VerifierError::InvalidInput(_))));
    }
);

both_stores!(
    a_new_password_ends_sessions_and_only_it_signs_in,
    |db: TestDb| async move {
        let (verifier, _clock) = db.open_with_manual_clock().await;
        verifier
            .add_operator(&name("anna"), Role::Agent, &password(PASSWORD), &cli())
            .await
            .unwrap();
        let SignIn::Accepted { token, .. } = verifier
            .console_sign_in("anna", &typed(PASSWORD), addr("10.0.0.1"))
            .await
            .unwrap()
        else {
            panic!("refused");
        };
        verifier
            .set_operator_password(&name("anna"), &password("a brand new passphrase"), &cli())
            .await
            .unwrap();
        assert!(
            verifier
                .console_session(&token, SessionPolicy::default())
                .await
                .unwrap()
                .is_none()
        );
        let old = verifier
            .console_sign_in("anna", &typed(PASSWORD), addr("10.0.0.1"))
            .await
            .unwrap();
        assert!(matches!(old, SignIn::Refused));
        let new = verifier
            .console_sign_in("anna", &typed("a brand new passphrase"), addr("10.0.0.1"))
            .await
            .unwrap();
        assert!(matches!(new, SignIn::Accepted { .. }));
    }
);

both_stores!(
    unblock_needs_the_identity_note_and_audits_it_with_the_operator,
    |db: TestDb| async move {
        let (verifier, _clock) = db.open_with_manual_clock().await;
        let id = CredentialId::new("cust-1").unwrap();
        let agent = name("anna").actor();
        verifier.issue_envelope_only(&id, &cli()).await.unwrap();
        verifier.block(&id, "lost phone", &agent).await.unwrap();
        let refused = verifier
            .unblock_after_identity_check(&id, "  ", &agent)
            .await;
        assert!(matches!(refused, Err(VerifierError::InvalidInput(_))));
        assert_eq!(verifier.status(&id).await.unwrap().state, State::Blocked);
        verifier
            .unblock_after_identity_check(&id, "document number and code word", &agent)
            .await
            .unwrap();
        assert_eq!(verifier.status(&id).await.unwrap().state, State::Issued);
        let events = verifier
            .audit_filtered(&AuditFilter {
                credential: Some(id.clone()),
                actor: Some("anna".into()),
                limit: 10,
                ..AuditFilter::default()
            })
            .await
            .unwrap();
        let actions: Vec<_> = events.iter().map(|e| e.action.as_str()).collect();
        assert_eq!(actions, ["unblocked", "identity_checked", "blocked"]);
        assert_eq!(events[1].detail, "document number and code word");
        assert!(events.iter().all(|e| e.actor == "console:anna"));
        let only_blocks = verifier
            .audit_filtered(&AuditFilter {
                action: Some("blocked".into()),
                limit: 10,
                ..AuditFilter::default()
            })
            .await
            .unwrap();
        assert_eq!(only_blocks.len(), 1);
        let wildcard = verifier
            .audit_filtered(&AuditFilter {
                actor: Some("%".into()),
                limit: 10,
                ..AuditFilter::default()
            })
            .await
            .unwrap();
        assert!(wildcard.is_empty(), "LIKE wildcards are taken literally");
        let later = verifier
            .audit_filtered(&AuditFilter {
                from: Some(std::time::SystemTime::now() + Duration::from_secs(3600)),
                limit: 10,
                ..AuditFilter::default()
            })
            .await
            .unwrap();
        assert!(later.is_empty());
        let unknown = CredentialId::new("nobody").unwrap();
        assert!(matches!(
            verifier
                .unblock_after_identity_check(&unknown, "passport", &agent)
                .await,
            Err(VerifierError::UnknownCredential)
        ));
    }
);
