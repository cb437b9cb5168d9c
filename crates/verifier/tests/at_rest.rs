//! A raw dump of the database never contains a seed or an activation key.

mod common;

use std::time::Duration;

use common::{Backend, TestDb, respond};
use mobipass_verifier::{ActivationKey, Actor, Config, CredentialId, MasterKey};

/// Byte patterns that must never appear: K raw and in hex, and the key's digits.
fn secrets_of(key: &ActivationKey) -> Vec<Vec<u8>> {
    let k = key.ocra_key();
    let mut patterns = vec![
        k.as_bytes().to_vec(),
        hex::encode(k.as_bytes()).into_bytes(),
    ];
    patterns.push(key.data_digits().as_bytes().to_vec());
    for part in key.parts() {
        patterns.push(part.as_bytes().to_vec());
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

async fn issue_and_use(db: &TestDb) -> Vec<ActivationKey> {
    let verifier = db.open(MasterKey::generate(), Config::default()).await;
    let operator = Actor::new("operator").unwrap();
    let mut keys = Vec::new();
    for n in 0..20 {
        let cid = CredentialId::new(format!("c{n}")).unwrap();
        let mut key = verifier.issue(&cid, &operator).await.unwrap();
        if n % 2 == 0 {
            key = verifier.reissue(&cid, &operator).await.unwrap();
        }
        let challenge = verifier.challenge(&cid, None).await.unwrap();
        common::outcome(&verifier, &cid, &challenge.id, &respond(&key, &challenge))
            .await
            .unwrap();
        keys.push(key);
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
    for key in &keys {
        assert_absent(&dump, &secrets_of(key));
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
        .query("SELECT sealed_seed FROM credentials", &[])
        .await
        .unwrap()
    {
        dump.extend(row.get::<_, Vec<u8>>(0));
    }
    assert!(dump.len() > 1000);
    for key in &keys {
        assert_absent(&dump, &secrets_of(key));
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
