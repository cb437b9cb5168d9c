//! Shared test support: open a fresh verifier on either store, and the
//! customer's side of the scheme (responses computed from the activation key).
#![allow(dead_code)]

use std::sync::Arc;

use mobipass_scheme::{ActivationKey, Challenge, DocumentCode, Envelope, EnvelopeKind, Response};
use mobipass_verifier::{Config, IssuedChallenge, MasterKey, Verifier};

/// Which store a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A fresh, empty database of one backend; removed (SQLite) or left in its
/// own schema (PostgreSQL) when dropped.
pub struct TestDb {
    pub url: String,
    pub backend: Backend,
    pub dir: Option<tempfile::TempDir>,
}

impl TestDb {
    /// A fresh database. PostgreSQL tests are `#[ignore]`d (see
    /// [`PG_IGNORED`]); run with `--include-ignored`, a missing
    /// `MOBIPASS_TEST_PG_URL` fails them instead of passing them unrun.
    pub async fn new(backend: Backend) -> Self {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().unwrap();
                let url = format!("sqlite://{}", dir.path().join("verifier.sqlite3").display());
                Self {
                    url,
                    backend,
                    dir: Some(dir),
                }
            }
            Backend::Postgres => {
                let base = pg_url();
                let schema = format!("t_{}", hex::encode(rand_bytes()));
                let (client, connection) = tokio_postgres::connect(&base, tokio_postgres::NoTls)
                    .await
                    .expect("connect to MOBIPASS_TEST_PG_URL");
                tokio::spawn(connection);
                client
                    .batch_execute(&format!("CREATE SCHEMA {schema}"))
                    .await
                    .unwrap();
                let separator = if base.contains('?') { '&' } else { '?' };
                let url = format!("{base}{separator}options=-csearch_path%3D{schema}");
                Self {
                    url,
                    backend,
                    dir: None,
                }
            }
        }
    }

    pub async fn open(&self, master: MasterKey, config: Config) -> Verifier {
        Verifier::open(&self.url, master, config)
            .await
            .expect("open verifier")
    }

    /// A verifier with default settings on a clock the test moves by hand.
    pub async fn open_with_manual_clock(&self) -> (Verifier, Arc<mobipass_verifier::ManualClock>) {
        self.open_with_clock(Config::default()).await
    }

    /// A verifier with `config` on a clock the test moves by hand.
    pub async fn open_with_clock(
        &self,
        config: Config,
    ) -> (Verifier, Arc<mobipass_verifier::ManualClock>) {
        let clock = clock_at_now();
        let verifier = self
            .open(MasterKey::generate(), config)
            .await
            .with_clock(clock.clone());
        (verifier, clock)
    }
}

/// The PostgreSQL tests' ignore reason: `cargo test` lists them as ignored
/// rather than passed; CI runs them with `--include-ignored`.
pub const PG_IGNORED: &str = "needs PostgreSQL: set MOBIPASS_TEST_PG_URL";

/// `MOBIPASS_TEST_PG_URL`, or a failure naming it: a PostgreSQL test that
/// was asked to run must never pass without running.
pub fn pg_url() -> String {
    std::env::var("MOBIPASS_TEST_PG_URL").unwrap_or_else(|_| {
        panic!(
            "MOBIPASS_TEST_PG_URL is unset: this PostgreSQL test cannot run \
             (source .ci/setup.d/20-postgres.sh, or leave out --include-ignored)"
        )
    })
}

fn rand_bytes() -> [u8; 6] {
    let mut bytes = [0u8; 6];
    getrandom::fill(&mut bytes).unwrap();
    bytes
}

/// The secret an app signs with: `S2` (for an envelope-only envelope, `S`).
pub trait Signs {
    /// The activated secret.
    fn activated(&self) -> ActivationKey;
}

impl Signs for ActivationKey {
    fn activated(&self) -> ActivationKey {
        self.clone()
    }
}

impl Signs for Envelope {
    /// Envelope-only: the envelope alone activates.
    fn activated(&self) -> ActivationKey {
        assert_eq!(self.kind(), EnvelopeKind::EnvelopeOnly, "use the code's S2");
        self.activated(None).unwrap()
    }
}

/// The response the customer's MobiPass computes for a challenge.
pub fn respond(key: &impl Signs, challenge: &IssuedChallenge) -> String {
    let key = &key.activated();
    let code = DocumentCode::parse(&challenge.code).unwrap();
    let question = match (challenge.amount_minor, &challenge.payee) {
        (Some(amount), Some(payee)) => Challenge::Linked {
            code,
            amount: mobipass_scheme::Amount::from_minor(amount).unwrap(),
            payee: mobipass_scheme::Payee::parse(payee).unwrap(),
        },
        _ => Challenge::Plain(code),
    };
    question.respond(&key.ocra_key()).as_str().to_owned()
}

/// A well-formed response that is certainly not `right`.
pub fn wrong(right: &str) -> String {
    let wrong: String = right
        .chars()
        .map(|c| char::from(b'0' + (c as u8 - b'0' + 1) % 10))
        .collect();
    assert!(Response::parse(&wrong).is_ok());
    wrong
}

pub fn clock_at_now() -> Arc<mobipass_verifier::ManualClock> {
    Arc::new(mobipass_verifier::ManualClock::new(
        std::time::SystemTime::now(),
    ))
}

/// Runs an async test body once per backend: `both_stores!(name, |db| async move { ... });`
#[macro_export]
macro_rules! both_stores {
    ($name:ident, $body:expr) => {
        mod $name {
            use super::*;

            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn sqlite() {
                let db = common::TestDb::new(common::Backend::Sqlite).await;
                ($body)(db).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            #[ignore = "needs PostgreSQL: set MOBIPASS_TEST_PG_URL"]
            async fn postgres() {
                let db = common::TestDb::new(common::Backend::Postgres).await;
                ($body)(db).await;
            }
        }
    };
}

/// A verification as the service, outcome only: what most tests look at.
pub async fn outcome(
    verifier: &Verifier,
    id: &mobipass_verifier::CredentialId,
    challenge: &mobipass_verifier::ChallengeId,
    response: &str,
) -> Result<mobipass_verifier::Outcome, mobipass_verifier::VerifierError> {
    let actor = mobipass_verifier::Actor::service();
    let verified = verifier.verify(id, challenge, response, &actor).await?;
    Ok(verified.outcome)
}

/// The `n`th of many distinct well-formed responses that are not `right`:
/// tests that guess several times use distinct guesses, since the same wrong
/// response to the same challenge again counts once.
pub fn wrong_nth(right: &str, n: u64) -> String {
    let right: u64 = right.parse().unwrap();
    format!("{:08}", (right + 1 + n) % 100_000_000)
}
