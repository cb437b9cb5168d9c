//! Delete key: an explicit confirmation, then the core overwrites and
//! removes the vault. Afterwards the root shows the first-run screen.
//!
//! The safe choice is the default: Enter and Esc keep the key; deleting
//! takes the red button itself (a click, or Tab to it and Space or Enter).

use iced::Task;

use crate::gui::i18n::Texts;
use crate::gui::phrase::Phrase;
use crate::gui::widgets;
use crate::token::{self, Token, TokenError};

/// Id of the Keep the key button (the default).
pub const KEEP_BUTTON: &str = "delete.keep";
/// Id of the Yes, delete button.
pub const CONFIRM_BUTTON: &str = "delete.confirm";

/// The screen's state.
pub struct Delete {
    token: Token,
    busy: bool,
    error: Option<Phrase>,
}

/// What the user did, or what came back from the core.
#[derive(Clone)]
pub enum Message {
    /// "Yes, delete the key" (the button itself, never a bare Enter).
    Confirm,
    /// The core's answer.
    Deleted(Result<(), TokenError>),
    /// Keep the key (or Enter, or Esc).
    Cancel,
}

/// What the root must act on.
pub enum Event {
    /// The key is gone.
    Deleted,
    /// The user changed their mind.
    Cancelled,
}

impl Delete {
    /// The confirmation for the vault behind `token`.
    pub fn new(token: Token) -> Delete {
        Delete {
            token,
            busy: false,
            error: None,
        }
    }

    /// The problem shown, if deleting failed.
    pub fn error(&self) -> Option<&Phrase> {
        self.error.as_ref()
    }

    /// Applies a message.
    pub fn update(&mut self, message: Message) -> (Task<Message>, Option<Event>) {
        match message {
            Message::Confirm if !self.busy => {
                self.busy = true;
                self.error = None;
                let token = self.token.clone();
                (
                    Task::perform(token::background(move || token.delete()), Message::Deleted),
                    None,
                )
            }
            Message::Deleted(Ok(())) => {
                self.busy = false;
                (Task::none(), Some(Event::Deleted))
            }
            Message::Deleted(Err(error)) => {
                self.busy = false;
                self.error = Some(error.into());
                (Task::none(), None)
            }
            Message::Cancel if !self.busy => (Task::none(), Some(Event::Cancelled)),
            Message::Confirm | Message::Cancel => (Task::none(), None),
        }
    }

    /// The question and two buttons.
    pub fn view(&self, texts: &Texts) -> iced::Element<'_, Message> {
        let mut blocks = vec![widgets::para(texts.get("delete-body"))];
        blocks.extend(widgets::problem_if(texts, self.error.as_ref()));
        if self.busy {
            blocks.push(widgets::busy(texts));
        }
        // Keeping the key is the default: first, and what Enter does.
        blocks.push(widgets::actions(vec![
            widgets::primary(
                KEEP_BUTTON,
                texts.get("delete-keep"),
                (!self.busy).then_some(Message::Cancel),
            ),
            widgets::danger(
                CONFIRM_BUTTON,
                texts.get("delete-confirm"),
                (!self.busy).then_some(Message::Confirm),
            ),
        ]));
        blocks.push(widgets::hint(texts.get("delete-keys")));
        widgets::page(texts.get("delete-title"), blocks)
    }
}
