//! The console's words: Fluent catalogues (`i18n/{en,ru,kk}.ftl`) embedded
//! in the binary, looked up by message id as the desktop app does.
//!
//! The language is the `mp_lang` cookie if set (the switch on every page),
//! else the first of the browser's `Accept-Language` the console speaks,
//! else English.

use std::sync::OnceLock;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource};

/// A language the console speaks.
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

    /// The first language of an `Accept-Language` header the console speaks
    /// (in the order given; weights are rarely other than descending).
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
            Lang::English => include_str!("../../i18n/en.ftl"),
            Lang::Russian => include_str!("../../i18n/ru.ftl"),
            Lang::Kazakh => include_str!("../../i18n/kk.ftl"),
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

    #[test]
    fn accept_language_picks_the_first_spoken_language() {
        assert_eq!(
            Lang::from_accept_language("ru-RU,ru;q=0.9,en;q=0.8"),
            Some(Lang::Russian)
        );
        assert_eq!(
            Lang::from_accept_language("de-DE, kk;q=0.5"),
            Some(Lang::Kazakh)
        );
        assert_eq!(Lang::from_accept_language("de, fr"), None);
        assert_eq!(Lang::from_accept_language(""), None);
    }
}
