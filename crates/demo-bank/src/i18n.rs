//! The demo bank's words: Fluent catalogues (`i18n/{en,ru,kk}.ftl`)
//! embedded in the binary and looked up by message id, as the console and
//! the desktop app do.
//!
//! The language is the `bank_lang` cookie if set (the switch on every page),
//! else the first of the browser's `Accept-Language` the bank speaks, else
//! English.

use std::sync::OnceLock;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource};

/// A language the demo bank speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Lang {
    /// English.
    English,
    /// Russian.
    Russian,
    /// Kazakh (Cyrillic script).
    Kazakh,
}

impl Lang {
    /// Every language, in the order the switch shows them.
    pub const ALL: [Lang; 3] = [Lang::English, Lang::Russian, Lang::Kazakh];

    /// BCP 47 code (the cookie value and the page's `lang`).
    pub fn code(self) -> &'static str {
        match self {
            Lang::English => "en",
            Lang::Russian => "ru",
            Lang::Kazakh => "kk",
        }
    }

    /// The language's own name, for the switch.
    pub fn own_name(self) -> &'static str {
        match self {
            Lang::English => "English",
            Lang::Russian => "Русский",
            Lang::Kazakh => "Қазақша",
        }
    }

    /// A code as in the cookie.
    pub fn from_code(code: &str) -> Option<Lang> {
        Lang::ALL.into_iter().find(|lang| lang.code() == code)
    }

    /// The first language of an `Accept-Language` header the bank speaks.
    pub fn from_accept_language(header: &str) -> Option<Lang> {
        header.split(',').find_map(|item| {
            let tag = item.split(';').next().unwrap_or_default().trim();
            let primary = tag.split(['-', '_']).next().unwrap_or_default();
            Lang::from_code(&primary.to_ascii_lowercase())
        })
    }

    /// The catalogue source, as embedded.
    pub fn source(self) -> &'static str {
        match self {
            Lang::English => include_str!("../i18n/en.ftl"),
            Lang::Russian => include_str!("../i18n/ru.ftl"),
            Lang::Kazakh => include_str!("../i18n/kk.ftl"),
        }
    }

    fn bundle(self) -> &'static FluentBundle<FluentResource> {
        static BUNDLES: OnceLock<[FluentBundle<FluentResource>; 3]> = OnceLock::new();
        let bundles = BUNDLES.get_or_init(|| Lang::ALL.map(build));
        &bundles[Lang::ALL.iter().position(|l| *l == self).unwrap_or(0)]
    }

    /// The text of message `id` (the id itself if missing, which a test forbids).
    pub fn t(self, id: &str) -> String {
        self.format(id, None)
    }

    /// The text of message `id` with arguments.
    pub fn format(self, id: &str, args: Option<&FluentArgs<'_>>) -> String {
        let bundle = self.bundle();
        let Some(pattern) = bundle.get_message(id).and_then(|m| m.value()) else {
            return id.to_owned();
        };
        let mut errors = Vec::new();
        bundle
            .format_pattern(pattern, args, &mut errors)
            .into_owned()
    }

    /// Message `id` with one string argument.
    pub fn t1(self, id: &str, name: &'static str, value: &str) -> String {
        let mut args = FluentArgs::new();
        args.set(name, value.to_owned());
        self.format(id, Some(&args))
    }
}

fn build(lang: Lang) -> FluentBundle<FluentResource> {
    let id: unic_langid::LanguageIdentifier = lang.code().parse().expect("a valid language code");
    let mut bundle = FluentBundle::new_concurrent(vec![id]);
    bundle.set_use_isolating(false);
    let resource =
        FluentResource::try_new(lang.source().to_owned()).unwrap_or_else(|(resource, _)| resource);
    // Duplicates would be a catalogue bug, caught by the catalogue test.
    let _ = bundle.add_resource(resource);
    bundle
}

#[cfg(test)]
mod tests {
    use super::*;
    use fluent_syntax::ast::Entry;

    fn ids(lang: Lang) -> Vec<String> {
        let resource = fluent_syntax::parser::parse(lang.source())
            .unwrap_or_else(|(_, errors)| panic!("{} does not parse: {errors:?}", lang.code()));
        resource
            .body
            .iter()
            .filter_map(|entry| match entry {
                Entry::Message(message) => Some(message.id.name.to_owned()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn every_catalogue_has_exactly_the_english_ids() {
        let mut english = ids(Lang::English);
        english.sort();
        let count = english.len();
        english.dedup();
        assert_eq!(english.len(), count, "en.ftl has a duplicate id");
        for lang in [Lang::Russian, Lang::Kazakh] {
            let mut other = ids(lang);
            other.sort();
            assert_eq!(other, english, "{}.ftl differs from en.ftl", lang.code());
        }
    }

    #[test]
    fn every_id_a_template_or_handler_uses_is_in_the_catalogue() {
        let english = ids(Lang::English);
        let sources = [
            include_str!("pages/layout.html"),
            include_str!("pages/home.html"),
            include_str!("pages/envelope.html"),
            include_str!("pages/sms.html"),
            include_str!("pages/transfer.html"),
            include_str!("pages/statement.html"),
            include_str!("pages/message.html"),
            include_str!("pages/mod.rs"),
            include_str!("pages/signup.rs"),
            include_str!("pages/sms.rs"),
            include_str!("pages/transfer.rs"),
            include_str!("pages/signed.rs"),
            include_str!("pages/signin.rs"),
            include_str!("pages/statement.rs"),
        ];
        let mut used = 0;
        for source in sources {
            let calls = source
                .match_indices(".t(\"")
                .map(|(i, _)| i + 4)
                .chain(source.match_indices(".t1(\"").map(|(i, _)| i + 5));
            for start in calls {
                let rest = &source[start..];
                let id = &rest[..rest.find('"').unwrap()];
                assert!(english.iter().any(|e| e == id), "{id} is not in en.ftl");
                used += 1;
            }
        }
        assert!(
            used > 40,
            "only {used} ids found: is the pattern still right?"
        );
    }

    #[test]
    fn accept_language_picks_the_first_spoken_language() {
        assert_eq!(
            Lang::from_accept_language("ru-RU,ru;q=0.9,en;q=0.8"),
            Some(Lang::Russian)
        );
        assert_eq!(
            Lang::from_accept_language("de, kk;q=0.5"),
            Some(Lang::Kazakh)
        );
        assert_eq!(Lang::from_accept_language("de, fr"), None);
    }
}
