//! A sentence to show, kept as a message id plus arguments rather than as
//! text, so that switching the language re-words what is already on screen.
//!
//! This is also where every [`TokenError`] gets its words. The mapping is
//! exhaustive on purpose: a new error variant in the core fails to compile
//! here instead of reaching the user as English debug text. No variant can
//! say "wrong PIN" — the core has no such error, because it cannot know.

use std::io::ErrorKind;
use std::path::Path;

use mobipass_scheme::{ActivationError, CodeError, KeyError, PinError, QuestionError};

use super::i18n::{Arg, Texts};
use crate::token::{AmountError, KeystoreError, SaveWarning, TokenError};

/// A translatable sentence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Phrase {
    id: &'static str,
    args: Vec<(&'static str, Arg)>,
}

impl Phrase {
    /// The message `id` without arguments.
    pub fn new(id: &'static str) -> Phrase {
        Phrase {
            id,
            args: Vec::new(),
        }
    }

    /// Adds a numeric argument.
    pub fn number(mut self, name: &'static str, value: u64) -> Phrase {
        self.args.push((name, Arg::Number(value)));
        self
    }

    /// Adds a text argument.
    pub fn text(mut self, name: &'static str, value: impl Into<String>) -> Phrase {
        self.args.push((name, Arg::Text(value.into())));
        self
    }

    /// The message id (tests compare ids, not words).
    pub fn id(&self) -> &'static str {
        self.id
    }

    /// The sentence in the catalogue's language.
    pub fn render(&self, texts: &Texts) -> String {
        texts.with(self.id, &self.args)
    }
}

impl From<KeyError> for Phrase {
    fn from(error: KeyError) -> Phrase {
        match error {
            KeyError::NotDigits { part } => {
                Phrase::new("err-key-not-digits").number("part", part.into())
            }
            KeyError::WrongLength { part, found } => Phrase::new("err-key-length")
                .number("part", part.into())
                .number("found", found as u64),
            KeyError::Typo { part } => Phrase::new("err-key-typo").number("part", part.into()),
            KeyError::WholeKeyLength { found } => {
                Phrase::new("err-key-whole-length").number("found", found as u64)
            }
        }
    }
}

impl From<CodeError> for Phrase {
    fn from(error: CodeError) -> Phrase {
        match error {
            CodeError::NotDigits => Phrase::new("err-code-not-digits"),
            CodeError::WrongLength { found } => {
                Phrase::new("err-code-length").number("found", found as u64)
            }
            CodeError::Typo => Phrase::new("err-code-typo"),
        }
    }
}

impl From<ActivationError> for Phrase {
    fn from(error: ActivationError) -> Phrase {
        Phrase::new(match error {
            ActivationError::CodeNeeded => "err-code-needed",
            ActivationError::CodeNotExpected => "err-code-not-expected",
        })
    }
}

impl From<PinError> for Phrase {
    fn from(error: PinError) -> Phrase {
        Phrase::new(match error {
            PinError::NotFourDigits => "err-pin-four-digits",
            PinError::AllSame => "err-pin-all-same",
            PinError::Sequence => "err-pin-sequence",
            PinError::Common => "err-pin-common",
            PinError::Mismatch => "err-pin-mismatch",
        })
    }
}

impl From<QuestionError> for Phrase {
    fn from(error: QuestionError) -> Phrase {
        Phrase::new(match error {
            QuestionError::CodeFormat => "err-code",
            QuestionError::AmountTooLarge => "err-amount-too-large",
            QuestionError::PayeeWithoutDigits => "err-payee",
        })
    }
}

impl From<AmountError> for Phrase {
    fn from(error: AmountError) -> Phrase {
        Phrase::new(match error {
            AmountError::Empty | AmountError::Malformed => "err-amount",
            AmountError::Ambiguous => "err-amount-ambiguous",
            AmountError::TooLarge => "err-amount-too-large",
        })
    }
}

fn shown(path: &Path) -> String {
    path.display().to_string()
}

impl From<&TokenError> for Phrase {
    fn from(error: &TokenError) -> Phrase {
        match error {
            TokenError::Key(key) => (*key).into(),
            TokenError::PartsDoNotBelongTogether => Phrase::new("err-key-mixed"),
            TokenError::Code(code) => (*code).into(),
            TokenError::Activation(activation) => (*activation).into(),
            TokenError::Pin(pin) => (*pin).into(),
            TokenError::Question(question) => (*question).into(),
            TokenError::NotActivated => Phrase::new("err-not-activated"),
            TokenError::AlreadyActivated => Phrase::new("err-already-activated"),
            TokenError::Damaged { path, .. } => {
                Phrase::new("err-damaged").text("path", shown(path))
            }
            TokenError::Locked { path } => Phrase::new("err-locked").text("path", shown(path)),
            TokenError::Io { path, kind } => {
                let id = match kind {
                    ErrorKind::StorageFull | ErrorKind::QuotaExceeded => "err-io-full",
                    ErrorKind::PermissionDenied | ErrorKind::ReadOnlyFilesystem => {
                        "err-io-permission"
                    }
                    _ => "err-io",
                };
                Phrase::new(id).text("path", shown(path))
            }
            TokenError::NoDataDir => Phrase::new("err-no-data-dir"),
            TokenError::OutOfMemory => Phrase::new("err-out-of-memory"),
            TokenError::OtherDevice | TokenError::Keystore(KeystoreError::EntryMissing) => {
                Phrase::new("err-other-device")
            }
            TokenError::Keystore(error) => Phrase::new(match error {
                KeystoreError::NoKeystore => "err-no-keystore",
                KeystoreError::Locked => "err-keystore-locked",
                KeystoreError::Cancelled => "err-keystore-cancelled",
                KeystoreError::EntryMissing | KeystoreError::Other { .. } => "err-keystore-failed",
            }),
        }
    }
}

impl From<&SaveWarning> for Phrase {
    fn from(warning: &SaveWarning) -> Phrase {
        match warning {
            SaveWarning::NotDurable { path, .. } => {
                Phrase::new("warn-not-durable").text("path", shown(path))
            }
            SaveWarning::OldCopyNotErased { path, .. } => {
                Phrase::new("warn-old-copy").text("path", shown(path))
            }
        }
    }
}

impl From<TokenError> for Phrase {
    fn from(error: TokenError) -> Phrase {
        Phrase::from(&error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gui::i18n::Lang;

    #[test]
    fn typo_names_the_part_in_every_language() {
        let phrase = Phrase::from(KeyError::Typo { part: 3 });
        for lang in Lang::ALL {
            let words = phrase.render(&Texts::new(lang));
            assert!(words.contains('3'), "{words}");
            assert_ne!(words, "err-key-typo");
        }
    }

    #[test]
    fn disk_full_is_told_apart_from_other_io_errors() {
        let full = TokenError::Io {
            path: "/tmp/v.json".into(),
            kind: ErrorKind::StorageFull,
        };
        let other = TokenError::Io {
            path: "/tmp/v.json".into(),
            kind: ErrorKind::Other,
        };
        assert_eq!(Phrase::from(&full).id(), "err-io-full");
        assert_eq!(Phrase::from(&other).id(), "err-io");
    }
}
