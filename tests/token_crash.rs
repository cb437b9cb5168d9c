//! Crash safety of PIN changes: a process killed at any moment must leave
//! exactly one valid vault (the old mask or the new one) and, after the next
//! start, no second copy of the mask anywhere.
//!
//! The child is this test binary run again with only `crash_child_*` selected:
//! it changes the PIN back and forth in a tight loop, so a kill at a random
//! time lands anywhere in a save (temp file half written, flushed, renamed,
//! directory flushed). A second test kills the real `mobipass change-pin`.
//!
//! What this proves, and what it does not: SIGKILL ends the process but not
//! the kernel, so everything already written survives in the page cache. These
//! tests therefore prove atomicity (no reader or later start ever sees a half
//! save, a mix, or two copies), not durability across a power cut. That rests
//! on the save flushing the temp file and then the directory (`fsync`), which
//! no test here can observe.

mod token_support;

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

use mobipass::token::Token;
use mobipass_scheme::ActivationKey;
use token_support::*;

const CHILD_VAULT_ENV: &str = "MOBIPASS_CRASH_CHILD_VAULT";
/// The PIN the vault is under when the child starts.
const CHILD_PIN_ENV: &str = "MOBIPASS_CRASH_CHILD_PIN";

/// Not a test on its own: the body of the child process (see the module doc).
#[test]
#[ignore = "run by kill_during_pin_changes_always_leaves_one_valid_vault"]
fn crash_child_changes_pin_forever() {
    let Some(path) = std::env::var_os(CHILD_VAULT_ENV) else {
        return;
    };
    let mut pins = [
        std::env::var(CHILD_PIN_ENV).unwrap(),
        PIN.to_owned(),
        OTHER_PIN.to_owned(),
    ];
    if pins[0] == PIN {
        pins.swap(1, 2);
    }
    let [current, next, _] = &pins;
    let token = Token::open(path)
        .unwrap()
        .without_keystore_for_tests()
        .with_kdf_params_for_tests(SMALL);
    println!("ready");
    std::io::stdout().flush().unwrap();
    loop {
        token.change_pin(current, next, next).unwrap();
        token.change_pin(next, current, current).unwrap();
    }
}

/// A small xorshift generator: random kill times without another dependency.
struct Xorshift(u64);

impl Xorshift {
    fn seeded() -> Self {
        let nanos = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        Self(nanos as u64 | 1)
    }

    fn below(&mut self, bound: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % bound
    }
}

/// After the next open: only the vault and its lock file, and the vault holds
/// the key under exactly one of the two PINs. Returns that PIN and whether a
/// temp file had been left behind by the kill.
fn check_one_valid_vault<'p>(
    dir: &Path,
    key: &ActivationKey,
    pins: [&'p str; 2],
) -> (&'p str, bool) {
    let temp_left = dir.join("vault.json.tmp").exists();
    let token = Token::open(dir.join("vault.json"))
        .unwrap()
        .without_keystore_for_tests();
    let names = names_in(dir);
    assert_eq!(
        names,
        ["vault.json", "vault.json.lock"].map(String::from).into(),
        "one vault, no copy"
    );
    let right = expected(key, CODE);
    let matches: Vec<&str> = pins
        .into_iter()
        .filter(|pin| token.sign(pin, CODE).unwrap() == right)
        .collect();
    assert_eq!(
        matches.len(),
        1,
        "the vault unmasks to the key under exactly one PIN"
    );
    (matches[0], temp_left)
}

#[test]
fn kill_during_pin_changes_always_leaves_one_valid_vault() {
    let f = Fixture::activated();
    let mut random = Xorshift::seeded();
    let seed = random.0;
    let mut temps_left = 0;
    let mut live_kills = 0;
    let mut current = PIN;
    for round in 0..100 {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "crash_child_changes_pin_forever",
                "--ignored",
                "--nocapture",
                "--quiet",
            ])
            .env(CHILD_VAULT_ENV, f.vault())
            .env(CHILD_PIN_ENV, current)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // The test harness prints its own lines first; wait for the child's.
        let started = BufReader::new(child.stdout.take().unwrap())
            .lines()
            .any(|line| line.is_ok_and(|l| l == "ready"));
        assert!(started, "round {round}: child did not start");
        std::thread::sleep(Duration::from_micros(random.below(20_000)));
        // A child that died on its own (a failed change) would make the round
        // prove nothing: it loops until killed.
        assert_eq!(
            child.try_wait().unwrap(),
            None,
            "round {round}: the child stopped before the kill"
        );
        child.kill().unwrap(); // SIGKILL on Unix: no destructor, no cleanup.
        child.wait().unwrap();
        live_kills += 1;
        let temp_left;
        (current, temp_left) = check_one_valid_vault(f.dir.path(), &f.key, [PIN, OTHER_PIN]);
        temps_left += usize::from(temp_left);
    }
    assert_eq!(live_kills, 100);
    eprintln!(
        "seed {seed}: {live_kills} kills of a child in the middle of PIN changes, \
         {temps_left} left a temp file that the next open removed"
    );
}

#[test]
fn killing_the_real_binary_during_change_pin_leaves_one_valid_vault() {
    // The binary re-masks at the real cost (256 MiB), so each run takes about a
    // second: a few kills spread over the whole run, the save included. (The
    // hundred fast kills above cover the save itself much more densely.)
    let f = Fixture::activated();
    let mut random = Xorshift::seeded();
    let run = |pins: &str| {
        Command::new(env!("CARGO_BIN_EXE_mobipass"))
            .env(
                "DBUS_SESSION_BUS_ADDRESS",
                "unix:path=/nonexistent/mobipass-tests-have-no-bus",
            )
            .args([
                "--vault",
                f.vault().to_str().unwrap(),
                "change-pin",
                "--pin-stdin",
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map(|mut child| {
                child
                    .stdin
                    .take()
                    .unwrap()
                    .write_all(pins.as_bytes())
                    .unwrap();
                child
            })
            .unwrap()
    };
    let start = Instant::now();
    let finished = run(&format!("{PIN}\n{OTHER_PIN}\n{OTHER_PIN}\n"))
        .wait()
        .unwrap();
    assert!(finished.success());
    let full_run = start.elapsed();
    let (mut current, _) = check_one_valid_vault(f.dir.path(), &f.key, [PIN, OTHER_PIN]);
    assert_eq!(current, OTHER_PIN);
    let mut live_kills = 0;
    for round in 0..5 {
        let next = if current == PIN { OTHER_PIN } else { PIN };
        let mut child = run(&format!("{current}\n{next}\n{next}\n"));
        let window = full_run.as_micros() as u64 * 11 / 10;
        std::thread::sleep(Duration::from_micros(random.below(window)));
        // The window runs a little past a whole run, so the child may have
        // finished: then it must have succeeded, and the round kills nothing.
        match child.try_wait().unwrap() {
            None => live_kills += 1,
            Some(status) => assert!(status.success(), "round {round}: {status}"),
        }
        child.kill().unwrap();
        child.wait().unwrap();
        (current, _) = check_one_valid_vault(f.dir.path(), &f.key, [PIN, OTHER_PIN]);
    }
    eprintln!("{live_kills} of 5 kills hit a running `mobipass change-pin`");
    // Each round kills a running child with a chance of about 9 in 10.
    assert!(live_kills >= 1, "no round killed a running child");
}
