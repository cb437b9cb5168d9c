//! `serve` never makes up a master key for a database someone named: a key
//! created on the spot would seal new seeds under a key no other node has
//! and open none of the existing ones. It refuses with the documented exit
//! code (5) and writes nothing; only the embedded default database gets a
//! default key file.

use std::process::{Command, Output};

fn serve(args: &[&str], config: Option<&str>, home: &std::path::Path) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_mobipass-verifier"));
    command
        .arg("serve")
        .args(["--listen", "127.0.0.1:0"])
        .args(args)
        .env_remove("MOBIPASS_MASTER_KEY")
        .env_remove("MOBIPASS_MASTER_KEY_FILE")
        .env_remove("MOBIPASS_VERIFIER_DB")
        .env_remove("MOBIPASS_VERIFIER_CONFIG")
        // Any default key file would land here, not in the tester's home.
        .env("HOME", home)
        .env("XDG_DATA_HOME", home.join("data"));
    if let Some(text) = config {
        let path = home.join("verifier.toml");
        std::fs::write(&path, text).unwrap();
        command.arg("--config").arg(path);
    }
    command.output().unwrap()
}

fn assert_refused(output: &Output, home: &std::path::Path) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(5), "stderr: {stderr}");
    assert!(stderr.contains("master key"), "stderr: {stderr}");
    assert!(
        stderr.contains("master-key new"),
        "says how to make one: {stderr}"
    );
    assert!(
        !home.join("data").exists(),
        "nothing may be created when the key is missing"
    );
}

#[test]
fn serve_refuses_a_named_sqlite_database_without_a_master_key() {
    let home = tempfile::tempdir().unwrap();
    let db = format!(
        "sqlite://{}",
        home.path().join("elsewhere.sqlite3").display()
    );
    let output = serve(&["--db", &db], None, home.path());
    assert_refused(&output, home.path());
    assert!(!home.path().join("elsewhere.sqlite3").exists());
}

#[test]
fn serve_refuses_a_database_named_in_the_config_file_without_a_master_key() {
    let home = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", home.path().join("file.sqlite3").display());
    let output = serve(&[], Some(&format!("db = \"{db}\"\n")), home.path());
    assert_refused(&output, home.path());
}

#[test]
fn serve_refuses_a_postgres_url_without_a_master_key_before_connecting() {
    let home = tempfile::tempdir().unwrap();
    // Port 9 (discard) on loopback: nothing listens, but the key check comes first.
    let output = serve(
        &["--db", "postgres://nobody@127.0.0.1:9/none"],
        None,
        home.path(),
    );
    assert_refused(&output, home.path());
}
