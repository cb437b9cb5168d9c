//! Signing sessions, identically on SQLite and PostgreSQL: the link is
//! exchanged once, the verdicts of the one verify path become the
//! session's state in the same transaction, a malformed value is never
//! counted, and no secret reaches the audit log.

mod common;

use std::time::Duration;

use common::{TestDb, respond, wrong_nth};
use mobipass_scheme::{Amount, Envelope, Payee};
use mobipass_verifier::{
    Actor, ChallengeId, CredentialId, IssuedChallenge, Outcome, SessionState, SigningOutcome,
    SigningRequest, SigningSecret, SigningSession, Verifier, VerifierError,
};

fn operator() -> Actor {
    Actor::new("operator.anna").unwrap()
}

fn page() -> Actor {
    Actor::new("signing-page").unwrap()
}

fn request(id: &CredentialId, linked: bool) -> SigningRequest {
    SigningRequest {
        credential: id.clone(),
        description: "Transfer to Electronic Store".into(),
        requester: "Demo Bank".into(),
        return_url: "http://127.0.0.1:8441/signed".into(),
        linked: linked.then(|| {
            (
                Amount::from_minor(1250).unwrap(),
                Payee::parse("KZ12 3456 7890 1234").unwrap(),
            )
        }),
    }
}

/// What the payer's MobiPass answers for the code the page shows.
fn answer(key: &Envelope, session: &SigningSession) -> String {
    let challenge = IssuedChallenge {
        id: ChallengeId::generate(),
        code: session.document_code.clone(),
        amount_minor: session.amount_minor,
        payee: session.payee.clone(),
        expires_at: session.expires_at,
    };
    respond(key, &challenge)
}

/// An envelope-only credential `alice` and an opened session for it.
async fn opened(
    verifier: &Verifier,
    linked: bool,
) -> (Envelope, SigningSession, SigningSecret, SigningSecret) {
    let alice = CredentialId::new("alice").unwrap();
    let key = verifier
        .issue_envelope_only(&alice, &operator())
        .await
        .unwrap();
    let issued = verifier
        .create_signing_session(&request(&alice, linked), &Actor::new("api:bank").unwrap())
        .await
        .unwrap();
    assert_eq!(issued.linked, linked);
    let (id, browser) = verifier
        .open_signing_link(&issued.token)
        .await
        .unwrap()
        .expect("a fresh link opens");
    assert_eq!(id, issued.id);
    let session = verifier
        .signing_session_for(&id, &browser)
        .await
        .unwrap()
        .unwrap();
    (key, session, issued.token, browser)
}

async fn sign(
    verifier: &Verifier,
    session: &SigningSession,
    browser: &SigningSecret,
    value: &str,
) -> Result<Option<SigningOutcome>, VerifierError> {
    verifier
        .sign_in_session(&session.id, browser, value, &page())
        .await
}

/// The outcome of a judged value.
fn judged(result: Result<Option<SigningOutcome>, VerifierError>) -> Option<Outcome> {
    result.unwrap().and_then(|outcome| outcome.outcome())
}

async fn state(verifier: &Verifier, session: &SigningSession) -> SigningSession {
    verifier
        .signing_session(&session.id)
        .await
        .unwrap()
        .unwrap()
}

both_stores!(
    a_plain_session_takes_a_wrong_then_the_right_value,
    |db: TestDb| async move {
        let (verifier, _clock) = db.open_with_manual_clock().await;
        let (key, session, token, browser) = opened(&verifier, false).await;
        assert_eq!(session.state, SessionState::Pending);
        assert_eq!(session.attempts_left, Some(3));
        assert_eq!(session.description, "Transfer to Electronic Store");
        assert_eq!(session.requester, "Demo Bank");
        assert!(!session.linked());
        assert_eq!(session.document_code.len(), 6);
        let right = answer(&key, &session);

        let wrong = sign(&verifier, &session, &browser, &wrong_nth(&right, 0)).await;
        assert_eq!(
            judged(wrong),
            Some(Outcome::Rejected {
                attempts_left: 2,
                final_attempt: false
            })
        );
        let now = state(&verifier, &session).await;
        assert_eq!(
            (now.state, now.attempts_left),
            (SessionState::Pending, Some(2))
        );

        let accepted = sign(&verifier, &session, &browser, &right).await;
        assert_eq!(judged(accepted), Some(Outcome::Accepted));
        let done = state(&verifier, &session).await;
        assert_eq!(done.state, SessionState::Accepted);
        assert_eq!(done.attempts_left, None);
        assert!(done.completed_at.is_some());
        // Final: the same value again judges nothing.
        let again = sign(&verifier, &session, &browser, &right).await.unwrap();
        assert_eq!(again, Some(SigningOutcome::Final(SessionState::Accepted)));

        // No secret in the audit log: neither the token nor the browser key.
        let audit = verifier.audit(None, 100).await.unwrap();
        let actions: Vec<_> = audit
            .iter()
            .filter(|e| e.action == "signing_session")
            .map(|e| e.detail.clone())
            .collect();
        let id = session.id.to_string();
        assert_eq!(
            actions,
            [
                format!("session {id}: accepted"),
                format!("session {id}: link opened"),
                format!("session {id}: created"),
            ]
        );
        for event in &audit {
            assert!(!event.detail.contains(token.as_str()));
            assert!(!event.detail.contains(browser.as_str()));
            assert!(!event.detail.contains(&right));
        }
    }
);

both_stores!(
    a_link_opens_once_and_only_its_browser_key_reaches_the_session,
    |db: TestDb| async move {
        let (verifier, _clock) = db.open_with_manual_clock().await;
        let (key, session, token, browser) = opened(&verifier, false).await;
        assert!(verifier.open_signing_link(&token).await.unwrap().is_none());
        let unknown = SigningSecret::parse(&"ab".repeat(32)).unwrap();
        assert!(
            verifier
                .open_signing_link(&unknown)
                .await
                .unwrap()
                .is_none()
        );
        // Another browser's key (the unknown one) sees and signs nothing.
        assert!(
            verifier
                .signing_session_for(&session.id, &unknown)
                .await
                .unwrap()
                .is_none()
        );
        let right = answer(&key, &session);
        assert_eq!(
            sign(&verifier, &session, &unknown, &right).await.unwrap(),
            None
        );
        assert_eq!(
            state(&verifier, &session).await.state,
            SessionState::Pending
        );
        // The token is not a browser key either.
        assert_eq!(
            sign(&verifier, &session, &token, &right).await.unwrap(),
            None
        );
        assert!(
            sign(&verifier, &session, &browser, &right)
                .await
                .unwrap()
                .is_some()
        );
    }
);

both_stores!(
    a_malformed_value_is_refused_and_never_counted,
    |db: TestDb| async move {
        let (verifier, _clock) = db.open_with_manual_clock().await;
        let (_key, session, _token, browser) = opened(&verifier, false).await;
        for bad in ["", "1234567", "123456789", "1234567a", "12-34-56-78"] {
            let refused = sign(&verifier, &session, &browser, bad).await;
            assert!(
                matches!(refused, Err(VerifierError::InvalidInput(_))),
                "{bad:?} was not refused"
            );
        }
        let now = state(&verifier, &session).await;
        assert_eq!(
            (now.state, now.attempts_left),
            (SessionState::Pending, Some(3))
        );
        let alice = CredentialId::new("alice").unwrap();
        assert_eq!(verifier.status(&alice).await.unwrap().failures, 0);
    }
);

both_stores!(
    a_linked_session_shows_and_signs_amount_and_payee,
    |db: TestDb| async move {
        let (verifier, _clock) = db.open_with_manual_clock().await;
        let (key, session, _token, browser) = opened(&verifier, true).await;
        assert!(session.linked());
        assert_eq!(session.amount_minor, Some(1250));
        assert_eq!(session.payee.as_deref(), Some("78901234"));
        let right = answer(&key, &session);
        let accepted = sign(&verifier, &session, &browser, &right).await;
        assert_eq!(judged(accepted), Some(Outcome::Accepted));
        assert_eq!(
            state(&verifier, &session).await.state,
            SessionState::Accepted
        );
    }
);

both_stores!(
    three_wrong_values_block_the_session_for_good,
    |db: TestDb| async move {
        let (verifier, _clock) = db.open_with_manual_clock().await;
        let (key, session, _token, browser) = opened(&verifier, false).await;
        let right = answer(&key, &session);
        for n in 0..2 {
            let outcome = sign(&verifier, &session, &browser, &wrong_nth(&right, n)).await;
            assert!(matches!(judged(outcome), Some(Outcome::Rejected { .. })));
        }
        let third = sign(&verifier, &session, &browser, &wrong_nth(&right, 2)).await;
        let third = third.unwrap().unwrap();
        assert_eq!(third.outcome(), Some(Outcome::Blocked));
        assert!(matches!(third, SigningOutcome::Judged(v) if v.blocked_now));
        let blocked = state(&verifier, &session).await;
        assert_eq!(blocked.state, SessionState::Blocked);
        assert!(blocked.completed_at.is_some());
        // Even the right value now judges nothing, and an unblock does not
        // reopen the session.
        let alice = CredentialId::new("alice").unwrap();
        verifier.unblock(&alice, &operator()).await.unwrap();
        let after = sign(&verifier, &session, &browser, &right).await.unwrap();
        assert_eq!(after, Some(SigningOutcome::Final(SessionState::Blocked)));
        assert_eq!(verifier.status(&alice).await.unwrap().failures, 0);
    }
);

both_stores!(
    a_session_expires_with_its_challenge_and_is_purged_with_it,
    |db: TestDb| async move {
        let (verifier, clock) = db.open_with_manual_clock().await;
        let (key, session, _token, browser) = opened(&verifier, false).await;
        clock.advance(verifier.config().challenge_ttl + Duration::from_secs(1));
        let expired = state(&verifier, &session).await;
        assert_eq!(expired.state, SessionState::Expired);
        assert_eq!(expired.completed_at, Some(expired.expires_at));
        assert_eq!(expired.attempts_left, None);
        let right = answer(&key, &session);
        let late = sign(&verifier, &session, &browser, &right).await;
        assert_eq!(judged(late), Some(Outcome::Expired));
        let recorded = sign(&verifier, &session, &browser, &right).await.unwrap();
        assert_eq!(recorded, Some(SigningOutcome::Final(SessionState::Expired)));

        clock.advance(Duration::from_secs(2 * 3600));
        let purged = verifier
            .purge_challenges(Duration::from_secs(3600), &operator())
            .await
            .unwrap();
        assert_eq!(purged, 1);
        assert!(
            verifier
                .signing_session(&session.id)
                .await
                .unwrap()
                .is_none()
        );
    }
);

both_stores!(
    a_session_is_refused_as_a_challenge_would_be,
    |db: TestDb| async move {
        let (verifier, _clock) = db.open_with_manual_clock().await;
        let bob = CredentialId::new("bob").unwrap();
        let actor = Actor::new("api:bank").unwrap();
        let unknown = verifier
            .create_signing_session(&request(&bob, false), &actor)
            .await;
        assert!(matches!(unknown, Err(VerifierError::UnknownCredential)));
        verifier.issue(&bob, &operator()).await.unwrap();
        let not_activated = verifier
            .create_signing_session(&request(&bob, false), &actor)
            .await;
        assert!(matches!(
            not_activated,
            Err(VerifierError::ActivationCodeNeeded)
        ));
        let carol = CredentialId::new("carol").unwrap();
        verifier
            .issue_envelope_only(&carol, &operator())
            .await
            .unwrap();
        verifier
            .block(&carol, "lost laptop", &operator())
            .await
            .unwrap();
        let blocked = verifier
            .create_signing_session(&request(&carol, false), &actor)
            .await;
        assert!(matches!(blocked, Err(VerifierError::Blocked)));
        verifier.unblock(&carol, &operator()).await.unwrap();
        for bad in [
            SigningRequest {
                description: " ".into(),
                ..request(&carol, false)
            },
            SigningRequest {
                requester: "two\nlines".into(),
                ..request(&carol, false)
            },
            SigningRequest {
                description: "x".repeat(201),
                ..request(&carol, false)
            },
            SigningRequest {
                description: "\u{200B}".into(),
                ..request(&carol, false)
            },
            SigningRequest {
                requester: "Bank \u{202E}evil".into(),
                ..request(&carol, false)
            },
            SigningRequest {
                return_url: String::new(),
                ..request(&carol, false)
            },
        ] {
            let refused = verifier.create_signing_session(&bad, &actor).await;
            assert!(matches!(refused, Err(VerifierError::InvalidInput(_))));
        }
        // Nothing refused left a challenge or session behind.
        let sessions = verifier
            .audit(None, 100)
            .await
            .unwrap()
            .into_iter()
            .filter(|e| e.action == "signing_session" || e.action == "challenge")
            .count();
        assert_eq!(sessions, 0);
    }
);

both_stores!(
    concurrent_openings_of_one_link_give_it_to_one_browser,
    |db: TestDb| async move {
        let (verifier, _clock) = db.open_with_manual_clock().await;
        let alice = CredentialId::new("alice").unwrap();
        verifier
            .issue_envelope_only(&alice, &operator())
            .await
            .unwrap();
        let issued = verifier
            .create_signing_session(&request(&alice, false), &Actor::new("api:bank").unwrap())
            .await
            .unwrap();
        let token = std::sync::Arc::new(SigningSecret::parse(issued.token.as_str()).unwrap());
        let mut tasks = Vec::new();
        for _ in 0..16 {
            let verifier = verifier.clone();
            let token = token.clone();
            tasks.push(tokio::spawn(async move {
                verifier.open_signing_link(&token).await.unwrap()
            }));
        }
        let mut opened = 0;
        for task in tasks {
            opened += usize::from(task.await.unwrap().is_some());
        }
        assert_eq!(opened, 1);
    }
);

both_stores!(
    concurrent_right_values_are_accepted_once,
    |db: TestDb| async move {
        let (verifier, _clock) = db.open_with_manual_clock().await;
        let (key, session, _token, browser) = opened(&verifier, false).await;
        let right = answer(&key, &session);
        let browser = std::sync::Arc::new(browser);
        let mut tasks = Vec::new();
        for _ in 0..8 {
            let verifier = verifier.clone();
            let browser = browser.clone();
            let right = right.clone();
            let id = session.id;
            tasks.push(tokio::spawn(async move {
                verifier
                    .sign_in_session(&id, &browser, &right, &page())
                    .await
                    .unwrap()
                    .unwrap()
            }));
        }
        let mut accepted = 0;
        for task in tasks {
            let outcome = task.await.unwrap();
            if outcome.outcome() == Some(Outcome::Accepted) {
                accepted += 1;
            } else {
                // The others judged nothing: already final, or already used.
                assert!(matches!(
                    outcome,
                    SigningOutcome::Final(SessionState::Accepted)
                        | SigningOutcome::Judged(mobipass_verifier::Verified {
                            outcome: Outcome::AlreadyUsed,
                            ..
                        })
                ));
            }
        }
        assert_eq!(accepted, 1);
        assert_eq!(
            state(&verifier, &session).await.state,
            SessionState::Accepted
        );
    }
);
