//! The CLI when its output cannot be delivered: a full disk (/dev/full) or a
//! reader that went away (closed pipe). The activation key exists nowhere
//! but in `issue`'s output, so losing it must never end in exit status 0;
//! and no failed write may turn into a panic (exit 101).

use std::process::{Command, Output, Stdio};

struct Cli {
    db: String,
    _dir: tempfile::TempDir,
}

const MASTER_HEX: &str = "33333333333333333333333333333333333333333333333333333333333333ff";

impl Cli {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        Self {
            db: format!("sqlite://{}", dir.path().join("v.sqlite3").display()),
            _dir: dir,
        }
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_mobipass-verifier"));
        command
            .args(["--db", &self.db, "--actor", "ops.test"])
            .args(args)
            .env_remove("MOBIPASS_MASTER_KEY_FILE")
            .env("MOBIPASS_MASTER_KEY", MASTER_HEX);
        command
    }

    fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().unwrap()
    }

    /// Runs with stdout on /dev/full: every write fails with "no space".
    fn run_to_full_disk(&self, args: &[&str]) -> Output {
        let full = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .unwrap();
        self.command(args)
            .stdout(Stdio::from(full))
            .stderr(Stdio::piped())
            .output()
            .unwrap()
    }

    /// Runs with stdout on a pipe whose reader is already closed.
    fn run_to_closed_pipe(&self, args: &[&str]) -> Output {
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        self.command(args)
            .stdout(Stdio::from(writer))
            .stderr(Stdio::piped())
            .output()
            .unwrap()
    }
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn issue_whose_key_cannot_be_printed_fails_and_says_to_reissue() {
    let cli = Cli::new();
    for (id, json) in [("alice", false), ("bob", true)] {
        let mut args = vec!["issue", id];
        if json {
            args.insert(0, "--json");
        }
        let output = cli.run_to_full_disk(&args);
        assert_eq!(output.status.code(), Some(6), "{output:?}");
        let message = stderr(&output);
        assert!(
            message.contains("credential issued but the key could not be printed")
                && message.contains(&format!("run `reissue {id}`")),
            "{message}"
        );
        // The credential was committed: the advice is right.
        let status = cli.run(&["status", id]);
        assert_eq!(status.status.code(), Some(0), "{status:?}");
    }
}

#[test]
fn reissue_whose_key_cannot_be_printed_fails_and_can_be_repeated() {
    let cli = Cli::new();
    assert_eq!(cli.run(&["issue", "alice"]).status.code(), Some(0));
    let lost = cli.run_to_closed_pipe(&["reissue", "alice"]);
    assert_eq!(lost.status.code(), Some(6), "{lost:?}");
    assert!(
        stderr(&lost).contains("credential reissued but the key could not be printed")
            && stderr(&lost).contains("run `reissue alice`"),
        "{}",
        stderr(&lost)
    );
    let again = cli.run(&["reissue", "alice"]);
    assert_eq!(again.status.code(), Some(0), "{again:?}");
    assert!(String::from_utf8_lossy(&again.stdout).contains("Part 4:"));
}

#[test]
fn closed_stdout_never_turns_into_a_panic() {
    let cli = Cli::new();
    assert_eq!(cli.run(&["issue", "carol"]).status.code(), Some(0));
    // A successful command whose output is lost reports it (not 0, not 101).
    for args in [
        &["status", "carol"][..],
        &["--json", "status", "carol"][..],
        &["audit"][..],
    ] {
        let output = cli.run_to_closed_pipe(args);
        assert_eq!(output.status.code(), Some(6), "{args:?}: {output:?}");
    }
    // An error report with --json goes to stdout; losing it keeps the code.
    let output = cli.run_to_closed_pipe(&["--json", "status", "nobody"]);
    assert_eq!(output.status.code(), Some(3), "{output:?}");
    let output = cli.run_to_full_disk(&["--json", "verify", "carol", "00", "12345678"]);
    assert_eq!(output.status.code(), Some(2), "{output:?}");
}
