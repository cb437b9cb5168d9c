//! The console's and the signing page's catalogues: the same message ids in
//! English, Russian and Kazakh, and every id the pages use exists in all three.

use std::collections::BTreeSet;
use std::path::Path;

use fluent_syntax::ast::Entry;

fn ids(lang: &str) -> BTreeSet<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("i18n/{lang}.ftl"));
    let text = std::fs::read_to_string(path).unwrap();
    let resource = fluent_syntax::parser::parse(text).unwrap_or_else(|(_, errors)| {
        panic!("{lang}.ftl does not parse: {errors:?}");
    });
    let mut ids = BTreeSet::new();
    for entry in resource.body {
        if let Entry::Message(message) = entry {
            assert!(
                message.value.is_some(),
                "{lang}: {} has no value",
                message.id.name
            );
            assert!(
                ids.insert(message.id.name.clone()),
                "{lang}: {} twice",
                message.id.name
            );
        }
    }
    ids
}

/// Every literal id the console's sources and templates look up
/// (`t("...")`, `message(..., "...")`, `Some("...")` error ids), plus the
/// ids built from a prefix and a value.
fn used() -> BTreeSet<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let pattern = regex::Regex::new(
        r#"(?:\bt\(|StatusCode::[A-Z_]+,\s*|Some\(\(StatusCode::[A-Z_]+,\s*|Some\(|c\.t\()"([a-z][a-z0-9-]+)""#,
    )
    .unwrap();
    let mut used = BTreeSet::new();
    let entries = ["src/console", "src/signing_page"]
        .into_iter()
        .flat_map(|dir| std::fs::read_dir(root.join(dir)).unwrap());
    for entry in entries {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        for capture in pattern.captures_iter(&text) {
            used.insert(capture[1].to_owned());
        }
    }
    for state in ["issued", "active", "blocked", "revoked"] {
        used.insert(format!("state-{state}"));
    }
    for done in ["blocked", "unblocked", "revoked"] {
        used.insert(format!("done-{done}"));
    }
    // The signing page's outcomes: `pay-{state}` and its `-title`.
    for outcome in [
        "accepted",
        "blocked",
        "expired",
        "rejected",
        "invalid-format",
        "locked",
        "csrf",
        "link-used",
        "error",
    ] {
        used.insert(format!("pay-{outcome}"));
        used.insert(format!("pay-{outcome}-title"));
    }
    for (code, _) in mobipass_verifier_server::console::credential::BLOCK_REASONS {
        used.insert(format!("reason-{}", code.replace('_', "-")));
    }
    let messages: Vec<String> = used
        .iter()
        .filter(|id| id.starts_with("error-"))
        .cloned()
        .collect();
    for id in messages {
        used.insert(format!("{id}-title"));
    }
    used
}

#[test]
fn english_russian_and_kazakh_have_the_same_message_ids() {
    let english = ids("en");
    for lang in ["ru", "kk"] {
        let other = ids(lang);
        let missing: Vec<_> = english.difference(&other).collect();
        let extra: Vec<_> = other.difference(&english).collect();
        assert!(
            missing.is_empty() && extra.is_empty(),
            "{lang}: missing {missing:?}, extra {extra:?}"
        );
    }
}

#[test]
fn every_id_the_pages_use_exists() {
    let used = used();
    assert!(used.len() > 50, "the scan found the ids: {used:?}");
    assert!(used.contains("signin-title") && used.contains("error-csrf-title"));
    for lang in ["en", "ru", "kk"] {
        let known = ids(lang);
        let missing: Vec<_> = used.difference(&known).collect();
        assert!(missing.is_empty(), "{lang} lacks {missing:?}");
    }
}

#[test]
fn translations_differ_from_english() {
    for id in ["signin-title", "block-submit", "unblock-identity"] {
        let en = mobipass_verifier_server::console::i18n::Lang::English.t(id);
        for lang in [
            mobipass_verifier_server::console::i18n::Lang::Russian,
            mobipass_verifier_server::console::i18n::Lang::Kazakh,
        ] {
            let text = lang.t(id);
            assert_ne!(text, en, "{id} untranslated in {}", lang.code());
            assert_ne!(text, id, "{id} missing in {}", lang.code());
        }
    }
}
