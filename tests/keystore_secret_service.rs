//! Device binding against a real Secret Service (GNOME Keyring on a private
//! session bus): what tests/token_binding.rs shows with the in-memory
//! keystore, through the real binary and the real keystore.
//!
//! Needs `.ci/setup.d/30-secret-service.sh` sourced (it starts the bus and an
//! unlocked keyring and sets `MOBIPASS_TEST_SECRET_SERVICE`), hence ignored
//! in the normal pass; CI runs them with `-- --ignored`. The locked-keyring
//! test and the bus-without-keyring test start private instances of their
//! own, so locking never disturbs the other tests.

mod token_support;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use mobipass::cli::exit;
use mobipass::token::{Keystore, KeystoreError, SecretServiceKeystore, Status, Token, TokenError};
use mobipass_scheme::ActivationKey;
use token_support::*;

const NEEDS: &str = "needs a Secret Service: source .ci/setup.d/30-secret-service.sh";
const NO_BUS: &str = "unix:path=/nonexistent/mobipass-tests-have-no-bus";

fn require_secret_service() {
    assert!(
        std::env::var_os("MOBIPASS_TEST_SECRET_SERVICE").is_some(),
        "{NEEDS}"
    );
}

/// The binary on `vault`, on the session bus `bus` (`None`: the one the
/// setup script started), fed `stdin`.
fn mobipass_on(bus: Option<&str>, vault: &Path, args: &[&str], stdin: &str) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_mobipass"));
    command
        .arg("--vault")
        .arg(vault)
        .args(args)
        .env_remove("MOBIPASS_VAULT")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(bus) = bus {
        command.env("DBUS_SESSION_BUS_ADDRESS", bus);
    }
    let mut child = command.spawn().unwrap();
    let _ = child.stdin.take().unwrap().write_all(stdin.as_bytes());
    child.wait_with_output().unwrap()
}

fn mobipass(vault: &Path, args: &[&str], stdin: &str) -> Output {
    mobipass_on(None, vault, args, stdin)
}

fn code(output: &Output) -> u8 {
    output.status.code().expect("exited") as u8
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn activation_input(key: &ActivationKey, pin: &str) -> String {
    format!("{}\n{pin}\n{pin}\n", key.grouped().as_str())
}

fn vault_id(vault: &Path) -> String {
    let file: serde_json::Value = serde_json::from_slice(&std::fs::read(vault).unwrap()).unwrap();
    file["vault_id"].as_str().expect("a bound vault").to_owned()
}

fn signed(bus: Option<&str>, vault: &Path, pin: &str) -> Output {
    mobipass_on(
        bus,
        vault,
        &["sign", CODE, "--plain", "--pin-stdin"],
        &format!("{pin}\n"),
    )
}

fn library_token(vault: PathBuf) -> Token {
    Token::open(vault)
        .unwrap()
        .with_keystore(std::sync::Arc::new(SecretServiceKeystore::session()))
        .with_kdf_params_for_tests(SMALL)
}

#[test]
#[ignore = "needs a Secret Service: source .ci/setup.d/30-secret-service.sh"]
fn bound_activation_sign_pin_change_and_delete_through_the_binary() {
    require_secret_service();
    let dir = tempfile::tempdir().unwrap();
    let vault = dir.path().join("vault.json");
    let key = ActivationKey::generate();

    let out = mobipass(
        &vault,
        &["activate", "--pin-stdin"],
        &activation_input(&key, PIN),
    );
    assert_eq!(code(&out), exit::OK, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("bound to this computer"),
        "{}",
        stderr(&out)
    );
    let id = vault_id(&vault);
    assert!(SecretServiceKeystore::session().get(&id).is_ok());

    let status = mobipass(&vault, &["status"], "");
    assert!(
        stdout(&status).contains("bound: yes"),
        "{}",
        stdout(&status)
    );
    let out = signed(None, &vault, PIN);
    assert_eq!(code(&out), exit::OK, "{}", stderr(&out));
    assert_eq!(stdout(&out).trim(), expected(&key, CODE).as_str());

    let out = mobipass(
        &vault,
        &["change-pin", "--pin-stdin"],
        &format!("{PIN}\n{OTHER_PIN}\n{OTHER_PIN}\n"),
    );
    assert_eq!(code(&out), exit::OK, "{}", stderr(&out));
    assert_eq!(vault_id(&vault), id, "the same entry seals the new version");
    assert_eq!(
        stdout(&signed(None, &vault, OTHER_PIN)).trim(),
        expected(&key, CODE).as_str()
    );

    let out = mobipass(&vault, &["delete", "--yes"], "");
    assert_eq!(code(&out), exit::OK, "{}", stderr(&out));
    assert!(!vault.exists());
    assert_eq!(
        SecretServiceKeystore::session().get(&id).unwrap_err(),
        KeystoreError::EntryMissing
    );
}

#[test]
#[ignore = "needs a Secret Service: source .ci/setup.d/30-secret-service.sh"]
fn a_copy_whose_entry_is_not_there_refuses_with_its_own_exit_code_and_writes_nothing() {
    require_secret_service();
    let dir = tempfile::tempdir().unwrap();
    let vault = dir.path().join("vault.json");
    let key = ActivationKey::generate();
    let out = mobipass(
        &vault,
        &["activate", "--pin-stdin"],
        &activation_input(&key, PIN),
    );
    assert_eq!(code(&out), exit::OK, "{}", stderr(&out));
    // The copy another account would have: the file, but not the entry.
    let elsewhere = tempfile::tempdir().unwrap();
    let copy = elsewhere.path().join("vault.json");
    std::fs::copy(&vault, &copy).unwrap();
    assert!(
        SecretServiceKeystore::session()
            .delete(&vault_id(&vault))
            .unwrap()
    );
    let before = std::fs::read(&copy).unwrap();

    let out = signed(None, &copy, PIN);
    assert_eq!(code(&out), exit::OTHER_DEVICE, "{}", stderr(&out));
    assert!(
        stderr(&out).contains(
            "this MobiPass was activated on another computer or user account; activate again with your envelope"
        ),
        "{}",
        stderr(&out)
    );
    assert!(stdout(&out).is_empty());
    let out = mobipass(
        &copy,
        &["change-pin", "--pin-stdin"],
        &format!("{PIN}\n{OTHER_PIN}\n{OTHER_PIN}\n"),
    );
    assert_eq!(code(&out), exit::OTHER_DEVICE, "{}", stderr(&out));
    assert_eq!(std::fs::read(&copy).unwrap(), before);
    assert_eq!(
        names_in(elsewhere.path()),
        ["vault.json".to_owned()].into_iter().collect()
    );
    // The way out: delete the copy and activate again.
    let out = mobipass(&copy, &["delete", "--yes"], "");
    assert_eq!(code(&out), exit::OK, "{}", stderr(&out));
    let out = mobipass(
        &copy,
        &["activate", "--pin-stdin"],
        &activation_input(&key, PIN),
    );
    assert_eq!(code(&out), exit::OK, "{}", stderr(&out));
    assert_eq!(
        stdout(&signed(None, &copy, PIN)).trim(),
        expected(&key, CODE).as_str()
    );
    mobipass(&copy, &["delete", "--yes"], "");
}

#[test]
#[ignore = "needs a Secret Service: source .ci/setup.d/30-secret-service.sh"]
fn every_pin_gives_a_normal_looking_response_on_a_vault_bound_to_the_real_keystore() {
    require_secret_service();
    let dir = tempfile::tempdir().unwrap();
    let token = library_token(dir.path().join("vault.json"));
    let key = ActivationKey::generate();
    assert!(token.activate(&key.parts(), PIN, PIN).unwrap().is_bound());
    let right = expected(&key, CODE);
    for n in 0..60 {
        let pin = format!("{:04}", (n * 167 + 3) % 10_000);
        let response = token.sign(&pin, CODE).unwrap();
        assert_eq!(response.as_str().len(), 8, "{pin}");
        assert!(response.as_str().bytes().all(|b| b.is_ascii_digit()));
        assert_eq!(response == right, pin == PIN, "{pin}");
    }
    assert_eq!(token.sign(PIN, CODE).unwrap(), right);
    token.delete().unwrap();
}

#[test]
#[ignore = "needs a Secret Service: source .ci/setup.d/30-secret-service.sh"]
fn bind_and_a_pin_change_each_seal_an_unbound_vault() {
    require_secret_service();
    for via_pin_change in [false, true] {
        let dir = tempfile::tempdir().unwrap();
        let vault = dir.path().join("vault.json");
        let key = ActivationKey::generate();
        Token::open(&vault)
            .unwrap()
            .without_keystore_for_tests()
            .with_kdf_params_for_tests(SMALL)
            .activate(&key.parts(), PIN, PIN)
            .unwrap();
        assert!(stdout(&mobipass(&vault, &["status"], "")).contains("bound: no"));

        let (out, pin) = if via_pin_change {
            let input = format!("{PIN}\n{OTHER_PIN}\n{OTHER_PIN}\n");
            (
                mobipass(&vault, &["change-pin", "--pin-stdin"], &input),
                OTHER_PIN,
            )
        } else {
            (mobipass(&vault, &["bind"], ""), PIN)
        };
        assert_eq!(code(&out), exit::OK, "{}", stderr(&out));
        assert!(
            stderr(&out).contains("bound to this computer"),
            "{}",
            stderr(&out)
        );
        assert!(stdout(&mobipass(&vault, &["status"], "")).contains("bound: yes"));
        assert_eq!(
            stdout(&signed(None, &vault, pin)).trim(),
            expected(&key, CODE).as_str()
        );
        assert_eq!(
            names_in(dir.path()),
            ["vault.json", "vault.json.lock"]
                .map(String::from)
                .into_iter()
                .collect()
        );
        let again = mobipass(&vault, &["bind"], "");
        assert_eq!(code(&again), exit::OK);
        assert!(
            stderr(&again).contains("already bound"),
            "{}",
            stderr(&again)
        );
        mobipass(&vault, &["delete", "--yes"], "");
    }
}

#[test]
#[ignore = "needs a Secret Service: source .ci/setup.d/30-secret-service.sh"]
fn killing_bind_at_any_moment_leaves_one_whole_vault() {
    require_secret_service();
    let unbound_vault = |dir: &Path, key: &ActivationKey| {
        let vault = dir.join("vault.json");
        Token::open(&vault)
            .unwrap()
            .without_keystore_for_tests()
            .with_kdf_params_for_tests(SMALL)
            .activate(&key.parts(), PIN, PIN)
            .unwrap();
        vault
    };
    // How long a whole `bind` takes here, so the kills spread over all of it
    // (connecting to the bus, storing the key, writing, renaming) and a bit
    // beyond.
    let whole = {
        let dir = tempfile::tempdir().unwrap();
        let vault = unbound_vault(dir.path(), &ActivationKey::generate());
        let started = std::time::Instant::now();
        assert_eq!(code(&mobipass(&vault, &["bind"], "")), exit::OK);
        let took = started.elapsed();
        library_token(vault).delete().unwrap();
        took
    };
    let mut seen = [0u32; 2];
    let mut random = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos() as u64
        | 1;
    for round in 0..24u32 {
        let dir = tempfile::tempdir().unwrap();
        let key = ActivationKey::generate();
        let vault = unbound_vault(dir.path(), &key);
        let mut child = Command::new(env!("CARGO_BIN_EXE_mobipass"))
            .args(["--vault", vault.to_str().unwrap(), "bind"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        random ^= random << 13;
        random ^= random >> 7;
        random ^= random << 17;
        let delay = whole.mul_f64((random % 1000) as f64 / 1000.0 * 1.5);
        std::thread::sleep(delay);
        let _ = child.kill();
        child.wait().unwrap();

        // The next start removes a temp file; then there is one vault, whole.
        let token = library_token(vault.clone());
        assert_eq!(
            names_in(dir.path()),
            ["vault.json", "vault.json.lock"]
                .map(String::from)
                .into_iter()
                .collect(),
            "round {round}"
        );
        let Status::Activated { bound, .. } = token.status().unwrap() else {
            panic!("round {round}: the vault is gone");
        };
        seen[usize::from(bound)] += 1;
        assert_eq!(token.sign(PIN, CODE).unwrap(), expected(&key, CODE));
        token.delete().unwrap();
    }
    println!(
        "a whole bind took {whole:?}; after the kill: {} unbound, {} bound",
        seen[0], seen[1]
    );
    assert!(
        seen[1] > 0,
        "no kill came late enough to leave a bound vault"
    );
}

/// A private session bus, with or without a GNOME Keyring of its own, for
/// the tests that must not disturb the shared one. Stopped on drop.
struct PrivateBus {
    dir: tempfile::TempDir,
    address: String,
    pids: Vec<u32>,
}

impl PrivateBus {
    fn start(with_keyring: bool) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let out = Command::new("dbus-daemon")
            .args([
                "--session",
                "--fork",
                "--nopidfile",
                "--print-address=1",
                "--print-pid=1",
            ])
            .arg(format!(
                "--address=unix:path={}",
                dir.path().join("bus").display()
            ))
            .output()
            .expect("dbus-daemon is installed (.ci/apt/keystore.txt)");
        let text = String::from_utf8(out.stdout).unwrap();
        let mut lines = text.lines();
        let address = lines.next().unwrap().to_owned();
        let pid: u32 = lines.next().unwrap().trim().parse().unwrap();
        let mut bus = Self {
            dir,
            address,
            pids: vec![pid],
        };
        if with_keyring {
            bus.start_keyring();
        }
        bus
    }

    fn start_keyring(&mut self) {
        let (data, runtime) = (self.dir.path().join("data"), self.dir.path().join("run"));
        std::fs::create_dir_all(&data).unwrap();
        std::fs::create_dir_all(&runtime).unwrap();
        let mut child = Command::new("gnome-keyring-daemon")
            .args(["--daemonize", "--unlock", "--components=secrets"])
            .env("DBUS_SESSION_BUS_ADDRESS", &self.address)
            .env("XDG_DATA_HOME", &data)
            .env("XDG_RUNTIME_DIR", &runtime)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .expect("gnome-keyring is installed (.ci/apt/keystore.txt)");
        child
            .stdin
            .take()
            .unwrap()
            .write_all(b"private-test-keyring")
            .unwrap();
        child.wait().unwrap();
        // The daemon forks before it owns its name on the bus: wait for it.
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        let owner = loop {
            let reply = self.try_dbus(&[
                "--dest=org.freedesktop.DBus",
                "/org/freedesktop/DBus",
                "org.freedesktop.DBus.GetConnectionUnixProcessID",
                "string:org.freedesktop.secrets",
            ]);
            match reply {
                Ok(reply) => break reply,
                Err(error) if std::time::Instant::now() > deadline => {
                    panic!("the keyring never owned org.freedesktop.secrets: {error}")
                }
                Err(_) => std::thread::sleep(Duration::from_millis(100)),
            }
        };
        let pid = owner
            .split_whitespace()
            .last()
            .and_then(|word| word.parse().ok())
            .expect("the keyring owns org.freedesktop.secrets");
        self.pids.push(pid);
    }

    /// `dbus-send` on this bus; its reply, or its error.
    fn try_dbus(&self, args: &[&str]) -> Result<String, String> {
        let out = Command::new("dbus-send")
            .args(["--session", "--print-reply", "--type=method_call"])
            .args(args)
            .env("DBUS_SESSION_BUS_ADDRESS", &self.address)
            .output()
            .expect("dbus-send is installed (.ci/apt/keystore.txt)");
        if out.status.success() {
            Ok(String::from_utf8(out.stdout).unwrap())
        } else {
            Err(String::from_utf8_lossy(&out.stderr).into_owned())
        }
    }

    fn dbus(&self, args: &[&str]) -> String {
        self.try_dbus(args)
            .unwrap_or_else(|error| panic!("{error}"))
    }

    fn lock_keyring(&self) {
        self.dbus(&[
            "--dest=org.freedesktop.secrets",
            "/org/freedesktop/secrets",
            "org.freedesktop.Secret.Service.Lock",
            "array:objpath:/org/freedesktop/secrets/collection/login",
        ]);
    }
}

impl Drop for PrivateBus {
    fn drop(&mut self) {
        for pid in self.pids.iter().rev() {
            let _ = Command::new("kill").arg(pid.to_string()).status();
        }
    }
}

#[test]
#[ignore = "needs a Secret Service: source .ci/setup.d/30-secret-service.sh"]
fn a_locked_keyring_is_reported_as_locked_never_as_another_computer() {
    require_secret_service();
    let bus = PrivateBus::start(true);
    let dir = tempfile::tempdir().unwrap();
    let vault = dir.path().join("vault.json");
    let key = ActivationKey::generate();
    let out = mobipass_on(
        Some(&bus.address),
        &vault,
        &["activate", "--pin-stdin"],
        &activation_input(&key, PIN),
    );
    assert_eq!(code(&out), exit::OK, "{}", stderr(&out));
    assert_eq!(
        stdout(&signed(Some(&bus.address), &vault, PIN)).trim(),
        expected(&key, CODE).as_str()
    );
    bus.lock_keyring();
    let before = std::fs::read(&vault).unwrap();

    for args in [
        &["sign", CODE, "--pin-stdin"][..],
        &["status"][..],
        &["change-pin", "--pin-stdin"][..],
    ] {
        let input = format!("{PIN}\n{OTHER_PIN}\n{OTHER_PIN}\n");
        let out = mobipass_on(Some(&bus.address), &vault, args, &input);
        assert_eq!(
            code(&out),
            exit::KEYSTORE_LOCKED,
            "{args:?}: {}",
            stderr(&out)
        );
        assert!(stderr(&out).contains("locked"), "{}", stderr(&out));
        assert!(
            !stderr(&out).contains("another computer"),
            "{}",
            stderr(&out)
        );
        assert!(stdout(&out).is_empty());
    }
    assert_eq!(std::fs::read(&vault).unwrap(), before);
}

#[test]
#[ignore = "needs a Secret Service: source .ci/setup.d/30-secret-service.sh"]
fn without_a_keystore_activation_asks_for_the_unbound_choice() {
    require_secret_service();
    // No bus at all, and a bus on which no keyring runs: the same answer.
    let bare = PrivateBus::start(false);
    for bus in [NO_BUS, bare.address.as_str()] {
        let dir = tempfile::tempdir().unwrap();
        let vault = dir.path().join("vault.json");
        let key = ActivationKey::generate();
        let input = activation_input(&key, PIN);

        let out = mobipass_on(Some(bus), &vault, &["activate", "--pin-stdin"], &input);
        assert_eq!(code(&out), exit::NO_KEYSTORE, "{bus}: {}", stderr(&out));
        assert!(stderr(&out).contains("no keystore"), "{}", stderr(&out));
        assert!(stderr(&out).contains("--allow-unbound"), "{}", stderr(&out));
        assert!(!vault.exists(), "nothing may be written");

        let flags = ["activate", "--pin-stdin", "--allow-unbound"];
        let out = mobipass_on(Some(bus), &vault, &flags, &input);
        assert_eq!(code(&out), exit::OK, "{}", stderr(&out));
        assert!(stderr(&out).contains("not bound"), "{}", stderr(&out));
        let status = mobipass_on(Some(bus), &vault, &["status"], "");
        assert!(stdout(&status).contains("bound: no"), "{}", stdout(&status));
        let out = mobipass_on(Some(bus), &vault, &["bind"], "");
        assert_eq!(code(&out), exit::NO_KEYSTORE, "{}", stderr(&out));
        assert_eq!(
            stdout(&signed(Some(bus), &vault, PIN)).trim(),
            expected(&key, CODE).as_str()
        );
    }
}

#[test]
#[ignore = "needs a Secret Service: source .ci/setup.d/30-secret-service.sh"]
fn a_vault_bound_here_does_not_open_without_the_keystore_and_says_why() {
    require_secret_service();
    let dir = tempfile::tempdir().unwrap();
    let vault = dir.path().join("vault.json");
    let key = ActivationKey::generate();
    let out = mobipass(
        &vault,
        &["activate", "--pin-stdin"],
        &activation_input(&key, PIN),
    );
    assert_eq!(code(&out), exit::OK, "{}", stderr(&out));
    let out = signed(Some(NO_BUS), &vault, PIN);
    assert_eq!(code(&out), exit::NO_KEYSTORE, "{}", stderr(&out));
    assert!(
        !stderr(&out).contains("another computer"),
        "{}",
        stderr(&out)
    );
    let library = library_token(vault.clone());
    assert_eq!(
        library.sign(PIN, CODE).unwrap(),
        expected(&key, CODE),
        "still fine with the keystore back"
    );
    assert!(matches!(
        Token::open(&vault)
            .unwrap()
            .without_keystore_for_tests()
            .sign(PIN, CODE),
        Err(TokenError::Keystore(KeystoreError::NoKeystore))
    ));
    library.delete().unwrap();
}
