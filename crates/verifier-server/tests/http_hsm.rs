//! `serve` with its master key in a PKCS#11 token (SoftHSM2,
//! `.ci/setup.d/40-softhsm.sh`): configured by `master_key_uri`,
//! `pkcs11_module` and `pkcs11_pin_file`, it answers verifications over HTTP
//! on SQLite and on PostgreSQL.

mod http_support;

use std::process::Command;

use http_support::{ServerProcess, sign, write_config, wrong};

fn env(name: &str) -> String {
    std::env::var(name)
        .unwrap_or_else(|_| panic!("{name} is unset: source .ci/setup.d/40-softhsm.sh"))
}

/// A new key in the test token, made with `master-key new --uri`.
fn new_key_uri(dir: &std::path::Path, pin_file: &std::path::Path) -> String {
    let mut bytes = [0u8; 6];
    getrandom::fill(&mut bytes).unwrap();
    let uri = format!(
        "pkcs11:token={};object=serve-{}",
        env("MOBIPASS_TEST_PKCS11_TOKEN"),
        hex::encode(bytes)
    );
    let output = Command::new(env!("CARGO_BIN_EXE_mobipass-verifier"))
        .args([
            "--db",
            &format!("sqlite://{}", dir.join("unused.sqlite3").display()),
        ])
        .args(["master-key", "new", "--uri", &uri])
        .env("MOBIPASS_PKCS11_MODULE", env("MOBIPASS_TEST_PKCS11_MODULE"))
        .env("MOBIPASS_PKCS11_PIN_FILE", pin_file)
        .env_remove("MOBIPASS_MASTER_KEY")
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    uri
}

/// The two tests take turns: SoftHSM2's file store fails logins when several
/// processes write one token at once (a real HSM serves many clients).
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

async fn serve_answers_over_http_with_the_hsm_key(db_url: &str, dir: &std::path::Path) {
    let _turn = ONE_AT_A_TIME.lock().await;
    let pin_file = dir.join("pin");
    std::fs::write(&pin_file, env("MOBIPASS_TEST_PKCS11_PIN")).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&pin_file, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    let uri = new_key_uri(dir, &pin_file);
    let config = write_config(
        dir,
        &format!(
            "master_key_uri = \"{uri}\"\npkcs11_module = \"{}\"\npkcs11_pin_file = \"{}\"\n",
            env("MOBIPASS_TEST_PKCS11_MODULE"),
            pin_file.display()
        ),
    );
    let server = ServerProcess::spawn_with_key(db_url, &config, None);
    let parts = server.client.issue("alice").await;
    let (challenge, code) = server.client.challenge("alice").await;
    let verdict = server
        .client
        .verify("alice", &challenge, &wrong(&parts, &code))
        .await;
    assert_eq!(verdict["outcome"], "rejected", "{verdict}");
    let verdict = server
        .client
        .verify("alice", &challenge, &sign(&parts, &code))
        .await;
    assert_eq!(verdict["outcome"], "accepted", "{verdict}");
    assert!(server.terminate().success());

    // The same database with a file key instead: refused at start.
    let refused = Command::new(env!("CARGO_BIN_EXE_mobipass-verifier"))
        .args(["serve", "--listen", "127.0.0.1:0", "--db", db_url])
        .env("MOBIPASS_MASTER_KEY", http_support::MASTER_HEX)
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(5), "{refused:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs SoftHSM2: source .ci/setup.d/40-softhsm.sh"]
async fn serve_verifies_with_the_hsm_key_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("verifier.sqlite3").display());
    serve_answers_over_http_with_the_hsm_key(&url, dir.path()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs SoftHSM2 and PostgreSQL: source .ci/setup.d/40-softhsm.sh, set MOBIPASS_TEST_PG_URL"]
async fn serve_verifies_with_the_hsm_key_on_postgres() {
    let dir = tempfile::tempdir().unwrap();
    let url = http_support::postgres_url().await;
    serve_answers_over_http_with_the_hsm_key(&url, dir.path()).await;
}
