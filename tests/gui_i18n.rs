//! The translations are complete: every message id exists in English,
//! Russian and Kazakh, every id the GUI code asks for exists, and every
//! message renders without Fluent errors.

use std::collections::BTreeSet;
use std::path::Path;

use fluent_bundle::{FluentBundle, FluentResource};
use mobipass::gui::i18n::{Lang, Texts};

fn ids(source: &str) -> BTreeSet<String> {
    let resource = FluentResource::try_new(source.to_owned()).expect("the file parses");
    resource
        .entries()
        .filter_map(|entry| match entry {
            fluent_syntax::ast::Entry::Message(message) => Some(message.id.name.to_owned()),
            _ => None,
        })
        .collect()
}

fn catalogue(lang: Lang) -> BTreeSet<String> {
    lang.sources()
        .iter()
        .flat_map(|source| ids(source))
        .collect()
}

#[test]
fn every_message_id_exists_in_all_three_languages() {
    let english = catalogue(Lang::English);
    assert!(english.len() > 50, "the English catalogue looks empty");
    for lang in [Lang::Russian, Lang::Kazakh] {
        let other = catalogue(lang);
        let missing: Vec<_> = english.difference(&other).collect();
        let extra: Vec<_> = other.difference(&english).collect();
        assert!(missing.is_empty(), "{} lacks {missing:?}", lang.code());
        assert!(
            extra.is_empty(),
            "{} has ids English lacks: {extra:?}",
            lang.code()
        );
    }
}

#[test]
fn translations_differ_from_english() {
    let english = Texts::new(Lang::English);
    for lang in [Lang::Russian, Lang::Kazakh] {
        let texts = Texts::new(lang);
        for id in [
            "welcome-body",
            "sign-note",
            "help-wrong-pin-body",
            "err-pin-mismatch",
        ] {
            assert_ne!(texts.get(id), english.get(id), "{id} in {}", lang.code());
        }
    }
}

#[test]
fn every_message_renders_without_errors_in_every_language() {
    for lang in Lang::ALL {
        let mut bundle = FluentBundle::new(vec![lang.code().parse().unwrap()]);
        for source in lang.sources() {
            bundle
                .add_resource(FluentResource::try_new(source.to_owned()).unwrap())
                .unwrap();
        }
        let mut args = fluent_bundle::FluentArgs::new();
        args.set("part", 3);
        args.set("found", 7);
        args.set("path", "/tmp/vault.json");
        args.set("seconds", 30);
        args.set("digits", "…0410 0100");
        for id in catalogue(lang) {
            let pattern = bundle.get_message(&id).unwrap().value().unwrap();
            let mut errors = Vec::new();
            let text = bundle.format_pattern(pattern, Some(&args), &mut errors);
            assert!(errors.is_empty(), "{id} in {}: {errors:?}", lang.code());
            assert!(!text.trim().is_empty(), "{id} in {} is blank", lang.code());
        }
    }
}

/// Every string literal that looks like a message id and sits in a lookup
/// call in `src/gui` (`get("..")`, `with("..", ..)`, `Phrase::new("..")`, and the
/// id tables) exists in the English catalogue, hence in all three.
#[test]
fn every_id_the_gui_asks_for_exists() {
    let english = catalogue(Lang::English);
    let mut asked = BTreeSet::new();
    visit(
        Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/src/gui")),
        &mut |source| {
            for literal in source.split('"').skip(1).step_by(2) {
                let looks_like_id = !literal.is_empty()
                    && literal.contains('-')
                    && literal
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c == '-' || c.is_ascii_digit());
                if looks_like_id {
                    asked.insert(literal.to_owned());
                }
            }
        },
    );
    // Widget ids share the shape; they are not messages.
    let widget_ids = [
        "choose-pin",
        "choose-pin-again",
        "sign-pin",
        "sign-code",
        "sign-amount",
        "sign-payee",
        "change-current",
        "change-new",
        "change-again",
        "key-part-1",
        "key-part-2",
        "key-part-3",
        "key-part-4",
        "no-such-id",
    ];
    let missing: Vec<_> = asked
        .iter()
        .filter(|id| !english.contains(*id) && !widget_ids.contains(&id.as_str()))
        .collect();
    assert!(
        asked.len() > 40,
        "found only {} ids: the scan is broken",
        asked.len()
    );
    assert!(
        missing.is_empty(),
        "ids used in src/gui but not in the catalogue: {missing:?}"
    );
}

fn visit(dir: &Path, each: &mut impl FnMut(&str)) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            visit(&path, each);
        } else if path.extension().is_some_and(|e| e == "rs") {
            each(&std::fs::read_to_string(&path).unwrap());
        }
    }
}

#[test]
fn no_message_says_wrong_pin() {
    // The app cannot know whether a PIN is right; only the help may name the
    // phrase, to explain why the app never says it.
    for lang in Lang::ALL {
        let texts = Texts::new(lang);
        for id in catalogue(lang) {
            if id.starts_with("help-wrong-pin") {
                continue;
            }
            let words = texts.get(&id).to_lowercase();
            for forbidden in [
                "wrong pin",
                "incorrect pin",
                "pin is wrong",
                "неверный pin",
                "неправильный pin",
                "қате pin",
                "pin дұрыс емес",
            ] {
                assert!(
                    !words.contains(forbidden),
                    "{id} in {} says {forbidden:?}",
                    lang.code()
                );
            }
        }
    }
}
