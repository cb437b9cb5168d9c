//! Terminal-mode dialogues a person has at a real terminal (a pseudo-terminal
//! driven by `cli_support/pty_dialogue.py`): the delete confirmation and
//! choosing a PIN that was typed differently twice.
#![cfg(unix)]

mod token_support;

use std::process::Command;

use mobipass::cli::exit;
use mobipass::token::Token;
use token_support::*;

struct Dialogue {
    transcript: String,
    missing: Option<String>,
    code: i64,
}

/// Runs `mobipass --vault VAULT ARGS` on a terminal, answering each prompt.
fn dialogue(vault: &std::path::Path, args: &[&str], steps: &[(&str, &str)]) -> Dialogue {
    let steps: Vec<[&str; 2]> = steps.iter().map(|(p, a)| [*p, *a]).collect();
    let output = Command::new("python3")
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/cli_support/pty_dialogue.py"
        ))
        .arg(env!("CARGO_BIN_EXE_mobipass"))
        .arg(serde_json::to_string(&steps).unwrap())
        .arg("--vault")
        .arg(vault)
        .args(args)
        .env_remove("MOBIPASS_VAULT")
        .env(
            "DBUS_SESSION_BUS_ADDRESS",
            "unix:path=/nonexistent/mobipass-tests-have-no-bus",
        )
        .output()
        .expect("python3 drives the pseudo-terminal (CI has it)");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    Dialogue {
        transcript: report["transcript"].as_str().unwrap().to_owned(),
        missing: report["missing"].as_str().map(str::to_owned),
        code: report["code"].as_i64().unwrap(),
    }
}

#[test]
fn delete_takes_y_yes_and_the_russian_and_kazakh_yes() {
    for answer in ["y", "yes", "Да", "д", "иә", "и"] {
        let f = Fixture::activated();
        let d = dialogue(&f.vault(), &["delete"], &[("Type yes to delete", answer)]);
        assert_eq!(d.missing, None, "{}", d.transcript);
        assert_eq!(d.code, 0, "{}", d.transcript);
        assert!(!f.vault().exists(), "{answer:?} did not delete");
        assert!(d.transcript.contains("is deleted"), "{}", d.transcript);
    }
}

#[test]
fn delete_says_what_to_type_for_an_unclear_answer_and_keeps_the_key_on_no() {
    let f = Fixture::activated();
    let before = f.vault_bytes();
    let d = dialogue(
        &f.vault(),
        &["delete"],
        &[
            ("Type yes to delete", "sure"),
            (
                "Type yes (or y) to delete the key, or no (or n) to keep it",
                "нет",
            ),
        ],
    );
    assert_eq!(d.missing, None, "{}", d.transcript);
    assert_eq!(d.code, 0);
    assert!(
        d.transcript.contains("Nothing was deleted."),
        "{}",
        d.transcript
    );
    assert_eq!(f.vault_bytes(), before);
}

#[test]
fn activate_after_two_different_pins_asks_only_for_the_repeat() {
    let f = Fixture::empty();
    let key = f.key.grouped();
    let d = dialogue(
        &f.vault(),
        &["activate", "--allow-unbound"],
        &[
            ("Part 1 of 4: ", key.as_str()),
            ("Choose a 4-digit PIN: ", "3907"),
            ("Type the new PIN again: ", "3970"),
            // Only the repeat is asked; Enter alone goes back to choosing.
            ("or press Enter alone to choose a different PIN", ""),
            ("Choose a 4-digit PIN: ", OTHER_PIN),
            ("Type the new PIN again: ", "5248"),
            ("or press Enter alone to choose a different PIN", OTHER_PIN),
            ("MobiPass is activated", ""),
        ],
    );
    assert_eq!(d.missing, None, "{}", d.transcript);
    assert_eq!(d.code, 0, "{}", d.transcript);
    assert_eq!(d.transcript.matches("The two entries differ.").count(), 2);
    assert_eq!(
        d.transcript.matches("Choose a 4-digit PIN").count(),
        2,
        "a mismatch asked for the first PIN again: {}",
        d.transcript
    );
    let token = Token::open(f.vault()).unwrap().without_keystore_for_tests();
    assert_eq!(token.sign(OTHER_PIN, CODE).unwrap(), expected(&f.key, CODE));
}

#[test]
fn activate_asks_for_the_activation_code_of_a_two_channel_envelope_again_after_a_typo() {
    let f = TwoChannel::empty();
    let parts = f.envelope.parts();
    let digits = f.code.digits();
    let d = dialogue(
        &f.vault(),
        &["activate", "--allow-unbound"],
        &[
            ("Part 1 of 4: ", parts[0].as_str()),
            ("Part 2 of 4: ", parts[1].as_str()),
            ("Part 3 of 4: ", parts[2].as_str()),
            ("Part 4 of 4: ", parts[3].as_str()),
            ("Activation code: ", &typo_in(&digits, 6)),
            ("Activation code: ", "1234"),
            ("Activation code: ", &f.code.grouped()),
            ("Choose a 4-digit PIN: ", PIN),
            ("Type the new PIN again: ", PIN),
            ("To finish the activation", ""),
        ],
    );
    assert_eq!(d.missing, None, "{}", d.transcript);
    assert_eq!(d.code, 0, "{}", d.transcript);
    for said in [
        "the internet bank after you log in",
        "the contact centre",
        "SMS",
        "valid for 15 minutes",
        "the activation code has a typo; type the activation code again",
        "the activation code has 8 digits; found 4",
    ] {
        assert!(d.transcript.contains(said), "{said}: {}", d.transcript);
    }
    let token = Token::open(f.vault()).unwrap().without_keystore_for_tests();
    assert_eq!(token.sign(PIN, CODE).unwrap(), expected(&f.s2, CODE));
}

#[test]
fn activate_asks_again_for_the_part_of_the_other_kind() {
    let f = TwoChannel::empty();
    let two = f.envelope.parts();
    let only = mobipass_scheme::Envelope::new(
        f.envelope.key().clone(),
        mobipass_scheme::EnvelopeKind::EnvelopeOnly,
    )
    .parts();
    let d = dialogue(
        &f.vault(),
        &["activate", "--allow-unbound"],
        &[
            ("Part 1 of 4: ", two[0].as_str()),
            ("Part 2 of 4: ", only[1].as_str()),
            ("Part 3 of 4: ", two[2].as_str()),
            ("Part 4 of 4: ", two[3].as_str()),
            ("Part 2 of 4: ", two[1].as_str()),
            ("Activation code: ", &f.code.grouped()),
            ("Choose a 4-digit PIN: ", PIN),
            ("Type the new PIN again: ", PIN),
            ("To finish the activation", ""),
        ],
    );
    assert_eq!(d.missing, None, "{}", d.transcript);
    assert_eq!(d.code, 0, "{}", d.transcript);
    assert!(
        d.transcript
            .contains("part 2 of 4 has a typo; type part 2 again"),
        "{}",
        d.transcript
    );
    let token = Token::open(f.vault()).unwrap().without_keystore_for_tests();
    assert_eq!(token.sign(PIN, CODE).unwrap(), expected(&f.s2, CODE));
}

#[test]
fn on_a_terminal_without_a_keystore_activation_asks_whether_to_keep_an_unbound_vault() {
    // No: nothing is written.
    let f = Fixture::empty();
    let key = f.key.grouped();
    let d = dialogue(
        &f.vault(),
        &["activate"],
        &[
            ("Part 1 of 4: ", key.as_str()),
            ("Choose a 4-digit PIN: ", PIN),
            ("Type the new PIN again: ", PIN),
            ("Keep an unbound vault?", "no"),
            ("Nothing was written", ""),
        ],
    );
    assert_eq!(d.missing, None, "{}", d.transcript);
    assert_eq!(d.code, i64::from(exit::NO_KEYSTORE), "{}", d.transcript);
    assert!(d.transcript.contains("opens wherever its file is copied"));
    assert!(!f.vault().exists());

    // Yes: an unbound vault, said so.
    let d = dialogue(
        &f.vault(),
        &["activate"],
        &[
            ("Part 1 of 4: ", key.as_str()),
            ("Choose a 4-digit PIN: ", PIN),
            ("Type the new PIN again: ", PIN),
            ("Keep an unbound vault?", "yes"),
            ("MobiPass is activated", ""),
        ],
    );
    assert_eq!(d.missing, None, "{}", d.transcript);
    assert_eq!(d.code, 0, "{}", d.transcript);
    assert!(d.transcript.contains("not bound"), "{}", d.transcript);
    let token = Token::open(f.vault()).unwrap().without_keystore_for_tests();
    assert_eq!(token.sign(PIN, CODE).unwrap(), expected(&f.key, CODE));
}
