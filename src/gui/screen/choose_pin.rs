//! First run, step 1: choose the PIN, typed twice.
//!
//! The rules (4 digits, nothing trivial, both entries equal) are the
//! scheme's [`Pin::choose`]; this screen only decides which field to send the
//! user back to. A refused first PIN clears both fields; a mismatch keeps the
//! first and asks for the second again, naming the reason either way.

use iced::Task;
use iced::widget::operation;
use mobipass_scheme::{Pin, PinError};
use zeroize::Zeroizing;

use crate::gui::i18n::Texts;
use crate::gui::phrase::Phrase;
use crate::gui::widgets;

/// Id of the Next button.
pub const NEXT_BUTTON: &str = "choose-pin.next";
/// Id of the Back button.
pub const BACK_BUTTON: &str = "choose-pin.back";
/// Id of the first PIN field (focused when the screen opens).
pub const PIN: &str = "choose-pin";
/// Id of the second PIN field.
pub const PIN_AGAIN: &str = "choose-pin-again";

/// The screen's state. The PINs are zeroized when it is dropped.
#[derive(Default)]
pub struct ChoosePin {
    pin: Zeroizing<String>,
    again: Zeroizing<String>,
    error: Option<Phrase>,
}

/// What the user did.
#[derive(Clone)]
pub enum Message {
    /// The first field changed.
    Pin(String),
    /// The second field changed.
    Again(String),
    /// Enter in the first field.
    PinEntered,
    /// Enter in the second field, or the Next button.
    Submit,
    /// Esc or Back.
    Back,
}

/// What the root must act on.
pub enum Event {
    /// An acceptable PIN, typed the same twice.
    Chosen {
        /// The PIN.
        pin: Zeroizing<String>,
        /// The second entry (equal to `pin`; the core checks again).
        again: Zeroizing<String>,
    },
    /// The user left the flow.
    Back,
}

/// Keeps the digits of `typed`, at most four: a PIN field takes nothing else.
pub fn pin_digits(typed: &str) -> Zeroizing<String> {
    Zeroizing::new(typed.chars().filter(char::is_ascii_digit).take(4).collect())
}

impl ChoosePin {
    /// An empty form.
    pub fn new() -> ChoosePin {
        ChoosePin::default()
    }

    /// Puts the cursor in the first field.
    pub fn focus<M: Send + 'static>() -> Task<M> {
        operation::focus(PIN)
    }

    /// The reason shown, if any.
    pub fn error(&self) -> Option<&Phrase> {
        self.error.as_ref()
    }

    /// Applies a message.
    pub fn update(&mut self, message: Message) -> (Task<Message>, Option<Event>) {
        match message {
            Message::Pin(typed) => {
                self.pin = pin_digits(&typed);
                (Task::none(), None)
            }
            Message::Again(typed) => {
                self.again = pin_digits(&typed);
                (Task::none(), None)
            }
            Message::PinEntered => {
                match Pin::parse(&self.pin).and_then(|p| p.check_not_trivial()) {
                    Ok(()) => {
                        self.error = None;
                        (operation::focus(PIN_AGAIN), None)
                    }
                    Err(error) => self.refuse(error),
                }
            }
            Message::Submit => match Pin::choose(&self.pin, &self.again) {
                Ok(_) => {
                    self.error = None;
                    let event = Event::Chosen {
                        pin: self.pin.clone(),
                        again: self.again.clone(),
                    };
                    (Task::none(), Some(event))
                }
                Err(error) => self.refuse(error),
            },
            Message::Back => (Task::none(), Some(Event::Back)),
        }
    }

    fn refuse(&mut self, error: PinError) -> (Task<Message>, Option<Event>) {
        self.error = Some(error.into());
        self.again = Zeroizing::default();
        if error == PinError::Mismatch {
            (operation::focus(PIN_AGAIN), None)
        } else {
            self.pin = Zeroizing::default();
            (operation::focus(PIN), None)
        }
    }

    /// The form.
    pub fn view(&self, texts: &Texts) -> iced::Element<'_, Message> {
        widgets::page(
            texts.get("pin-choose-title"),
            vec![
                widgets::para(texts.get("pin-choose-body")),
                widgets::labelled(
                    texts.get("pin-new"),
                    widgets::pin_input(PIN, &self.pin, Some(Message::Pin), Message::PinEntered),
                ),
                widgets::labelled(
                    texts.get("pin-new-again"),
                    widgets::pin_input(
                        PIN_AGAIN,
                        &self.again,
                        Some(Message::Again),
                        Message::Submit,
                    ),
                ),
            ]
            .into_iter()
            .chain(widgets::problem_if(texts, self.error.as_ref()))
            .chain([
                widgets::actions(vec![
                    widgets::primary(NEXT_BUTTON, texts.get("next"), Some(Message::Submit)),
                    widgets::secondary(BACK_BUTTON, texts.get("back"), Some(Message::Back)),
                ]),
                widgets::hint(texts.get("keys-hint")),
            ])
            .collect(),
        )
    }
}
