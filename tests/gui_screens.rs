//! Each screen on its own: what it shows (iced_test's Simulator renders the
//! real widgets headless with the embedded font) and which messages clicks
//! and typing produce; validation through `update` directly, since the
//! simulator does not rebuild the view between keystrokes.

use iced::{Element, Settings, Theme};
use iced_test::selector::{self, Candidate};
use iced_test::{Simulator, simulator::Snapshot};
use mobipass::gui::i18n::{Lang, Texts};
use mobipass::gui::look;
use mobipass::gui::screen::{
    activation_code, change_pin, choose_pin, delete, help, key_parts, menu, review, sign, welcome,
};
use mobipass::gui::timer::Timings;
use mobipass::token::Token;
use mobipass_scheme::{ActivationCode, ActivationKey, Envelope, EnvelopeKind, Response};
use zeroize::Zeroizing;

fn settings() -> Settings {
    Settings {
        fonts: vec![look::FONT_REGULAR.into(), look::FONT_BOLD.into()],
        default_font: look::FONT,
        ..Settings::default()
    }
}

fn ui<'a, M>(element: Element<'a, M>) -> Simulator<'a, M> {
    Simulator::with_size(settings(), look::WINDOW_SIZE, element)
}

fn english() -> Texts {
    Texts::new(Lang::English)
}

/// A token on an empty temporary vault; the screens below never reach
/// Argon2 (their tasks are not run), so the vault stays untouched.
fn token() -> (tempfile::TempDir, Token) {
    let dir = tempfile::tempdir().unwrap();
    let token = Token::open(dir.path().join("vault.json"))
        .unwrap()
        .without_keystore_for_tests();
    (dir, token)
}

/// Whether any plain text widget on screen contains `needle`.
fn shows_text_containing<M>(ui: &mut Simulator<'_, M>, needle: &str) -> bool {
    let needle = needle.to_owned();
    ui.find(move |candidate: Candidate<'_>| match candidate {
        Candidate::Text { content, .. } if content.contains(&needle) => Some(()),
        _ => None,
    })
    .is_ok()
}

// --- choose PIN -----------------------------------------------------------

#[test]
fn typing_in_the_first_pin_field_sends_digits() {
    let screen = choose_pin::ChoosePin::new();
    let texts = english();
    let mut ui = ui(screen.view(&texts));
    ui.click(selector::id(choose_pin::PIN)).unwrap();
    let _ = ui.typewrite("4");
    let messages: Vec<_> = ui.into_messages().collect();
    assert!(matches!(messages.as_slice(), [choose_pin::Message::Pin(p)] if p == "4"));
}

#[test]
fn pin_fields_are_masked_and_never_show_the_pin() {
    let mut screen = choose_pin::ChoosePin::new();
    let _ = screen.update(choose_pin::Message::Pin("4826".into()));
    let texts = english();
    let mut ui = ui(screen.view(&texts));
    assert!(ui.find("4826").is_err(), "the PIN is readable on screen");
    assert!(!shows_text_containing(&mut ui, "4826"));
    assert!(ui.find("••••").is_ok(), "the PIN field shows four bullets");
}

#[test]
fn trivial_pin_is_refused_with_its_reason() {
    let texts = english();
    for (pin, reason) in [
        ("1111", "err-pin-all-same"),
        ("6789", "err-pin-sequence"),
        ("2580", "err-pin-common"),
        ("48", "err-pin-four-digits"),
    ] {
        let mut screen = choose_pin::ChoosePin::new();
        let _ = screen.update(choose_pin::Message::Pin(pin.into()));
        let _ = screen.update(choose_pin::Message::Again(pin.into()));
        let (_, event) = screen.update(choose_pin::Message::Submit);
        assert!(event.is_none(), "{pin} was accepted");
        assert_eq!(screen.error().unwrap().id(), reason, "{pin}");
        let words = screen.error().unwrap().render(&texts);
        let mut ui = ui(screen.view(&texts));
        assert!(
            ui.find(words.as_str()).is_ok(),
            "the reason for {pin} is on screen"
        );
    }
}

#[test]
fn mismatch_is_explained_and_only_the_second_entry_is_asked_again() {
    let mut screen = choose_pin::ChoosePin::new();
    let _ = screen.update(choose_pin::Message::Pin("4826".into()));
    let _ = screen.update(choose_pin::Message::Again("4862".into()));
    let (_, event) = screen.update(choose_pin::Message::Submit);
    assert!(event.is_none());
    assert_eq!(screen.error().unwrap().id(), "err-pin-mismatch");
    let _ = screen.update(choose_pin::Message::Again("4826".into()));
    let (_, event) = screen.update(choose_pin::Message::Submit);
    assert!(
        matches!(event, Some(choose_pin::Event::Chosen { ref pin, .. }) if pin.as_str() == "4826")
    );
}

#[test]
fn pin_fields_keep_only_four_digits() {
    let mut screen = choose_pin::ChoosePin::new();
    let _ = screen.update(choose_pin::Message::Pin("4a8 2-69".into()));
    let _ = screen.update(choose_pin::Message::Again("4826".into()));
    let (_, event) = screen.update(choose_pin::Message::Submit);
    assert!(
        matches!(event, Some(choose_pin::Event::Chosen { ref pin, .. }) if pin.as_str() == "4826")
    );
}

// --- key parts ------------------------------------------------------------

#[test]
fn typing_in_part_one_sends_what_was_typed() {
    let screen = key_parts::KeyParts::new();
    let texts = english();
    let mut ui = ui(screen.view(&texts));
    ui.click(selector::id(key_parts::PARTS[0])).unwrap();
    let _ = ui.typewrite("3");
    let messages: Vec<_> = ui.into_messages().collect();
    assert!(matches!(messages.as_slice(), [key_parts::Message::Changed(0, t)] if t == "3"));
}

#[test]
fn a_complete_correct_part_is_marked_correct() {
    let key = ActivationKey::generate();
    let mut screen = key_parts::KeyParts::new();
    let _ = screen.update(key_parts::Message::Changed(1, key.parts()[1].to_string()));
    assert!(screen.part_is_correct(1));
    assert!(screen.part_error(1).is_none());
    let texts = english();
    let mut ui = ui(screen.view(&texts));
    assert!(ui.find("Part 2 is correct.").is_ok());
}

#[test]
fn a_part_with_a_typo_is_marked_at_once_and_named() {
    let key = ActivationKey::generate();
    let mut part3: Vec<u8> = key.parts()[2].as_bytes().to_vec();
    // A changed digit can happen to check as the other kind of envelope (then
    // it is caught once all four parts are in, tested below): pick one that
    // checks as neither.
    let original = part3[4];
    for step in 1..10 {
        part3[4] = b'0' + (original - b'0' + step) % 10;
        if mobipass::token::check_key_part(3, std::str::from_utf8(&part3).unwrap()).is_err() {
            break;
        }
    }
    let mut screen = key_parts::KeyParts::new();
    let _ = screen.update(key_parts::Message::Changed(
        2,
        String::from_utf8(part3).unwrap(),
    ));
    assert_eq!(screen.part_error(2).unwrap().id(), "err-key-typo");
    for lang in Lang::ALL {
        let texts = Texts::new(lang);
        let words = screen.part_error(2).unwrap().render(&texts);
        assert!(words.contains('3'), "{words}");
        let mut ui = ui(screen.view(&texts));
        assert!(ui.find(words.as_str()).is_ok(), "{words} is on screen");
    }
}

#[test]
fn part_typed_into_the_wrong_field_is_caught() {
    let key = ActivationKey::generate();
    let mut screen = key_parts::KeyParts::new();
    let _ = screen.update(key_parts::Message::Changed(3, key.parts()[0].to_string()));
    assert_eq!(screen.part_error(3).unwrap().id(), "err-key-typo");
}

#[test]
fn pasting_the_whole_key_fills_all_four_parts() {
    let key = ActivationKey::generate();
    let mut screen = key_parts::KeyParts::new();
    let _ = screen.update(key_parts::Message::Changed(2, key.grouped().to_string()));
    for (index, part) in key.parts().iter().enumerate() {
        assert_eq!(screen.part(index), part.as_str());
        assert!(screen.part_is_correct(index));
    }
    let (_, event) = screen.update(key_parts::Message::Submit);
    assert!(matches!(
        event,
        Some(key_parts::Event::Complete(_, EnvelopeKind::EnvelopeOnly))
    ));
}

#[test]
fn key_parts_keep_digits_only_and_at_most_ten() {
    let mut screen = key_parts::KeyParts::new();
    let _ = screen.update(key_parts::Message::Changed(0, "31a41-5 9".into()));
    assert_eq!(screen.part(0), "314159");
    let _ = screen.update(key_parts::Message::Changed(0, "3141592653589".into()));
    assert_eq!(
        screen.part(0),
        "314159",
        "13 digits is neither a part nor a key"
    );
    assert_eq!(screen.error().unwrap().id(), "err-key-whole-length");
}

#[test]
fn next_with_a_part_missing_names_the_part() {
    let key = ActivationKey::generate();
    let mut screen = key_parts::KeyParts::new();
    for index in [0, 1, 3] {
        let _ = screen.update(key_parts::Message::Changed(
            index,
            key.parts()[index].to_string(),
        ));
    }
    let (_, event) = screen.update(key_parts::Message::Submit);
    assert!(event.is_none());
    assert_eq!(screen.error().unwrap().id(), "err-key-length");
    assert!(
        screen
            .error()
            .unwrap()
            .render(&english())
            .contains("Part 3")
    );
}

#[test]
fn a_two_channel_envelope_is_accepted_and_its_kind_goes_on() {
    let envelope = Envelope::generate(EnvelopeKind::TwoChannel);
    let mut screen = key_parts::KeyParts::new();
    for (index, part) in envelope.parts().iter().enumerate() {
        let _ = screen.update(key_parts::Message::Changed(index, part.to_string()));
        assert!(screen.part_is_correct(index), "part {}", index + 1);
    }
    let (_, event) = screen.update(key_parts::Message::Submit);
    assert!(matches!(
        event,
        Some(key_parts::Event::Complete(_, EnvelopeKind::TwoChannel))
    ));
}

/// The same secret printed as both kinds: every part checks on its own.
fn both_kinds() -> ([Zeroizing<String>; 4], [Zeroizing<String>; 4]) {
    let key = ActivationKey::generate();
    (
        Envelope::new(key.clone(), EnvelopeKind::EnvelopeOnly).parts(),
        Envelope::new(key, EnvelopeKind::TwoChannel).parts(),
    )
}

#[test]
fn a_part_of_the_other_kind_is_marked_as_the_typo_once_all_four_are_in() {
    let (only, two) = both_kinds();
    let mut screen = key_parts::KeyParts::new();
    for (index, part) in [&two[0], &two[1], &only[2], &two[3]].iter().enumerate() {
        let _ = screen.update(key_parts::Message::Changed(index, part.to_string()));
    }
    assert!(screen.part_is_correct(0) && screen.part_is_correct(3));
    assert_eq!(screen.part_error(2).unwrap().id(), "err-key-typo");
    assert!(
        screen
            .part_error(2)
            .unwrap()
            .render(&english())
            .contains("Part 3")
    );
    let (_, event) = screen.update(key_parts::Message::Submit);
    assert!(event.is_none());
    // Retyping part 3 from the envelope clears the mark.
    let _ = screen.update(key_parts::Message::Changed(2, two[2].to_string()));
    assert!(screen.part_is_correct(2) && screen.error().is_none());
}

#[test]
fn two_parts_of_each_kind_do_not_belong_together() {
    let (only, two) = both_kinds();
    let mut screen = key_parts::KeyParts::new();
    for (index, part) in [&only[0], &two[1], &only[2], &two[3]].iter().enumerate() {
        let _ = screen.update(key_parts::Message::Changed(index, part.to_string()));
    }
    assert_eq!(screen.error().unwrap().id(), "err-key-mixed");
    let (_, event) = screen.update(key_parts::Message::Submit);
    assert!(event.is_none());
    for lang in Lang::ALL {
        let texts = Texts::new(lang);
        let words = screen.error().unwrap().render(&texts);
        assert_ne!(words, "err-key-mixed");
        let mut ui = ui(screen.view(&texts));
        assert!(ui.find(words.as_str()).is_ok(), "{words} is on screen");
    }
}

// --- activation code --------------------------------------------------------

/// `digits` with the digit at `index` changed (the check digit catches it).
fn typo_in(digits: &str, index: usize) -> String {
    let mut bytes = digits.as_bytes().to_vec();
    bytes[index] = b'0' + (bytes[index] - b'0' + 1) % 10;
    String::from_utf8(bytes).unwrap()
}

#[test]
fn the_code_step_says_where_the_code_comes_from_and_for_how_long() {
    let screen = activation_code::ActivationCode::new();
    for lang in Lang::ALL {
        let texts = Texts::new(lang);
        let mut ui = ui(screen.view(&texts));
        for id in ["code-title", "code-body", "code-where", "code-label"] {
            assert!(
                ui.find(texts.get(id).as_str()).is_ok(),
                "{id} in {}",
                lang.code()
            );
        }
        assert!(texts.get("code-where").contains("15"), "{}", lang.code());
        assert!(ui.find(selector::id(activation_code::CODE)).is_ok());
    }
    let words = english().get("code-where");
    for place in ["internet bank", "contact centre", "SMS", "15 minutes"] {
        assert!(words.contains(place), "{place}: {words}");
    }
}

#[test]
fn typing_in_the_code_field_sends_what_was_typed() {
    let screen = activation_code::ActivationCode::new();
    let texts = english();
    let mut ui = ui(screen.view(&texts));
    ui.click(selector::id(activation_code::CODE)).unwrap();
    let _ = ui.typewrite("7");
    let messages: Vec<_> = ui.into_messages().collect();
    assert!(matches!(messages.as_slice(), [activation_code::Message::Changed(t)] if t == "7"));
}

#[test]
fn the_code_is_shown_grouped_as_it_is_typed() {
    let mut screen = activation_code::ActivationCode::new();
    let _ = screen.update(activation_code::Message::Changed("1234".into()));
    assert_eq!(screen.shown().as_str(), "1234");
    let _ = screen.update(activation_code::Message::Changed("12345".into()));
    assert_eq!(screen.shown().as_str(), "1234 5");
    assert_eq!(screen.digits(), "12345");
    // What the field sends back after the space is read the same way.
    let _ = screen.update(activation_code::Message::Changed("1234 56".into()));
    assert_eq!(screen.digits(), "123456");
    let _ = screen.update(activation_code::Message::Changed("12-34 567".into()));
    assert_eq!(screen.shown().as_str(), "1234 567");
    assert!(screen.error().is_none(), "nothing to say before 8 digits");
    let texts = english();
    let mut ui = ui(screen.view(&texts));
    assert!(ui.find("1234 567").is_ok(), "the field shows the groups");
}

#[test]
fn a_right_code_is_marked_correct_and_enter_goes_on() {
    let code = ActivationCode::generate();
    let mut screen = activation_code::ActivationCode::new();
    let _ = screen.update(activation_code::Message::Changed(code.digits().to_string()));
    assert!(screen.is_correct());
    assert_eq!(screen.shown().as_str(), code.grouped().as_str());
    let texts = english();
    {
        let mut ui = ui(screen.view(&texts));
        assert!(ui.find(texts.get("code-ok").as_str()).is_ok());
        assert!(ui.find(code.grouped().as_str()).is_ok());
    }
    let (_, event) = screen.update(activation_code::Message::Submit);
    match event {
        Some(activation_code::Event::Complete(digits)) => {
            assert_eq!(digits.as_str(), code.digits().as_str())
        }
        _ => panic!("a right code did not go on"),
    }
}

#[test]
fn a_code_with_a_typo_is_named_at_once_in_every_language() {
    let code = ActivationCode::generate();
    let mut screen = activation_code::ActivationCode::new();
    let _ = screen.update(activation_code::Message::Changed(typo_in(
        &code.digits(),
        5,
    )));
    assert!(!screen.is_correct());
    assert_eq!(screen.error().unwrap().id(), "err-code-typo");
    for lang in Lang::ALL {
        let texts = Texts::new(lang);
        let words = screen.error().unwrap().render(&texts);
        assert_ne!(words, "err-code-typo");
        let mut ui = ui(screen.view(&texts));
        assert!(ui.find(words.as_str()).is_ok(), "{words} is on screen");
        assert!(ui.find(texts.get("code-ok").as_str()).is_err());
    }
    let (_, event) = screen.update(activation_code::Message::Submit);
    assert!(event.is_none(), "a code with a typo went on");
}

#[test]
fn letters_and_a_ninth_digit_are_refused_with_their_reason() {
    let mut screen = activation_code::ActivationCode::new();
    let _ = screen.update(activation_code::Message::Changed("123".into()));
    let _ = screen.update(activation_code::Message::Changed("123a".into()));
    assert_eq!(screen.error().unwrap().id(), "err-code-not-digits");
    assert_eq!(screen.digits(), "123", "the letter was not taken in");
    let _ = screen.update(activation_code::Message::Changed("1234 5678".into()));
    let _ = screen.update(activation_code::Message::Changed("1234 56789".into()));
    assert_eq!(screen.error().unwrap().id(), "err-code-length");
    assert_eq!(
        screen.error().unwrap().render(&english()),
        "The activation code has 8 digits; this one has 9."
    );
    assert_eq!(screen.digits(), "12345678");
}

#[test]
fn next_with_a_short_code_says_how_many_digits_it_has() {
    let mut screen = activation_code::ActivationCode::new();
    let _ = screen.update(activation_code::Message::Changed("1234 567".into()));
    let (_, event) = screen.update(activation_code::Message::Submit);
    assert!(event.is_none());
    assert_eq!(
        screen.error().unwrap().render(&english()),
        "The activation code has 8 digits; this one has 7."
    );
}

#[test]
fn the_code_steps_buttons_send_next_and_back() {
    let screen = activation_code::ActivationCode::new();
    let texts = english();
    let mut ui = ui(screen.view(&texts));
    ui.click(texts.get("next").as_str()).unwrap();
    ui.click(texts.get("back").as_str()).unwrap();
    assert!(matches!(
        ui.into_messages().collect::<Vec<_>>().as_slice(),
        [
            activation_code::Message::Submit,
            activation_code::Message::Back
        ]
    ));
    let mut screen = activation_code::ActivationCode::new();
    let (_, event) = screen.update(activation_code::Message::Back);
    assert!(matches!(event, Some(activation_code::Event::Back)));
}

#[test]
fn the_review_of_a_two_channel_key_shows_the_code_and_the_saved_screen_says_how_to_finish() {
    let (_dir, token) = token();
    let envelope = Envelope::generate(EnvelopeKind::TwoChannel);
    let code = ActivationCode::generate();
    let pin = || Zeroizing::new("4826".to_owned());
    let mut screen = review::Review::new(
        token.clone(),
        pin(),
        pin(),
        envelope.parts(),
        Some(code.digits()),
    );
    assert!(screen.is_two_channel());
    let texts = english();
    {
        let mut ui = ui(screen.view(&texts));
        assert!(ui.find(texts.get("review-code").as_str()).is_ok());
        assert!(ui.find(code.grouped().as_str()).is_ok());
        assert!(ui.find(texts.get("review-body-code").as_str()).is_ok());
    }
    let _ = screen.update(review::Message::Saved(
        Ok(mobipass::token::Saved::default()),
    ));
    assert_eq!(screen.stage(), review::Stage::Saved);
    for lang in Lang::ALL {
        let texts = Texts::new(lang);
        let mut ui = ui(screen.view(&texts));
        assert!(
            ui.find(texts.get("saved-finish-body").as_str()).is_ok(),
            "{}",
            lang.code()
        );
    }
    // An envelope-only key has nothing left to finish.
    let mut plain =
        review::Review::new(token, pin(), pin(), ActivationKey::generate().parts(), None);
    let _ = plain.update(review::Message::Saved(
        Ok(mobipass::token::Saved::default()),
    ));
    let mut ui = ui(plain.view(&texts));
    assert!(ui.find(texts.get("saved-body").as_str()).is_ok());
    assert!(ui.find(texts.get("saved-finish-body").as_str()).is_err());
}

// --- sign -----------------------------------------------------------------

#[test]
fn sign_shows_the_note_about_mistyped_pins_and_blocking() {
    let (_dir, token) = token();
    let screen = sign::Sign::new(token, Timings::DEFAULT);
    for lang in Lang::ALL {
        let texts = Texts::new(lang);
        let mut ui = ui(screen.view(&texts));
        assert!(
            ui.find(texts.get("sign-note").as_str()).is_ok(),
            "{}",
            lang.code()
        );
    }
}

#[test]
fn sign_pin_field_is_masked_and_renders_the_same_for_any_pin() {
    let (_dir, token) = token();
    let texts = english();
    let snapshot = |pin: &str, code: &str| -> Snapshot {
        let mut screen = sign::Sign::new(token.clone(), Timings::DEFAULT);
        let _ = screen.update(sign::Message::Pin(pin.into()));
        let _ = screen.update(sign::Message::Code(code.into()));
        let mut ui = ui(screen.view(&texts));
        assert!(!shows_text_containing(&mut ui, pin));
        assert!(ui.find(pin).is_err());
        ui.snapshot(&Theme::Light).unwrap()
    };
    let dir = tempfile::tempdir().unwrap();
    let image = dir.path().join("sign.png");
    assert!(snapshot("4826", "338609").matches_image(&image).unwrap());
    assert!(
        snapshot("7391", "338609").matches_image(&image).unwrap(),
        "another PIN changed the pixels"
    );
    assert!(
        !snapshot("7391", "338610").matches_image(&image).unwrap(),
        "the comparison cannot tell screens apart"
    );
}

#[test]
fn short_document_code_is_refused_without_signing() {
    let (_dir, token) = token();
    let mut screen = sign::Sign::new(token, Timings::DEFAULT);
    let _ = screen.update(sign::Message::Pin("4826".into()));
    let _ = screen.update(sign::Message::Code("12345".into()));
    let _ = screen.update(sign::Message::Submit);
    assert!(!screen.is_busy());
    assert_eq!(screen.error().unwrap().id(), "err-code");
}

#[test]
fn signing_shows_a_busy_line_and_disables_the_form() {
    let (_dir, token) = token();
    let mut screen = sign::Sign::new(token, Timings::DEFAULT);
    let _ = screen.update(sign::Message::Pin("4826".into()));
    let _ = screen.update(sign::Message::Code("338609".into()));
    let _ = screen.update(sign::Message::Submit);
    assert!(screen.is_busy());
    let texts = english();
    let mut ui = ui(screen.view(&texts));
    assert!(ui.find(texts.get("busy").as_str()).is_ok());
    ui.click(texts.get("sign-submit").as_str()).unwrap();
    assert_eq!(
        ui.into_messages().count(),
        0,
        "the Sign button is disabled while busy"
    );
}

#[test]
fn linked_option_adds_amount_and_payee_fields() {
    let (_dir, token) = token();
    let mut screen = sign::Sign::new(token, Timings::DEFAULT);
    let texts = english();
    assert!(
        ui(screen.view(&texts))
            .find(selector::id(sign::AMOUNT))
            .is_err()
    );
    let _ = screen.update(sign::Message::Linked(true));
    let mut ui = ui(screen.view(&texts));
    assert!(ui.find(selector::id(sign::AMOUNT)).is_ok());
    assert!(ui.find(selector::id(sign::PAYEE)).is_ok());
    assert!(ui.find("Payee account").is_ok());
}

#[test]
fn response_is_shown_large_and_grouped_with_copy() {
    let (_dir, token) = token();
    let mut screen = sign::Sign::new(token, Timings::DEFAULT);
    let _ = screen.update(sign::Message::Signed(Ok(
        Response::parse("41357914").unwrap()
    )));
    let texts = english();
    let mut ui = ui(screen.view(&texts));
    assert!(ui.find("4135 7914").is_ok());
    ui.click("Copy").unwrap();
    let messages: Vec<_> = ui.into_messages().collect();
    assert!(matches!(messages.as_slice(), [sign::Message::Copy]));
    let (_, event) = screen.update(sign::Message::Copy);
    assert!(matches!(event, Some(sign::Event::Copy(ref v)) if v.as_str() == "41357914"));
}

#[test]
fn a_stale_hide_timer_does_not_hide_a_newer_response() {
    let (_dir, token) = token();
    let mut screen = sign::Sign::new(token, Timings::DEFAULT);
    let _ = screen.update(sign::Message::Signed(Ok(
        Response::parse("41357914").unwrap()
    )));
    let _ = screen.update(sign::Message::Again);
    let _ = screen.update(sign::Message::Signed(Ok(
        Response::parse("11223344").unwrap()
    )));
    let _ = screen.update(sign::Message::Hide(1));
    assert_eq!(screen.response().unwrap().as_str(), "11223344");
    let _ = screen.update(sign::Message::Hide(3));
    assert!(screen.response().is_none());
}

/// A Sign screen with a linked payment signed: what the customer sees.
fn signed_linked(payee: &str) -> (tempfile::TempDir, sign::Sign) {
    let (dir, token) = token();
    let mut screen = sign::Sign::new(token, Timings::DEFAULT);
    for message in [
        sign::Message::Pin("4826".into()),
        sign::Message::Code("553 505".into()),
        sign::Message::Linked(true),
        sign::Message::Amount("1500".into()),
        sign::Message::Payee(payee.into()),
        sign::Message::Submit,
    ] {
        let _ = screen.update(message);
    }
    assert!(screen.is_busy(), "accepted: {:?}", screen.error());
    let _ = screen.update(sign::Message::Signed(Ok(
        Response::parse("41357914").unwrap()
    )));
    (dir, screen)
}

#[test]
fn the_value_is_shown_with_the_code_amount_and_payee_digits_it_signs() {
    let (_dir, screen) = signed_linked("KZ86 125K ZT50 0410 0100");
    let texts = english();
    let mut ui = ui(screen.view(&texts));
    assert!(ui.find("4135 7914").is_ok());
    assert!(ui.find("553505").is_ok(), "the document code");
    assert!(ui.find("1 500,00").is_ok(), "the amount as understood");
    assert!(ui.find("…0410 0100").is_ok(), "the payee digits that count");
    assert!(!shows_text_containing(&mut ui, "fewer than 8"));
    for lang in Lang::ALL {
        let texts = Texts::new(lang);
        let mut shown = self::ui(screen.view(&texts));
        assert!(shown.find(texts.get("sign-signed-amount").as_str()).is_ok());
    }
}

#[test]
fn a_plain_signature_shows_its_code_only() {
    let (_dir, token) = token();
    let mut screen = sign::Sign::new(token, Timings::DEFAULT);
    let _ = screen.update(sign::Message::Pin("4826".into()));
    let _ = screen.update(sign::Message::Code("338609".into()));
    let _ = screen.update(sign::Message::Submit);
    let _ = screen.update(sign::Message::Signed(Ok(
        Response::parse("41357914").unwrap()
    )));
    let texts = english();
    let mut ui = ui(screen.view(&texts));
    assert!(ui.find("338609").is_ok());
    assert!(ui.find(texts.get("sign-signed-amount").as_str()).is_err());
}

#[test]
fn a_payee_with_fewer_than_eight_digits_is_warned_about() {
    let (_dir, screen) = signed_linked("12-34");
    let texts = english();
    let mut signed = ui(screen.view(&texts));
    assert!(signed.find("…0000 1234").is_ok());
    assert!(shows_text_containing(&mut signed, "fewer than 8 digits"));
    // Already on the form, before signing.
    let (_dir, token) = token();
    let mut form = sign::Sign::new(token, Timings::DEFAULT);
    let _ = form.update(sign::Message::Linked(true));
    let _ = form.update(sign::Message::Payee("12-34".into()));
    assert!(shows_text_containing(
        &mut ui(form.view(&texts)),
        "fewer than 8 digits"
    ));
    let _ = form.update(sign::Message::Payee("KZ86125KZT5004100100".into()));
    let mut ui = ui(form.view(&texts));
    assert!(!shows_text_containing(&mut ui, "fewer than 8 digits"));
    assert!(ui.find("Digits that count: …0410 0100").is_ok());
}

#[test]
fn ambiguous_amounts_are_refused_and_the_amount_error_says_two_decimals() {
    let texts = english();
    for (amount, id) in [
        ("1.000", "err-amount-ambiguous"),
        ("1,000", "err-amount-ambiguous"),
        ("0.001", "err-amount-ambiguous"),
        ("15x0", "err-amount"),
    ] {
        let (_dir, token) = token();
        let mut screen = sign::Sign::new(token, Timings::DEFAULT);
        let _ = screen.update(sign::Message::Pin("4826".into()));
        let _ = screen.update(sign::Message::Code("338609".into()));
        let _ = screen.update(sign::Message::Linked(true));
        let _ = screen.update(sign::Message::Amount(amount.into()));
        let _ = screen.update(sign::Message::Payee("KZ86125KZT5004100100".into()));
        let _ = screen.update(sign::Message::Submit);
        assert!(!screen.is_busy(), "{amount} was signed");
        assert_eq!(screen.error().unwrap().id(), id, "{amount}");
    }
    assert!(texts.get("err-amount").contains("at most 2 decimals"));
    assert!(texts.get("err-amount-ambiguous").contains("1 000,00"));
}

#[test]
fn a_document_code_typed_with_spaces_is_accepted() {
    let (_dir, token) = token();
    let mut screen = sign::Sign::new(token, Timings::DEFAULT);
    let _ = screen.update(sign::Message::Pin("4826".into()));
    let _ = screen.update(sign::Message::Code("553 505".into()));
    let _ = screen.update(sign::Message::Submit);
    assert!(screen.is_busy(), "{:?}", screen.error());
    assert_eq!(screen.code(), "553505");
}

#[test]
fn the_payee_field_holds_a_whole_kz_iban() {
    let (_dir, token) = token();
    let mut screen = sign::Sign::new(token, Timings::DEFAULT);
    let _ = screen.update(sign::Message::Linked(true));
    let texts = english();
    let field = ui(screen.view(&texts))
        .find(selector::id(sign::PAYEE))
        .unwrap()
        .bounds();
    // The IBAN at the field's text size, measured by the same renderer.
    let iban = iced::widget::text("KZ86 125K ZT50 0410 0100").size(look::TEXT + 4.0);
    let shown: Element<'_, ()> = iced::widget::column![iban].into();
    let width = ui(shown)
        .find("KZ86 125K ZT50 0410 0100")
        .unwrap()
        .bounds()
        .width;
    assert!(
        field.width - 2.0 * 8.0 >= width,
        "field {} px, IBAN {width} px",
        field.width
    );
}

// --- change PIN -----------------------------------------------------------

#[test]
fn change_pin_mismatch_explains_and_goes_back_to_the_new_pin() {
    let (_dir, token) = token();
    let mut screen = change_pin::ChangePin::new(token);
    let _ = screen.update(change_pin::Message::Current("4826".into()));
    let _ = screen.update(change_pin::Message::New("7391".into()));
    let _ = screen.update(change_pin::Message::Again("7319".into()));
    let _ = screen.update(change_pin::Message::Submit);
    assert_eq!(screen.error().unwrap().id(), "err-pin-mismatch");
    assert!(!screen.is_done());
    let texts = Texts::new(Lang::Russian);
    let mut ui = ui(screen.view(&texts));
    assert!(ui.find(texts.get("err-pin-mismatch").as_str()).is_ok());
    // Only the current PIN is still there (as bullets); the new ones are cleared.
    assert!(ui.find("••••").is_ok());
    assert!(ui.find("4826").is_err());
}

#[test]
fn change_pin_refuses_a_trivial_new_pin() {
    let (_dir, token) = token();
    let mut screen = change_pin::ChangePin::new(token);
    let _ = screen.update(change_pin::Message::Current("4826".into()));
    let _ = screen.update(change_pin::Message::New("0000".into()));
    let _ = screen.update(change_pin::Message::Again("0000".into()));
    let _ = screen.update(change_pin::Message::Submit);
    assert_eq!(screen.error().unwrap().id(), "err-pin-all-same");
}

#[test]
fn change_pin_says_up_front_that_it_cannot_check_the_current_pin() {
    let (_dir, token) = token();
    let screen = change_pin::ChangePin::new(token);
    let texts = english();
    let mut ui = ui(screen.view(&texts));
    assert!(ui.find(texts.get("change-body").as_str()).is_ok());
}

#[test]
fn change_pin_tells_the_same_way_out_as_the_readme_and_the_terminal() {
    for lang in Lang::ALL {
        let texts = Texts::new(lang);
        for id in ["change-body", "change-done"] {
            let words = texts.get(id).to_lowercase();
            assert!(
                words.contains("envelope") || words.contains("конверт"),
                "{id} in {}: {words}",
                lang.code()
            );
        }
    }
    let english = english();
    assert!(!english.get("change-body").contains("issues a new key"));
    assert!(
        english
            .get("change-body")
            .contains("delete the key and activate again")
    );
}

#[test]
fn the_first_and_the_last_activation_buttons_are_worded_apart() {
    for lang in Lang::ALL {
        let texts = Texts::new(lang);
        assert_ne!(
            texts.get("welcome-start"),
            texts.get("review-save"),
            "{}",
            lang.code()
        );
    }
}

#[test]
fn change_pin_success_is_said() {
    let (_dir, token) = token();
    let mut screen = change_pin::ChangePin::new(token);
    let _ = screen.update(change_pin::Message::Changed(Ok(
        mobipass::token::Saved::default(),
    )));
    let texts = english();
    assert!(
        ui(screen.view(&texts))
            .find(texts.get("change-done").as_str())
            .is_ok()
    );
}

// --- menu, welcome, delete, help ------------------------------------------

#[test]
fn menu_buttons_send_their_action() {
    let texts = english();
    for (label, want) in [
        ("1   Sign", menu::Message::Sign),
        ("2   Change PIN", menu::Message::ChangePin),
        ("3   Delete key", menu::Message::Delete),
        ("4   Help", menu::Message::Help),
    ] {
        let menu = menu::Menu::default();
        let mut ui = ui(menu.view(&texts));
        ui.click(label).unwrap();
        assert_eq!(ui.into_messages().collect::<Vec<_>>(), vec![want]);
        assert_eq!(menu::Menu::shortcut(&label[..1]), Some(want));
    }
    assert_eq!(menu::Menu::shortcut("5"), None);
}

#[test]
fn welcome_save_key_button_starts_activation() {
    let texts = Texts::new(Lang::Kazakh);
    let screen = welcome::Welcome::new(None);
    let mut ui = ui(screen.view(&texts));
    ui.click(texts.get("welcome-start").as_str()).unwrap();
    assert!(matches!(
        ui.into_messages().collect::<Vec<_>>().as_slice(),
        [welcome::Message::SaveKey]
    ));
}

#[test]
fn delete_asks_for_explicit_confirmation() {
    let (_dir, token) = token();
    let screen = delete::Delete::new(token);
    let texts = english();
    let mut ui = ui(screen.view(&texts));
    assert!(ui.find(texts.get("delete-title").as_str()).is_ok());
    ui.click("Yes, delete the key").unwrap();
    assert!(matches!(
        ui.into_messages().collect::<Vec<_>>().as_slice(),
        [delete::Message::Confirm]
    ));
}

#[test]
fn help_names_the_activation_buttons_as_they_are_labelled() {
    for lang in Lang::ALL {
        let texts = Texts::new(lang);
        let body = texts.get("help-activation-body");
        for button in ["welcome-start", "review-save"] {
            assert!(
                body.contains(&texts.get(button)),
                "{button} in {}: {body}",
                lang.code()
            );
        }
    }
}

#[test]
fn help_has_every_section_in_every_language() {
    for lang in Lang::ALL {
        let texts = Texts::new(lang);
        let mut ui = ui(help::Help.view(&texts));
        for (title, _) in help::SECTIONS {
            assert!(
                ui.find(texts.get(title).as_str()).is_ok(),
                "{title} in {}",
                lang.code()
            );
        }
    }
}

// --- layout ---------------------------------------------------------------

/// Every screen puts its heading at the same left edge (the issue measured
/// 40, 45, 49, 58 and 76 px before one layout served them all).
#[test]
fn every_screen_starts_at_the_same_left_edge() {
    let (_dir, token) = token();
    let texts = english();
    let left =
        |mut ui: Simulator<'_, ()>, heading: &str| -> f32 { ui.find(heading).unwrap().bounds().x };
    let mut done = change_pin::ChangePin::new(token.clone());
    let _ = done.update(change_pin::Message::Changed(Ok(
        mobipass::token::Saved::default(),
    )));
    let edges = [
        left(
            ui(welcome::Welcome::new(None).view(&texts).map(|_| ())),
            &texts.get("welcome-title"),
        ),
        left(
            ui(choose_pin::ChoosePin::new().view(&texts).map(|_| ())),
            &texts.get("pin-choose-title"),
        ),
        left(
            ui(key_parts::KeyParts::new().view(&texts).map(|_| ())),
            &texts.get("key-title"),
        ),
        left(
            ui(activation_code::ActivationCode::new()
                .view(&texts)
                .map(|_| ())),
            &texts.get("code-title"),
        ),
        left(
            ui(menu::Menu::default().view(&texts).map(|_| ())),
            &texts.get("menu-title"),
        ),
        left(
            ui(sign::Sign::new(token.clone(), Timings::DEFAULT)
                .view(&texts)
                .map(|_| ())),
            &texts.get("sign-title"),
        ),
        left(
            ui(change_pin::ChangePin::new(token.clone())
                .view(&texts)
                .map(|_| ())),
            &texts.get("change-title"),
        ),
        left(
            ui(done.view(&texts).map(|_| ())),
            &texts.get("change-title"),
        ),
        left(
            ui(delete::Delete::new(token.clone()).view(&texts).map(|_| ())),
            &texts.get("delete-title"),
        ),
        left(
            ui(help::Help.view(&texts).map(|_| ())),
            &texts.get("help-title"),
        ),
    ];
    assert!(
        edges.iter().all(|x| *x == edges[0]),
        "left edges differ: {edges:?}"
    );
}

// --- snapshots ------------------------------------------------------------

/// Pixel hashes of the main screens (tiny-skia, embedded font), committed
/// under tests/snapshots/. A layout or wording change shows up here; to
/// accept it, delete the `.sha256` file and run the test again.
#[test]
fn main_screens_match_their_snapshot_hashes() {
    let (_dir, token) = token();
    let texts = english();
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/snapshots");
    let check = |name: &str, mut ui: Simulator<'_, _>| {
        let path = format!("{dir}/{name}");
        assert!(
            ui.snapshot(&Theme::Light)
                .unwrap()
                .matches_hash(&path)
                .unwrap(),
            "{name} changed"
        );
    };
    check(
        "welcome",
        ui(welcome::Welcome::new(None).view(&texts).map(|_| ())),
    );
    check("menu", ui(menu::Menu::default().view(&texts).map(|_| ())));
    check(
        "sign",
        ui(sign::Sign::new(token.clone(), Timings::DEFAULT)
            .view(&texts)
            .map(|_| ())),
    );
    check(
        "key-parts",
        ui(key_parts::KeyParts::new().view(&texts).map(|_| ())),
    );
    check(
        "activation-code",
        ui(activation_code::ActivationCode::new()
            .view(&texts)
            .map(|_| ())),
    );
    check(
        "help-kk",
        ui(help::Help.view(&Texts::new(Lang::Kazakh)).map(|_| ())),
    );
}

// --- device binding (issue 17) ----------------------------------------------

#[test]
fn without_a_keystore_the_review_asks_to_keep_an_unbound_key_in_every_language() {
    let (_dir, token) = token();
    let pin = || Zeroizing::new("4826".to_owned());
    let mut screen =
        review::Review::new(token, pin(), pin(), ActivationKey::generate().parts(), None);
    let _ = screen.update(review::Message::Saved(Err(
        mobipass::token::TokenError::Keystore(mobipass::token::KeystoreError::NoKeystore),
    )));
    assert_eq!(screen.stage(), review::Stage::AskUnbound);
    assert!(screen.error().is_none());
    for lang in Lang::ALL {
        let texts = Texts::new(lang);
        let mut ui = ui(screen.view(&texts));
        for id in ["unbound-title", "unbound-body", "unbound-keep"] {
            assert!(
                ui.find(texts.get(id).as_str()).is_ok(),
                "{id} {}",
                lang.code()
            );
        }
    }
    let texts = english();
    assert!(texts.get("unbound-body").contains("10,000"));
    let mut ui = ui(screen.view(&texts));
    ui.click(texts.get("unbound-keep").as_str()).unwrap();
    assert!(matches!(
        ui.into_messages().collect::<Vec<_>>().as_slice(),
        [review::Message::KeepUnbound]
    ));
    assert!(matches!(screen.enter(), review::Message::KeepUnbound));
    let (_, event) = screen.update(review::Message::Back);
    assert!(matches!(event, Some(review::Event::Edit { .. })));
}

#[test]
fn the_saved_screen_says_whether_the_key_is_bound() {
    let dir = tempfile::tempdir().unwrap();
    let bound = Token::open(dir.path().join("vault.json"))
        .unwrap()
        .with_keystore(std::sync::Arc::new(mobipass::token::MemoryKeystore::new()))
        .with_kdf_params_for_tests(mobipass_scheme::KdfParams {
            memory_kib: 8,
            iterations: 1,
            parallelism: 1,
        })
        .activate(&ActivationKey::generate().parts(), "4826", "4826")
        .unwrap();
    assert!(bound.is_bound());
    let texts = english();
    for (saved, shown, hidden) in [
        (bound, "saved-bound", "saved-unbound"),
        (
            mobipass::token::Saved::default(),
            "saved-unbound",
            "saved-bound",
        ),
    ] {
        let (_dir, token) = token();
        let pin = || Zeroizing::new("4826".to_owned());
        let mut screen =
            review::Review::new(token, pin(), pin(), ActivationKey::generate().parts(), None);
        let _ = screen.update(review::Message::Saved(Ok(saved)));
        let mut ui = ui(screen.view(&texts));
        assert!(ui.find(texts.get(shown).as_str()).is_ok(), "{shown}");
        assert!(ui.find(texts.get(hidden).as_str()).is_err(), "{hidden}");
    }
}

#[test]
fn each_keystore_problem_has_its_own_words_in_every_language() {
    use mobipass::gui::phrase::Phrase;
    use mobipass::token::{KeystoreError, TokenError};
    let cases = [
        (TokenError::OtherDevice, "err-other-device"),
        (
            TokenError::Keystore(KeystoreError::NoKeystore),
            "err-no-keystore",
        ),
        (
            TokenError::Keystore(KeystoreError::Locked),
            "err-keystore-locked",
        ),
        (
            TokenError::Keystore(KeystoreError::Cancelled),
            "err-keystore-cancelled",
        ),
        (
            TokenError::Keystore(KeystoreError::Other { detail: "x".into() }),
            "err-keystore-failed",
        ),
    ];
    for (error, id) in cases {
        let phrase = Phrase::from(&error);
        assert_eq!(phrase.id(), id);
        for lang in Lang::ALL {
            let words = phrase.render(&Texts::new(lang));
            assert_ne!(words, id, "{} lacks {id}", lang.code());
        }
    }
    let locked = Phrase::from(&TokenError::Keystore(KeystoreError::Locked)).render(&english());
    assert!(locked.contains("locked") && !locked.contains("another computer"));
}

#[test]
fn the_menu_warns_about_an_unbound_key_only() {
    for lang in Lang::ALL {
        let texts = Texts::new(lang);
        let warning = texts.get("menu-unbound");
        let (unbound_menu, bound_menu) = (menu::Menu::new(false), menu::Menu::new(true));
        let mut unbound = ui(unbound_menu.view(&texts));
        assert!(unbound.find(warning.as_str()).is_ok(), "{}", lang.code());
        let mut bound = ui(bound_menu.view(&texts));
        assert!(bound.find(warning.as_str()).is_err(), "{}", lang.code());
    }
}
