//! PostgreSQL connections that would weaken the verifier's promises are
//! refused: commits acknowledged before they are durable, and a remote
//! database reached without TLS. TLS itself is exercised against the local
//! server's certificate (Debian's snakeoil certificate for `localhost`).

#[path = "../../verifier/tests/common/mod.rs"]
mod common;

use std::process::Command;

use common::{Backend, TestDb};
use mobipass_verifier::{Config, MasterKey, Verifier};

const SNAKEOIL: &str = "/etc/ssl/certs/ssl-cert-snakeoil.pem";

#[tokio::test]
#[ignore = "needs PostgreSQL: set MOBIPASS_TEST_PG_URL"]
async fn postgres_with_synchronous_commit_off_is_refused() {
    let db = TestDb::new(Backend::Postgres).await;
    let url = db.url.replace(
        "options=-csearch_path",
        "options=-csynchronous_commit%3Doff%20-csearch_path",
    );
    assert_ne!(url, db.url);
    let error = Verifier::open(&url, MasterKey::generate(), Config::default())
        .await
        .expect_err("refused");
    assert!(
        error.to_string().contains("synchronous_commit = off"),
        "{error}"
    );
    // The same database with durable commits is fine.
    db.open(MasterKey::generate(), Config::default()).await;
}

fn status_over(url: &str, ca_file: Option<&str>) -> std::process::Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_mobipass-verifier"));
    command
        .args(["--db", url, "--json", "status", "nobody"])
        .env_remove("MOBIPASS_MASTER_KEY_FILE")
        .env("MOBIPASS_MASTER_KEY", "44".repeat(32));
    match ca_file {
        Some(path) => command.env("MOBIPASS_PG_CA_FILE", path),
        None => command.env_remove("MOBIPASS_PG_CA_FILE"),
    };
    command.output().unwrap()
}

#[tokio::test]
#[ignore = "needs PostgreSQL: set MOBIPASS_TEST_PG_URL"]
async fn postgres_over_tls_verifies_the_server_certificate() {
    let db = TestDb::new(Backend::Postgres).await;
    // Asked to run, it must run: a missing certificate is a failure.
    assert!(
        std::path::Path::new(SNAKEOIL).exists(),
        "{SNAKEOIL} is missing (Debian's ssl-cert package makes it)"
    );
    // The certificate names `localhost`; connect to the loopback address.
    let url = format!(
        "{}&sslmode=require&hostaddr=127.0.0.1",
        db.url.replace("@127.0.0.1:", "@localhost:")
    );
    // Trusting the server's own certificate: connected, migrated, answered.
    let trusted = status_over(&url, Some(SNAKEOIL));
    assert_eq!(trusted.status.code(), Some(3), "{trusted:?}");
    // The public web roots do not vouch for a self-signed certificate.
    let untrusted = status_over(&url, None);
    assert_eq!(untrusted.status.code(), Some(5), "{untrusted:?}");
}

#[tokio::test]
async fn remote_postgres_without_tls_is_refused_before_connecting() {
    let output = status_over("postgres://u:pw@db.invalid/verifier", None);
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    let report = String::from_utf8_lossy(&output.stdout);
    assert!(report.contains("sslmode=require"), "{report}");
}
