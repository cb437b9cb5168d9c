//! The real `mobipass-demo-bank` binary: it starts with its own verifier and
//! says what to do; pointed at a verifier without keys it refuses clearly.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_mobipass-demo-bank");

#[test]
fn it_starts_its_own_verifier_and_prints_the_first_steps() {
    let data = tempfile::tempdir().unwrap();
    let mut child = Command::new(BIN)
        .args([
            "--listen",
            "127.0.0.1:0",
            "--verifier-listen",
            "127.0.0.1:0",
        ])
        .arg("--data-dir")
        .arg(data.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (lines_tx, lines_rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if lines_tx.send(line).is_err() {
                break;
            }
        }
    });
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut out = Vec::new();
    while Instant::now() < deadline && !out.iter().any(|l: &String| l.contains("Ctrl-C")) {
        if let Ok(line) = lines_rx.recv_timeout(Duration::from_millis(200)) {
            out.push(line);
        }
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let text = out.join("\n");
    assert!(
        text.contains("demo bank listening on http://127.0.0.1:"),
        "{text}"
    );
    assert!(text.contains("sign up"), "{text}");
    assert!(text.contains("cargo run --release"), "{text}");
    assert!(
        text.contains("operator demo, password "),
        "the console password is printed once: {text}"
    );
    // The data directory holds what the verifier needs, owner-only.
    for file in [
        "master.key",
        "bank-api.key",
        "operator-api.key",
        "signing-return.secret",
    ] {
        let path = data.path().join(file);
        assert!(path.exists(), "{file}");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "{file}");
        }
    }
    let config = std::fs::read_to_string(data.path().join("verifier.toml")).unwrap();
    assert!(
        !config.contains("mpv_"),
        "only key hashes in the configuration"
    );
}

#[test]
fn a_named_verifier_without_keys_is_refused_with_the_missing_flag() {
    let out = Command::new(BIN)
        .args([
            "--listen",
            "127.0.0.1:0",
            "--verifier-url",
            "http://127.0.0.1:9",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("--bank-key-file"), "{stderr}");
}

#[test]
fn pointed_at_a_running_verifier_with_its_key_files_it_starts_against_it() {
    let data = tempfile::tempdir().unwrap();
    let mut first = Command::new(BIN)
        .args([
            "--listen",
            "127.0.0.1:0",
            "--verifier-listen",
            "127.0.0.1:0",
        ])
        .arg("--data-dir")
        .arg(data.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let lines = BufReader::new(first.stdout.take().unwrap()).lines();
    let mut verifier = None;
    for line in lines.map_while(Result::ok) {
        if let Some(url) = line.strip_prefix("listening on ") {
            verifier = Some(url.to_owned());
        }
        // Read to the last line, so the pipe stays open while it prints.
        if line.contains("Ctrl-C") {
            break;
        }
    }
    let verifier = verifier.expect("the embedded verifier's address");
    let second = Command::new(BIN)
        .args(["--listen", "127.0.0.1:0", "--verifier-url", &verifier])
        .arg("--bank-key-file")
        .arg(data.path().join("bank-api.key"))
        .arg("--operator-key-file")
        .arg(data.path().join("operator-api.key"))
        .arg("--return-secret-file")
        .arg(data.path().join("signing-return.secret"))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut second = second;
    let started = BufReader::new(second.stdout.take().unwrap())
        .lines()
        .map_while(Result::ok)
        .any(|line| line.starts_with("demo bank listening on "));
    second.kill().unwrap();
    second.wait().unwrap();
    first.kill().unwrap();
    first.wait().unwrap();
    assert!(
        started,
        "the second bank started against the first one's verifier"
    );
}
