//! Master-key rotation with several verifier processes on one database: the
//! fingerprint stored in the database is authoritative, so a process still
//! holding the retired key fails closed instead of sealing seeds nobody can
//! open. Run identically on SQLite and PostgreSQL.

mod common;

use common::{TestDb, respond, wrong};
use mobipass_verifier::{Actor, Config, CredentialId, MasterKey, Outcome, State, VerifierError};

fn id(text: &str) -> CredentialId {
    CredentialId::new(text).unwrap()
}

fn operator() -> Actor {
    Actor::new("operator.anna").unwrap()
}

fn assert_rotated_elsewhere<T: std::fmt::Debug>(result: Result<T, VerifierError>) {
    match result {
        Err(error @ VerifierError::MasterKey(_)) => assert!(
            error
                .to_string()
                .contains("the master key was rotated; restart with the new key"),
            "{error}"
        ),
        other => panic!("expected the rotated-elsewhere error, got {other:?}"),
    }
}

both_stores!(
    node_with_the_retired_key_fails_closed_and_writes_nothing,
    |db: TestDb| async move {
        let old = MasterKey::generate();
        let rotating = db.open(old.clone(), Config::default()).await;
        let stale = db.open(old, Config::default()).await;
        let alice = id("alice");
        let key = rotating
            .issue_envelope_only(&alice, &operator())
            .await
            .unwrap();
        let challenge = rotating.challenge(&alice, None).await.unwrap();
        let right = respond(&key, &challenge);

        let new = MasterKey::generate();
        assert_eq!(rotating.rotate_master_key(new).await.unwrap(), 1);
        let audit_before = stale.audit(None, 1000).await.unwrap().len();

        // Sealing under the retired key would write a seed nobody can open.
        let bob = id("bob");
        assert_rotated_elsewhere(stale.issue_envelope_only(&bob, &operator()).await);
        assert!(matches!(
            stale.status(&bob).await,
            Err(VerifierError::UnknownCredential)
        ));
        assert_rotated_elsewhere(stale.reissue(&alice, &operator()).await);
        // Neither a wrong nor a right response is judged, and nothing counts.
        assert_rotated_elsewhere(
            common::outcome(&stale, &alice, &challenge.id, &wrong(&right)).await,
        );
        assert_rotated_elsewhere(common::outcome(&stale, &alice, &challenge.id, &right).await);
        let status = stale.status(&alice).await.unwrap();
        assert_eq!(
            (status.state, status.failures, status.key_version),
            (State::Issued, 0, 1)
        );
        assert_eq!(stale.audit(None, 1000).await.unwrap().len(), audit_before);
        // A second rotation from the stale node is refused too.
        assert_rotated_elsewhere(stale.rotate_master_key(MasterKey::generate()).await);

        // The node with the new key still works, with the old envelope.
        assert_eq!(
            common::outcome(&rotating, &alice, &challenge.id, &right)
                .await
                .unwrap(),
            Outcome::Accepted
        );
    }
);

both_stores!(
    issues_racing_a_rotation_are_either_rewrapped_or_refused,
    |db: TestDb| async move {
        let old = MasterKey::generate();
        let rotating = db.open(old.clone(), Config::default()).await;
        let other = db.open(old, Config::default()).await;
        let mut tasks = Vec::new();
        for n in 0..40 {
            let other = other.clone();
            tasks.push(tokio::spawn(async move {
                let cid = id(&format!("c{n}"));
                let result = other.issue_envelope_only(&cid, &operator()).await;
                (cid, result)
            }));
        }
        let rotated = rotating
            .rotate_master_key(MasterKey::generate())
            .await
            .unwrap();
        let mut issued = 0;
        for task in tasks {
            let (cid, result) = task.await.unwrap();
            match result {
                Ok(key) => {
                    issued += 1;
                    // Its seed opens under the new key: the rotation saw it.
                    let challenge = rotating.challenge(&cid, None).await.unwrap();
                    assert_eq!(
                        common::outcome(&rotating, &cid, &challenge.id, &respond(&key, &challenge))
                            .await
                            .unwrap(),
                        Outcome::Accepted
                    );
                }
                Err(error) => {
                    assert_rotated_elsewhere::<()>(Err(error));
                    assert!(matches!(
                        rotating.status(&cid).await,
                        Err(VerifierError::UnknownCredential)
                    ));
                }
            }
        }
        assert_eq!(rotated, issued);
    }
);
