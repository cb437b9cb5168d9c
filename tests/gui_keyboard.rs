//! The window without a mouse: key presses go through the real widget tree
//! (see `gui_support/window.rs`) and then the app's own key handling, and
//! the tests ask which control has focus, as a person would see by its ring.

mod gui_support;

use std::time::Duration;

use gui_support::Driver;
use iced::keyboard::key::Named;
use mobipass::gui::i18n::Lang;
use mobipass::gui::screen::{activation_code, delete, help, key_parts, menu, review, sign};
use mobipass::gui::timer::Timings;
use mobipass::gui::{App, Screen};
use mobipass_scheme::{
    ActivationCode, ActivationKey, Amount, Challenge, DocumentCode, Envelope, EnvelopeKind, Payee,
};

const PIN: &str = "4826";
const CODE: &str = "338609";
const IBAN: &str = "KZ86 125K ZT50 0410 0100";

fn sign_screen(app: &App) -> &sign::Sign {
    match app.screen() {
        Screen::Sign(screen) => screen,
        _ => panic!("not on the Sign screen"),
    }
}

/// Activation from the welcome screen to the menu, keys only.
fn activate_by_keyboard(driver: &mut Driver, key: &ActivationKey) {
    assert!(matches!(driver.app.screen(), Screen::Welcome(_)));
    driver.press_named(Named::Enter);
    assert!(matches!(driver.app.screen(), Screen::ChoosePin(_)));
    driver.type_text(PIN);
    driver.press_named(Named::Enter);
    driver.type_text(PIN);
    driver.press_named(Named::Enter);
    assert!(matches!(driver.app.screen(), Screen::KeyParts(..)));
    assert!(driver.has_focus(key_parts::PARTS[0]));
    // The cursor moves on by itself after each correct part.
    for part in key.parts() {
        driver.type_text(&part);
    }
    driver.press_named(Named::Enter);
    assert!(
        matches!(driver.app.screen(), Screen::Review(_)),
        "key parts done"
    );
    driver.press_named(Named::Enter);
    driver.until(|app| {
        matches!(app.screen(), Screen::Review(r) if r.stage() == mobipass::gui::screen::review::Stage::Saved)
    });
    driver.press_named(Named::Enter);
    assert!(matches!(driver.app.screen(), Screen::Menu(_)));
}

#[test]
fn a_linked_payment_can_be_signed_with_the_keyboard_alone() {
    let mut driver = Driver::new(Lang::English, Timings::DEFAULT);
    let key = ActivationKey::generate();
    activate_by_keyboard(&mut driver, &key);
    driver.type_text("1");
    driver.pump();
    assert!(driver.has_focus(sign::PIN), "the PIN field has the cursor");
    driver.type_text(PIN);
    driver.press_named(Named::Tab);
    assert!(driver.has_focus(sign::CODE));
    driver.type_text("338 609");
    driver.press_named(Named::Tab);
    assert!(driver.has_focus(sign::LINKED), "Tab reaches the checkbox");
    driver.press_named(Named::Space);
    assert!(
        driver.has_focus(sign::AMOUNT),
        "ticking it opens the amount"
    );
    driver.type_text("1 500,00");
    driver.press_named(Named::Tab);
    assert!(driver.has_focus(sign::PAYEE));
    driver.type_text(IBAN);
    driver.press_named(Named::Enter);
    driver.until(|app| sign_screen(app).response().is_some());

    let want = Challenge::Linked {
        code: DocumentCode::parse(CODE).unwrap(),
        amount: Amount::from_minor(150_000).unwrap(),
        payee: Payee::parse(IBAN).unwrap(),
    }
    .respond(&key.ocra_key());
    let screen = sign_screen(&driver.app);
    assert_eq!(screen.response(), Some(&want));
    let signed = screen.signed().unwrap();
    assert_eq!(signed.code, CODE);
    assert_eq!(
        signed.linked,
        Some(("1 500,00".to_owned(), "…0410 0100".to_owned(), false))
    );
}

#[test]
fn the_focused_checkbox_shows_and_hides_the_payment_fields() {
    let mut driver = Driver::new(Lang::English, Timings::DEFAULT);
    activate_by_keyboard(&mut driver, &ActivationKey::generate());
    driver.type_text("1");
    driver.press_named(Named::Tab);
    driver.press_named(Named::Tab);
    assert!(driver.has_focus(sign::LINKED));
    driver.press_named(Named::Space);
    assert!(driver.has_focus(sign::AMOUNT));
    driver.shift_tab();
    assert!(driver.has_focus(sign::LINKED), "Shift+Tab goes back to it");
    driver.press_named(Named::Enter);
    driver.press_named(Named::Tab);
    assert!(
        driver.has_focus(sign::SUBMIT_BUTTON),
        "unticked: no amount field after the box"
    );
}

#[test]
fn after_the_value_hides_the_pin_is_focused_the_code_cleared_and_a_notice_shown() {
    let timings = Timings {
        response_visible: Duration::from_millis(600),
        clipboard_kept: Duration::from_millis(200),
    };
    let mut driver = Driver::new(Lang::English, timings);
    activate_by_keyboard(&mut driver, &ActivationKey::generate());
    driver.type_text("1");
    driver.type_text(PIN);
    driver.press_named(Named::Tab);
    driver.type_text(CODE);
    driver.press_named(Named::Enter);
    driver.until(|app| sign_screen(app).response().is_some());
    driver.press_named(Named::Tab);
    assert!(
        driver.has_focus(sign::COPY_BUTTON),
        "Tab reaches the buttons"
    );
    driver.until(|app| sign_screen(app).response().is_none());
    driver.pump();
    let screen = sign_screen(&driver.app);
    assert_eq!(screen.code(), "", "the used code is cleared");
    assert_eq!(screen.notice().map(|n| n.id()), Some("sign-hidden"));
    assert!(
        driver.has_focus(sign::PIN),
        "the PIN is focused for the next one"
    );
}

#[test]
fn the_hide_notice_counts_down_and_copy_is_confirmed() {
    let timings = Timings {
        response_visible: Duration::from_millis(2_500),
        clipboard_kept: Duration::from_secs(30),
    };
    let mut driver = Driver::new(Lang::English, timings);
    activate_by_keyboard(&mut driver, &ActivationKey::generate());
    driver.type_text("1");
    driver.type_text(PIN);
    driver.press_named(Named::Tab);
    driver.type_text(CODE);
    driver.press_named(Named::Enter);
    driver.until(|app| sign_screen(app).response().is_some());
    assert_eq!(sign_screen(&driver.app).seconds_left(), 3);
    driver.until(|app| sign_screen(app).seconds_left() == 2);
    driver.type_text("c");
    let screen = sign_screen(&driver.app);
    assert!(screen.was_copied());
    let texts = mobipass::gui::i18n::Texts::new(Lang::English);
    let mut ui = iced_test::simulator(screen.view(&texts));
    assert!(
        ui.find("Copied; the clipboard is cleared in 30 s.").is_ok(),
        "the copy is confirmed"
    );
    assert!(ui.find("This value hides itself in 2 s.").is_ok());
}

#[test]
fn enter_on_the_delete_screen_keeps_the_key_and_the_red_button_deletes() {
    let mut driver = Driver::new(Lang::English, Timings::DEFAULT);
    activate_by_keyboard(&mut driver, &ActivationKey::generate());
    let vault = driver._dir.path().join("vault.json");
    driver.type_text("3");
    assert!(matches!(driver.app.screen(), Screen::Delete(_)));
    driver.press_named(Named::Enter);
    assert!(
        matches!(driver.app.screen(), Screen::Menu(_)),
        "Enter kept the key"
    );
    assert!(vault.exists());

    driver.type_text("3");
    driver.press_named(Named::Tab);
    assert!(
        driver.has_focus(delete::KEEP_BUTTON),
        "the safe button comes first"
    );
    driver.press_named(Named::Enter);
    assert!(matches!(driver.app.screen(), Screen::Menu(_)));
    assert!(vault.exists());

    driver.type_text("3");
    driver.press_named(Named::Tab);
    driver.press_named(Named::Tab);
    assert!(driver.has_focus(delete::CONFIRM_BUTTON));
    driver.press_named(Named::Space);
    driver.until(|app| matches!(app.screen(), Screen::Welcome(_)));
    assert!(!vault.exists());
}

#[test]
fn help_scrolls_with_the_keyboard_to_its_end_and_back() {
    let mut driver = Driver::new(Lang::Kazakh, Timings::DEFAULT);
    activate_by_keyboard(&mut driver, &ActivationKey::generate());
    driver.type_text("4");
    assert!(matches!(driver.app.screen(), Screen::Help(_)));
    assert_eq!(driver.scrolled(), 0.0);
    driver.press_named(Named::ArrowDown);
    assert_eq!(driver.scrolled(), help::LINE);
    driver.press_named(Named::PageDown);
    assert_eq!(driver.scrolled(), help::LINE + help::PAGE_STEP);
    driver.press_named(Named::End);
    let end = driver.scrolled();
    assert!(end >= help::LINE + help::PAGE_STEP, "{end}");
    driver.press_named(Named::PageDown);
    assert_eq!(driver.scrolled(), end, "End is the bottom");
    driver.press_named(Named::ArrowUp);
    assert_eq!(driver.scrolled(), end - help::LINE);
    driver.press_named(Named::Home);
    assert_eq!(driver.scrolled(), 0.0);
    // Back is a focus stop too.
    driver.press_named(Named::Tab);
    assert!(driver.has_focus(help::BACK_BUTTON));
    driver.press_named(Named::Enter);
    assert!(matches!(driver.app.screen(), Screen::Menu(_)));
}

#[test]
fn menu_actions_are_reachable_with_tab_and_enter() {
    let mut driver = Driver::new(Lang::Russian, Timings::DEFAULT);
    activate_by_keyboard(&mut driver, &ActivationKey::generate());
    driver.press_named(Named::Tab);
    assert!(driver.has_focus(menu::SIGN_BUTTON));
    driver.press_named(Named::Tab);
    assert!(driver.has_focus(menu::CHANGE_PIN_BUTTON));
    driver.press_named(Named::Enter);
    assert!(matches!(driver.app.screen(), Screen::ChangePin(_)));
}

fn code_screen(app: &App) -> &activation_code::ActivationCode {
    match app.screen() {
        Screen::ActivationCode(screen, ..) => screen,
        _ => panic!("not on the activation-code step"),
    }
}

#[test]
fn a_two_channel_envelope_is_activated_with_the_keyboard_alone() {
    let mut driver = Driver::new(Lang::English, Timings::DEFAULT);
    let envelope = Envelope::generate(EnvelopeKind::TwoChannel);
    let code = ActivationCode::generate();
    driver.press_named(Named::Enter);
    driver.type_text(PIN);
    driver.press_named(Named::Enter);
    driver.type_text(PIN);
    driver.press_named(Named::Enter);
    for part in envelope.parts() {
        driver.type_text(&part);
    }
    driver.press_named(Named::Enter);
    assert!(
        driver.has_focus(activation_code::CODE),
        "the code step opens with the cursor in its field"
    );
    // Typed key by key: the field groups the digits as they come, and each
    // next digit still lands at the end.
    let digits = code.digits();
    driver.type_text(&digits[..5]);
    assert_eq!(
        code_screen(&driver.app).shown().as_str(),
        format!("{} {}", &digits[..4], &digits[4..5])
    );
    driver.type_text(&digits[5..]);
    assert_eq!(code_screen(&driver.app).digits(), digits.as_str());
    assert_eq!(
        code_screen(&driver.app).shown().as_str(),
        code.grouped().as_str()
    );
    assert!(code_screen(&driver.app).is_correct());
    // Tab reaches Next and Back; Shift+Tab returns to the field.
    driver.press_named(Named::Tab);
    assert!(driver.has_focus(activation_code::NEXT_BUTTON));
    driver.press_named(Named::Tab);
    assert!(driver.has_focus(activation_code::BACK_BUTTON));
    driver.shift_tab();
    driver.shift_tab();
    assert!(driver.has_focus(activation_code::CODE));
    driver.press_named(Named::Enter);
    assert!(matches!(driver.app.screen(), Screen::Review(_)));
    driver.press_named(Named::Enter);
    driver.until(
        |app| matches!(app.screen(), Screen::Review(r) if r.stage() == review::Stage::Saved),
    );
    driver.press_named(Named::Enter);
    assert!(matches!(driver.app.screen(), Screen::Menu(_)));
    let s2 = envelope.activated(Some(&code)).unwrap();
    assert_eq!(
        driver.token().sign(PIN, CODE).unwrap(),
        Challenge::Plain(DocumentCode::parse(CODE).unwrap()).respond(&s2.ocra_key())
    );
}

#[test]
fn a_typo_in_the_code_keeps_the_cursor_in_the_field_and_esc_goes_back() {
    let mut driver = Driver::new(Lang::English, Timings::DEFAULT);
    let envelope = Envelope::generate(EnvelopeKind::TwoChannel);
    driver.press_named(Named::Enter);
    driver.type_text(PIN);
    driver.press_named(Named::Enter);
    driver.type_text(PIN);
    driver.press_named(Named::Enter);
    for part in envelope.parts() {
        driver.type_text(&part);
    }
    driver.press_named(Named::Enter);
    let digits = ActivationCode::generate().digits();
    let mut typo = digits.as_bytes().to_vec();
    typo[7] = b'0' + (typo[7] - b'0' + 1) % 10;
    driver.type_text(std::str::from_utf8(&typo).unwrap());
    assert_eq!(
        code_screen(&driver.app).error().unwrap().id(),
        "err-code-typo"
    );
    driver.press_named(Named::Enter);
    assert!(matches!(driver.app.screen(), Screen::ActivationCode(..)));
    assert!(driver.has_focus(activation_code::CODE));
    // Backspace and the right last digit fix it in place.
    driver.press_named(Named::Backspace);
    driver.type_text(&digits[7..]);
    assert!(code_screen(&driver.app).is_correct());
    driver.press_named(Named::Escape);
    assert!(matches!(driver.app.screen(), Screen::KeyParts(..)));
    assert!(driver.has_focus(key_parts::PARTS[0]));
}
