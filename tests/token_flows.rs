//! Whole flows through the app core's library API, with tiny Argon2.

mod token_support;

use std::task::{Context, Poll, Wake, Waker};

use mobipass::token::{DamageReason, Status, Token, TokenError, background};
use mobipass_scheme::Envelope;
use mobipass_scheme::{
    ActivationError, CodeError, EnvelopeKind, KdfParams, KeyError, PinError, QuestionError,
};
use token_support::*;

#[test]
fn activated_token_signs_what_the_scheme_computes() {
    let f = Fixture::activated();
    for code in [CODE, "00000000", "1234567"] {
        assert_eq!(f.token.sign(PIN, code).unwrap(), expected(&f.key, code));
    }
    let linked = f
        .token
        .sign_linked(PIN, CODE, 150_000, "KZ86 125K ZT50 0410 0100")
        .unwrap();
    assert_eq!(linked, expected_linked(&f.key, CODE, 150_000, "04100100"));
    assert_ne!(linked, expected(&f.key, CODE));
}

#[test]
fn wrong_pin_gives_a_different_normal_looking_response() {
    let f = Fixture::activated();
    let right = f.token.sign(PIN, CODE).unwrap();
    for pin in [WRONG_PIN, "0000", "9999", OTHER_PIN] {
        let wrong = f.token.sign(pin, CODE).unwrap();
        assert_ne!(wrong, right, "PIN {pin}");
        assert_eq!(wrong.as_str().len(), 8);
        assert!(wrong.as_str().bytes().all(|b| b.is_ascii_digit()));
        // The same wrong PIN gives the same wrong response: nothing random to tell it apart.
        assert_eq!(f.token.sign(pin, CODE).unwrap(), wrong);
    }
}

#[test]
fn change_pin_with_the_right_pin_moves_the_key_to_the_new_pin() {
    let f = Fixture::activated();
    let before = f.vault_bytes();
    f.token.change_pin(PIN, OTHER_PIN, OTHER_PIN).unwrap();
    assert_eq!(
        f.token.sign(OTHER_PIN, CODE).unwrap(),
        expected(&f.key, CODE)
    );
    assert_ne!(f.token.sign(PIN, CODE).unwrap(), expected(&f.key, CODE));
    let (old, new) = (json(&before), json(&f.vault_bytes()));
    assert_ne!(
        old["kdf"]["salt"], new["kdf"]["salt"],
        "a fresh salt for every mask"
    );
    assert_ne!(old["mask"], new["mask"]);
    assert_eq!(old["created"], new["created"]);
}

/// Two masks of the same key under two PINs reveal both PINs to an offline
/// search, so the previous vault's bytes must not stay in the freed blocks.
#[cfg(unix)]
#[test]
fn change_pin_overwrites_the_previous_vault_file_with_zeros() {
    use std::io::Read;
    let f = Fixture::activated();
    // This handle keeps reaching the old file after the rename replaces it.
    let mut previous = std::fs::File::open(f.vault()).unwrap();
    let previous_len = f.vault_bytes().len();

    let saved = f.token.change_pin(PIN, OTHER_PIN, OTHER_PIN).unwrap();

    assert!(saved.is_durable() && saved.warnings().is_empty());
    let mut left = Vec::new();
    previous.read_to_end(&mut left).unwrap();
    assert_eq!(left.len(), previous_len);
    assert!(left.iter().all(|&b| b == 0), "the old mask is still there");
    assert_eq!(
        f.token.sign(OTHER_PIN, CODE).unwrap(),
        expected(&f.key, CODE)
    );
    assert_eq!(
        f.names(),
        ["vault.json", "vault.json.lock"].map(String::from).into()
    );
}

#[test]
fn change_pin_with_a_wrong_current_pin_completes_and_afterwards_signs_differently() {
    let f = Fixture::activated();
    let what_the_wrong_pin_unmasks = f.token.sign(WRONG_PIN, CODE).unwrap();
    f.token.change_pin(WRONG_PIN, OTHER_PIN, OTHER_PIN).unwrap();
    let after = f.token.sign(OTHER_PIN, CODE).unwrap();
    assert_ne!(after, expected(&f.key, CODE));
    // The vault now holds the key the wrong PIN unmasked, as the manual says.
    assert_eq!(after, what_the_wrong_pin_unmasks);
    // Neither the old PIN nor the wrong one gives the issued key any more.
    assert_ne!(f.token.sign(PIN, CODE).unwrap(), expected(&f.key, CODE));
}

#[test]
fn refused_input_names_the_reason_and_writes_nothing() {
    let f = Fixture::empty();
    let mut parts = f.key.parts();
    let good = parts.clone();
    let digit = parts[2].as_bytes()[4];
    parts[2].replace_range(4..5, if digit == b'9' { "0" } else { "9" });
    let cases: Vec<(TokenError, TokenError)> = vec![
        (
            f.token.activate(&parts, PIN, PIN).unwrap_err(),
            TokenError::Key(KeyError::Typo { part: 3 }),
        ),
        (
            f.token.activate(&good, "1111", "1111").unwrap_err(),
            TokenError::Pin(PinError::AllSame),
        ),
        (
            f.token.activate(&good, "1234", "1234").unwrap_err(),
            TokenError::Pin(PinError::Sequence),
        ),
        (
            f.token.activate(&good, "6969", "6969").unwrap_err(),
            TokenError::Pin(PinError::Common),
        ),
        (
            f.token.activate(&good, PIN, OTHER_PIN).unwrap_err(),
            TokenError::Pin(PinError::Mismatch),
        ),
        (
            f.token.activate(&good, "39O7", "39O7").unwrap_err(),
            TokenError::Pin(PinError::NotFourDigits),
        ),
    ];
    for (got, want) in cases {
        assert_eq!(got, want);
        let message = got.to_string();
        assert!(
            !message.contains(parts[2].as_str()) && !message.contains(PIN),
            "{message}"
        );
    }
    assert!(f.names().is_empty(), "nothing written: {:?}", f.names());
}

#[test]
fn refused_pin_change_leaves_the_vault_as_it_was() {
    let f = Fixture::activated();
    let before = f.vault_bytes();
    assert_eq!(
        f.token.change_pin(PIN, "2222", "2222").unwrap_err(),
        TokenError::Pin(PinError::AllSame)
    );
    assert_eq!(
        f.token.change_pin(PIN, OTHER_PIN, "5248").unwrap_err(),
        TokenError::Pin(PinError::Mismatch)
    );
    assert_eq!(
        f.token.change_pin("39", OTHER_PIN, OTHER_PIN).unwrap_err(),
        TokenError::Pin(PinError::NotFourDigits)
    );
    assert_eq!(f.vault_bytes(), before);
}

#[test]
fn malformed_code_amount_or_payee_is_refused() {
    let f = Fixture::activated();
    assert_eq!(
        f.token.sign(PIN, "12345").unwrap_err(),
        TokenError::Question(QuestionError::CodeFormat)
    );
    assert_eq!(
        f.token
            .sign_linked(PIN, CODE, 1_000_000_000_000, "123")
            .unwrap_err(),
        TokenError::Question(QuestionError::AmountTooLarge)
    );
    assert_eq!(
        f.token
            .sign_linked(PIN, CODE, 100, "no digits")
            .unwrap_err(),
        TokenError::Question(QuestionError::PayeeWithoutDigits)
    );
    assert_eq!(
        f.token.sign("12a4", CODE).unwrap_err(),
        TokenError::Pin(PinError::NotFourDigits)
    );
}

#[test]
fn activating_twice_is_refused_and_keeps_the_first_vault() {
    let f = Fixture::activated();
    let before = f.vault_bytes();
    let other = mobipass_scheme::ActivationKey::generate();
    assert_eq!(
        f.token.activate(&other.parts(), PIN, PIN).unwrap_err(),
        TokenError::AlreadyActivated
    );
    assert_eq!(f.vault_bytes(), before);
}

#[test]
fn operations_before_activation_say_not_activated() {
    let f = Fixture::empty();
    assert_eq!(f.token.status().unwrap(), Status::NotActivated);
    assert_eq!(
        f.token.sign(PIN, CODE).unwrap_err(),
        TokenError::NotActivated
    );
    assert_eq!(
        f.token.change_pin(PIN, OTHER_PIN, OTHER_PIN).unwrap_err(),
        TokenError::NotActivated
    );
    assert_eq!(f.token.delete().unwrap_err(), TokenError::NotActivated);
}

#[test]
fn damaged_vaults_give_a_clear_error_and_are_never_overwritten() {
    let good = Fixture::activated().vault_bytes();
    for (kind, content) in damaged_contents(&good) {
        let f = Fixture::empty();
        std::fs::write(f.vault(), &content).unwrap();
        let errors = [
            f.token.status().unwrap_err(),
            f.token.sign(PIN, CODE).unwrap_err(),
            f.token.change_pin(PIN, OTHER_PIN, OTHER_PIN).unwrap_err(),
            f.token.activate(&f.key.parts(), PIN, PIN).unwrap_err(),
        ];
        for error in errors {
            let TokenError::Damaged { ref path, reason } = error else {
                panic!("{kind}: {error:?}");
            };
            assert_eq!(path, &f.vault(), "{kind}");
            let expected_reason = match kind {
                "empty" => DamageReason::Empty,
                "truncated" => DamageReason::Truncated,
                _ => DamageReason::Foreign,
            };
            assert_eq!(reason, expected_reason, "{kind}");
            let message = error.to_string();
            assert!(message.contains("activate again"), "{message}");
        }
        assert_eq!(
            std::fs::read(f.vault()).unwrap(),
            content,
            "{kind} untouched"
        );
        f.token.delete().unwrap();
        assert!(!f.vault().exists(), "{kind}: delete is the way out");
    }
}

#[test]
fn delete_removes_the_vault_and_leaves_no_copy() {
    let f = Fixture::activated();
    f.token.delete().unwrap();
    assert_eq!(f.token.status().unwrap(), Status::NotActivated);
    let names = f.names();
    assert!(names.iter().all(|n| n == "vault.json.lock"), "{names:?}");
    // Activating again works after a delete.
    f.token
        .activate(&f.key.parts(), OTHER_PIN, OTHER_PIN)
        .unwrap();
    assert_eq!(
        f.token.sign(OTHER_PIN, CODE).unwrap(),
        expected(&f.key, CODE)
    );
}

#[test]
fn status_shows_dates_and_cost_but_no_secret() {
    let f = Fixture::activated();
    let Status::Activated {
        kind,
        created,
        updated,
        kdf,
        bound,
    } = f.token.status().unwrap()
    else {
        panic!("not activated");
    };
    assert!(!bound, "the fixture has no keystore");
    assert_eq!(kind, EnvelopeKind::EnvelopeOnly);
    assert_eq!(kdf, SMALL);
    assert_eq!(created, updated);
    let age = std::time::SystemTime::now()
        .duration_since(created)
        .unwrap();
    assert!(age.as_secs() < 60);
}

#[cfg(unix)]
#[test]
fn vault_and_its_directory_are_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let root = tempfile::tempdir().unwrap();
    let path = root.path().join("new-dir").join("vault.json");
    let token = Token::open(&path)
        .unwrap()
        .without_keystore_for_tests()
        .with_kdf_params_for_tests(SMALL);
    let key = mobipass_scheme::ActivationKey::generate();
    token.activate(&key.parts(), PIN, PIN).unwrap();
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&path), 0o600);
    assert_eq!(mode(path.parent().unwrap()), 0o700);
    token.change_pin(PIN, OTHER_PIN, OTHER_PIN).unwrap();
    assert_eq!(mode(&path), 0o600);
}

#[test]
fn a_stale_temp_file_is_removed_at_open() {
    let f = Fixture::activated();
    let before = f.vault_bytes();
    let temp = f.dir.path().join("vault.json.tmp");
    std::fs::write(&temp, b"{\"half\": \"a second mask").unwrap();
    let token = Token::open(f.vault()).unwrap().without_keystore_for_tests();
    assert!(!temp.exists());
    assert_eq!(f.vault_bytes(), before);
    assert_eq!(token.sign(PIN, CODE).unwrap(), expected(&f.key, CODE));
}

#[test]
fn while_another_instance_writes_writers_are_told_and_the_temp_file_is_kept() {
    let f = Fixture::activated();
    let before = f.vault_bytes();
    let lock = f.hold_writer_lock();
    let locked = TokenError::Locked { path: f.vault() };
    assert_eq!(
        f.token.change_pin(PIN, OTHER_PIN, OTHER_PIN).unwrap_err(),
        locked
    );
    assert_eq!(f.token.delete().unwrap_err(), locked);
    assert_eq!(
        f.token.activate(&f.key.parts(), PIN, PIN).unwrap_err(),
        locked
    );
    // Reading needs no lock.
    assert_eq!(f.token.sign(PIN, CODE).unwrap(), expected(&f.key, CODE));
    // The other instance's temp file is its work in progress, not debris.
    let temp = f.dir.path().join("vault.json.tmp");
    std::fs::write(&temp, b"in progress").unwrap();
    Token::open(f.vault()).unwrap().without_keystore_for_tests();
    assert!(temp.exists());
    drop(lock);
    Token::open(f.vault()).unwrap().without_keystore_for_tests();
    assert!(!temp.exists());
    assert_eq!(f.vault_bytes(), before);
}

#[test]
fn new_vaults_use_the_default_cost_without_the_test_override() {
    let dir = tempfile::tempdir().unwrap();
    let token = Token::open(dir.path().join("vault.json"))
        .unwrap()
        .without_keystore_for_tests();
    let key = mobipass_scheme::ActivationKey::generate();
    token.activate(&key.parts(), PIN, PIN).unwrap();
    let Status::Activated { kdf, .. } = token.status().unwrap() else {
        panic!("not activated");
    };
    assert_eq!(kdf, KdfParams::DEFAULT);
    assert_eq!(token.sign(PIN, CODE).unwrap(), expected(&key, CODE));
}

#[test]
fn background_returns_the_result_of_work_done_on_another_thread() {
    let f = Fixture::activated();
    let token = f.token.clone();
    let caller = std::thread::current().id();
    let future = background(move || (std::thread::current().id(), token.sign(PIN, CODE)));
    let (worker, response) = block_on(future);
    assert_ne!(worker, caller);
    assert_eq!(response.unwrap(), expected(&f.key, CODE));
}

fn json(bytes: &[u8]) -> serde_json::Value {
    serde_json::from_slice(bytes).unwrap()
}

/// Polls a future on this thread until it is ready (no runtime needed).
fn block_on<F: std::future::Future>(future: F) -> F::Output {
    struct Unpark(std::thread::Thread);
    impl Wake for Unpark {
        fn wake(self: std::sync::Arc<Self>) {
            self.0.unpark();
        }
    }
    let waker = Waker::from(std::sync::Arc::new(Unpark(std::thread::current())));
    let mut context = Context::from_waker(&waker);
    let mut future = std::pin::pin!(future);
    loop {
        match future.as_mut().poll(&mut context) {
            Poll::Ready(output) => return output,
            Poll::Pending => std::thread::park(),
        }
    }
}

// --- two-channel activation (DESIGN.md section 2b) ---------------------------

#[test]
fn two_channel_activation_signs_with_the_activated_secret_and_records_the_kind() {
    let f = TwoChannel::activated();
    assert_eq!(f.token.sign(PIN, CODE).unwrap(), expected(&f.s2, CODE));
    assert_ne!(
        f.token.sign(PIN, CODE).unwrap(),
        expected(f.envelope.key(), CODE),
        "S itself must not sign: the envelope alone is not enough"
    );
    let linked = f.token.sign_linked(PIN, CODE, 150_000, "04100100").unwrap();
    assert_eq!(linked, expected_linked(&f.s2, CODE, 150_000, "04100100"));
    let Status::Activated { kind, .. } = f.token.status().unwrap() else {
        panic!("not activated");
    };
    assert_eq!(kind, EnvelopeKind::TwoChannel);
    assert_eq!(json(&f.vault_bytes())["envelope_kind"], "two_channel");
}

#[test]
fn a_wrong_activation_code_activates_and_signs_wrongly_without_any_error() {
    let f = TwoChannel::empty();
    let other = other_code(&f.code);
    f.token
        .activate_with_code(&f.envelope.parts(), Some(&other.grouped()), PIN, PIN)
        .unwrap();
    let wrong = f.token.sign(PIN, CODE).unwrap();
    assert_ne!(wrong, expected(&f.s2, CODE));
    assert_eq!(
        wrong,
        expected(&f.envelope.activated(Some(&other)).unwrap(), CODE)
    );
    assert!(wrong.as_str().len() == 8 && wrong.as_str().bytes().all(|b| b.is_ascii_digit()));
}

#[test]
fn the_vault_of_a_two_channel_key_holds_nothing_but_the_mask_of_s2() {
    let f = TwoChannel::activated();
    let value = json(&f.vault_bytes());
    let mut keys: Vec<_> = value.as_object().unwrap().keys().cloned().collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "created",
            "envelope_kind",
            "format_version",
            "kdf",
            "mask",
            "scheme_version",
            "updated"
        ]
    );
    let text = String::from_utf8(f.vault_bytes()).unwrap();
    assert!(!text.contains(f.code.digits().as_str()));
    assert!(!text.contains(f.code.data_digits().as_str()));
    // Two activations of the same envelope and code share no stored value
    // but the kind: the salt is fresh, so even the masks differ.
    let again = TwoChannel::activated_as(&f.envelope, &f.code);
    let other = json(&again.vault_bytes());
    assert_ne!(value["mask"], other["mask"]);
    assert_eq!(again.token.sign(PIN, CODE).unwrap(), expected(&f.s2, CODE));
}

#[test]
fn two_channel_needs_its_code_and_envelope_only_takes_none() {
    let f = TwoChannel::empty();
    assert_eq!(
        f.token.activate(&f.envelope.parts(), PIN, PIN),
        Err(TokenError::Activation(ActivationError::CodeNeeded))
    );
    let only = Fixture::empty();
    assert_eq!(
        only.token
            .activate_with_code(&only.key.parts(), Some(&f.code.grouped()), PIN, PIN),
        Err(TokenError::Activation(ActivationError::CodeNotExpected))
    );
    assert!(!f.vault().exists());
    assert!(!only.vault().exists());
}

#[test]
fn a_malformed_or_mistyped_code_is_refused_and_nothing_is_written() {
    let f = TwoChannel::empty();
    let digits = f.code.digits();
    let cases = [
        (typo_in(&digits, 3), CodeError::Typo),
        (swapped_in(&digits), CodeError::Typo),
        (format!("{}x", &digits[..7]), CodeError::NotDigits),
        (digits[..7].to_owned(), CodeError::WrongLength { found: 7 }),
        (
            format!("{}1", digits.as_str()),
            CodeError::WrongLength { found: 9 },
        ),
        (String::new(), CodeError::WrongLength { found: 0 }),
    ];
    for (typed, error) in cases {
        assert_eq!(
            f.token
                .activate_with_code(&f.envelope.parts(), Some(&typed), PIN, PIN),
            Err(TokenError::Code(error)),
            "{typed:?}"
        );
        assert!(!f.vault().exists(), "{typed:?} wrote a vault");
    }
}

#[test]
fn parts_of_two_kinds_are_refused_naming_the_odd_part_or_the_whole() {
    let f = TwoChannel::empty();
    let two = f.envelope.parts();
    let only = Envelope::new(f.envelope.key().clone(), EnvelopeKind::EnvelopeOnly).parts();
    let mixed = [&only[0], &two[1], &only[2], &two[3]].map(|p| p.to_string());
    assert_eq!(
        f.token
            .activate_with_code(&mixed, Some(&f.code.grouped()), PIN, PIN),
        Err(TokenError::PartsDoNotBelongTogether)
    );
    let one_off = [&two[0], &two[1], &only[2], &two[3]].map(|p| p.to_string());
    assert_eq!(
        f.token
            .activate_with_code(&one_off, Some(&f.code.grouped()), PIN, PIN),
        Err(TokenError::Key(KeyError::Typo { part: 3 }))
    );
    assert!(!f.vault().exists());
    assert_eq!(
        TokenError::PartsDoNotBelongTogether.to_string(),
        "the parts do not belong together; compare them with the envelope"
    );
}

#[test]
fn a_vault_written_before_two_channel_existed_reads_as_envelope_only() {
    let f = Fixture::activated();
    let text = String::from_utf8(f.vault_bytes()).unwrap();
    let old = text.replace("  \"envelope_kind\": \"envelope_only\",\n", "");
    assert_ne!(old, text);
    std::fs::write(f.vault(), old).unwrap();
    let Status::Activated { kind, .. } = f.token.status().unwrap() else {
        panic!("not activated");
    };
    assert_eq!(kind, EnvelopeKind::EnvelopeOnly);
    assert_eq!(f.token.sign(PIN, CODE).unwrap(), expected(&f.key, CODE));
}

#[test]
fn change_pin_keeps_the_kind_and_the_activated_secret() {
    let f = TwoChannel::activated();
    f.token.change_pin(PIN, OTHER_PIN, OTHER_PIN).unwrap();
    assert_eq!(
        f.token.sign(OTHER_PIN, CODE).unwrap(),
        expected(&f.s2, CODE)
    );
    assert_eq!(json(&f.vault_bytes())["envelope_kind"], "two_channel");
}
