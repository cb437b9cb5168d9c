//! The operator CLI, run as a real process: the whole life cycle, JSON
//! output and the documented exit codes.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use mobipass_scheme::{ActivationKey, Challenge, DocumentCode};
use serde_json::Value;

struct Cli {
    db: String,
    _dir: tempfile::TempDir,
    master_hex: String,
}

impl Cli {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        Self {
            db: format!("sqlite://{}", dir.path().join("v.sqlite3").display()),
            _dir: dir,
            master_hex: "11".repeat(32),
        }
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_mobipass-verifier"))
            .args(["--db", &self.db, "--actor", "ops.test"])
            .args(args)
            .env_remove("MOBIPASS_MASTER_KEY_FILE")
            .env("MOBIPASS_MASTER_KEY", &self.master_hex)
            .output()
            .unwrap()
    }

    fn json(&self, args: &[&str], expected_code: i32) -> Value {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        let output = self.run(&all);
        assert_eq!(
            output.status.code(),
            Some(expected_code),
            "{args:?}: {output:?}"
        );
        serde_json::from_slice(&output.stdout).unwrap()
    }
}

impl Cli {
    /// `issue ID`, read back as the key the customer's envelope holds.
    fn issue(&self, id: &str) -> ActivationKey {
        let issued = self.json(&["issue", "--envelope-only", id], 0);
        assert_eq!(issued["kind"], "envelope_only");
        let parts: Vec<&str> = issued["activation_key"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p.as_str().unwrap())
            .collect();
        ActivationKey::from_parts(&[parts[0], parts[1], parts[2], parts[3]]).unwrap()
    }

    /// `verify ... -` with the response fed on stdin.
    fn verify_from_stdin(&self, id: &str, challenge: &str, response: &str) -> Output {
        let mut child = Command::new(env!("CARGO_BIN_EXE_mobipass-verifier"))
            .args(["--db", &self.db, "--json", "verify", id, challenge, "-"])
            .env_remove("MOBIPASS_MASTER_KEY_FILE")
            .env("MOBIPASS_MASTER_KEY", &self.master_hex)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        writeln!(child.stdin.take().unwrap(), "{response}").unwrap();
        child.wait_with_output().unwrap()
    }
}

fn respond(key: &ActivationKey, code: &str) -> String {
    Challenge::Plain(DocumentCode::parse(code).unwrap())
        .respond(&key.ocra_key())
        .as_str()
        .to_owned()
}

#[test]
fn operator_runs_the_whole_life_cycle_from_the_command_line() {
    let cli = Cli::new();
    let issued = cli.json(&["issue", "--envelope-only", "alice"], 0);
    let parts: Vec<String> = issued["activation_key"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap().to_owned())
        .collect();
    assert_eq!(parts.len(), 4);
    let key = ActivationKey::from_parts(&[&parts[0], &parts[1], &parts[2], &parts[3]]).unwrap();

    let challenge = cli.json(&["challenge", "alice"], 0);
    let (id, code) = (
        challenge["challenge_id"].as_str().unwrap(),
        challenge["document_code"].as_str().unwrap(),
    );
    let right = respond(&key, code);
    let wrong: String = right
        .chars()
        .map(|c| if c == '9' { '0' } else { '9' })
        .collect();
    assert_eq!(
        cli.json(&["verify", "alice", id, &wrong], 1),
        serde_json::json!({"outcome": "rejected", "attempts_left": 2, "final_attempt": false})
    );
    assert_eq!(
        cli.json(&["verify", "alice", id, &right], 0)["outcome"],
        "accepted"
    );
    assert_eq!(
        cli.json(&["verify", "alice", id, &right], 1)["outcome"],
        "already_used"
    );

    let text = cli.run(&["block", "alice", "--reason", "lost laptop"]);
    assert!(text.status.success());
    assert_eq!(cli.json(&["status", "alice"], 0)["state"], "blocked");
    assert_eq!(cli.json(&["challenge", "alice"], 4)["error"], "blocked");
    cli.json(&["unblock", "alice"], 0);
    assert_eq!(cli.json(&["status", "alice"], 0)["state"], "active");

    let reissued = cli.json(&["reissue", "alice"], 0);
    assert_ne!(reissued["activation_key"], issued["activation_key"]);
    let audit = cli.json(&["audit", "alice"], 0);
    let actions: Vec<&str> = audit
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions.first(), Some(&"reissued"));
    assert!(
        audit
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["actor"] == "ops.test")
    );
    cli.json(&["revoke", "alice"], 0);
    assert_eq!(cli.json(&["status", "alice"], 0)["state"], "revoked");
}

#[test]
fn issue_prints_the_envelope_grouped_in_text_mode() {
    let cli = Cli::new();
    let output = cli.run(&["issue", "bob"]);
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).unwrap();
    for n in 1..=4 {
        let line = text
            .lines()
            .find(|l| l.trim_start().starts_with(&format!("Part {n}:")))
            .unwrap();
        let digits = line.split(':').nth(1).unwrap().trim();
        assert_eq!(digits.len(), 11, "{digits}");
        assert_eq!(&digits[5..6], " ");
    }
}

#[test]
fn verify_reads_the_response_from_stdin_when_given_dash() {
    let cli = Cli::new();
    let key = cli.issue("dave");
    let challenge = cli.json(&["challenge", "dave"], 0);
    let (id, code) = (
        challenge["challenge_id"].as_str().unwrap(),
        challenge["document_code"].as_str().unwrap(),
    );
    let right = respond(&key, code);
    let grouped = format!("{} {}", &right[..4], &right[4..]);
    let wrong = cli.verify_from_stdin("dave", id, "00000000");
    assert_eq!(wrong.status.code(), Some(1), "{wrong:?}");
    let accepted = cli.verify_from_stdin("dave", id, &grouped);
    assert_eq!(accepted.status.code(), Some(0), "{accepted:?}");
    let outcome: Value = serde_json::from_slice(&accepted.stdout).unwrap();
    assert_eq!(outcome["outcome"], "accepted");
}

#[test]
fn errors_have_documented_exit_codes() {
    let cli = Cli::new();
    cli.json(&["issue", "carol"], 0);
    assert_eq!(cli.json(&["issue", "carol"], 4)["error"], "already_exists");
    assert_eq!(
        cli.json(&["status", "nobody"], 3)["error"],
        "unknown_credential"
    );
    assert_eq!(cli.json(&["status", "bad id"], 2)["error"], "invalid_input");
    assert_eq!(
        cli.json(&["verify", "carol", "00", "12345678"], 2)["error"],
        "invalid_input"
    );
    // Two-channel by default: no challenge before an activation code.
    assert_eq!(
        cli.json(&["challenge", "carol"], 4)["error"],
        "activation_code_needed"
    );
    cli.json(&["activation-code", "carol"], 0);
    cli.json(&["issue", "--envelope-only", "dan"], 0);
    assert_eq!(
        cli.json(&["activation-code", "dan"], 4)["error"],
        "not_two_channel"
    );
    assert_eq!(
        cli.json(&["activation-code", "nobody"], 3)["error"],
        "unknown_credential"
    );
    assert_eq!(
        cli.run(&["activation-code", "carol", "--ttl", "30s"])
            .status
            .code(),
        Some(2),
        "the lifetime is 1 minute to 1 hour"
    );
    let challenge = cli.json(&["challenge", "carol"], 0);
    let id = challenge["challenge_id"].as_str().unwrap();
    assert_eq!(
        cli.json(&["verify", "carol", id, "1234"], 2)["error"],
        "invalid_input"
    );
    // Usage errors come from clap with code 2 as well.
    assert_eq!(
        cli.run(&["challenge", "carol", "--amount", "100"])
            .status
            .code(),
        Some(2)
    );
    // The wrong master key is refused before anything is touched.
    let wrong_key = Command::new(env!("CARGO_BIN_EXE_mobipass-verifier"))
        .args(["--db", &cli.db, "--json", "status", "carol"])
        .env("MOBIPASS_MASTER_KEY", "22".repeat(32))
        .output()
        .unwrap();
    assert_eq!(wrong_key.status.code(), Some(5));
    let message = String::from_utf8(wrong_key.stdout).unwrap();
    assert!(message.contains("master_key") && !message.contains(&"22".repeat(32)));
}

#[test]
fn rotate_master_key_rewraps_seeds_into_a_new_key_file() {
    let cli = Cli::new();
    let key = cli.issue("dave");
    let new_key_path = cli._dir.path().join("new.key");
    let rotated = cli.json(
        &[
            "rotate-master-key",
            "--new-key-file",
            new_key_path.to_str().unwrap(),
        ],
        0,
    );
    assert_eq!(rotated["seeds"], 1);
    let new_hex = std::fs::read_to_string(&new_key_path)
        .unwrap()
        .trim()
        .to_owned();
    let with_new = Cli {
        db: cli.db.clone(),
        _dir: tempfile::tempdir().unwrap(),
        master_hex: new_hex,
    };
    let challenge = with_new.json(&["challenge", "dave"], 0);
    let response = respond(&key, challenge["document_code"].as_str().unwrap());
    assert_eq!(
        with_new.json(
            &[
                "verify",
                "dave",
                challenge["challenge_id"].as_str().unwrap(),
                &response
            ],
            0
        )["outcome"],
        "accepted"
    );
    assert_eq!(cli.json(&["status", "dave"], 5)["error"], "master_key");
}

#[cfg(unix)]
#[test]
fn default_data_dir_and_database_are_made_private() {
    use std::os::unix::fs::PermissionsExt;
    let home = tempfile::tempdir().unwrap();
    let data = home.path().join(".local/share/mobipass-verifier");
    // An existing directory left world-readable is tightened.
    std::fs::create_dir_all(&data).unwrap();
    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o755)).unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_mobipass-verifier"))
        .args(["--json", "issue", "erin"])
        .env("HOME", home.path())
        .env_remove("XDG_DATA_HOME")
        .env_remove("MOBIPASS_VERIFIER_DB")
        .env_remove("MOBIPASS_MASTER_KEY")
        .env_remove("MOBIPASS_MASTER_KEY_FILE")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let mode =
        |path: &std::path::Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&data), 0o700);
    assert_eq!(mode(&data.join("verifier.sqlite3")), 0o600);
    assert_eq!(mode(&data.join("master.key")), 0o600);
}

#[test]
fn purge_challenges_keeps_challenges_that_have_not_expired() {
    let cli = Cli::new();
    let key = cli.issue("dora");
    let challenge = cli.json(&["challenge", "dora"], 0);
    // With the shortest retention allowed, an open challenge stays.
    assert_eq!(
        cli.json(&["purge-challenges", "--older-than", "1h"], 0),
        serde_json::json!({"result": "purged", "challenges": 0})
    );
    // Shorter than an hour could delete what a node with its clock behind
    // still judges: refused.
    assert_eq!(
        cli.json(&["purge-challenges", "--older-than", "59m"], 2)["error"],
        "invalid_input"
    );
    let right = respond(&key, challenge["document_code"].as_str().unwrap());
    let id = challenge["challenge_id"].as_str().unwrap();
    assert_eq!(
        cli.json(&["verify", "dora", id, &right], 0)["outcome"],
        "accepted"
    );
    let text = cli.run(&["purge-challenges"]);
    assert!(text.status.success(), "{text:?}");
    assert_eq!(
        String::from_utf8(text.stdout).unwrap(),
        "0 expired challenge(s) deleted.\n"
    );
    // A retention that is not a duration is a usage error.
    assert_eq!(
        cli.run(&["purge-challenges", "--older-than", "a week"])
            .status
            .code(),
        Some(2)
    );
}

/// Scripts and bank backends parse one format: `--json` prints the HTTP
/// API's bodies, key for key, with the same time format.
#[test]
fn json_output_speaks_the_http_wire_types() {
    let cli = Cli::new();
    let keys = |value: &Value| -> Vec<String> {
        let mut keys: Vec<String> = value.as_object().unwrap().keys().cloned().collect();
        keys.sort();
        keys
    };
    let issued = cli.json(&["issue", "--envelope-only", "wire"], 0);
    assert_eq!(
        keys(&issued),
        ["activation_key", "credential_id", "grouped", "kind"]
    );
    assert_eq!(issued["kind"], "envelope_only");
    assert_eq!(issued["credential_id"], "wire");
    let parts = issued["activation_key"].as_array().unwrap();
    assert_eq!(parts.len(), 4);
    assert!(parts.iter().all(|p| p.as_str().unwrap().len() == 10));
    let joined: Vec<String> = parts
        .iter()
        .map(|p| {
            let p = p.as_str().unwrap();
            format!("{} {}", &p[..5], &p[5..])
        })
        .collect();
    assert_eq!(issued["grouped"], joined.join(" - "));

    let challenge = cli.json(&["challenge", "wire"], 0);
    assert_eq!(
        keys(&challenge),
        ["challenge_id", "document_code", "expires_at", "linked"]
    );
    assert_eq!(challenge["linked"], false);
    let expires = challenge["expires_at"].as_str().unwrap();
    // RFC 3339, whole seconds, UTC: 2026-11-22T19:58:54Z
    assert_eq!(expires.len(), 20, "{expires}");
    assert!(
        expires.ends_with('Z') && expires.as_bytes()[10] == b'T',
        "{expires}"
    );
    let linked = cli.json(
        &[
            "challenge",
            "wire",
            "--amount",
            "150000",
            "--payee",
            "KZ86125KZT5004100100",
        ],
        0,
    );
    assert_eq!(linked["linked"], true);

    let verified = cli.json(
        &[
            "verify",
            "wire",
            challenge["challenge_id"].as_str().unwrap(),
            "00000000",
        ],
        1,
    );
    assert_eq!(
        keys(&verified),
        ["attempts_left", "final_attempt", "outcome"]
    );

    let status = cli.json(&["status", "wire"], 0);
    assert_eq!(
        keys(&status),
        [
            "activation_code_needed",
            "created",
            "failures",
            "id",
            "key_version",
            "kind",
            "limit",
            "lock_step",
            "state",
            "temporary_lock_minutes",
            "updated"
        ]
    );
    let audit = cli.json(&["audit", "wire"], 0);
    let first = &audit.as_array().unwrap()[0];
    assert_eq!(
        keys(first),
        ["action", "actor", "at", "credential", "detail", "seq"]
    );
}

/// `master-key new` makes the key an operator gives every node: a private
/// file, never over an existing one, usable at once with --master-key-file.
#[test]
fn master_key_new_writes_a_private_key_once_and_commands_use_it() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("master.key");
    let file_arg = file.to_str().unwrap();
    let binary = env!("CARGO_BIN_EXE_mobipass-verifier");
    let run = |args: &[&str]| {
        Command::new(binary)
            .args(args)
            .env_remove("MOBIPASS_MASTER_KEY")
            .env_remove("MOBIPASS_MASTER_KEY_FILE")
            .output()
            .unwrap()
    };
    let created = run(&["master-key", "new", "--file", file_arg, "--json"]);
    assert_eq!(created.status.code(), Some(0), "{created:?}");
    let answer: Value = serde_json::from_slice(&created.stdout).unwrap();
    assert_eq!(answer["result"], "created");
    let key_text = std::fs::read_to_string(&file).unwrap();
    assert_eq!(key_text.trim().len(), 64, "64 hex digits");
    // The key itself is never printed.
    assert!(!String::from_utf8_lossy(&created.stdout).contains(key_text.trim()));
    let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);

    let again = run(&["master-key", "new", "--file", file_arg]);
    assert_eq!(again.status.code(), Some(5), "{again:?}");
    assert!(String::from_utf8_lossy(&again.stderr).contains("never overwritten"));
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        key_text,
        "unchanged"
    );

    let db = format!("sqlite://{}", dir.path().join("v.sqlite3").display());
    let issued = run(&["--db", &db, "--master-key-file", file_arg, "issue", "keyed"]);
    assert_eq!(issued.status.code(), Some(0), "{issued:?}");
}

/// The bank side of two-channel activation from the command line: issue
/// (two-channel by default), the activation code (text and `--json`, the
/// HTTP body), the customer's first signature confirming it.
#[test]
fn two_channel_credential_is_activated_with_a_code_from_the_command_line() {
    let cli = Cli::new();
    let issued = cli.json(&["issue", "bob"], 0);
    assert_eq!(issued["kind"], "two_channel");
    let parts: Vec<String> = issued["activation_key"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap().to_owned())
        .collect();
    let envelope = mobipass_scheme::Envelope::from_parts(&[
        parts[0].as_str(),
        parts[1].as_str(),
        parts[2].as_str(),
        parts[3].as_str(),
    ])
    .unwrap();
    assert_eq!(envelope.kind(), mobipass_scheme::EnvelopeKind::TwoChannel);
    let status = cli.json(&["status", "bob"], 0);
    assert_eq!(status["kind"], "two_channel");
    assert_eq!(status["activation_code_needed"], true);

    // Text mode: the grouped code and its expiry.
    let text = cli.run(&["activation-code", "bob"]);
    assert!(text.status.success(), "{text:?}");
    let text = String::from_utf8(text.stdout).unwrap();
    let shown = text
        .lines()
        .find_map(|l| l.split("(shown only now): ").nth(1))
        .expect("the code line")
        .to_owned();
    assert!(
        regex_like_grouped(&shown),
        "grouped as 1234 5678: {shown:?}"
    );
    assert!(text.contains("Expires at: "), "{text}");
    let first = mobipass_scheme::ActivationCode::parse(&shown).unwrap();

    // --json: exactly the HTTP body; this code replaces the first.
    let code = cli.json(&["activation-code", "bob", "--ttl", "10m"], 0);
    let mut keys: Vec<&str> = code
        .as_object()
        .unwrap()
        .keys()
        .map(|k| k.as_str())
        .collect();
    keys.sort();
    assert_eq!(keys, ["activation_code", "expires_at", "grouped"]);
    let digits = code["activation_code"].as_str().unwrap();
    assert_eq!(digits.len(), 8);
    assert_eq!(
        code["grouped"].as_str().unwrap(),
        format!("{} {}", &digits[..4], &digits[4..])
    );
    let second = mobipass_scheme::ActivationCode::parse(digits).unwrap();
    let status = cli.json(&["status", "bob"], 0);
    assert_eq!(status["activation_code_needed"], false);
    // The same instant (the status has milliseconds, the code whole seconds).
    assert_eq!(
        status["activation_expires_at"].as_str().unwrap()[..19],
        code["expires_at"].as_str().unwrap()[..19]
    );

    let sign = |code: &mobipass_scheme::ActivationCode, document: &str| {
        let key = envelope.activated(Some(code)).unwrap().ocra_key();
        Challenge::Plain(DocumentCode::parse(document).unwrap())
            .respond(&key)
            .as_str()
            .to_owned()
    };
    let challenge = cli.json(&["challenge", "bob"], 0);
    let (id, document) = (
        challenge["challenge_id"].as_str().unwrap(),
        challenge["document_code"].as_str().unwrap(),
    );
    // The replaced code no longer signs (and counts as a wrong response).
    assert_eq!(
        cli.json(&["verify", "bob", id, &sign(&first, document)], 1),
        serde_json::json!({"outcome": "rejected", "attempts_left": 2, "final_attempt": false})
    );
    assert_eq!(
        cli.json(&["verify", "bob", id, &sign(&second, document)], 0)["outcome"],
        "accepted"
    );
    let status = cli.json(&["status", "bob"], 0);
    assert_eq!(status["state"], "active");
    assert!(status.get("activation_expires_at").is_none());
    let status_text = String::from_utf8(cli.run(&["status", "bob"]).stdout).unwrap();
    assert!(
        status_text.contains("Kind:        two_channel"),
        "{status_text}"
    );

    // Neither the code nor its data digits ever reach the audit log.
    let audit = cli.json(&["audit", "bob"], 0);
    let audit_text = audit.to_string();
    assert!(audit_text.contains("activation_code") && audit_text.contains("activated"));
    assert!(!audit_text.contains(digits) && !audit_text.contains(&digits[..7]));
}

fn regex_like_grouped(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.len() == 9
        && bytes[4] == b' '
        && bytes
            .iter()
            .enumerate()
            .all(|(i, b)| i == 4 || b.is_ascii_digit())
}

#[test]
fn issue_takes_a_lock_ladder_and_webhook_commands_answer() {
    let cli = Cli::new();
    cli.json(
        &[
            "--failure-limit",
            "2",
            "--temporary-lock-minutes",
            "15,60",
            "issue",
            "ladder",
        ],
        0,
    );
    let status = cli.json(&["status", "ladder"], 0);
    assert_eq!(status["limit"], 2);
    assert_eq!(
        status["temporary_lock_minutes"],
        serde_json::json!([15, 60])
    );
    assert_eq!(cli.json(&["webhooks", "failed"], 0), serde_json::json!([]));
    assert_eq!(
        cli.json(&["webhooks", "redeliver", "--all"], 0),
        serde_json::json!({ "redelivered": 0 })
    );
}
