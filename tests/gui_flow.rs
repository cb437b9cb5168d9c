//! Whole flows through the GUI's root, as a user clicks and types them,
//! against a temporary vault with tiny Argon2 parameters. The background
//! tasks really run (see `gui_support`); only the window is missing.

mod gui_support;

use gui_support::{Driver, QUICK};
use mobipass::gui::i18n::Lang;
use mobipass::gui::screen::{
    activation_code, change_pin, choose_pin, delete, key_parts, menu, problem, review, sign,
    welcome,
};
use mobipass::gui::timer::Timings;
use mobipass::gui::{App, KeyPress, Message, Screen};
use mobipass::token::Status;
use mobipass_scheme::{
    ActivationCode, ActivationKey, Amount, Challenge, DocumentCode, Envelope, EnvelopeKind, Payee,
};

const PIN: &str = "4826";
const NEW_PIN: &str = "7391";
const CODE: &str = "338609";

fn expected(key: &ActivationKey, code: &str) -> String {
    Challenge::Plain(DocumentCode::parse(code).unwrap())
        .respond(&key.ocra_key())
        .as_str()
        .to_owned()
}

fn activate(driver: &mut Driver, key: &ActivationKey) {
    assert!(matches!(driver.app.screen(), Screen::Welcome(_)));
    driver.send(Message::Welcome(welcome::Message::SaveKey));
    driver.send(Message::ChoosePin(choose_pin::Message::Pin(PIN.into())));
    driver.send(Message::ChoosePin(choose_pin::Message::Again(PIN.into())));
    driver.send(Message::ChoosePin(choose_pin::Message::Submit));
    assert!(matches!(driver.app.screen(), Screen::KeyParts(..)));
    for (index, part) in key.parts().iter().enumerate() {
        driver.send(Message::KeyParts(key_parts::Message::Changed(
            index,
            part.to_string(),
        )));
    }
    driver.send(Message::KeyParts(key_parts::Message::Submit));
    assert!(matches!(driver.app.screen(), Screen::Review(_)));
    driver.send(Message::Review(review::Message::Save));
    driver.until(
        |app| matches!(app.screen(), Screen::Review(r) if r.stage() == review::Stage::Saved),
    );
    driver.send(Message::Review(review::Message::Continue));
    assert!(matches!(driver.app.screen(), Screen::Menu(_)));
}

fn shown_response(app: &App) -> Option<String> {
    match app.screen() {
        Screen::Sign(screen) => screen.response().map(|r| r.as_str().to_owned()),
        _ => None,
    }
}

fn sign(driver: &mut Driver, pin: &str, code: &str) -> String {
    driver.send(Message::Menu(menu::Message::Sign));
    driver.send(Message::Sign(sign::Message::Pin(pin.into())));
    driver.send(Message::Sign(sign::Message::Code(code.into())));
    driver.send(Message::Sign(sign::Message::Submit));
    driver.until(|app| shown_response(app).is_some());
    let response = shown_response(&driver.app).unwrap();
    driver.send(Message::Sign(sign::Message::Back));
    assert!(matches!(driver.app.screen(), Screen::Menu(_)));
    response
}

fn change_pin(driver: &mut Driver, current: &str, new: &str) {
    driver.send(Message::Menu(menu::Message::ChangePin));
    driver.send(Message::ChangePin(change_pin::Message::Current(
        current.into(),
    )));
    driver.send(Message::ChangePin(change_pin::Message::New(new.into())));
    driver.send(Message::ChangePin(change_pin::Message::Again(new.into())));
    driver.send(Message::ChangePin(change_pin::Message::Submit));
    driver.until(|app| matches!(app.screen(), Screen::ChangePin(s) if s.is_done()));
    driver.send(Message::ChangePin(change_pin::Message::Back));
}

#[test]
fn activate_sign_change_pin_sign_delete() {
    let mut driver = Driver::new(Lang::English, Timings::DEFAULT);
    let key = ActivationKey::generate();
    activate(&mut driver, &key);

    let first = sign(&mut driver, PIN, CODE);
    assert_eq!(first, expected(&key, CODE));
    // The same as the core (which the terminal mode prints) for the same vault.
    assert_eq!(first, driver.token().sign(PIN, CODE).unwrap().as_str());

    change_pin(&mut driver, PIN, NEW_PIN);
    assert_eq!(sign(&mut driver, NEW_PIN, CODE), expected(&key, CODE));
    let old_pin = sign(&mut driver, PIN, CODE);
    assert_ne!(
        old_pin,
        expected(&key, CODE),
        "the old PIN no longer gives the key's response"
    );
    assert_eq!(old_pin.len(), 8);

    driver.send(Message::Menu(menu::Message::Delete));
    driver.send(Message::Delete(delete::Message::Confirm));
    driver.until(|app| matches!(app.screen(), Screen::Welcome(_)));
    match driver.app.screen() {
        Screen::Welcome(screen) => assert_eq!(screen.notice().unwrap().id(), "deleted-body"),
        _ => unreachable!(),
    }
    assert!(!driver._dir.path().join("vault.json").exists());
    // And the first-run flow works again on the same vault path.
    let other = ActivationKey::generate();
    activate(&mut driver, &other);
    assert_eq!(sign(&mut driver, PIN, CODE), expected(&other, CODE));
}

#[test]
fn wrong_pin_gives_a_normal_looking_response_and_no_message() {
    let mut driver = Driver::new(Lang::English, Timings::DEFAULT);
    let key = ActivationKey::generate();
    activate(&mut driver, &key);
    driver.send(Message::Menu(menu::Message::Sign));
    driver.send(Message::Sign(sign::Message::Pin("4827".into())));
    driver.send(Message::Sign(sign::Message::Code(CODE.into())));
    driver.send(Message::Sign(sign::Message::Submit));
    driver.until(|app| shown_response(app).is_some());
    let Screen::Sign(screen) = driver.app.screen() else {
        unreachable!()
    };
    assert!(screen.error().is_none());
    let response = screen.response().unwrap().as_str().to_owned();
    assert!(response.len() == 8 && response.bytes().all(|b| b.is_ascii_digit()));
    assert_ne!(response, expected(&key, CODE));
}

#[test]
fn change_pin_with_a_mistyped_current_pin_goes_on_and_signs_differently() {
    let mut driver = Driver::new(Lang::English, Timings::DEFAULT);
    let key = ActivationKey::generate();
    activate(&mut driver, &key);
    change_pin(&mut driver, "4827", NEW_PIN);
    let after = sign(&mut driver, NEW_PIN, CODE);
    assert_ne!(after, expected(&key, CODE));
}

#[test]
fn linked_signature_binds_amount_and_payee() {
    let mut driver = Driver::new(Lang::Russian, Timings::DEFAULT);
    let key = ActivationKey::generate();
    activate(&mut driver, &key);
    driver.send(Message::Menu(menu::Message::Sign));
    driver.send(Message::Sign(sign::Message::Pin(PIN.into())));
    driver.send(Message::Sign(sign::Message::Code(CODE.into())));
    driver.send(Message::Sign(sign::Message::Linked(true)));
    driver.send(Message::Sign(sign::Message::Amount("1 500,00".into())));
    driver.send(Message::Sign(sign::Message::Payee(
        "KZ12 3456 7890 1234".into(),
    )));
    driver.send(Message::Sign(sign::Message::Submit));
    driver.until(|app| shown_response(app).is_some());
    let want = Challenge::Linked {
        code: DocumentCode::parse(CODE).unwrap(),
        amount: Amount::from_minor(150_000).unwrap(),
        payee: Payee::parse("KZ12 3456 7890 1234").unwrap(),
    }
    .respond(&key.ocra_key());
    assert_eq!(shown_response(&driver.app).unwrap(), want.as_str());
}

#[test]
fn malformed_amount_is_refused_before_any_signing() {
    let mut driver = Driver::new(Lang::English, Timings::DEFAULT);
    activate(&mut driver, &ActivationKey::generate());
    driver.send(Message::Menu(menu::Message::Sign));
    driver.send(Message::Sign(sign::Message::Pin(PIN.into())));
    driver.send(Message::Sign(sign::Message::Code(CODE.into())));
    driver.send(Message::Sign(sign::Message::Linked(true)));
    driver.send(Message::Sign(sign::Message::Amount("15x0".into())));
    driver.send(Message::Sign(sign::Message::Submit));
    let Screen::Sign(screen) = driver.app.screen() else {
        unreachable!()
    };
    assert!(!screen.is_busy());
    assert_eq!(screen.error().unwrap().id(), "err-amount");
}

#[test]
fn response_hides_itself_and_copied_response_leaves_the_clipboard() {
    let mut driver = Driver::new(Lang::English, QUICK);
    activate(&mut driver, &ActivationKey::generate());
    driver.send(Message::Menu(menu::Message::Sign));
    driver.send(Message::Sign(sign::Message::Pin(PIN.into())));
    driver.send(Message::Sign(sign::Message::Code(CODE.into())));
    driver.send(Message::Sign(sign::Message::Submit));
    driver.until(|app| shown_response(app).is_some());
    let response = shown_response(&driver.app).unwrap();
    driver.send(Message::Key(KeyPress::Char("c".into())));
    driver.until_clipboard(|content| content == Some(response.as_str()));
    // Cleared after `clipboard_kept`, then hidden after `response_visible`.
    driver.until(|app| shown_response(app).is_none());
    driver.settle();
    assert_eq!(
        driver.clipboard().as_deref(),
        Some(""),
        "the clipboard was cleared (it held {response})"
    );
}

#[test]
fn clipboard_is_left_alone_when_it_holds_something_else() {
    let mut driver = Driver::new(Lang::English, QUICK);
    activate(&mut driver, &ActivationKey::generate());
    driver.send(Message::Menu(menu::Message::Sign));
    driver.send(Message::Sign(sign::Message::Pin(PIN.into())));
    driver.send(Message::Sign(sign::Message::Code(CODE.into())));
    driver.send(Message::Sign(sign::Message::Submit));
    driver.until(|app| shown_response(app).is_some());
    driver.send(Message::Sign(sign::Message::Copy));
    let response = shown_response(&driver.app).unwrap();
    driver.until_clipboard(|content| content == Some(response.as_str()));
    // The user copies something else before the timer fires; leaving the
    // screen does not stop the timer either.
    *driver.clipboard.lock().unwrap() = Some("a note".into());
    driver.send(Message::Sign(sign::Message::Back));
    driver.settle();
    assert_eq!(driver.clipboard().as_deref(), Some("a note"));
}

#[test]
fn damaged_vault_is_explained_and_delete_starts_over() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vault.json");
    std::fs::write(&path, b"{\"not\": \"a vault\"}").unwrap();
    let token = mobipass::token::Token::open(&path)
        .unwrap()
        .without_keystore_for_tests()
        .with_kdf_params_for_tests(gui_support::SMALL);
    let mut driver = Driver::on(token, dir, Lang::Kazakh, Timings::DEFAULT);
    let Screen::Problem(screen) = driver.app.screen() else {
        panic!("a damaged vault shows the problem screen");
    };
    assert_eq!(screen.reason().id(), "err-damaged");
    // Try again does not silently replace it.
    driver.send(Message::Problem(problem::Message::Retry));
    driver.until(|app| !matches!(app.screen(), Screen::Loading));
    assert!(matches!(driver.app.screen(), Screen::Problem(_)));
    assert_eq!(std::fs::read(&path).unwrap(), b"{\"not\": \"a vault\"}");

    driver.send(Message::Problem(problem::Message::Delete));
    driver.send(Message::Delete(delete::Message::Confirm));
    driver.until(|app| matches!(app.screen(), Screen::Welcome(_)));
    assert!(!path.exists());
    activate(&mut driver, &ActivationKey::generate());
}

#[test]
fn escape_goes_back_and_digits_choose_menu_actions() {
    let mut driver = Driver::new(Lang::English, Timings::DEFAULT);
    activate(&mut driver, &ActivationKey::generate());
    for (digit, opens) in [
        ("1", "sign"),
        ("2", "change"),
        ("3", "delete"),
        ("4", "help"),
    ] {
        driver.send(Message::Key(KeyPress::Char(digit.into())));
        let now = match driver.app.screen() {
            Screen::Sign(_) => "sign",
            Screen::ChangePin(_) => "change",
            Screen::Delete(_) => "delete",
            Screen::Help(_) => "help",
            _ => "other",
        };
        assert_eq!(now, opens, "key {digit}");
        driver.send(Message::Key(KeyPress::Escape));
        assert!(
            matches!(driver.app.screen(), Screen::Menu(_)),
            "Esc from {opens}"
        );
    }
    // Esc on the delete screen cancels: the key is still there.
    assert!(driver._dir.path().join("vault.json").exists());
}

#[test]
fn enter_on_the_welcome_screen_starts_activation_and_escape_returns() {
    let mut driver = Driver::new(Lang::English, Timings::DEFAULT);
    driver.send(Message::Key(KeyPress::Enter));
    assert!(matches!(driver.app.screen(), Screen::ChoosePin(_)));
    driver.send(Message::Key(KeyPress::Escape));
    assert!(matches!(driver.app.screen(), Screen::Welcome(_)));
    driver.send(Message::Key(KeyPress::Char("h".into())));
    assert!(matches!(driver.app.screen(), Screen::Help(_)));
}

#[test]
fn switching_language_keeps_the_screen_and_what_was_typed() {
    let mut driver = Driver::new(Lang::English, Timings::DEFAULT);
    driver.send(Message::Welcome(welcome::Message::SaveKey));
    driver.send(Message::ChoosePin(choose_pin::Message::Pin("1111".into())));
    driver.send(Message::ChoosePin(choose_pin::Message::PinEntered));
    driver.send(Message::Language(Lang::Kazakh));
    assert_eq!(driver.app.language(), Lang::Kazakh);
    assert_eq!(driver.app.title(), "MobiPass");
    let Screen::ChoosePin(screen) = driver.app.screen() else {
        unreachable!()
    };
    assert_eq!(screen.error().unwrap().id(), "err-pin-all-same");
}

#[test]
fn ctrl_l_and_ctrl_t_cycle_language_and_theme() {
    let mut driver = Driver::new(Lang::English, Timings::DEFAULT);
    let mut seen = Vec::new();
    for _ in 0..3 {
        driver.send(Message::Key(KeyPress::NextLanguage));
        seen.push(driver.app.language());
    }
    assert_eq!(seen, [Lang::Russian, Lang::Kazakh, Lang::English]);
    assert_eq!(driver.app.theme(), None, "the system theme by default");
    driver.send(Message::Key(KeyPress::NextTheme));
    assert_eq!(driver.app.theme(), Some(iced::Theme::Light));
    driver.send(Message::Key(KeyPress::NextTheme));
    assert_eq!(driver.app.theme(), Some(iced::Theme::Dark));
    driver.send(Message::Key(KeyPress::NextTheme));
    assert_eq!(driver.app.theme(), None);
}

#[test]
fn a_vault_locked_by_another_mobipass_is_explained_and_retry_works() {
    use fs4::fs_std::FileExt;
    let mut driver = Driver::new(Lang::English, Timings::DEFAULT);
    let key = ActivationKey::generate();
    activate(&mut driver, &key);
    let lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(driver._dir.path().join("vault.json.lock"))
        .unwrap();
    assert!(
        lock.try_lock_exclusive().unwrap(),
        "the test holds the lock"
    );

    driver.send(Message::Menu(menu::Message::ChangePin));
    driver.send(Message::ChangePin(change_pin::Message::Current(PIN.into())));
    driver.send(Message::ChangePin(change_pin::Message::New(NEW_PIN.into())));
    driver.send(Message::ChangePin(change_pin::Message::Again(
        NEW_PIN.into(),
    )));
    driver.send(Message::ChangePin(change_pin::Message::Submit));
    driver.until(|app| matches!(app.screen(), Screen::ChangePin(s) if s.error().is_some()));
    let Screen::ChangePin(screen) = driver.app.screen() else {
        unreachable!()
    };
    assert_eq!(screen.error().unwrap().id(), "err-locked");
    assert!(!screen.is_done());

    FileExt::unlock(&lock).unwrap();
    driver.send(Message::ChangePin(change_pin::Message::Current(PIN.into())));
    driver.send(Message::ChangePin(change_pin::Message::New(NEW_PIN.into())));
    driver.send(Message::ChangePin(change_pin::Message::Again(
        NEW_PIN.into(),
    )));
    driver.send(Message::ChangePin(change_pin::Message::Submit));
    driver.until(|app| matches!(app.screen(), Screen::ChangePin(s) if s.is_done()));
    driver.send(Message::ChangePin(change_pin::Message::Back));
    assert_eq!(sign(&mut driver, NEW_PIN, CODE), expected(&key, CODE));
}

// --- two-channel activation -------------------------------------------------

/// From the welcome screen to the activation-code step with a two-channel
/// envelope's parts typed.
fn to_the_code_step(driver: &mut Driver, envelope: &Envelope) {
    driver.send(Message::Welcome(welcome::Message::SaveKey));
    driver.send(Message::ChoosePin(choose_pin::Message::Pin(PIN.into())));
    driver.send(Message::ChoosePin(choose_pin::Message::Again(PIN.into())));
    driver.send(Message::ChoosePin(choose_pin::Message::Submit));
    for (index, part) in envelope.parts().iter().enumerate() {
        driver.send(Message::KeyParts(key_parts::Message::Changed(
            index,
            part.to_string(),
        )));
    }
    driver.send(Message::KeyParts(key_parts::Message::Submit));
    assert!(
        matches!(driver.app.screen(), Screen::ActivationCode(..)),
        "a two-channel envelope asks for the activation code"
    );
}

/// Types `code` on the code step, goes on, saves, and stops on the saved
/// screen.
fn code_then_save(driver: &mut Driver, code: &str) {
    driver.send(Message::ActivationCode(activation_code::Message::Changed(
        code.into(),
    )));
    driver.send(Message::ActivationCode(activation_code::Message::Submit));
    assert!(matches!(driver.app.screen(), Screen::Review(_)));
    driver.send(Message::Review(review::Message::Save));
    driver.until(
        |app| matches!(app.screen(), Screen::Review(r) if r.stage() == review::Stage::Saved),
    );
}

#[test]
fn two_channel_activation_signs_with_the_activated_secret() {
    let mut driver = Driver::new(Lang::English, Timings::DEFAULT);
    let envelope = Envelope::generate(EnvelopeKind::TwoChannel);
    let code = ActivationCode::generate();
    to_the_code_step(&mut driver, &envelope);
    code_then_save(&mut driver, &code.grouped());
    let Screen::Review(screen) = driver.app.screen() else {
        unreachable!()
    };
    assert!(
        screen.is_two_channel(),
        "the saved screen says how to finish"
    );
    driver.send(Message::Review(review::Message::Continue));
    assert!(matches!(driver.app.screen(), Screen::Menu(_)));

    let s2 = envelope.activated(Some(&code)).unwrap();
    let response = sign(&mut driver, PIN, CODE);
    assert_eq!(response, expected(&s2, CODE));
    assert_ne!(response, expected(envelope.key(), CODE));
    assert_eq!(response, driver.token().sign(PIN, CODE).unwrap().as_str());
    assert!(matches!(
        driver.token().status().unwrap(),
        Status::Activated {
            kind: EnvelopeKind::TwoChannel,
            ..
        }
    ));
}

#[test]
fn a_wrong_but_well_formed_code_saves_and_signs_wrongly_without_a_message() {
    let mut driver = Driver::new(Lang::Russian, Timings::DEFAULT);
    let envelope = Envelope::generate(EnvelopeKind::TwoChannel);
    let code = ActivationCode::generate();
    let other = loop {
        let other = ActivationCode::generate();
        if other != code {
            break other;
        }
    };
    to_the_code_step(&mut driver, &envelope);
    code_then_save(&mut driver, &other.digits());
    let Screen::Review(screen) = driver.app.screen() else {
        unreachable!()
    };
    assert!(screen.error().is_none());
    driver.send(Message::Review(review::Message::Continue));
    let response = sign(&mut driver, PIN, CODE);
    assert_ne!(
        response,
        expected(&envelope.activated(Some(&code)).unwrap(), CODE)
    );
    assert!(response.len() == 8 && response.bytes().all(|b| b.is_ascii_digit()));
}

#[test]
fn a_code_with_a_typo_stops_at_the_code_step_and_writes_nothing() {
    let mut driver = Driver::new(Lang::Kazakh, Timings::DEFAULT);
    let envelope = Envelope::generate(EnvelopeKind::TwoChannel);
    let digits = ActivationCode::generate().digits();
    let mut typo = digits.as_bytes().to_vec();
    typo[0] = b'0' + (typo[0] - b'0' + 1) % 10;
    to_the_code_step(&mut driver, &envelope);
    driver.send(Message::ActivationCode(activation_code::Message::Changed(
        String::from_utf8(typo).unwrap(),
    )));
    driver.send(Message::Key(KeyPress::Enter));
    let Screen::ActivationCode(screen, ..) = driver.app.screen() else {
        panic!("a code with a typo went on");
    };
    assert_eq!(screen.error().unwrap().id(), "err-code-typo");
    driver.settle();
    assert!(!driver._dir.path().join("vault.json").exists());
}

#[test]
fn back_from_the_review_and_the_code_step_keeps_what_was_typed() {
    let mut driver = Driver::new(Lang::English, Timings::DEFAULT);
    let envelope = Envelope::generate(EnvelopeKind::TwoChannel);
    let code = ActivationCode::generate();
    to_the_code_step(&mut driver, &envelope);
    driver.send(Message::ActivationCode(activation_code::Message::Changed(
        code.digits().to_string(),
    )));
    driver.send(Message::Key(KeyPress::Enter));
    assert!(matches!(driver.app.screen(), Screen::Review(_)));
    // Esc: back to the code, as typed.
    driver.send(Message::Key(KeyPress::Escape));
    let Screen::ActivationCode(screen, ..) = driver.app.screen() else {
        panic!("Esc on the review of a two-channel key goes back to the code");
    };
    assert_eq!(screen.digits(), code.digits().as_str());
    assert!(screen.is_correct());
    // Esc again: back to the parts, as typed.
    driver.send(Message::Key(KeyPress::Escape));
    let Screen::KeyParts(screen, _) = driver.app.screen() else {
        panic!("Esc on the code step goes back to the key parts");
    };
    for (index, part) in envelope.parts().iter().enumerate() {
        assert_eq!(screen.part(index), part.as_str());
    }
    // And on again to a vault that signs as the scheme says.
    driver.send(Message::Key(KeyPress::Enter));
    code_then_save(&mut driver, &code.digits());
    driver.send(Message::Key(KeyPress::Enter));
    assert!(matches!(driver.app.screen(), Screen::Menu(_)));
    let s2 = envelope.activated(Some(&code)).unwrap();
    assert_eq!(sign(&mut driver, PIN, CODE), expected(&s2, CODE));
}

#[test]
fn an_envelope_only_key_skips_the_code_step() {
    let mut driver = Driver::new(Lang::English, Timings::DEFAULT);
    let key = ActivationKey::generate();
    // `activate` asserts that the parts lead straight to the review.
    activate(&mut driver, &key);
    assert!(matches!(
        driver.token().status().unwrap(),
        Status::Activated {
            kind: EnvelopeKind::EnvelopeOnly,
            ..
        }
    ));
}

// --- device binding (issue 17) ------------------------------------------------

fn token_with(
    dir: &tempfile::TempDir,
    keystore: &mobipass::token::MemoryKeystore,
) -> mobipass::token::Token {
    mobipass::token::Token::open(dir.path().join("vault.json"))
        .unwrap()
        .with_keystore(std::sync::Arc::new(keystore.clone()))
        .with_kdf_params_for_tests(gui_support::SMALL)
}

/// Up to the review of `key`, then Save.
fn save_key(driver: &mut Driver, key: &ActivationKey) {
    driver.send(Message::Welcome(welcome::Message::SaveKey));
    driver.send(Message::ChoosePin(choose_pin::Message::Pin(PIN.into())));
    driver.send(Message::ChoosePin(choose_pin::Message::Again(PIN.into())));
    driver.send(Message::ChoosePin(choose_pin::Message::Submit));
    for (index, part) in key.parts().iter().enumerate() {
        driver.send(Message::KeyParts(key_parts::Message::Changed(
            index,
            part.to_string(),
        )));
    }
    driver.send(Message::KeyParts(key_parts::Message::Submit));
    driver.send(Message::Review(review::Message::Save));
}

#[test]
fn with_a_keystore_the_saved_key_is_bound_and_signs() {
    let dir = tempfile::tempdir().unwrap();
    let keystore = mobipass::token::MemoryKeystore::new();
    let token = token_with(&dir, &keystore);
    let mut driver = Driver::on(token.clone(), dir, Lang::English, Timings::DEFAULT);
    let key = ActivationKey::generate();
    activate(&mut driver, &key);
    assert_eq!(keystore.ids().len(), 1);
    assert!(matches!(
        token.status().unwrap(),
        Status::Activated { bound: true, .. }
    ));
    assert_eq!(sign(&mut driver, PIN, CODE), expected(&key, CODE));
}

#[test]
fn without_a_keystore_saving_asks_and_writes_nothing_until_unbound_is_chosen() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vault.json");
    let keystore = mobipass::token::MemoryKeystore::unavailable();
    let token = token_with(&dir, &keystore);
    let mut driver = Driver::on(token.clone(), dir, Lang::English, Timings::DEFAULT);
    let key = ActivationKey::generate();
    save_key(&mut driver, &key);
    driver.until(
        |app| matches!(app.screen(), Screen::Review(r) if r.stage() == review::Stage::AskUnbound),
    );
    assert!(!path.exists(), "nothing is written before the choice");

    driver.send(Message::Review(review::Message::KeepUnbound));
    driver.until(
        |app| matches!(app.screen(), Screen::Review(r) if r.stage() == review::Stage::Saved),
    );
    let Screen::Review(screen) = driver.app.screen() else {
        unreachable!()
    };
    assert!(!screen.is_bound());
    assert!(matches!(
        token.status().unwrap(),
        Status::Activated { bound: false, .. }
    ));
    driver.send(Message::Review(review::Message::Continue));
    assert_eq!(sign(&mut driver, PIN, CODE), expected(&key, CODE));
    let Screen::Menu(menu) = driver.app.screen() else {
        panic!("back on the menu");
    };
    assert!(shows_unbound_warning(menu));

    // A keystore appears: the next PIN change binds the key, and the menu
    // stops warning.
    keystore.fail_with(None);
    change_pin(&mut driver, PIN, NEW_PIN);
    let Screen::Menu(menu) = driver.app.screen() else {
        panic!("back on the menu");
    };
    assert!(!shows_unbound_warning(menu));
    assert!(matches!(
        token.status().unwrap(),
        Status::Activated { bound: true, .. }
    ));
    assert_eq!(sign(&mut driver, NEW_PIN, CODE), expected(&key, CODE));
}

fn shows_unbound_warning(menu: &menu::Menu) -> bool {
    let texts = mobipass::gui::i18n::Texts::new(Lang::English);
    let mut ui = iced_test::simulator(menu.view(&texts));
    ui.find(texts.get("menu-unbound").as_str()).is_ok()
}

#[test]
fn a_copy_from_another_computer_and_a_locked_keyring_each_have_their_problem_screen() {
    let dir = tempfile::tempdir().unwrap();
    let keystore = mobipass::token::MemoryKeystore::new();
    token_with(&dir, &keystore)
        .activate(&ActivationKey::generate().parts(), PIN, PIN)
        .unwrap();
    // Locked: said so, and Try again works once it is unlocked.
    keystore.fail_with(Some(mobipass::token::KeystoreError::Locked));
    let path = dir.path().join("vault.json");
    let before = std::fs::read(&path).unwrap();
    let token = token_with(&dir, &keystore);
    let mut driver = Driver::on(token, dir, Lang::English, Timings::DEFAULT);
    let Screen::Problem(screen) = driver.app.screen() else {
        panic!("a locked keyring shows the problem screen");
    };
    assert_eq!(screen.reason().id(), "err-keystore-locked");
    keystore.fail_with(None);
    driver.send(Message::Problem(problem::Message::Retry));
    driver.until(|app| matches!(app.screen(), Screen::Menu(_)));

    // The entry gone, as on another account: "activated elsewhere".
    for id in keystore.ids() {
        keystore.forget(&id);
    }
    driver.send(Message::Problem(problem::Message::Retry));
    let other = tempfile::tempdir().unwrap();
    std::fs::copy(&path, other.path().join("vault.json")).unwrap();
    let token = token_with(&other, &mobipass::token::MemoryKeystore::new());
    let mut driver = Driver::on(token, other, Lang::English, Timings::DEFAULT);
    let Screen::Problem(screen) = driver.app.screen() else {
        panic!("a copy from elsewhere shows the problem screen");
    };
    assert_eq!(screen.reason().id(), "err-other-device");
    assert_eq!(std::fs::read(&path).unwrap(), before);
    // Delete, then activate again with the envelope.
    driver.send(Message::Problem(problem::Message::Delete));
    driver.send(Message::Delete(delete::Message::Confirm));
    driver.until(|app| matches!(app.screen(), Screen::Welcome(_)));
    activate(&mut driver, &ActivationKey::generate());
}
