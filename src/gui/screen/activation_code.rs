//! First run, the step after the key parts for a two-channel envelope: the
//! activation code the bank gives apart from the envelope (DESIGN.md §2b),
//! so that whoever takes the letter from a mailbox cannot activate with it.
//!
//! The field keeps digits (spaces and dashes are dropped, anything else is
//! refused with its reason) and shows them grouped as `1234 5678` while they
//! are typed. At eight digits the code is checked at once by the core's
//! [`token::check_activation_code`], so a typo is named before the PIN is
//! spent on Argon2. A code that passes the check but is not the bank's cannot
//! be told apart here: it activates, and signs wrongly, as a wrong PIN does.

use iced::Task;
use iced::widget::{column, operation};
use mobipass_scheme::CodeError;
use mobipass_scheme::code::CODE_DIGITS;
use zeroize::Zeroizing;

use crate::gui::i18n::Texts;
use crate::gui::phrase::Phrase;
use crate::gui::widgets;
use crate::token;

/// Id of the code field (focused when the screen opens).
pub const CODE: &str = "activation-code.field";
/// Id of the Next button.
pub const NEXT_BUTTON: &str = "activation-code.next";
/// Id of the Back button.
pub const BACK_BUTTON: &str = "activation-code.back";

/// The screen's state. The digits are zeroized when it is dropped.
#[derive(Default)]
pub struct ActivationCode {
    digits: Zeroizing<String>,
    correct: bool,
    error: Option<Phrase>,
}

/// What the user did.
#[derive(Clone)]
pub enum Message {
    /// The field changed, by typing or pasting.
    Changed(String),
    /// Enter in the field, or the Next button.
    Submit,
    /// Esc or Back.
    Back,
}

/// What the root must act on.
pub enum Event {
    /// Eight digits with a matching check digit.
    Complete(Zeroizing<String>),
    /// Back to the key parts.
    Back,
}

/// `digits` as shown: `1234 5678`, the space once there are more than four.
pub fn grouped(digits: &str) -> Zeroizing<String> {
    let mut shown = Zeroizing::new(String::with_capacity(CODE_DIGITS + 1));
    for (index, digit) in digits.chars().enumerate() {
        if index == 4 {
            shown.push(' ');
        }
        shown.push(digit);
    }
    shown
}

impl ActivationCode {
    /// An empty field.
    pub fn new() -> ActivationCode {
        ActivationCode::default()
    }

    /// The field filled with a code typed before (coming back from the review).
    pub fn with_code(code: &str) -> ActivationCode {
        let mut screen = ActivationCode::new();
        let _ = screen.changed(code);
        screen
    }

    /// Puts the cursor in the field.
    pub fn focus<M: Send + 'static>() -> Task<M> {
        operation::focus(CODE)
    }

    /// The digits typed so far, without the grouping space.
    pub fn digits(&self) -> &str {
        &self.digits
    }

    /// What the field shows: the digits grouped.
    pub fn shown(&self) -> Zeroizing<String> {
        grouped(&self.digits)
    }

    /// Whether eight digits are typed and the check digit matches.
    pub fn is_correct(&self) -> bool {
        self.correct
    }

    /// The reason shown, if any.
    pub fn error(&self) -> Option<&Phrase> {
        self.error.as_ref()
    }

    /// Applies a message.
    pub fn update(&mut self, message: Message) -> (Task<Message>, Option<Event>) {
        match message {
            Message::Changed(typed) => (self.changed(&typed), None),
            Message::Submit => self.submit(),
            Message::Back => (Task::none(), Some(Event::Back)),
        }
    }

    fn changed(&mut self, typed: &str) -> Task<Message> {
        let digits: Zeroizing<String> = Zeroizing::new(
            typed
                .chars()
                .filter(|c| !c.is_whitespace() && *c != '-')
                .collect(),
        );
        // A letter or a ninth digit is not taken in: the field keeps what it
        // had and says why.
        if !digits.chars().all(|c| c.is_ascii_digit()) {
            self.error = Some(CodeError::NotDigits.into());
            return operation::move_cursor_to_end(CODE);
        }
        if digits.len() > CODE_DIGITS {
            self.error = Some(
                CodeError::WrongLength {
                    found: digits.len(),
                }
                .into(),
            );
            return operation::move_cursor_to_end(CODE);
        }
        self.digits = digits;
        self.check();
        // The grouping space moves the text under the cursor: put the cursor
        // back at the end, where typing and pasting leave it.
        if *self.shown() != *typed {
            operation::move_cursor_to_end(CODE)
        } else {
            Task::none()
        }
    }

    /// Checks the code once it is complete; says nothing while it is shorter.
    fn check(&mut self) {
        self.correct = false;
        self.error = None;
        if self.digits.len() == CODE_DIGITS {
            match token::check_activation_code(&self.digits) {
                Ok(()) => self.correct = true,
                Err(error) => self.error = Some(error.into()),
            }
        }
    }

    fn submit(&mut self) -> (Task<Message>, Option<Event>) {
        match token::check_activation_code(&self.digits) {
            Ok(()) => {
                self.error = None;
                (Task::none(), Some(Event::Complete(self.digits.clone())))
            }
            Err(error) => {
                self.error = Some(error.into());
                (operation::focus(CODE), None)
            }
        }
    }

    /// The field, where the code comes from, and how long it is valid.
    pub fn view(&self, texts: &Texts) -> iced::Element<'_, Message> {
        let shown = self.shown();
        let field =
            widgets::digits_input(CODE, &shown, 180.0, Some(Message::Changed), Message::Submit);
        let status: iced::Element<'_, Message> = match (&self.error, self.correct) {
            (Some(phrase), _) => widgets::problem(texts, Some(phrase)),
            (None, true) => widgets::success(texts.get("code-ok")),
            (None, false) => column![].into(),
        };
        widgets::page(
            texts.get("code-title"),
            vec![
                widgets::para(texts.get("code-body")),
                widgets::para(texts.get("code-where")),
                column![widgets::labelled(texts.get("code-label"), field), status]
                    .spacing(4)
                    .into(),
                widgets::actions(vec![
                    widgets::primary(NEXT_BUTTON, texts.get("next"), Some(Message::Submit)),
                    widgets::secondary(BACK_BUTTON, texts.get("back"), Some(Message::Back)),
                ]),
                widgets::hint(texts.get("keys-hint")),
            ],
        )
    }
}
