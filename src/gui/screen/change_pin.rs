//! Change PIN: current PIN, new PIN, new PIN again.
//!
//! The current PIN cannot be checked — nothing stored can tell right from
//! wrong — so the change goes ahead whatever was typed, as the bank's manual
//! says, and the screen says so up front. The new PIN is checked here first
//! (shape, trivial, mismatch) so a refusal costs no Argon2 run; a mismatch
//! sends the user back to the new PIN with the reason.

use iced::Task;
use iced::widget::operation;
use mobipass_scheme::{Pin, PinError};
use zeroize::Zeroizing;

use crate::gui::i18n::Texts;
use crate::gui::phrase::Phrase;
use crate::gui::screen::choose_pin::pin_digits;
use crate::gui::widgets;
use crate::token::{self, Saved, Token, TokenError};

/// Id of the current-PIN field (focused when the screen opens).
pub const CURRENT: &str = "change-current";
/// Id of the new-PIN field.
pub const NEW: &str = "change-new";
/// Id of the new-PIN-again field.
pub const AGAIN: &str = "change-again";

/// Id of the Change PIN button.
pub const SUBMIT_BUTTON: &str = "change.submit";
/// Id of the Back button.
pub const BACK_BUTTON: &str = "change.back";
/// Id of the button after the change.
pub const DONE_BUTTON: &str = "change.done";

/// The screen's state.
pub struct ChangePin {
    token: Token,
    current: Zeroizing<String>,
    new: Zeroizing<String>,
    again: Zeroizing<String>,
    busy: bool,
    done: bool,
    /// What went wrong after the change was made (it stands).
    warnings: Vec<Phrase>,
    /// Whether the vault as saved by the change is bound (`None`: not saved).
    bound: Option<bool>,
    error: Option<Phrase>,
}

/// What the user did, or what came back from the core.
#[derive(Clone)]
pub enum Message {
    /// The current-PIN field changed.
    Current(String),
    /// The new-PIN field changed.
    New(String),
    /// The new-PIN-again field changed.
    Again(String),
    /// Enter in the current-PIN field.
    CurrentEntered,
    /// Enter in the new-PIN field.
    NewEntered,
    /// Enter in the last field, or the Change PIN button.
    Submit,
    /// The core's answer.
    Changed(Result<Saved, TokenError>),
    /// Esc, Back, or the button after success.
    Back,
}

/// What the root must act on.
pub enum Event {
    /// Back to the menu.
    Back,
}

impl ChangePin {
    /// Whether the changed vault is bound, once the change is saved; a PIN
    /// change binds an unbound vault when a keystore runs.
    pub fn saved_bound(&self) -> Option<bool> {
        self.bound
    }

    /// An empty form for the vault behind `token`.
    pub fn new(token: Token) -> ChangePin {
        ChangePin {
            token,
            current: Zeroizing::default(),
            new: Zeroizing::default(),
            again: Zeroizing::default(),
            busy: false,
            done: false,
            warnings: Vec::new(),
            bound: None,
            error: None,
        }
    }

    /// Puts the cursor in the current-PIN field.
    pub fn focus<M: Send + 'static>() -> Task<M> {
        operation::focus(CURRENT)
    }

    /// Whether the change is done.
    pub fn is_done(&self) -> bool {
        self.done
    }

    /// The problem shown, if any.
    pub fn error(&self) -> Option<&Phrase> {
        self.error.as_ref()
    }

    /// Applies a message.
    pub fn update(&mut self, message: Message) -> (Task<Message>, Option<Event>) {
        let task = match message {
            Message::Current(typed) => {
                self.current = pin_digits(&typed);
                Task::none()
            }
            Message::New(typed) => {
                self.new = pin_digits(&typed);
                Task::none()
            }
            Message::Again(typed) => {
                self.again = pin_digits(&typed);
                Task::none()
            }
            Message::CurrentEntered => operation::focus(NEW),
            Message::NewEntered => {
                match Pin::parse(&self.new).and_then(|p| p.check_not_trivial()) {
                    Ok(()) => {
                        self.error = None;
                        operation::focus(AGAIN)
                    }
                    Err(error) => self.refuse_new(error),
                }
            }
            Message::Submit if !self.busy && !self.done => self.submit(),
            Message::Changed(result) => {
                self.busy = false;
                self.current = Zeroizing::default();
                self.new = Zeroizing::default();
                self.again = Zeroizing::default();
                match result {
                    Ok(saved) => {
                        self.done = true;
                        self.warnings = saved.warnings().iter().map(Phrase::from).collect();
                        self.bound = Some(saved.is_bound());
                    }
                    Err(error) => self.error = Some(error.into()),
                }
                Task::none()
            }
            Message::Back if !self.busy => return (Task::none(), Some(Event::Back)),
            Message::Submit | Message::Back => Task::none(),
        };
        (task, None)
    }

    fn refuse_new(&mut self, error: PinError) -> Task<Message> {
        self.error = Some(error.into());
        self.new = Zeroizing::default();
        self.again = Zeroizing::default();
        operation::focus(NEW)
    }

    fn submit(&mut self) -> Task<Message> {
        if let Err(error) = Pin::parse(&self.current) {
            self.error = Some(error.into());
            return operation::focus(CURRENT);
        }
        if let Err(error) = Pin::choose(&self.new, &self.again) {
            return self.refuse_new(error);
        }
        self.error = None;
        self.busy = true;
        let token = self.token.clone();
        let (current, new, again) = (self.current.clone(), self.new.clone(), self.again.clone());
        Task::perform(
            token::background(move || token.change_pin(&current, &new, &again)),
            Message::Changed,
        )
    }

    /// What Enter does when no field took it.
    pub fn enter(&self) -> Message {
        if self.done {
            Message::Back
        } else {
            Message::Submit
        }
    }

    /// The form, or the success message.
    pub fn view(&self, texts: &Texts) -> iced::Element<'_, Message> {
        if self.done {
            return widgets::page(
                texts.get("change-title"),
                std::iter::once(widgets::success(texts.get("change-done")))
                    .chain(
                        self.warnings
                            .iter()
                            .map(|w| widgets::problem(texts, Some(w))),
                    )
                    .chain(std::iter::once(widgets::actions(vec![widgets::primary(
                        DONE_BUTTON,
                        texts.get("back"),
                        Some(Message::Back),
                    )])))
                    .collect(),
            );
        }
        let idle = !self.busy;
        let mut blocks = vec![
            widgets::para(texts.get("change-body")),
            widgets::labelled(
                texts.get("change-current"),
                widgets::pin_input(
                    CURRENT,
                    &self.current,
                    idle.then_some(Message::Current),
                    Message::CurrentEntered,
                ),
            ),
            widgets::labelled(
                texts.get("pin-new"),
                widgets::pin_input(
                    NEW,
                    &self.new,
                    idle.then_some(Message::New),
                    Message::NewEntered,
                ),
            ),
            widgets::labelled(
                texts.get("pin-new-again"),
                widgets::pin_input(
                    AGAIN,
                    &self.again,
                    idle.then_some(Message::Again),
                    Message::Submit,
                ),
            ),
        ];
        blocks.extend(widgets::problem_if(texts, self.error.as_ref()));
        if self.busy {
            blocks.push(widgets::busy(texts));
        }
        blocks.push(widgets::actions(vec![
            widgets::primary(
                SUBMIT_BUTTON,
                texts.get("change-submit"),
                idle.then_some(Message::Submit),
            ),
            widgets::secondary(
                BACK_BUTTON,
                texts.get("back"),
                idle.then_some(Message::Back),
            ),
        ]));
        blocks.push(widgets::hint(texts.get("keys-hint")));
        widgets::page(texts.get("change-title"), blocks)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gui::i18n::Lang;
    use crate::token::SaveWarning;

    #[test]
    fn a_save_warning_is_shown_with_the_success_message() {
        let dir = tempfile::tempdir().unwrap();
        let mut screen = ChangePin::new(Token::open(dir.path().join("vault.json")).unwrap());
        let mut saved = Saved::default();
        saved.warn(SaveWarning::NotDurable {
            path: dir.path().to_owned(),
            kind: std::io::ErrorKind::Other,
        });
        let _ = screen.update(Message::Changed(Ok(saved)));
        assert!(screen.is_done());
        let shown: Vec<String> = screen
            .warnings
            .iter()
            .map(|w| w.render(&Texts::new(Lang::English)))
            .collect();
        assert_eq!(shown.len(), 1);
        assert!(shown[0].contains("power"), "{shown:?}");
    }
}
