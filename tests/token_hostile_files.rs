//! Vault paths that hold something other than a vault (issue 10, defect 8):
//! a huge sparse file, a FIFO, a symlinked temp file, impossible Argon2
//! parameters. Each must end as a clear "damaged vault" (exit 4 in the
//! terminal), never as an abort, a hang or a write through a link.

mod token_support;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use mobipass::cli::exit;
use mobipass::token::{DamageReason, Token, TokenError};
use token_support::*;

fn damage(error: TokenError) -> DamageReason {
    match error {
        TokenError::Damaged { reason, .. } => reason,
        other => panic!("not reported as damaged: {other:?}"),
    }
}

/// Runs the binary with a deadline, so a hang fails the test instead of
/// stalling the suite.
fn mobipass_within(vault: &std::path::Path, args: &[&str], limit: Duration) -> (u8, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_mobipass"))
        .env_remove("MOBIPASS_VAULT")
        .env(
            "DBUS_SESSION_BUS_ADDRESS",
            "unix:path=/nonexistent/mobipass-tests-have-no-bus",
        )
        .arg("--vault")
        .arg(vault)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let mut err = String::new();
            std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).unwrap();
            let code = status.code().expect("exited normally, not by a signal") as u8;
            return (code, err);
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("mobipass {args:?} still running after {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_huge_vault_file_is_reported_damaged_not_read_whole() {
    let f = Fixture::empty();
    // Sparse: costs no disk, but reading it whole would need 64 GiB.
    std::fs::File::create(f.vault())
        .unwrap()
        .set_len(64 << 30)
        .unwrap();
    assert_eq!(
        damage(f.token.status().unwrap_err()),
        DamageReason::TooLarge
    );
    assert_eq!(
        damage(f.token.sign(PIN, CODE).unwrap_err()),
        DamageReason::TooLarge
    );
    let (code, err) = mobipass_within(&f.vault(), &["status"], Duration::from_secs(20));
    assert_eq!(code, exit::DAMAGED, "{err}");
    assert!(err.contains("too large"), "{err}");
    // Delete is still the way out, and does not write 64 GiB of zeros.
    let (code, err) = mobipass_within(&f.vault(), &["delete", "--yes"], Duration::from_secs(20));
    assert_eq!(code, exit::OK, "{err}");
    assert!(!f.vault().exists());
}

#[test]
fn a_vault_just_over_the_bound_is_refused_and_one_under_is_read() {
    let f = Fixture::activated();
    let good = f.vault_bytes();
    let mut padded = good.clone();
    padded.resize(64 * 1024, b' ');
    std::fs::write(f.vault(), &padded).unwrap();
    assert!(
        f.token.status().is_ok(),
        "64 KiB of vault and blanks is read"
    );
    padded.push(b' ');
    std::fs::write(f.vault(), &padded).unwrap();
    assert_eq!(
        damage(f.token.status().unwrap_err()),
        DamageReason::TooLarge
    );
}

#[cfg(unix)]
#[test]
fn a_fifo_at_the_vault_path_is_reported_without_hanging() {
    let f = Fixture::empty();
    let made = Command::new("mkfifo").arg(f.vault()).status().unwrap();
    assert!(made.success());
    assert_eq!(
        damage(f.token.status().unwrap_err()),
        DamageReason::NotAFile
    );
    for args in [&["status"][..], &["sign", CODE, "--pin-stdin"]] {
        let (code, err) = mobipass_within(&f.vault(), args, Duration::from_secs(20));
        assert_eq!(code, exit::DAMAGED, "{args:?}: {err}");
        assert!(err.contains("not a regular file"), "{err}");
    }
    let (code, err) = mobipass_within(&f.vault(), &["delete", "--yes"], Duration::from_secs(20));
    assert_eq!(code, exit::OK, "{err}");
    assert!(
        std::fs::symlink_metadata(f.vault()).is_err(),
        "FIFO removed"
    );
}

#[cfg(unix)]
#[test]
fn a_symlinked_stale_temp_is_removed_without_touching_its_target() {
    let f = Fixture::activated();
    let elsewhere = tempfile::tempdir().unwrap();
    let target = elsewhere.path().join("thesis.txt");
    std::fs::write(&target, b"a year of work").unwrap();
    let temp = f.dir.path().join("vault.json.tmp");
    std::os::unix::fs::symlink(&target, &temp).unwrap();

    let token = Token::open(f.vault()).unwrap().without_keystore_for_tests();

    assert!(
        std::fs::symlink_metadata(&temp).is_err(),
        "the link is gone"
    );
    assert_eq!(std::fs::read(&target).unwrap(), b"a year of work");
    assert_eq!(token.sign(PIN, CODE).unwrap(), expected(&f.key, CODE));
}

#[cfg(unix)]
#[test]
fn a_fifo_left_at_the_temp_name_is_removed_without_opening_it() {
    let f = Fixture::activated();
    let temp = f.dir.path().join("vault.json.tmp");
    assert!(
        Command::new("mkfifo")
            .arg(&temp)
            .status()
            .unwrap()
            .success()
    );
    // Opening a FIFO for writing would wait for a reader forever: run the
    // start-up clean-up in the binary, under a deadline.
    let (code, err) = mobipass_within(&f.vault(), &["status"], Duration::from_secs(20));
    assert_eq!(code, exit::OK, "{err}");
    assert!(
        std::fs::symlink_metadata(&temp).is_err(),
        "the FIFO is gone"
    );
}

#[test]
fn status_and_sign_agree_that_impossible_kdf_parameters_are_damage() {
    let f = Fixture::activated();
    let mut vault: serde_json::Value = serde_json::from_slice(&f.vault_bytes()).unwrap();
    // The scheme runs at most 64 passes; 65 was never written by MobiPass.
    vault["kdf"]["iterations"] = 65.into();
    std::fs::write(f.vault(), serde_json::to_vec(&vault).unwrap()).unwrap();
    assert_eq!(damage(f.token.status().unwrap_err()), DamageReason::BadKdf);
    assert_eq!(
        damage(f.token.sign(PIN, CODE).unwrap_err()),
        DamageReason::BadKdf
    );
    let (code, err) = mobipass_within(&f.vault(), &["status"], Duration::from_secs(20));
    assert_eq!(code, exit::DAMAGED, "{err}");
}
