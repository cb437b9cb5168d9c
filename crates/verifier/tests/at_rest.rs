//! A raw dump of the database never contains a seed, an envelope secret, an
//! activation code or an activation key, of either kind of credential.

mod common;

use std::time::Duration;

use common::{Backend, TestDb, respond};
use mobipass_verifier::{ActivationKey, Actor, Config, CredentialId, Envelope, MasterKey};

/// Byte patterns that must never appear: K raw and in hex, S raw, in hex and
/// as digits, the envelope's parts, and (two-channel) S2 and the code.
fn secrets_of(envelope: &Envelope, s2: &ActivationKey, code: Option<&str>) -> Vec<Vec<u8>> {
    let k = s2.ocra_key();
    let s = envelope.key();
    let mut patterns = vec![
        k.as_bytes().to_vec(),
        hex::encode(k.as_bytes()).into_bytes(),
        s.to_be_bytes().to_vec(),
        hex::encode(s.to_be_bytes().as_ref()).into_bytes(),
        s2.to_be_bytes().to_vec(),
    ];
    patterns.push(s.data_digits().as_bytes().to_vec());
    patterns.push(s2.data_digits().as_bytes().to_vec());
    for part in envelope.parts() {
        patterns.push(part.as_bytes().to_vec());
    }
    if let Some(code) = code {
        patterns.push(code.as_bytes().to_vec());
    }
    patterns
}

fn assert_absent(dump: &[u8], patterns: &[Vec<u8>]) {
    for pattern in patterns {
        assert!(
            !dump.windows(pattern.len()).any(|w| w == pattern.as_slice()),
            "a secret is in the dump"
        );
    }
}

async fn issue_and_use(db: &TestDb) -> Vec<Vec<Vec<u8>>> {
    let verifier = db.open(MasterKey::generate(), Config::default()).await;
    let operator = Actor::new("operator").unwrap();
    let mut keys = Vec::new();
    for n in 0..20 {
        let cid = CredentialId::new(format!("c{n}")).unwrap();
        // Half envelope-only, half two-channel (the default).
        let mut key = if n % 4 < 2 {
            verifier.issue_envelope_only(&cid, &operator).await.unwrap()
        } else {
            verifier.issue(&cid, &operator).await.unwrap()
        };
        if n % 2 == 0 {
            key = verifier.reissue(&cid, &operator).await.unwrap();
        }
        let (s2, code) = if key.kind().needs_activation_code() {
            let issued = verifier.activation_code(&cid, &operator).await.unwrap();
            let s2 = key.activated(Some(&issued.code)).unwrap();
            (s2, Some(issued.digits().to_string()))
        } else {
            (key.key().clone(), None)
        };
        let challenge = verifier.challenge(&cid, None).await.unwrap();
        let outcome = common::outcome(&verifier, &cid, &challenge.id, &respond(&s2, &challenge))
            .await
            .unwrap();
        assert_eq!(outcome, mobipass_verifier::Outcome::Accepted);
        keys.push(secrets_of(&key, &s2, code.as_deref()));
    }
    keys
}

#[tokio::test]
async fn sqlite_file_bytes_never_contain_a_seed_or_activation_key() {
    let db = TestDb::new(Backend::Sqlite).await;
    let keys = issue_and_use(&db).await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    let mut dump = Vec::new();
    for entry in std::fs::read_dir(db.dir.as_ref().unwrap().path()).unwrap() {
        dump.extend(std::fs::read(entry.unwrap().path()).unwrap()); // main file, WAL, SHM
    }
    assert!(dump.len() > 4096);
    for patterns in &keys {
        assert_absent(&dump, patterns);
    }
}

#[tokio::test]
#[ignore = "needs PostgreSQL: set MOBIPASS_TEST_PG_URL"]
async fn postgres_dump_of_every_column_never_contains_a_seed_or_activation_key() {
    let db = TestDb::new(Backend::Postgres).await;
    let keys = issue_and_use(&db).await;
    let (client, connection) = tokio_postgres::connect(&db.url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    let mut dump = Vec::new();
    for table in ["credentials", "challenges", "audit", "meta"] {
        // Every column as text (bytea as hex) plus raw bytea columns.
        for row in client
            .query(&format!("SELECT t::text FROM {table} t"), &[])
            .await
            .unwrap()
        {
            dump.extend(row.get::<_, String>(0).into_bytes());
        }
    }
    for row in client
        .query(
            "SELECT sealed_seed, coalesce(sealed_secret, ''::bytea) FROM credentials",
            &[],
        )
        .await
        .unwrap()
    {
        dump.extend(row.get::<_, Vec<u8>>(0));
        dump.extend(row.get::<_, Vec<u8>>(1));
    }
    assert!(dump.len() > 1000);
    for patterns in &keys {
        assert_absent(&dump, patterns);
    }
}

#[cfg(unix)]
#[tokio::test]
async fn new_sqlite_database_is_readable_by_its_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let db = TestDb::new(Backend::Sqlite).await;
    let _verifier = db.open(MasterKey::generate(), Config::default()).await;
    let path = db.dir.as_ref().unwrap().path().join("verifier.sqlite3");
    let mode = std::fs::metadata(path).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
}
