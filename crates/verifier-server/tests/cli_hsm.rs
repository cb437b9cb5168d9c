//! The master key in a PKCS#11 token, from the command line, against
//! SoftHSM2 (`.ci/setup.d/40-softhsm.sh`): `master-key new --uri`,
//! rotation file -> HSM -> HSM -> file with verification going on, and a
//! clear message and exit code for each way the HSM setup can be wrong.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use mobipass_scheme::{ActivationKey, Challenge, DocumentCode};
use serde_json::Value;

const NEEDS: &str = "source .ci/setup.d/40-softhsm.sh";

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| panic!("{name} is unset: {NEEDS}"))
}

fn label(what: &str) -> String {
    let mut bytes = [0u8; 6];
    getrandom::fill(&mut bytes).unwrap();
    format!("{what}-{}", hex::encode(bytes))
}

fn uri(object: &str) -> String {
    format!(
        "pkcs11:token={};object={object}",
        env("MOBIPASS_TEST_PKCS11_TOKEN")
    )
}

struct Cli {
    db: String,
    dir: tempfile::TempDir,
    pin_file: PathBuf,
}

impl Cli {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let pin_file = dir.path().join("pin");
        write_private(&pin_file, &format!("{}\n", env("MOBIPASS_TEST_PKCS11_PIN")));
        Self {
            db: format!("sqlite://{}", dir.path().join("v.sqlite3").display()),
            dir,
            pin_file,
        }
    }

    /// The binary with the module and PIN file set, and no key from the
    /// environment.
    fn command(&self) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_mobipass-verifier"));
        command
            .args(["--db", &self.db, "--actor", "ops.hsm"])
            .env_remove("MOBIPASS_MASTER_KEY_FILE")
            .env_remove("MOBIPASS_MASTER_KEY")
            .env_remove("MOBIPASS_MASTER_KEY_URI")
            .env_remove("MOBIPASS_PKCS11_PIN")
            .env_remove("MOBIPASS_PKCS11_PIN_FILE")
            .env("MOBIPASS_PKCS11_MODULE", env("MOBIPASS_TEST_PKCS11_MODULE"))
            .env("MOBIPASS_PKCS11_PIN_FILE", &self.pin_file);
        command
    }

    fn json(&self, key: &[&str], args: &[&str], expected_code: i32) -> Value {
        let output = self
            .command()
            .arg("--json")
            .args(key)
            .args(args)
            .output()
            .unwrap();
        assert_eq!(
            output.status.code(),
            Some(expected_code),
            "{args:?}: {output:?}"
        );
        serde_json::from_slice(&output.stdout).unwrap()
    }

    /// A fresh challenge for `id` answered right: accepted.
    fn assert_verifies(&self, key: &[&str], id: &str, secret: &ActivationKey) {
        let challenge = self.json(key, &["challenge", id], 0);
        let code = challenge["document_code"].as_str().unwrap();
        let response = Challenge::Plain(DocumentCode::parse(code).unwrap())
            .respond(&secret.ocra_key())
            .as_str()
            .to_owned();
        let verdict = self.json(
            key,
            &[
                "verify",
                id,
                challenge["challenge_id"].as_str().unwrap(),
                &response,
            ],
            0,
        );
        assert_eq!(verdict["outcome"], "accepted");
    }
}

/// The tests of this file take turns: each runs CLI processes on the same
/// SoftHSM2 token, and SoftHSM2's file store fails logins (CKR_GENERAL_ERROR)
/// when several processes write one token at once. A real HSM serves many
/// clients; this is the test double's limit.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn take_turn() -> std::sync::MutexGuard<'static, ()> {
    ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn write_private(path: &Path, text: &str) {
    std::fs::write(path, text).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
}

#[test]
#[ignore = "needs SoftHSM2: source .ci/setup.d/40-softhsm.sh"]
fn master_key_new_makes_the_key_in_the_token_once_and_rotation_goes_file_hsm_hsm_file() {
    let _turn = take_turn();
    let cli = Cli::new();
    let file = cli.dir.path().join("master.key");
    let file_arg = file.to_str().unwrap().to_owned();
    cli.json(&[], &["master-key", "new", "--file", &file_arg], 0);
    let file_key = ["--master-key-file", file_arg.as_str()];
    let issued = cli.json(&file_key, &["issue", "--envelope-only", "alice"], 0);
    let parts: Vec<&str> = issued["activation_key"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap())
        .collect();
    let alice = ActivationKey::from_parts(&[parts[0], parts[1], parts[2], parts[3]]).unwrap();

    let (first, second) = (uri(&label("cli-a")), uri(&label("cli-b")));
    for uri in [&first, &second] {
        let created = cli.json(&[], &["master-key", "new", "--uri", uri], 0);
        assert_eq!(created["result"], "created");
        assert_eq!(created["fingerprint"].as_str().unwrap().len(), 16);
    }
    // Never over an existing object.
    let again = cli.json(&[], &["master-key", "new", "--uri", &first], 13);
    assert_eq!(again["error"], "hsm_object");
    assert!(
        again["message"]
            .as_str()
            .unwrap()
            .contains("never overwritten")
    );

    // file -> HSM
    let rotated = cli.json(
        &file_key,
        &["rotate-master-key", "--new-key-uri", &first],
        0,
    );
    assert_eq!(rotated["seeds"], 1);
    let first_key = ["--master-key-uri", first.as_str()];
    cli.assert_verifies(&first_key, "alice", &alice);
    assert_eq!(
        cli.json(&file_key, &["status", "alice"], 5)["error"],
        "master_key"
    );
    // HSM -> HSM
    cli.json(
        &first_key,
        &["rotate-master-key", "--new-key-uri", &second],
        0,
    );
    let second_key = ["--master-key-uri", second.as_str()];
    cli.assert_verifies(&second_key, "alice", &alice);
    assert_eq!(
        cli.json(&first_key, &["status", "alice"], 5)["error"],
        "master_key"
    );
    // HSM -> file
    let back = cli.dir.path().join("back.key");
    let back_arg = back.to_str().unwrap().to_owned();
    cli.json(
        &second_key,
        &["rotate-master-key", "--new-key-file", &back_arg],
        0,
    );
    cli.assert_verifies(&["--master-key-file", &back_arg], "alice", &alice);
}

#[test]
#[ignore = "needs SoftHSM2: source .ci/setup.d/40-softhsm.sh"]
fn each_wrong_hsm_setting_has_its_message_and_exit_code() {
    let _turn = take_turn();
    let cli = Cli::new();
    let made = uri(&label("cli-errors"));
    cli.json(&[], &["master-key", "new", "--uri", &made], 0);
    let refused = |command: &mut Command, code: i32, name: &str, says: &str| {
        let output: Output = command
            .args(["--json", "status", "alice"])
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(code), "{output:?}");
        let body: Value = serde_json::from_slice(&output.stdout).unwrap();
        assert_eq!(body["error"], name, "{body}");
        let message = body["message"].as_str().unwrap();
        assert!(message.contains(says), "{message}");
        assert!(!message.contains("999999"), "{message}");
    };

    // Wrong PIN (on the token kept for PIN tests, so no retry counter
    // ever locks the one the other tests use).
    let pin_token = env("MOBIPASS_TEST_PKCS11_PIN_TOKEN");
    let wrong_pin = cli.dir.path().join("wrong-pin");
    write_private(&wrong_pin, "999999\n");
    refused(
        cli.command()
            .args([
                "--master-key-uri",
                &format!("pkcs11:token={pin_token};object=k"),
            ])
            .env("MOBIPASS_PKCS11_PIN_FILE", &wrong_pin),
        12,
        "hsm_pin",
        "refused the PIN",
    );
    refused(
        cli.command()
            .args(["--master-key-uri", "pkcs11:token=no-such-token;object=k"]),
        11,
        "hsm_token",
        "no token labelled",
    );
    refused(
        cli.command()
            .args(["--master-key-uri", &uri(&label("absent"))]),
        13,
        "hsm_object",
        "master-key new --uri",
    );
    refused(
        cli.command()
            .args(["--master-key-uri", &made])
            .env("MOBIPASS_PKCS11_MODULE", "/nonexistent/libpkcs11.so"),
        10,
        "hsm_module",
        "no PKCS#11 module",
    );
    refused(
        cli.command()
            .args(["--master-key-uri", &made])
            .env_remove("MOBIPASS_PKCS11_MODULE"),
        10,
        "hsm_module",
        "--pkcs11-module",
    );
    refused(
        cli.command()
            .args(["--master-key-uri", &made])
            .env_remove("MOBIPASS_PKCS11_PIN_FILE"),
        12,
        "hsm_pin",
        "MOBIPASS_PKCS11_PIN",
    );
    // The PIN from the environment works as well as the file.
    let output = cli
        .command()
        .args(["--master-key-uri", &made, "--json", "status", "alice"])
        .env_remove("MOBIPASS_PKCS11_PIN_FILE")
        .env("MOBIPASS_PKCS11_PIN", env("MOBIPASS_TEST_PKCS11_PIN"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(3), "{output:?}"); // no such credential
    // Rotating into a key the token does not hold: refused, nothing re-wrapped.
    // (A database of its own: the one above is sealed under `made` now.)
    let fresh = Cli::new();
    let file = fresh.dir.path().join("master.key");
    let file_arg = file.to_str().unwrap().to_owned();
    fresh.json(&[], &["master-key", "new", "--file", &file_arg], 0);
    let file_key = ["--master-key-file", file_arg.as_str()];
    fresh.json(&file_key, &["issue", "--envelope-only", "bob"], 0);
    let absent = uri(&label("never-made"));
    let refusal = fresh.json(
        &file_key,
        &["rotate-master-key", "--new-key-uri", &absent],
        13,
    );
    assert_eq!(refusal["error"], "hsm_object");
    assert_eq!(
        fresh.json(&file_key, &["status", "bob"], 0)["state"],
        "issued"
    );
    // A key file and a URI at once: refused, whichever key was meant.
    refused(
        cli.command()
            .args(["--master-key-uri", &made])
            .env("MOBIPASS_MASTER_KEY", "11".repeat(32)),
        2,
        "invalid_input",
        "give one",
    );
    refused(
        cli.command().args([
            "--master-key-uri",
            "pkcs11:token=t;object=k?pin-value=999999",
        ]),
        2,
        "invalid_input",
        "never goes in the URI",
    );
}
