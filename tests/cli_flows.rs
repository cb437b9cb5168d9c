//! The real `mobipass` binary in terminal mode, fed through `--pin-stdin`.
//! Vaults are made through the library with tiny Argon2 parameters; the binary
//! then uses the parameters stored in them (it has no "fast" switch).

mod token_support;

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use mobipass::cli::exit;
use token_support::*;

/// Runs the binary on `vault` with `stdin` as its standard input.
fn mobipass(vault: &Path, args: &[&str], stdin: &str) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_mobipass"));
    command.arg("--vault").arg(vault).args(args);
    run_with_stdin(command, stdin)
}

/// The binary's keystore in these tests: none (a bus address that leads
/// nowhere), so they use unbound vaults made by the library fixtures and never
/// touch this account's keyring. Binding has its own tests.
const NO_BUS: &str = "unix:path=/nonexistent/mobipass-tests-have-no-bus";

/// Runs `command` with `stdin` as its standard input and collects its output.
fn run_with_stdin(mut command: Command, stdin: &str) -> Output {
    let mut child = command
        .env_remove("MOBIPASS_VAULT")
        .env("DBUS_SESSION_BUS_ADDRESS", NO_BUS)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // A command that fails before reading closes its end: that is no error here.
    let _ = child.stdin.take().unwrap().write_all(stdin.as_bytes());
    child.wait_with_output().unwrap()
}

fn code(output: &Output) -> u8 {
    output.status.code().expect("exited normally") as u8
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).unwrap()
}

fn sign(f: &Fixture, pin: &str, extra: &[&str]) -> Output {
    let mut args = vec!["sign", CODE, "--pin-stdin"];
    args.extend_from_slice(extra);
    mobipass(&f.vault(), &args, &format!("{pin}\n"))
}

#[test]
fn sign_prints_the_schemes_response_grouped_or_plain() {
    let f = Fixture::activated();
    let want = expected(&f.key, CODE);
    let grouped = sign(&f, PIN, &[]);
    assert_eq!(code(&grouped), exit::OK, "{}", stderr(&grouped));
    assert_eq!(stdout(&grouped), format!("{}\n", want.grouped()));
    let plain = sign(&f, PIN, &["--plain"]);
    assert_eq!(stdout(&plain), format!("{}\n", want.as_str()));
    // A line typed with stray blanks or a Windows line end still reads the PIN.
    let padded = mobipass(
        &f.vault(),
        &["sign", CODE, "--pin-stdin"],
        &format!(" {PIN} \r\n"),
    );
    assert_eq!(stdout(&padded), stdout(&grouped));
}

#[test]
fn linked_sign_binds_amount_and_payee() {
    let f = Fixture::activated();
    let out = sign(
        &f,
        PIN,
        &[
            "--amount",
            "1 500,00",
            "--payee",
            "KZ86125KZT5004100100",
            "--plain",
        ],
    );
    assert_eq!(code(&out), exit::OK, "{}", stderr(&out));
    let want = expected_linked(&f.key, CODE, 150_000, "04100100");
    assert_eq!(stdout(&out).trim(), want.as_str());
    assert_ne!(stdout(&out).trim(), expected(&f.key, CODE).as_str());
}

#[test]
fn wrong_pin_exits_zero_with_a_different_normal_response() {
    let f = Fixture::activated();
    let right = stdout(&sign(&f, PIN, &[]));
    let wrong = sign(&f, WRONG_PIN, &[]);
    assert_eq!(code(&wrong), exit::OK);
    let wrong_text = stdout(&wrong);
    assert_ne!(wrong_text, right);
    let digits = wrong_text.trim();
    assert!(
        digits.len() == 9 && digits.as_bytes()[4] == b' ',
        "{digits:?}"
    );
    assert!(digits.replace(' ', "").bytes().all(|b| b.is_ascii_digit()));
    assert!(
        stderr(&wrong).is_empty(),
        "nothing else said: {}",
        stderr(&wrong)
    );
}

#[test]
fn change_pin_with_the_right_or_a_wrong_current_pin_both_complete() {
    for (current, should_still_sign) in [(PIN, true), (WRONG_PIN, false)] {
        let f = Fixture::activated();
        let out = mobipass(
            &f.vault(),
            &["change-pin", "--pin-stdin"],
            &format!("{current}\n{OTHER_PIN}\n{OTHER_PIN}\n"),
        );
        assert_eq!(code(&out), exit::OK, "{}", stderr(&out));
        let signed = stdout(&sign(&f, OTHER_PIN, &["--plain"]));
        let right = expected(&f.key, CODE);
        assert_eq!(
            signed.trim() == right.as_str(),
            should_still_sign,
            "current {current}"
        );
        // Same words whether the current PIN was right or not.
        assert!(stderr(&out).contains("The PIN is changed"));
        // The binary re-masked at the real cost.
        assert!(stdout(&mobipass(&f.vault(), &["status"], "")).contains("256 MiB, 2 passes"));
    }
}

#[test]
fn activate_from_standard_input_then_sign() {
    let f = Fixture::empty();
    let key = f.key.grouped();
    let out = mobipass(
        &f.vault(),
        &["activate", "--pin-stdin", "--allow-unbound"],
        &format!("{}\n{PIN}\n{PIN}\n", key.as_str()),
    );
    assert_eq!(code(&out), exit::OK, "{}", stderr(&out));
    assert_eq!(
        stdout(&sign(&f, PIN, &["--plain"])).trim(),
        expected(&f.key, CODE).as_str()
    );
    let again = mobipass(
        &f.vault(),
        &["activate", "--pin-stdin", "--allow-unbound"],
        &format!("{}\n{PIN}\n{PIN}\n", key.as_str()),
    );
    assert_eq!(code(&again), exit::ALREADY_ACTIVATED);
}

#[test]
fn bad_activation_input_is_refused_with_its_reason_and_nothing_is_written() {
    let f = Fixture::empty();
    let parts = f.key.parts();
    let mut typo = parts.clone();
    let digit = typo[2].as_bytes()[0];
    typo[2].replace_range(0..1, if digit == b'1' { "2" } else { "1" });
    let line = |p: &[zeroize::Zeroizing<String>; 4]| {
        p.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(" - ")
    };
    let cases = [
        (
            format!("{}\n{PIN}\n{PIN}\n", line(&typo)),
            "part 3 of 4 has a typo",
        ),
        (
            format!("{}\n1111\n1111\n", line(&parts)),
            "all four digits are the same",
        ),
        (
            format!("{}\n2580\n2580\n", line(&parts)),
            "most common PINs",
        ),
        (
            format!("{}\n{PIN}\n{OTHER_PIN}\n", line(&parts)),
            "the two PINs differ",
        ),
        (
            format!("{}\n", &line(&parts)[..20]),
            "a whole key has 40 digits",
        ),
        (format!("{}\n{PIN}\n", line(&parts)), "the input ended"),
    ];
    for (input, reason) in cases {
        let out = mobipass(
            &f.vault(),
            &["activate", "--pin-stdin", "--allow-unbound"],
            &input,
        );
        assert_eq!(code(&out), exit::BAD_INPUT, "{reason}");
        assert!(stderr(&out).contains(reason), "{reason}: {}", stderr(&out));
        assert!(
            f.names().is_empty(),
            "{reason}: nothing written, found {:?}",
            f.names()
        );
    }
}

#[test]
fn damaged_vaults_give_exit_code_4_and_stay_untouched_until_deleted() {
    let good = Fixture::activated().vault_bytes();
    for (kind, content) in damaged_contents(&good) {
        let f = Fixture::empty();
        std::fs::write(f.vault(), &content).unwrap();
        for (args, input) in [
            (vec!["sign", CODE, "--pin-stdin"], format!("{PIN}\n")),
            (
                vec!["change-pin", "--pin-stdin"],
                format!("{PIN}\n{OTHER_PIN}\n{OTHER_PIN}\n"),
            ),
            (
                vec!["activate", "--pin-stdin", "--allow-unbound"],
                format!("{}\n{PIN}\n{PIN}\n", f.key.grouped().as_str()),
            ),
            (vec!["status"], String::new()),
        ] {
            let out = mobipass(&f.vault(), &args, &input);
            assert_eq!(code(&out), exit::DAMAGED, "{kind} {args:?}");
            assert!(
                stderr(&out).contains("activate again"),
                "{kind}: {}",
                stderr(&out)
            );
            assert!(stdout(&out).is_empty());
            assert_eq!(
                std::fs::read(f.vault()).unwrap(),
                content,
                "{kind} untouched"
            );
        }
        let out = mobipass(&f.vault(), &["delete", "--yes"], "");
        assert_eq!(code(&out), exit::OK, "{kind}: {}", stderr(&out));
        assert!(!f.vault().exists());
    }
}

#[test]
fn bad_sign_input_gives_exit_code_2() {
    let f = Fixture::activated();
    for (args, reason) in [
        (vec!["sign", "12345", "--pin-stdin"], "6 to 8 digits"),
        (
            vec![
                "sign",
                CODE,
                "--amount",
                "15,00.0",
                "--payee",
                "123",
                "--pin-stdin",
            ],
            "the amount",
        ),
        (
            vec![
                "sign",
                CODE,
                "--amount",
                "15",
                "--payee",
                "IBAN",
                "--pin-stdin",
            ],
            "at least one digit",
        ),
        (
            vec!["sign", CODE, "--amount", "15", "--pin-stdin"],
            "--payee",
        ),
        (vec!["sign", "--pin-stdin"], "CODE"),
    ] {
        let out = mobipass(&f.vault(), &args, &format!("{PIN}\n"));
        assert_eq!(code(&out), exit::BAD_INPUT, "{args:?}");
        assert!(stderr(&out).contains(reason), "{args:?}: {}", stderr(&out));
    }
    let short_pin = sign(&f, "390", &[]);
    assert_eq!(code(&short_pin), exit::BAD_INPUT);
    assert!(stderr(&short_pin).contains("exactly 4 digits"));
    let no_terminal = mobipass(&f.vault(), &["sign", CODE], "");
    assert_eq!(code(&no_terminal), exit::BAD_INPUT);
    assert!(stderr(&no_terminal).contains("--pin-stdin"));
}

#[test]
fn a_grouped_code_is_accepted_and_what_is_signed_is_said() {
    let f = Fixture::activated();
    let out = mobipass(
        &f.vault(),
        &["sign", "338 609", "--pin-stdin", "--plain"],
        &format!("{PIN}\n"),
    );
    assert_eq!(code(&out), exit::OK, "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        format!("{}\n", expected(&f.key, CODE).as_str())
    );
    let out = sign(
        &f,
        PIN,
        &["--amount", "1500", "--payee", "KZ86 125K ZT50 0410 0100"],
    );
    assert_eq!(code(&out), exit::OK, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("amount 1 500,00, payee account …0410 0100"),
        "{}",
        stderr(&out)
    );
    assert!(!stderr(&out).contains("fewer than 8"));
    let short = sign(&f, PIN, &["--amount", "15", "--payee", "12-34"]);
    assert_eq!(code(&short), exit::OK);
    assert!(stderr(&short).contains("…0000 1234"), "{}", stderr(&short));
    assert!(stderr(&short).contains("fewer than 8 digits"));
}

#[test]
fn an_ambiguous_amount_is_refused_with_how_to_write_it() {
    let f = Fixture::activated();
    for amount in ["1.000", "1,000", "0.001"] {
        let out = sign(
            &f,
            PIN,
            &["--amount", amount, "--payee", "KZ86125KZT5004100100"],
        );
        assert_eq!(code(&out), exit::BAD_INPUT, "{amount}");
        let err = stderr(&out);
        assert!(err.contains("ambiguous") && err.contains("1 000"), "{err}");
        assert!(err.contains("at most 2"), "{err}");
        assert!(stdout(&out).is_empty());
    }
}

#[test]
fn before_activation_commands_give_exit_code_3() {
    let f = Fixture::empty();
    for args in [
        vec!["sign", CODE, "--pin-stdin"],
        vec!["status"],
        vec!["change-pin", "--pin-stdin"],
        vec!["delete", "--yes"],
    ] {
        let out = mobipass(&f.vault(), &args, &format!("{PIN}\n"));
        assert_eq!(code(&out), exit::NOT_ACTIVATED, "{args:?}");
        assert!(stderr(&out).contains("not activated"), "{args:?}");
    }
}

#[test]
fn delete_asks_unless_told_yes() {
    let f = Fixture::activated();
    let refused = mobipass(&f.vault(), &["delete"], "yes\n");
    assert_eq!(code(&refused), exit::BAD_INPUT);
    assert!(stderr(&refused).contains("--yes"));
    assert!(f.vault().exists());
    let done = mobipass(&f.vault(), &["delete", "--yes"], "");
    assert_eq!(code(&done), exit::OK);
    assert!(!f.vault().exists());
}

#[test]
fn status_shows_the_vault_dates_and_cost() {
    let f = Fixture::activated();
    let out = mobipass(&f.vault(), &["status"], "");
    assert_eq!(code(&out), exit::OK);
    let text = stdout(&out);
    assert!(text.starts_with("activated\n"), "{text}");
    assert!(text.contains(&format!("vault: {}", f.vault().display())));
    assert!(
        text.contains("key derivation: Argon2id, 8 KiB, 1 pass, 1 lane"),
        "{text}"
    );
    assert!(text.contains("activated on: 20"), "{text}");
}

#[test]
fn the_environment_variable_chooses_the_vault() {
    let f = Fixture::activated();
    let out = Command::new(env!("CARGO_BIN_EXE_mobipass"))
        .arg("status")
        .env("MOBIPASS_VAULT", f.vault())
        .env("DBUS_SESSION_BUS_ADDRESS", NO_BUS)
        .output()
        .unwrap();
    assert_eq!(code(&out), exit::OK, "{}", stderr(&out));
    assert!(stdout(&out).contains(&format!("vault: {}", f.vault().display())));
}

#[test]
fn a_busy_vault_gives_exit_code_5_and_is_left_alone() {
    let f = Fixture::activated();
    let before = f.vault_bytes();
    let _lock = f.hold_writer_lock();
    let out = mobipass(
        &f.vault(),
        &["change-pin", "--pin-stdin"],
        &format!("{PIN}\n{OTHER_PIN}\n{OTHER_PIN}\n"),
    );
    assert_eq!(code(&out), exit::LOCKED, "{}", stderr(&out));
    assert!(stderr(&out).contains("another MobiPass"));
    assert_eq!(f.vault_bytes(), before);
}

#[test]
fn without_a_subcommand_the_window_is_announced() {
    let f = Fixture::empty();
    let out = mobipass(&f.vault(), &[], "");
    assert_eq!(code(&out), exit::GUI_FAILED);
    assert!(stderr(&out).contains("mobipass --help"));
}

#[test]
fn help_documents_commands_and_exit_codes() {
    let f = Fixture::empty();
    let out = mobipass(&f.vault(), &["--help"], "");
    assert_eq!(code(&out), exit::OK);
    let text = stdout(&out);
    for word in [
        "activate",
        "sign",
        "change-pin",
        "delete",
        "status",
        "Exit codes",
        "4 vault damaged",
    ] {
        assert!(text.contains(word), "{word}");
    }
}

/// A memory shortage is passing: it must never be reported as a damaged vault
/// (which would tell the customer to delete their only key), nor crash.
#[cfg(target_os = "linux")]
#[test]
fn memory_shortage_is_reported_as_such_not_as_damage() {
    let dir = tempfile::tempdir().unwrap();
    let vault = dir.path().join("vault.json");
    let pin_input = "0000000003 0000000001 0000000007 0000000018\n3907\n3907\n";
    // 200 MB of address space cannot hold Argon2's 256 MiB.
    let script = format!(
        "ulimit -v 200000; exec '{}' --vault '{}' activate --pin-stdin --allow-unbound",
        env!("CARGO_BIN_EXE_mobipass"),
        vault.display()
    );
    let mut command = Command::new("sh");
    command.args(["-c", &script]);
    let output = run_with_stdin(command, pin_input);
    let stderr = stderr(&output);
    assert_eq!(code(&output), exit::OUT_OF_MEMORY, "stderr: {stderr}");
    assert!(stderr.contains("not enough free memory"), "{stderr}");
    assert!(!stderr.contains("Delete the key"), "{stderr}");
    assert!(!vault.exists(), "nothing may be written");
}

// --- two-channel activation (DESIGN.md section 2b) ---------------------------

/// `activate --pin-stdin` fed the key line, the code line and the PIN twice.
fn activate_two_channel(f: &TwoChannel, code_line: &str) -> Output {
    mobipass(
        &f.vault(),
        &["activate", "--pin-stdin", "--allow-unbound"],
        &format!(
            "{}\n{code_line}\n{PIN}\n{PIN}\n",
            f.envelope.grouped().as_str()
        ),
    )
}

fn sign_on(vault: &Path, pin: &str) -> Output {
    mobipass(
        vault,
        &["sign", CODE, "--pin-stdin", "--plain"],
        &format!("{pin}\n"),
    )
}

#[test]
fn two_channel_activation_from_standard_input_signs_with_the_activated_secret() {
    let f = TwoChannel::empty();
    let out = activate_two_channel(&f, &f.code.grouped());
    assert_eq!(code(&out), exit::OK, "{}", stderr(&out));
    let said = stderr(&out);
    assert!(said.contains("MobiPass is activated"), "{said}");
    assert!(
        said.contains("To finish the activation, sign the document code")
            && said.contains("15 minutes")
            && said.contains("ask the bank for a new code"),
        "{said}"
    );
    let signed = sign_on(&f.vault(), PIN);
    assert_eq!(code(&signed), exit::OK, "{}", stderr(&signed));
    assert_eq!(stdout(&signed).trim(), expected(&f.s2, CODE).as_str());
    assert_ne!(
        stdout(&signed).trim(),
        expected(f.envelope.key(), CODE).as_str(),
        "the envelope's S alone must not sign"
    );
    // Dashes and no space read the same code.
    let g = TwoChannel::empty();
    let digits = g.code.digits();
    let dashed = format!("{}-{}", &digits[..4], &digits[4..]);
    assert_eq!(code(&activate_two_channel(&g, &dashed)), exit::OK);
    assert_eq!(
        stdout(&sign_on(&g.vault(), PIN)).trim(),
        expected(&g.s2, CODE).as_str()
    );
}

#[test]
fn a_wrong_activation_code_activates_and_signs_a_different_normal_response() {
    let f = TwoChannel::empty();
    let other = other_code(&f.code);
    let out = activate_two_channel(&f, &other.grouped());
    assert_eq!(
        code(&out),
        exit::OK,
        "no error for a wrong code: {}",
        stderr(&out)
    );
    let signed = sign_on(&f.vault(), PIN);
    assert_eq!(code(&signed), exit::OK);
    let response = stdout(&signed);
    let response = response.trim();
    assert_ne!(response, expected(&f.s2, CODE).as_str());
    assert!(response.len() == 8 && response.bytes().all(|b| b.is_ascii_digit()));
    assert!(stderr(&signed).is_empty(), "{}", stderr(&signed));
}

#[test]
fn malformed_or_mistyped_codes_exit_2_and_write_nothing() {
    let f = TwoChannel::empty();
    let digits = f.code.digits();
    let cases = [
        (typo_in(&digits, 4), "the activation code has a typo"),
        (swapped_in(&digits), "the activation code has a typo"),
        (
            format!("{}a", &digits[..7]),
            "the activation code may hold only digits",
        ),
        (
            digits[..7].to_owned(),
            "the activation code has 8 digits; found 7",
        ),
        (
            format!("{}5", digits.as_str()),
            "the activation code has 8 digits; found 9",
        ),
        // The PIN where the code belongs (a script written for envelope-only).
        (PIN.to_owned(), "the activation code has 8 digits; found 4"),
    ];
    for (typed, reason) in cases {
        let out = activate_two_channel(&f, &typed);
        assert_eq!(code(&out), exit::BAD_INPUT, "{typed:?}");
        assert!(stderr(&out).contains(reason), "{typed:?}: {}", stderr(&out));
        assert!(
            !stderr(&out).contains(digits.as_str()),
            "an error echoed the code"
        );
        assert!(f.names().is_empty(), "{typed:?} wrote {:?}", f.names());
    }
    let ended = mobipass(
        &f.vault(),
        &["activate", "--pin-stdin", "--allow-unbound"],
        &format!("{}\n", f.envelope.grouped().as_str()),
    );
    assert_eq!(code(&ended), exit::BAD_INPUT);
    assert!(
        stderr(&ended).contains("the input ended before the activation code"),
        "{}",
        stderr(&ended)
    );
    assert!(f.names().is_empty());
}

#[test]
fn parts_of_two_kinds_of_envelope_are_refused_with_exit_2() {
    let f = TwoChannel::empty();
    let two = f.envelope.parts();
    let only = mobipass_scheme::Envelope::new(
        f.envelope.key().clone(),
        mobipass_scheme::EnvelopeKind::EnvelopeOnly,
    )
    .parts();
    for (parts, reason) in [
        (
            [&only[0], &two[1], &only[2], &two[3]],
            "the parts do not belong together; compare them with the envelope",
        ),
        (
            [&two[0], &two[1], &only[2], &two[3]],
            "part 3 of 4 has a typo",
        ),
        (
            [&only[0], &only[1], &only[2], &two[3]],
            "part 4 of 4 has a typo",
        ),
    ] {
        let line = parts.map(|p| p.as_str()).join(" ");
        let out = mobipass(
            &f.vault(),
            &["activate", "--pin-stdin", "--allow-unbound"],
            &format!("{line}\n{}\n{PIN}\n{PIN}\n", f.code.grouped().as_str()),
        );
        assert_eq!(code(&out), exit::BAD_INPUT, "{reason}");
        assert!(stderr(&out).contains(reason), "{reason}: {}", stderr(&out));
        assert!(f.names().is_empty());
    }
}

#[test]
fn an_envelope_only_key_reads_no_code_line_and_says_nothing_about_one() {
    let f = Fixture::empty();
    let out = mobipass(
        &f.vault(),
        &["activate", "--pin-stdin", "--allow-unbound"],
        &format!("{}\n{PIN}\n{PIN}\n", f.key.grouped().as_str()),
    );
    assert_eq!(code(&out), exit::OK, "{}", stderr(&out));
    assert!(
        !stderr(&out).contains("activation code"),
        "{}",
        stderr(&out)
    );
    assert!(!stderr(&out).contains("finish"), "{}", stderr(&out));
    assert_eq!(
        stdout(&sign_on(&f.vault(), PIN)).trim(),
        expected(&f.key, CODE).as_str()
    );
}

#[test]
fn status_says_which_kind_was_activated() {
    let only = Fixture::activated();
    let out = mobipass(&only.vault(), &["status"], "");
    assert_eq!(code(&out), exit::OK);
    assert!(
        stdout(&out).contains("activated with: the envelope alone (envelope_only)"),
        "{}",
        stdout(&out)
    );
    let two = TwoChannel::activated();
    let out = mobipass(&two.vault(), &["status"], "");
    assert!(
        stdout(&out).contains("activated with: the envelope and an activation code (two_channel)"),
        "{}",
        stdout(&out)
    );
    assert!(!stdout(&out).contains(two.code.digits().as_str()));
}

// --- device binding without a keystore (issue 17) ----------------------------
// These tests' binary sees no session bus (NO_BUS), as on a headless machine;
// tests/keystore_secret_service.rs has the bound flows on a real keyring.

#[test]
fn without_a_keystore_a_script_must_choose_an_unbound_vault_with_a_flag() {
    let f = Fixture::empty();
    let input = format!("{}\n{PIN}\n{PIN}\n", f.key.grouped().as_str());

    let out = mobipass(&f.vault(), &["activate", "--pin-stdin"], &input);
    assert_eq!(code(&out), exit::NO_KEYSTORE, "{}", stderr(&out));
    let text = stderr(&out);
    assert!(text.contains("no keystore"), "{text}");
    assert!(text.contains("--allow-unbound"), "{text}");
    assert!(text.contains("opens wherever its file is copied"), "{text}");
    assert!(text.contains("Nothing was written"), "{text}");
    assert!(!f.vault().exists());

    let flags = ["activate", "--pin-stdin", "--allow-unbound"];
    let out = mobipass(&f.vault(), &flags, &input);
    assert_eq!(code(&out), exit::OK, "{}", stderr(&out));
    assert!(stderr(&out).contains("not bound"), "{}", stderr(&out));
    assert_eq!(
        stdout(&sign(&f, PIN, &["--plain"])).trim(),
        expected(&f.key, CODE).as_str()
    );
}

#[test]
fn status_says_whether_the_vault_is_bound_and_bind_needs_a_keystore() {
    let f = Fixture::activated();
    let status = mobipass(&f.vault(), &["status"], "");
    assert_eq!(code(&status), exit::OK);
    assert!(stdout(&status).contains("bound: no"), "{}", stdout(&status));

    let before = f.vault_bytes();
    let out = mobipass(&f.vault(), &["bind"], "");
    assert_eq!(code(&out), exit::NO_KEYSTORE, "{}", stderr(&out));
    assert!(
        !stderr(&out).contains("another computer"),
        "{}",
        stderr(&out)
    );
    assert_eq!(f.vault_bytes(), before);
}

#[test]
fn help_lists_the_keystore_exit_codes_and_the_bind_command() {
    let f = Fixture::empty();
    let text = stdout(&mobipass(&f.vault(), &["--help"], ""));
    for words in [
        "bind",
        "9 activated on another computer or user account",
        "10 no keystore",
        "11 keyring locked",
        "12 keyring prompt dismissed",
        "13 keystore failed",
    ] {
        assert!(text.contains(words), "{words}: {text}");
    }
    let help = stdout(&mobipass(&f.vault(), &["activate", "--help"], ""));
    assert!(help.contains("--allow-unbound"), "{help}");
}
