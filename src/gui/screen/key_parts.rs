//! First run, step 2: the four parts of the activation key, laid out like
//! the envelope (two rows of two).
//!
//! Each field keeps digits only and at most ten of them. When a part reaches
//! ten digits it is checked at once — its Damm check digit catches a typo,
//! two swapped digits or a part typed into the wrong field — and, if right,
//! the cursor moves to the next part. A whole key pasted (or typed) into any
//! field is split into all four by [`ActivationKey::split_pasted`].
//! A single part is checked by the core's [`token::check_key_part`], which
//! accepts both kinds of envelope (envelope-only and two-channel, told apart
//! by the check digits). Once all four are right on their own, they must be
//! of one kind: a part of the minority kind is marked as a typo, and two
//! against two is said for the whole form ("the parts do not belong
//! together"). The kind goes with the parts to the root, which asks for the
//! activation code when the envelope needs one.

use iced::Task;
use iced::widget::{column, operation, row, text};
use mobipass_scheme::{ActivationKey, Envelope, EnvelopeError, EnvelopeKind, KeyError};
use zeroize::Zeroizing;

use crate::gui::i18n::Texts;
use crate::gui::look;
use crate::gui::phrase::Phrase;
use crate::gui::widgets;
use crate::token;

/// Id of the Next button.
pub const NEXT_BUTTON: &str = "key-parts.next";
/// Id of the Back button.
pub const BACK_BUTTON: &str = "key-parts.back";
/// Field ids, part 1 to 4.
pub const PARTS: [&str; 4] = ["key-part-1", "key-part-2", "key-part-3", "key-part-4"];
const PART_DIGITS: usize = 10;

/// How a part looks so far.
#[derive(Clone, PartialEq, Eq)]
enum Mark {
    /// Fewer than ten digits: nothing to say yet.
    Incomplete,
    /// Ten digits and a matching check digit.
    Correct,
    /// Ten digits that fail the check (the reason names the part).
    Wrong(Phrase),
}

/// The screen's state.
pub struct KeyParts {
    parts: [Zeroizing<String>; 4],
    marks: [Mark; 4],
    error: Option<Phrase>,
}

/// What the user did.
#[derive(Clone)]
pub enum Message {
    /// Field `index` (0..4) changed, by typing or pasting.
    Changed(usize, String),
    /// Enter in a field, or the Next button.
    Submit,
    /// Esc or Back.
    Back,
}

/// What the root must act on.
pub enum Event {
    /// Four parts that form a valid key, and the envelope's kind.
    Complete([Zeroizing<String>; 4], EnvelopeKind),
    /// The user went back to the PIN.
    Back,
}

impl Default for KeyParts {
    fn default() -> Self {
        KeyParts::new()
    }
}

impl KeyParts {
    /// Empty fields.
    pub fn new() -> KeyParts {
        KeyParts {
            parts: Default::default(),
            marks: std::array::from_fn(|_| Mark::Incomplete),
            error: None,
        }
    }

    /// Fields filled with parts typed before (coming back from the review).
    pub fn with_parts(parts: [Zeroizing<String>; 4]) -> KeyParts {
        let mut screen = KeyParts::new();
        for (index, part) in parts.into_iter().enumerate() {
            screen.set(index, part);
        }
        screen.check_together();
        screen
    }

    /// Puts the cursor in part 1.
    pub fn focus<M: Send + 'static>() -> Task<M> {
        operation::focus(PARTS[0])
    }

    /// The digits in field `index`.
    pub fn part(&self, index: usize) -> &str {
        &self.parts[index]
    }

    /// The reason shown for the form, if any.
    pub fn error(&self) -> Option<&Phrase> {
        self.error.as_ref()
    }

    /// The reason shown next to part `index`, if it is wrong.
    pub fn part_error(&self, index: usize) -> Option<&Phrase> {
        match &self.marks[index] {
            Mark::Wrong(phrase) => Some(phrase),
            _ => None,
        }
    }

    /// Whether part `index` is complete and right.
    pub fn part_is_correct(&self, index: usize) -> bool {
        self.marks[index] == Mark::Correct
    }

    fn check_part(&self, index: usize, digits: &str) -> Mark {
        if digits.len() < PART_DIGITS {
            return Mark::Incomplete;
        }
        match token::check_key_part(index + 1, digits) {
            Ok(_) => Mark::Correct,
            Err(error) => Mark::Wrong(error.into()),
        }
    }

    fn set(&mut self, index: usize, digits: Zeroizing<String>) {
        self.marks[index] = self.check_part(index, &digits);
        self.parts[index] = digits;
    }

    /// Once every part is right on its own, says at once when they are not
    /// of one envelope: marks the part that does not fit, or the whole form.
    fn check_together(&mut self) {
        // From scratch: a part marked as the odd one out before may fit now.
        for index in 0..4 {
            self.marks[index] = self.check_part(index, &self.parts[index]);
        }
        if !(0..4).all(|i| self.part_is_correct(i)) {
            return;
        }
        match Envelope::from_parts(&self.parts) {
            Ok(_) => {}
            Err(EnvelopeError::Key(error @ KeyError::Typo { part })) => {
                self.marks[usize::from(part).clamp(1, 4) - 1] = Mark::Wrong(error.into());
            }
            Err(error) => self.error = Some(envelope_phrase(error)),
        }
    }

    /// Applies a message.
    pub fn update(&mut self, message: Message) -> (Task<Message>, Option<Event>) {
        match message {
            Message::Changed(index, typed) => (self.changed(index, &typed), None),
            Message::Submit => self.submit(),
            Message::Back => (Task::none(), Some(Event::Back)),
        }
    }

    fn changed(&mut self, index: usize, typed: &str) -> Task<Message> {
        self.error = None;
        if let Some(parts) = ActivationKey::split_pasted(typed) {
            for (i, part) in parts.into_iter().enumerate() {
                self.set(i, part);
            }
            self.check_together();
            return match (0..4).find(|&i| !self.part_is_correct(i)) {
                Some(wrong) => operation::focus(PARTS[wrong]),
                None => Task::none(),
            };
        }
        let digits: Zeroizing<String> =
            Zeroizing::new(typed.chars().filter(char::is_ascii_digit).collect());
        if digits.len() > PART_DIGITS {
            // More than a part but not a whole key: most likely a paste cut short.
            self.error = Some(
                KeyError::WholeKeyLength {
                    found: digits.len(),
                }
                .into(),
            );
            return Task::none();
        }
        self.set(index, digits);
        self.check_together();
        if self.part_is_correct(index) && index + 1 < PARTS.len() {
            operation::focus(PARTS[index + 1])
        } else {
            Task::none()
        }
    }

    fn submit(&mut self) -> (Task<Message>, Option<Event>) {
        match Envelope::from_parts(&self.parts) {
            Ok(envelope) => {
                self.error = None;
                let event = Event::Complete(self.parts.clone(), envelope.kind());
                (Task::none(), Some(event))
            }
            Err(error) => {
                self.error = Some(envelope_phrase(error));
                let part = match error {
                    EnvelopeError::Key(
                        KeyError::NotDigits { part }
                        | KeyError::WrongLength { part, .. }
                        | KeyError::Typo { part },
                    ) => usize::from(part).clamp(1, 4) - 1,
                    EnvelopeError::Key(KeyError::WholeKeyLength { .. })
                    | EnvelopeError::PartsDoNotBelongTogether => 0,
                };
                (operation::focus(PARTS[part]), None)
            }
        }
    }

    fn field<'a>(&'a self, texts: &Texts, index: usize) -> iced::Element<'a, Message> {
        let label = texts.with(
            "key-part",
            &[("part", crate::gui::i18n::Arg::Number(index as u64 + 1))],
        );
        let status: iced::Element<'a, Message> = match &self.marks[index] {
            Mark::Incomplete => text("").size(look::TEXT - 2.0).into(),
            Mark::Correct => widgets::success(texts.with(
                "key-part-ok",
                &[("part", crate::gui::i18n::Arg::Number(index as u64 + 1))],
            )),
            Mark::Wrong(phrase) => widgets::problem(texts, Some(phrase)),
        };
        column![
            widgets::labelled(
                label,
                widgets::digits_input(
                    PARTS[index],
                    &self.parts[index],
                    190.0,
                    Some(move |typed| Message::Changed(index, typed)),
                    Message::Submit,
                ),
            ),
            status,
        ]
        .spacing(4)
        .width(iced::Length::Fill)
        .into()
    }

    /// The four fields.
    pub fn view(&self, texts: &Texts) -> iced::Element<'_, Message> {
        widgets::page(
            texts.get("key-title"),
            vec![
                widgets::para(texts.get("key-body")),
                row![self.field(texts, 0), self.field(texts, 1)]
                    .spacing(24)
                    .into(),
                row![self.field(texts, 2), self.field(texts, 3)]
                    .spacing(24)
                    .into(),
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

fn envelope_phrase(error: EnvelopeError) -> Phrase {
    match error {
        EnvelopeError::Key(key) => key.into(),
        EnvelopeError::PartsDoNotBelongTogether => Phrase::new("err-key-mixed"),
    }
}
