//! `mobipass-verifier operator ...` as a real process: add, list, passwd,
//! disable; the password from stdin, never echoed or stored in clear.

use std::io::Write;
use std::process::{Command, Output, Stdio};

struct Cli {
    db: String,
    dir: tempfile::TempDir,
}

impl Cli {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        Self {
            db: format!("sqlite://{}", dir.path().join("v.sqlite3").display()),
            dir,
        }
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_mobipass-verifier"));
        command
            .args(["--db", &self.db, "--actor", "boss.cli"])
            .args(args)
            .env_remove("MOBIPASS_MASTER_KEY_FILE")
            .env("MOBIPASS_MASTER_KEY", "22".repeat(32));
        command
    }

    fn run(&self, args: &[&str]) -> Output {
        self.command(args).stdin(Stdio::null()).output().unwrap()
    }

    fn with_stdin(&self, args: &[&str], input: &str) -> Output {
        let mut child = self
            .command(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    }

    fn database_bytes(&self) -> Vec<u8> {
        let mut all = Vec::new();
        for entry in std::fs::read_dir(self.dir.path()).unwrap() {
            all.extend(std::fs::read(entry.unwrap().path()).unwrap());
        }
        all
    }
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle.as_bytes())
}

const PASSWORD: &str = "gold fish swim in rivers";

#[test]
fn operator_added_from_stdin_is_listed_and_only_its_hash_is_stored() {
    let cli = Cli::new();
    let added = cli.with_stdin(
        &[
            "operator",
            "add",
            "anna",
            "--role",
            "agent",
            "--password-stdin",
        ],
        &format!("{PASSWORD}\n"),
    );
    assert!(added.status.success(), "{added:?}");
    assert_eq!(
        String::from_utf8_lossy(&added.stdout),
        "Operator anna added.\n"
    );
    let boss = cli.with_stdin(
        &[
            "operator",
            "add",
            "boss",
            "--role",
            "supervisor",
            "--password-stdin",
        ],
        &format!("{PASSWORD}\n"),
    );
    assert!(boss.status.success(), "{boss:?}");
    let listed = cli.run(&["--json", "operator", "list"]);
    assert!(listed.status.success(), "{listed:?}");
    let list: serde_json::Value = serde_json::from_slice(&listed.stdout).unwrap();
    assert_eq!(list[0]["name"], "anna");
    assert_eq!(list[0]["role"], "agent");
    assert_eq!(list[0]["disabled"], false);
    assert_eq!(list[1]["role"], "supervisor");
    let bytes = cli.database_bytes();
    assert!(
        !contains(&bytes, PASSWORD),
        "the password is in the database"
    );
    assert!(
        contains(&bytes, "$argon2id$"),
        "no Argon2id PHC string stored"
    );
    let audit = cli.run(&["audit"]);
    let audit = String::from_utf8_lossy(&audit.stdout);
    assert!(
        audit.contains("operator_added") && audit.contains("boss.cli"),
        "{audit}"
    );
    assert!(!audit.contains(PASSWORD));
}

#[test]
fn a_short_password_or_a_second_add_is_refused_with_exit_2() {
    let cli = Cli::new();
    let short = cli.with_stdin(
        &[
            "operator",
            "add",
            "anna",
            "--role",
            "agent",
            "--password-stdin",
        ],
        "short\n",
    );
    assert_eq!(short.status.code(), Some(2), "{short:?}");
    assert!(String::from_utf8_lossy(&short.stderr).contains("at least 12 characters"));
    let listed = cli.run(&["operator", "list"]);
    assert!(String::from_utf8_lossy(&listed.stdout).contains("No operators"));
    let line = format!("{PASSWORD}\n");
    let args = [
        "operator",
        "add",
        "anna",
        "--role",
        "agent",
        "--password-stdin",
    ];
    assert!(cli.with_stdin(&args, &line).status.success());
    let again = cli.with_stdin(&args, &line);
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("exists already"));
}

#[test]
fn without_a_terminal_or_stdin_flag_the_password_is_not_guessed() {
    let cli = Cli::new();
    let output = cli.run(&["operator", "add", "anna", "--role", "agent"]);
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    assert!(String::from_utf8_lossy(&output.stderr).contains("--password-stdin"));
}

#[test]
fn passwd_and_disable_change_the_listed_operator_and_unknown_names_fail() {
    let cli = Cli::new();
    let line = format!("{PASSWORD}\n");
    let add = [
        "operator",
        "add",
        "anna",
        "--role",
        "agent",
        "--password-stdin",
    ];
    assert!(cli.with_stdin(&add, &line).status.success());
    let passwd = cli.with_stdin(
        &["operator", "passwd", "anna", "--password-stdin"],
        "an entirely new secret\n",
    );
    assert!(passwd.status.success(), "{passwd:?}");
    let disabled = cli.run(&["operator", "disable", "anna"]);
    assert!(disabled.status.success(), "{disabled:?}");
    let listed = cli.run(&["operator", "list"]);
    let text = String::from_utf8_lossy(&listed.stdout);
    assert!(text.contains("anna") && text.contains("disabled"), "{text}");
    let ghost = cli.run(&["operator", "disable", "ghost"]);
    assert_eq!(ghost.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&ghost.stderr).contains("no operator"));
    let bad_name = cli.run(&["operator", "disable", "no spaces"]);
    assert_eq!(bad_name.status.code(), Some(2));
}
