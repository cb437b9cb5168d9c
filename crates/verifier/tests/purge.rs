//! Purging long-expired challenges, identically on SQLite and PostgreSQL:
//! only what expired before the retention goes, a purged challenge can never
//! be answered, and a backlog larger than one chunk goes entirely.

mod common;

use std::time::Duration;

use common::{TestDb, respond, wrong};
use mobipass_verifier::{Actor, CredentialId, Outcome, VerifierError};

const DAY: Duration = Duration::from_secs(24 * 3600);

fn operator() -> Actor {
    Actor::new("operator.anna").unwrap()
}

both_stores!(
    purge_takes_only_challenges_expired_before_the_retention,
    |db: TestDb| async move {
        let (verifier, clock) = db.open_with_manual_clock().await;
        let alice = CredentialId::new("alice").unwrap();
        let key = verifier
            .issue_envelope_only(&alice, &operator())
            .await
            .unwrap();

        let never_answered = verifier.challenge(&alice, None).await.unwrap();
        let answered = verifier.challenge(&alice, None).await.unwrap();
        let answer = respond(&key, &answered);
        let outcome = common::outcome(&verifier, &alice, &answered.id, &answer).await;
        assert_eq!(outcome.unwrap(), Outcome::Accepted);
        clock.advance(8 * DAY);
        let recently_expired = verifier.challenge(&alice, None).await.unwrap();
        clock.advance(2 * DAY);
        let open = verifier.challenge(&alice, None).await.unwrap();

        let too_short = Duration::from_secs(59 * 60);
        let refused = verifier.purge_challenges(too_short, &operator()).await;
        assert!(matches!(refused, Err(VerifierError::InvalidInput(_))));
        let purged = verifier.purge_challenges(7 * DAY, &operator()).await;
        assert_eq!(purged.unwrap(), 2);

        // Purged: unknown now, and refused whatever is sent, right or wrong.
        for (challenge, right) in [
            (&never_answered, respond(&key, &never_answered)),
            (&answered, answer),
        ] {
            for response in [wrong(&right), right] {
                let outcome = common::outcome(&verifier, &alice, &challenge.id, &response).await;
                assert_eq!(outcome.unwrap(), Outcome::UnknownChallenge);
            }
        }
        // Probing purged ids, even with wrong responses, costs the customer
        // nothing.
        assert_eq!(verifier.status(&alice).await.unwrap().failures, 0);
        // Kept: expired, but not long enough ago.
        let right = respond(&key, &recently_expired);
        let outcome = common::outcome(&verifier, &alice, &recently_expired.id, &right).await;
        assert_eq!(outcome.unwrap(), Outcome::Expired);
        // Kept: still open, and answerable.
        let right = respond(&key, &open);
        let outcome = common::outcome(&verifier, &alice, &open.id, &wrong(&right)).await;
        assert_eq!(
            outcome.unwrap(),
            Outcome::Rejected {
                attempts_left: 2,
                final_attempt: false
            }
        );
        let outcome = common::outcome(&verifier, &alice, &open.id, &right).await;
        assert_eq!(outcome.unwrap(), Outcome::Accepted);

        let audit = verifier.audit(None, 100).await.unwrap();
        let purges: Vec<_> = audit
            .iter()
            .filter(|event| event.action == "purge_challenges")
            .collect();
        assert_eq!(purges.len(), 1, "{audit:?}");
        assert!(purges[0].detail.starts_with("2 challenges"), "{purges:?}");
        assert_eq!(purges[0].actor, "operator.anna");

        let again = verifier.purge_challenges(7 * DAY, &operator()).await;
        assert_eq!(again.unwrap(), 0, "nothing left to purge");
        let audit = verifier.audit(None, 100).await.unwrap();
        let purges = audit
            .iter()
            .filter(|event| event.action == "purge_challenges")
            .count();
        assert_eq!(purges, 1, "an empty purge writes no audit row");
    }
);

both_stores!(
    a_backlog_larger_than_one_chunk_is_purged_entirely,
    |db: TestDb| async move {
        // More than the 2,000 rows one purge transaction takes.
        const CREDENTIALS: usize = 9;
        const PER_CREDENTIAL: usize = 250;
        let (verifier, clock) = db.open_with_manual_clock().await;
        let mut tasks = Vec::new();
        for n in 0..CREDENTIALS {
            let verifier = verifier.clone();
            tasks.push(tokio::spawn(async move {
                let id = CredentialId::new(format!("c{n}")).unwrap();
                verifier
                    .issue_envelope_only(&id, &operator())
                    .await
                    .unwrap();
                for _ in 0..PER_CREDENTIAL {
                    verifier.challenge(&id, None).await.unwrap();
                }
            }));
        }
        for task in tasks {
            task.await.unwrap();
        }
        clock.advance(2 * DAY);
        let purged = verifier.purge_challenges(DAY, &operator()).await;
        assert_eq!(purged.unwrap(), (CREDENTIALS * PER_CREDENTIAL) as u64);
        let again = verifier.purge_challenges(DAY, &operator()).await;
        assert_eq!(again.unwrap(), 0);
        let audit = verifier.audit(None, 1000).await.unwrap();
        let chunks = audit
            .iter()
            .filter(|event| event.action == "purge_challenges")
            .count();
        assert_eq!(chunks, 2, "2,250 rows in chunks of 2,000");
    }
);
