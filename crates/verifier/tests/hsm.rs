//! The master key in a PKCS#11 token, against SoftHSM2 (the `softhsm2`
//! package; `.ci/setup.d/40-softhsm.sh` makes the tokens and exports
//! `MOBIPASS_TEST_PKCS11_*` and `SOFTHSM2_CONF`). Every test makes its own
//! key object with a random label, so tests in parallel never share a key.

mod common;

use common::{Backend, TestDb, respond, wrong_nth};
use mobipass_verifier::pkcs11::{HsmConfig, HsmKey};
use mobipass_verifier::{
    Actor, Config, CredentialId, HsmProblem, MasterKey, Outcome, SealingKey, State, Verifier,
    VerifierError,
};

const NEEDS: &str = "MOBIPASS_TEST_PKCS11_MODULE is unset: source .ci/setup.d/40-softhsm.sh";

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| panic!("{name}: {NEEDS}"))
}

fn label(what: &str) -> String {
    let mut bytes = [0u8; 6];
    getrandom::fill(&mut bytes).unwrap();
    format!("{what}-{}", hex::encode(bytes))
}

fn config_for(token: &str, object: &str, pin: &str) -> HsmConfig {
    HsmConfig {
        module: env("MOBIPASS_TEST_PKCS11_MODULE").into(),
        uri: format!("pkcs11:token={token};object={object}")
            .parse()
            .unwrap(),
        pin: pin.to_owned().into(),
        sessions: 4,
    }
}

fn config(object: &str) -> HsmConfig {
    config_for(
        &env("MOBIPASS_TEST_PKCS11_TOKEN"),
        object,
        &env("MOBIPASS_TEST_PKCS11_PIN"),
    )
}

/// A new key object in the test token.
fn new_hsm_key(what: &str) -> HsmKey {
    HsmKey::create(&config(&label(what))).expect("create the key in SoftHSM2")
}

fn id(text: &str) -> CredentialId {
    CredentialId::new(text).unwrap()
}

fn operator() -> Actor {
    Actor::new("operator.hsm").unwrap()
}

async fn open(db: &TestDb, key: impl Into<SealingKey>) -> Result<Verifier, VerifierError> {
    Verifier::open(&db.url, key, Config::default()).await
}

/// Runs a test body on SQLite and on PostgreSQL, both with SoftHSM2.
macro_rules! both_stores_with_hsm {
    ($name:ident, $body:expr) => {
        mod $name {
            use super::*;

            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            #[ignore = "needs SoftHSM2: source .ci/setup.d/40-softhsm.sh"]
            async fn sqlite() {
                ($body)(TestDb::new(Backend::Sqlite).await).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            #[ignore = "needs SoftHSM2 and PostgreSQL: source .ci/setup.d/40-softhsm.sh, set MOBIPASS_TEST_PG_URL"]
            async fn postgres() {
                ($body)(TestDb::new(Backend::Postgres).await).await;
            }
        }
    };
}

/// Accepts the right response to a fresh challenge.
async fn assert_verifies(verifier: &Verifier, who: &CredentialId, key: &impl common::Signs) {
    let challenge = verifier.challenge(who, None).await.unwrap();
    let right = respond(key, &challenge);
    assert_eq!(
        common::outcome(verifier, who, &challenge.id, &right)
            .await
            .unwrap(),
        Outcome::Accepted
    );
}

#[test]
#[ignore = "needs SoftHSM2: source .ci/setup.d/40-softhsm.sh"]
fn generated_key_is_sensitive_not_extractable_and_never_overwritten() {
    let object = label("attributes");
    let key = HsmKey::create(&config(&object)).unwrap();
    let attributes = key.attributes().unwrap();
    assert!(attributes.sensitive, "{attributes:?}");
    assert!(!attributes.extractable, "{attributes:?}");
    assert!(attributes.always_sensitive, "{attributes:?}");
    assert!(attributes.never_extractable, "{attributes:?}");
    assert!(attributes.token && attributes.private, "{attributes:?}");
    assert_eq!(attributes.value_len, 32);
    match HsmKey::create(&config(&object)) {
        Err(VerifierError::Hsm {
            problem: HsmProblem::Object,
            message,
        }) => assert!(message.contains("never overwritten"), "{message}"),
        other => panic!("expected a refusal, got {other:?}"),
    }
    // Loading it again gives the same fingerprint: it is the token's key.
    let again = SealingKey::from(HsmKey::open(&config(&object)).unwrap());
    assert_eq!(again.fingerprint(), SealingKey::from(key).fingerprint());
    assert_eq!(again.fingerprint().len(), 16);
    assert_eq!(again.kind(), "pkcs11");
}

#[test]
#[ignore = "needs SoftHSM2: source .ci/setup.d/40-softhsm.sh"]
fn wrong_pin_missing_token_missing_object_and_bad_module_are_told_apart() {
    let pin_token = env("MOBIPASS_TEST_PKCS11_PIN_TOKEN");
    let problem = |result: Result<HsmKey, VerifierError>| match result {
        Err(VerifierError::Hsm { problem, message }) => {
            assert!(!message.contains("999999"), "{message}");
            problem
        }
        other => panic!("expected an HSM error, got {other:?}"),
    };
    let wrong_pin = config_for(&pin_token, "k", "999999");
    assert_eq!(problem(HsmKey::open(&wrong_pin)), HsmProblem::Pin);
    let no_token = config_for("no-such-token", "k", "123456");
    assert_eq!(problem(HsmKey::open(&no_token)), HsmProblem::Token);
    assert_eq!(
        problem(HsmKey::open(&config(&label("missing")))),
        HsmProblem::Object
    );
    let mut bad_module = config("k");
    bad_module.module = "/nonexistent/libpkcs11.so".into();
    assert_eq!(problem(HsmKey::open(&bad_module)), HsmProblem::Module);
    let mut not_a_module = config("k");
    not_a_module.module = std::env::current_exe().unwrap();
    assert_eq!(problem(HsmKey::open(&not_a_module)), HsmProblem::Module);
}

both_stores_with_hsm!(
    whole_lifecycle_runs_over_the_hsm_key,
    |db: TestDb| async move {
        let verifier = open(&db, new_hsm_key("lifecycle")).await.unwrap();
        // Two-channel: envelope, activation code, challenge, right answer.
        let alice = id("alice");
        let envelope = verifier.issue(&alice, &operator()).await.unwrap();
        let code = verifier.activation_code(&alice, &operator()).await.unwrap();
        let s2 = envelope.activated(Some(&code.code)).unwrap();
        assert_verifies(&verifier, &alice, &s2).await;
        // Wrong responses count and block at the limit (3).
        let challenge = verifier.challenge(&alice, None).await.unwrap();
        let right = respond(&s2, &challenge);
        for n in 0..2 {
            let outcome = common::outcome(&verifier, &alice, &challenge.id, &wrong_nth(&right, n))
                .await
                .unwrap();
            assert!(matches!(outcome, Outcome::Rejected { .. }), "{outcome:?}");
        }
        assert_eq!(
            common::outcome(&verifier, &alice, &challenge.id, &wrong_nth(&right, 2))
                .await
                .unwrap(),
            Outcome::Blocked
        );
        assert_eq!(verifier.status(&alice).await.unwrap().state, State::Blocked);
        // Reissue: a new envelope-only key... no, the kind is kept: a new
        // envelope and a new code, and verification again.
        verifier.unblock(&alice, &operator()).await.unwrap();
        let envelope = verifier.reissue(&alice, &operator()).await.unwrap();
        let code = verifier.activation_code(&alice, &operator()).await.unwrap();
        assert_verifies(
            &verifier,
            &alice,
            &envelope.activated(Some(&code.code)).unwrap(),
        )
        .await;
        // Envelope-only credentials too.
        let bob = id("bob");
        let key = verifier
            .issue_envelope_only(&bob, &operator())
            .await
            .unwrap();
        assert_verifies(&verifier, &bob, &key).await;
    }
);

both_stores_with_hsm!(
    rotation_goes_file_to_hsm_to_hsm_to_file_and_verification_continues,
    |db: TestDb| async move {
        let file = MasterKey::generate();
        let verifier = open(&db, file.clone()).await.unwrap();
        let alice = id("alice");
        let alice_key = verifier
            .issue_envelope_only(&alice, &operator())
            .await
            .unwrap();
        let bob = id("bob");
        let envelope = verifier.issue(&bob, &operator()).await.unwrap();
        let code = verifier.activation_code(&bob, &operator()).await.unwrap();
        let bob_key = envelope.activated(Some(&code.code)).unwrap();
        // Carol has no K yet (two-channel, no code): only S is sealed.
        let carol = id("carol");
        let carol_envelope = verifier.issue(&carol, &operator()).await.unwrap();

        let first = new_hsm_key("rotate-a");
        assert_eq!(verifier.rotate_master_key(first.clone()).await.unwrap(), 3);
        assert_verifies(&verifier, &alice, &alice_key).await;
        assert_verifies(&verifier, &bob, &bob_key).await;
        // The retired file key opens nothing now; the HSM key does.
        assert!(matches!(
            open(&db, file.clone()).await,
            Err(VerifierError::MasterKey(_))
        ));
        let reopened = open(&db, first.clone()).await.unwrap();
        assert_verifies(&reopened, &alice, &alice_key).await;
        drop(reopened);

        let second = new_hsm_key("rotate-b");
        assert_eq!(verifier.rotate_master_key(second.clone()).await.unwrap(), 3);
        assert_verifies(&verifier, &bob, &bob_key).await;
        assert!(open(&db, first).await.is_err());

        let back = MasterKey::generate();
        assert_eq!(verifier.rotate_master_key(back.clone()).await.unwrap(), 3);
        assert_verifies(&verifier, &alice, &alice_key).await;
        assert!(open(&db, second).await.is_err());
        let reopened = open(&db, back).await.unwrap();
        assert_verifies(&reopened, &bob, &bob_key).await;
        // Carol's S went through every rotation: a code still activates her.
        let code = reopened.activation_code(&carol, &operator()).await.unwrap();
        assert_verifies(
            &reopened,
            &carol,
            &carol_envelope.activated(Some(&code.code)).unwrap(),
        )
        .await;
    }
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs SoftHSM2: source .ci/setup.d/40-softhsm.sh"]
async fn the_database_and_the_hosts_files_open_nothing_without_the_hsm() {
    let db = TestDb::new(Backend::Sqlite).await;
    let hsm = new_hsm_key("at-rest");
    let verifier = open(&db, hsm.clone()).await.unwrap();
    let alice = id("alice");
    let key = verifier
        .issue_envelope_only(&alice, &operator())
        .await
        .unwrap();
    drop(verifier);
    // Nothing on this host's disk next to the database is a key: no file
    // key was ever made, and the database holds neither K nor S.
    let dir = db.dir.as_ref().unwrap().path();
    let k = key.activated(None).unwrap().ocra_key();
    let mut scanned = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        // The closing writer may remove its -wal/-shm meanwhile (after
        // checkpointing them into the database file, which is scanned).
        let Ok(bytes) = std::fs::read(entry.unwrap().path()) else {
            continue;
        };
        assert!(!bytes.windows(32).any(|w| w == k.as_bytes()));
        scanned += 1;
    }
    assert!(scanned >= 1, "the database file itself was scanned");
    // Any key but the token's is refused before a seed is touched.
    match open(&db, MasterKey::generate()).await {
        Err(VerifierError::MasterKey(message)) => {
            assert!(message.contains("not the master key"), "{message}")
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    // With the token it opens and verifies.
    let verifier = open(&db, hsm).await.unwrap();
    assert_verifies(&verifier, &alice, &key).await;
}

/// The directory SoftHSM2 keeps the token labelled `token` in.
fn token_dir(token: &str) -> std::path::PathBuf {
    let tokens = std::path::Path::new(&env("MOBIPASS_TEST_SOFTHSM_DIR")).join("tokens");
    std::fs::read_dir(&tokens)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .find(|dir| {
            std::fs::read(dir.join("token.object"))
                .is_ok_and(|bytes| bytes.windows(token.len()).any(|w| w == token.as_bytes()))
        })
        .unwrap_or_else(|| panic!("no SoftHSM2 directory holds token {token}"))
}

/// A session on the process's own SoftHSM2 context (its login state is
/// shared with the verifier's sessions), logged in to `token`, playing the
/// HSM's administrator.
fn admin_session(token: &str, pin: &str) -> cryptoki::session::Session {
    mobipass_verifier::pkcs11::admin_session(
        std::path::Path::new(&env("MOBIPASS_TEST_PKCS11_MODULE")),
        token,
        pin,
    )
    .unwrap()
}

/// Logout, then a PIN change (the HSM stops accepting this node), then
/// back, on one store: Busy while away, nothing counted, then it verifies.
async fn away_and_back(
    db: TestDb,
    token: &str,
    pin: &str,
) -> (Verifier, CredentialId, mobipass_verifier::Envelope, String) {
    use cryptoki::types::AuthPin;
    let object = label("away");
    let hsm = HsmKey::create(&config_for(token, &object, pin)).unwrap();
    let verifier = open(&db, hsm).await.unwrap();
    let alice = id("alice");
    let key = verifier
        .issue_envelope_only(&alice, &operator())
        .await
        .unwrap();
    assert_verifies(&verifier, &alice, &key).await;
    let challenge = verifier.challenge(&alice, None).await.unwrap();
    let right = respond(&key, &challenge);
    let answer = |response: String| {
        let (verifier, alice, challenge) = (&verifier, &alice, &challenge);
        async move { common::outcome(verifier, alice, &challenge.id, &response).await }
    };

    // The HSM logs every session out (a restart, a cluster fail-over): the
    // next call logs in again by itself.
    admin_session(token, pin).logout().unwrap();
    assert!(matches!(
        answer(wrong_nth(&right, 0)).await,
        Ok(Outcome::Rejected { .. })
    ));

    // The HSM stops accepting this verifier (its PIN changed, or it is
    // unreachable): every call is Busy, and no response is judged.
    let admin = admin_session(token, pin);
    let other = AuthPin::from("654321".to_owned());
    admin
        .set_pin(&AuthPin::from(pin.to_owned()), &other)
        .unwrap();
    admin.logout().unwrap();
    for response in [wrong_nth(&right, 1), right.clone()] {
        let result = answer(response).await;
        assert!(matches!(result, Err(VerifierError::Busy(_))), "{result:?}");
    }
    let status = verifier.status(&alice).await.unwrap();
    assert_eq!((status.state, status.failures), (State::Active, 1));

    // It comes back: the same challenge verifies, nothing more was counted.
    let admin = admin_session(token, "654321");
    admin
        .set_pin(&other, &AuthPin::from(pin.to_owned()))
        .unwrap();
    assert_eq!(answer(right.clone()).await.unwrap(), Outcome::Accepted);
    let status = verifier.status(&alice).await.unwrap();
    assert_eq!((status.state, status.failures), (State::Active, 0));
    (verifier, alice, key, object)
}

/// One test for both stores, one after the other: they share the token
/// whose PIN it changes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs SoftHSM2 and PostgreSQL: source .ci/setup.d/40-softhsm.sh, set MOBIPASS_TEST_PG_URL"]
async fn an_hsm_that_goes_away_gives_busy_counts_nothing_and_recovers() {
    let token = env("MOBIPASS_TEST_PKCS11_AWAY_TOKEN");
    let pin = env("MOBIPASS_TEST_PKCS11_PIN");
    away_and_back(TestDb::new(Backend::Postgres).await, &token, &pin).await;
    let (verifier, alice, key, object) =
        away_and_back(TestDb::new(Backend::Sqlite).await, &token, &pin).await;

    // Someone replaces the key object under the same label, and the HSM
    // logs the verifier out: the key found again is not the database's, so
    // nothing is judged (never a wrong verdict, never a seed sealed under
    // the stranger key).
    {
        use cryptoki::mechanism::Mechanism;
        use cryptoki::object::{Attribute, KeyType, ObjectClass};
        let admin = admin_session(&token, &pin);
        let label_attr = Attribute::Label(object.as_bytes().to_vec());
        for old in admin
            .find_objects(std::slice::from_ref(&label_attr))
            .unwrap()
        {
            admin.destroy_object(old).unwrap();
        }
        admin
            .generate_key(
                &Mechanism::AesKeyGen,
                &[
                    Attribute::Class(ObjectClass::SECRET_KEY),
                    Attribute::KeyType(KeyType::AES),
                    Attribute::ValueLen(32u64.into()),
                    Attribute::Token(true),
                    Attribute::Private(true),
                    Attribute::Sensitive(true),
                    Attribute::Extractable(false),
                    Attribute::Encrypt(true),
                    Attribute::Decrypt(true),
                    label_attr,
                ],
            )
            .unwrap();
        admin.logout().unwrap();
    }
    let challenge = verifier.challenge(&alice, None).await.unwrap();
    let right = respond(&key, &challenge);
    let result = common::outcome(&verifier, &alice, &challenge.id, &right).await;
    assert!(matches!(result, Err(VerifierError::Busy(_))), "{result:?}");
    let result = verifier
        .issue_envelope_only(&id("carol"), &operator())
        .await;
    assert!(matches!(result, Err(VerifierError::Busy(_))), "{result:?}");

    // The token's files vanish: Busy again, still nothing counted. (SoftHSM2
    // marks such a token broken for the rest of the process, so this part
    // comes last and checks no recovery.)
    let challenge = verifier.challenge(&alice, None).await.unwrap();
    let right = respond(&key, &challenge);
    let dir = token_dir(&token);
    let away = dir.with_extension("away");
    std::fs::rename(&dir, &away).unwrap();
    for response in [wrong_nth(&right, 0), right.clone()] {
        let result = common::outcome(&verifier, &alice, &challenge.id, &response).await;
        assert!(matches!(result, Err(VerifierError::Busy(_))), "{result:?}");
    }
    std::fs::rename(&away, &dir).unwrap();
    let status = verifier.status(&alice).await.unwrap();
    assert_eq!((status.state, status.failures), (State::Active, 0));
}

#[test]
#[ignore = "needs SoftHSM2: source .ci/setup.d/40-softhsm.sh"]
fn a_key_that_could_leave_the_token_or_is_no_aes_256_key_is_refused() {
    use cryptoki::mechanism::Mechanism;
    use cryptoki::object::{Attribute, KeyType, ObjectClass};
    let token = env("MOBIPASS_TEST_PKCS11_TOKEN");
    let pin = env("MOBIPASS_TEST_PKCS11_PIN");
    let admin = admin_session(&token, &pin);
    let generate = |object: &str, len: u64, sensitive: bool, extractable: bool| {
        admin
            .generate_key(
                &Mechanism::AesKeyGen,
                &[
                    Attribute::Class(ObjectClass::SECRET_KEY),
                    Attribute::KeyType(KeyType::AES),
                    Attribute::ValueLen(len.into()),
                    Attribute::Token(true),
                    Attribute::Private(true),
                    Attribute::Sensitive(sensitive),
                    Attribute::Extractable(extractable),
                    Attribute::Encrypt(true),
                    Attribute::Decrypt(true),
                    Attribute::Label(object.as_bytes().to_vec()),
                ],
            )
            .unwrap();
    };
    let refused = |object: &str, says: &str| match HsmKey::open(&config(object)) {
        Err(VerifierError::Hsm {
            problem: HsmProblem::Object,
            message,
        }) => assert!(message.contains(says), "{message}"),
        other => panic!("expected {object} refused, got {other:?}"),
    };
    let extractable = label("extractable");
    generate(&extractable, 32, true, true);
    refused(&extractable, "could leave the token");
    let readable = label("not-sensitive");
    generate(&readable, 32, false, false);
    refused(&readable, "could leave the token");
    let short = label("aes-128");
    generate(&short, 16, true, false);
    refused(&short, "not an AES-256 key");
    // Two keys with one label: the URI must say which (id=).
    let twice = label("twice");
    generate(&twice, 32, true, false);
    generate(&twice, 32, true, false);
    refused(&twice, "add id=");
}
