//! Shown when the vault cannot be used at all (damaged, locked, unreadable):
//! the reason in words, Try again, and Delete key for a damaged file.
//!
//! The app never starts over a damaged vault silently; deleting it is the
//! user's explicit choice, through the same confirmation as from the menu.

use crate::gui::i18n::Texts;
use crate::gui::phrase::Phrase;
use crate::gui::widgets;

/// Id of the Try again button.
pub const RETRY_BUTTON: &str = "problem.retry";
/// Id of the Delete key button.
pub const DELETE_BUTTON: &str = "problem.delete";

/// The screen's state: what went wrong.
pub struct Problem {
    reason: Phrase,
}

/// What the user did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Message {
    /// Read the vault again (or Enter).
    Retry,
    /// Go to the delete confirmation.
    Delete,
}

impl Problem {
    /// A problem screen for `reason`.
    pub fn new(reason: Phrase) -> Problem {
        Problem { reason }
    }

    /// The reason shown.
    pub fn reason(&self) -> &Phrase {
        &self.reason
    }

    /// The reason and the two ways on.
    pub fn view(&self, texts: &Texts) -> iced::Element<'_, Message> {
        widgets::page(
            texts.get("problem-title"),
            vec![
                widgets::problem(texts, Some(&self.reason)),
                widgets::actions(vec![
                    widgets::primary(
                        RETRY_BUTTON,
                        texts.get("problem-retry"),
                        Some(Message::Retry),
                    ),
                    widgets::danger(
                        DELETE_BUTTON,
                        texts.get("problem-delete"),
                        Some(Message::Delete),
                    ),
                ]),
            ],
        )
    }
}
