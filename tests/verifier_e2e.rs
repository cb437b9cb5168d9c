//! End to end: the customer's MobiPass app (the `mobipass` core, a real vault
//! file with PIN camouflage) against the bank's verifier, on SQLite and on
//! PostgreSQL. Small Argon2 parameters keep it quick; the scheme is the same.

use mobipass::token::Token;
use mobipass_scheme::KdfParams;
use mobipass_verifier::{
    Actor, Amount, Config, CredentialId, Envelope, MasterKey, Outcome, Payee, State, Verifier,
};

const PIN: &str = "4826";
const WRONG_PIN: &str = "4827";
const TEST_KDF: KdfParams = KdfParams {
    memory_kib: 64,
    iterations: 1,
    parallelism: 1,
};

struct Setup {
    verifier: Verifier,
    _dir: tempfile::TempDir,
    vault_dir: std::path::PathBuf,
}

/// A verifier on SQLite or PostgreSQL plus a scratch directory for app vaults.
async fn setup(postgres: bool) -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let url = if postgres {
        // Only the ignored PostgreSQL test gets here: unset is a failure.
        let base = std::env::var("MOBIPASS_TEST_PG_URL")
            .expect("MOBIPASS_TEST_PG_URL is unset: the PostgreSQL test has no database");
        // The temporary directory's random name makes a fresh schema name.
        let suffix: String = dir
            .path()
            .file_name()
            .unwrap()
            .to_string_lossy()
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .collect();
        let schema = format!("e2e_{}", suffix.to_ascii_lowercase());
        let (client, connection) = tokio_postgres::connect(&base, tokio_postgres::NoTls)
            .await
            .unwrap();
        tokio::spawn(connection);
        client
            .batch_execute(&format!("CREATE SCHEMA {schema}"))
            .await
            .unwrap();
        let separator = if base.contains('?') { '&' } else { '?' };
        format!("{base}{separator}options=-csearch_path%3D{schema}")
    } else {
        format!("sqlite://{}", dir.path().join("bank.sqlite3").display())
    };
    let verifier = Verifier::open(&url, MasterKey::generate(), Config::default())
        .await
        .unwrap();
    let vault_dir = dir.path().join("customer");
    std::fs::create_dir_all(&vault_dir).unwrap();
    Setup {
        verifier,
        _dir: dir,
        vault_dir,
    }
}

/// The customer types the envelope's four parts and a PIN into MobiPass.
fn activate_app(setup: &Setup, name: &str, key: &Envelope) -> Token {
    let token = Token::open(setup.vault_dir.join(name))
        .unwrap()
        .without_keystore_for_tests()
        .with_kdf_params_for_tests(TEST_KDF);
    let parts = key.parts();
    let typed: [&str; 4] = std::array::from_fn(|i| parts[i].as_str());
    token.activate(&typed, PIN, PIN).unwrap();
    token
}

fn operator() -> Actor {
    Actor::new("operator").unwrap()
}

async fn full_flow(setup: Setup) {
    let verifier = &setup.verifier;
    let alice = CredentialId::new("alice").unwrap();
    let envelope = verifier
        .issue_envelope_only(&alice, &operator())
        .await
        .unwrap();
    let app = activate_app(&setup, "alice.vault", &envelope);

    // Sign with the right PIN: accepted, credential becomes active.
    let challenge = verifier.challenge(&alice, None).await.unwrap();
    let response = app.sign(PIN, &challenge.code).unwrap();
    assert_eq!(
        verifier
            .verify(&alice, &challenge.id, &response.grouped(), &operator())
            .await
            .unwrap()
            .outcome,
        Outcome::Accepted
    );
    assert_eq!(verifier.status(&alice).await.unwrap().state, State::Active);

    // A wrong PIN gives a normal-looking but wrong response, three times
    // (to three payments: the same wrong response to the same challenge
    // again would count once).
    let mut outcomes = Vec::new();
    let mut challenge = verifier.challenge(&alice, None).await.unwrap();
    for attempt in 0..3 {
        if attempt > 0 {
            challenge = verifier.challenge(&alice, None).await.unwrap();
        }
        let response = app.sign(WRONG_PIN, &challenge.code).unwrap();
        assert_eq!(response.as_str().len(), 8);
        outcomes.push(
            verifier
                .verify(&alice, &challenge.id, response.as_str(), &operator())
                .await
                .unwrap()
                .outcome,
        );
    }
    assert_eq!(
        outcomes,
        [
            Outcome::Rejected {
                attempts_left: 2,
                final_attempt: false
            },
            Outcome::Rejected {
                attempts_left: 1,
                final_attempt: true
            },
            Outcome::Blocked
        ]
    );
    let right = app.sign(PIN, &challenge.code).unwrap();
    assert_eq!(
        verifier
            .verify(&alice, &challenge.id, right.as_str(), &operator())
            .await
            .unwrap()
            .outcome,
        Outcome::Blocked
    );

    // The operator unblocks: the right PIN works again.
    verifier.unblock(&alice, &operator()).await.unwrap();
    assert_eq!(
        verifier
            .verify(&alice, &challenge.id, right.as_str(), &operator())
            .await
            .unwrap()
            .outcome,
        Outcome::Accepted
    );

    // Linked signature: accepted only for the same amount and payee.
    let payee_account = "KZ86 125K ZT50 0410 0100";
    let linked = verifier
        .challenge(
            &alice,
            Some((
                Amount::from_minor(150_000).unwrap(),
                Payee::parse(payee_account).unwrap(),
            )),
        )
        .await
        .unwrap();
    let other_amount = app
        .sign_linked(PIN, &linked.code, 150_001, payee_account)
        .unwrap();
    assert_eq!(
        verifier
            .verify(&alice, &linked.id, other_amount.as_str(), &operator())
            .await
            .unwrap()
            .outcome,
        Outcome::Rejected {
            attempts_left: 2,
            final_attempt: false
        }
    );
    let other_payee = app
        .sign_linked(PIN, &linked.code, 150_000, "KZ86 125K ZT50 0410 0101")
        .unwrap();
    assert_eq!(
        verifier
            .verify(&alice, &linked.id, other_payee.as_str(), &operator())
            .await
            .unwrap()
            .outcome,
        Outcome::Rejected {
            attempts_left: 1,
            final_attempt: true
        }
    );
    let plain = app.sign(PIN, &linked.code).unwrap();
    assert_eq!(
        verifier
            .verify(&alice, &linked.id, plain.as_str(), &operator())
            .await
            .unwrap()
            .outcome,
        Outcome::Blocked
    );
    verifier.unblock(&alice, &operator()).await.unwrap();
    let same = app
        .sign_linked(PIN, &linked.code, 150_000, payee_account)
        .unwrap();
    assert_eq!(
        verifier
            .verify(&alice, &linked.id, same.as_str(), &operator())
            .await
            .unwrap()
            .outcome,
        Outcome::Accepted
    );

    // Reissue: the old app signs wrongly, a newly activated one is accepted.
    let new_envelope = verifier.reissue(&alice, &operator()).await.unwrap();
    let challenge = verifier.challenge(&alice, None).await.unwrap();
    let old = app.sign(PIN, &challenge.code).unwrap();
    assert_eq!(
        verifier
            .verify(&alice, &challenge.id, old.as_str(), &operator())
            .await
            .unwrap()
            .outcome,
        Outcome::Rejected {
            attempts_left: 2,
            final_attempt: false
        }
    );
    app.delete().unwrap();
    let new_app = activate_app(&setup, "alice-new.vault", &new_envelope);
    let new = new_app.sign(PIN, &challenge.code).unwrap();
    assert_eq!(
        verifier
            .verify(&alice, &challenge.id, new.as_str(), &operator())
            .await
            .unwrap()
            .outcome,
        Outcome::Accepted
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn app_and_verifier_full_flow_on_sqlite() {
    full_flow(setup(false).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL: set MOBIPASS_TEST_PG_URL and run with --ignored"]
async fn app_and_verifier_full_flow_on_postgres() {
    full_flow(setup(true).await).await;
}

/// Two-channel (DESIGN.md section 2b): the envelope alone does not activate;
/// with the activation code from the bank the app signs what the verifier
/// accepts, and the first accepted response confirms the activation.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_channel_envelope_and_code_activate_the_app_on_sqlite() {
    let setup = setup(false).await;
    let verifier = &setup.verifier;
    let carol = CredentialId::new("carol").unwrap();
    let envelope = verifier.issue(&carol, &operator()).await.unwrap();
    let token = Token::open(setup.vault_dir.join("carol.vault"))
        .unwrap()
        .without_keystore_for_tests()
        .with_kdf_params_for_tests(TEST_KDF);
    let parts = envelope.parts();
    let typed: [&str; 4] = std::array::from_fn(|i| parts[i].as_str());
    assert!(
        token.activate(&typed, PIN, PIN).is_err(),
        "the envelope alone"
    );
    let issued = verifier.activation_code(&carol, &operator()).await.unwrap();
    token
        .activate_with_code(&typed, Some(&issued.code.grouped()), PIN, PIN)
        .unwrap();
    let challenge = verifier.challenge(&carol, None).await.unwrap();
    let response = token.sign(PIN, &challenge.code).unwrap();
    assert_eq!(
        verifier
            .verify(&carol, &challenge.id, response.as_str(), &operator())
            .await
            .unwrap()
            .outcome,
        Outcome::Accepted
    );
    assert_eq!(verifier.status(&carol).await.unwrap().state, State::Active);
}
