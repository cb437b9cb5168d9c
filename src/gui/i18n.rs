//! Translations: Fluent catalogues compiled into the binary.
//!
//! Every user-visible sentence lives in `assets/i18n/*.ftl` (the screens)
//! and `assets/help/*.ftl` (the manual), one file per language, looked up by
//! message id. Views never hold literals, so adding a language is adding two
//! files and a [`Lang`] variant. The files are embedded with `include_str!`
//! so the app needs nothing next to it at run time.
//!
//! Fluent's Unicode isolation marks are turned off: the only arguments are
//! numbers and file paths inside left-to-right text, and the marks would show
//! as boxes in fonts that lack them.

use std::borrow::Cow;

use fluent_bundle::{FluentArgs, FluentBundle, FluentResource, FluentValue};
use unic_langid::LanguageIdentifier;

/// A language the app speaks.
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

    /// The BCP 47 language code.
    pub fn code(self) -> &'static str {
        match self {
            Lang::English => "en",
            Lang::Russian => "ru",
            Lang::Kazakh => "kk",
        }
    }

    /// The language of a locale tag such as `ru-RU`, `kk_KZ.UTF-8` or `en`,
    /// if the app speaks it.
    pub fn from_locale(tag: &str) -> Option<Lang> {
        let primary = tag
            .split(['-', '_', '.', '@'])
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        Lang::ALL.into_iter().find(|lang| lang.code() == primary)
    }

    /// The first of the user's preferred system languages that the app
    /// speaks; English when none is.
    pub fn from_system() -> Lang {
        sys_locale::get_locales()
            .find_map(|tag| Lang::from_locale(&tag))
            .unwrap_or(Lang::English)
    }

    /// The screen strings and the help text of this language, as embedded.
    pub fn sources(self) -> [&'static str; 2] {
        match self {
            Lang::English => [
                include_str!("../../assets/i18n/en.ftl"),
                include_str!("../../assets/help/en.ftl"),
            ],
            Lang::Russian => [
                include_str!("../../assets/i18n/ru.ftl"),
                include_str!("../../assets/help/ru.ftl"),
            ],
            Lang::Kazakh => [
                include_str!("../../assets/i18n/kk.ftl"),
                include_str!("../../assets/help/kk.ftl"),
            ],
        }
    }
}

/// One argument of a message: a number or a piece of text (a file path).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Arg {
    /// A count or a part number.
    Number(u64),
    /// Text inserted as it is.
    Text(String),
}

/// The catalogue of one language.
pub struct Texts {
    lang: Lang,
    bundle: FluentBundle<FluentResource>,
}

impl Texts {
    /// Loads the embedded catalogue of `lang`.
    ///
    /// # Panics
    /// If an embedded `.ftl` file does not parse; `tests/gui_i18n.rs` parses
    /// all of them, so this cannot reach a user.
    pub fn new(lang: Lang) -> Texts {
        let locale: LanguageIdentifier = lang.code().parse().expect("a valid language code");
        let mut bundle = FluentBundle::new(vec![locale]);
        bundle.set_use_isolating(false);
        for source in lang.sources() {
            let resource = FluentResource::try_new(source.to_owned())
                .unwrap_or_else(|_| panic!("assets for {} parse", lang.code()));
            bundle
                .add_resource(resource)
                .unwrap_or_else(|_| panic!("assets for {} have unique ids", lang.code()));
        }
        Texts { lang, bundle }
    }

    /// The message `id` without arguments.
    pub fn get(&self, id: &str) -> String {
        self.with(id, &[])
    }

    /// The message `id` with named arguments. An id missing from the
    /// catalogue comes back as the id itself, so a gap is visible rather than
    /// blank (the i18n test keeps the catalogues complete).
    pub fn with(&self, id: &str, args: &[(&str, Arg)]) -> String {
        let Some(pattern) = self.bundle.get_message(id).and_then(|m| m.value()) else {
            return id.to_owned();
        };
        let mut fluent_args = FluentArgs::new();
        for (name, value) in args {
            let value = match value {
                Arg::Number(n) => FluentValue::from(*n),
                Arg::Text(t) => FluentValue::String(Cow::Owned(t.clone())),
            };
            fluent_args.set(*name, value);
        }
        let mut errors = Vec::new();
        self.bundle
            .format_pattern(pattern, Some(&fluent_args), &mut errors)
            .into_owned()
    }
}

/// The catalogues of all languages and the one in use.
pub struct Catalog {
    all: Vec<Texts>,
    current: Lang,
}

impl Catalog {
    /// Loads every language and starts in `lang`.
    pub fn new(lang: Lang) -> Catalog {
        Catalog {
            all: Lang::ALL.into_iter().map(Texts::new).collect(),
            current: lang,
        }
    }

    /// The catalogue in use.
    pub fn texts(&self) -> &Texts {
        self.of(self.current)
    }

    /// The catalogue of `lang`.
    pub fn of(&self, lang: Lang) -> &Texts {
        self.all
            .iter()
            .find(|texts| texts.lang == lang)
            .expect("every language is loaded")
    }

    /// Switches the language in use.
    pub fn set(&mut self, lang: Lang) {
        self.current = lang;
    }

    /// The language in use.
    pub fn current(&self) -> Lang {
        self.current
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locale_tags_pick_their_language() {
        assert_eq!(Lang::from_locale("ru-RU"), Some(Lang::Russian));
        assert_eq!(Lang::from_locale("kk_KZ.UTF-8"), Some(Lang::Kazakh));
        assert_eq!(Lang::from_locale("EN"), Some(Lang::English));
        assert_eq!(Lang::from_locale("de-DE"), None);
        assert_eq!(Lang::from_locale(""), None);
    }

    #[test]
    fn arguments_are_filled_in() {
        let texts = Texts::new(Lang::English);
        assert_eq!(
            texts.with("err-key-typo", &[("part", Arg::Number(3))]),
            "Part 3 has a typo. Compare it with the envelope."
        );
    }

    #[test]
    fn unknown_id_shows_itself() {
        assert_eq!(Texts::new(Lang::Kazakh).get("no-such-id"), "no-such-id");
    }
}
