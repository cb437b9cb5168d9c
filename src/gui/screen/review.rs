//! First run, last step: show the key (and the activation code of a
//! two-channel envelope) once more, save it, say it is saved. After a
//! two-channel save the screen also says how the activation is finished: by
//! signing the document code the internet bank shows next, which the bank
//! takes as the confirmation (DESIGN.md §2b).
//!
//! Where no keystore runs, saving stops before Argon2 and the screen asks
//! whether to keep an unbound key, with its risk in one sentence; nothing is
//! written unless the person chooses it. The saved page says which it became.
//!
//! Saving runs Argon2 (about half a second with the default cost), so it
//! goes through [`token::background`] and the screen shows a busy line with
//! its buttons disabled until the result comes back as a message.

use iced::Task;
use iced::widget::{column, row, text};
use mobipass_scheme::Envelope;
use zeroize::Zeroizing;

use crate::gui::i18n::Texts;
use crate::gui::look;
use crate::gui::phrase::Phrase;
use crate::gui::widgets;
use crate::token::{self, KeystoreError, Token, TokenError};

/// Id of the Save key button.
pub const SAVE_BUTTON: &str = "review.save";
/// Id of the Back button.
pub const BACK_BUTTON: &str = "review.back";
/// Id of the Continue button after saving.
pub const CONTINUE_BUTTON: &str = "review.continue";
/// Id of the Keep an unbound key button.
pub const KEEP_UNBOUND_BUTTON: &str = "review.keep-unbound";

/// Where the screen is.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Stage {
    /// Showing the key, waiting for Save.
    Review,
    /// No keystore: asking whether to keep an unbound key.
    AskUnbound,
    /// Argon2 is running.
    Saving,
    /// The vault is written.
    Saved,
}

/// The screen's state.
pub struct Review {
    token: Token,
    pin: Zeroizing<String>,
    again: Zeroizing<String>,
    parts: [Zeroizing<String>; 4],
    /// The activation code's digits, for a two-channel envelope.
    code: Option<Zeroizing<String>>,
    stage: Stage,
    error: Option<Phrase>,
    /// What went wrong after the key was saved (it stands).
    warnings: Vec<Phrase>,
    /// Whether the saved vault is bound to this computer.
    bound: bool,
}

/// What the user did, or what came back from the core.
#[derive(Clone)]
pub enum Message {
    /// Save (or Enter while reviewing).
    Save,
    /// No keystore, and the person chose an unbound key.
    KeepUnbound,
    /// The core's answer.
    Saved(Result<token::Saved, TokenError>),
    /// Continue (or Enter once saved).
    Continue,
    /// Esc or Back: edit the parts again.
    Back,
}

/// What the root must act on.
pub enum Event {
    /// The key is saved; go to the main menu.
    Finished,
    /// Back to the previous step (the activation code if there is one, else
    /// the key parts), keeping what was typed.
    Edit {
        /// The key parts as typed.
        parts: [Zeroizing<String>; 4],
        /// The activation code as typed, for a two-channel envelope.
        code: Option<Zeroizing<String>>,
    },
}

impl Review {
    /// A review of `parts` (and, for a two-channel envelope, its activation
    /// `code`) to be saved under `pin`.
    pub fn new(
        token: Token,
        pin: Zeroizing<String>,
        again: Zeroizing<String>,
        parts: [Zeroizing<String>; 4],
        code: Option<Zeroizing<String>>,
    ) -> Review {
        Review {
            token,
            pin,
            again,
            parts,
            code,
            stage: Stage::Review,
            error: None,
            warnings: Vec::new(),
            bound: false,
        }
    }

    /// Whether the saved key is bound to this computer.
    pub fn is_bound(&self) -> bool {
        self.bound
    }

    /// The PIN and its second entry, to carry back to the key parts.
    pub(crate) fn pin_pair(&self) -> (Zeroizing<String>, Zeroizing<String>) {
        (self.pin.clone(), self.again.clone())
    }

    /// Where the screen is.
    pub fn stage(&self) -> Stage {
        self.stage
    }

    /// Whether the key saved (or to be saved) came with an activation code.
    pub fn is_two_channel(&self) -> bool {
        self.code.is_some()
    }

    /// The problem shown, if saving failed.
    pub fn error(&self) -> Option<&Phrase> {
        self.error.as_ref()
    }

    /// Applies a message.
    pub fn update(&mut self, message: Message) -> (Task<Message>, Option<Event>) {
        match message {
            Message::Save if self.stage == Stage::Review => self.save(self.token.clone()),
            Message::KeepUnbound if self.stage == Stage::AskUnbound => {
                self.save(self.token.clone().allowing_unbound())
            }
            Message::Saved(result) => {
                match result {
                    Ok(saved) => {
                        self.stage = Stage::Saved;
                        self.bound = saved.is_bound();
                        self.warnings = saved.warnings().iter().map(Phrase::from).collect();
                    }
                    Err(TokenError::Keystore(KeystoreError::NoKeystore)) => {
                        self.stage = Stage::AskUnbound;
                    }
                    Err(error) => {
                        self.stage = Stage::Review;
                        self.error = Some(error.into());
                    }
                }
                (Task::none(), None)
            }
            Message::Continue if self.stage == Stage::Saved => {
                (Task::none(), Some(Event::Finished))
            }
            Message::Back if matches!(self.stage, Stage::Review | Stage::AskUnbound) => {
                let event = Event::Edit {
                    parts: self.parts.clone(),
                    code: self.code.clone(),
                };
                (Task::none(), Some(event))
            }
            Message::Save | Message::KeepUnbound | Message::Continue | Message::Back => {
                (Task::none(), None)
            }
        }
    }

    /// Starts saving through `token` in the background.
    fn save(&mut self, token: Token) -> (Task<Message>, Option<Event>) {
        self.stage = Stage::Saving;
        self.error = None;
        let (parts, code, pin, again) = (
            self.parts.clone(),
            self.code.clone(),
            self.pin.clone(),
            self.again.clone(),
        );
        let task = Task::perform(
            token::background(move || {
                let code = code.as_ref().map(|code| code.as_str());
                token.activate_with_code(&parts, code, &pin, &again)
            }),
            Message::Saved,
        );
        (task, None)
    }

    /// What Enter does here.
    pub fn enter(&self) -> Message {
        match self.stage {
            Stage::Saved => Message::Continue,
            Stage::AskUnbound => Message::KeepUnbound,
            _ => Message::Save,
        }
    }

    /// The key as on the envelope, or the saved message.
    pub fn view(&self, texts: &Texts) -> iced::Element<'_, Message> {
        if self.stage == Stage::Saved {
            return widgets::page(
                texts.get("saved-title"),
                std::iter::once(widgets::success(texts.get("saved-body")))
                    .chain(std::iter::once(widgets::notice(texts.get(if self.bound {
                        "saved-bound"
                    } else {
                        "saved-unbound"
                    }))))
                    .chain(
                        self.is_two_channel()
                            .then(|| widgets::notice(texts.get("saved-finish-body"))),
                    )
                    .chain(
                        self.warnings
                            .iter()
                            .map(|w| widgets::problem(texts, Some(w))),
                    )
                    .chain(std::iter::once(widgets::primary(
                        CONTINUE_BUTTON,
                        texts.get("saved-continue"),
                        Some(Message::Continue),
                    )))
                    .collect(),
            );
        }
        if self.stage == Stage::AskUnbound {
            return widgets::page(
                texts.get("unbound-title"),
                vec![
                    widgets::notice(texts.get("unbound-body")),
                    widgets::actions(vec![
                        widgets::danger(
                            KEEP_UNBOUND_BUTTON,
                            texts.get("unbound-keep"),
                            Some(Message::KeepUnbound),
                        ),
                        widgets::secondary(BACK_BUTTON, texts.get("back"), Some(Message::Back)),
                    ]),
                ],
            );
        }
        let grouped = Envelope::from_parts(&self.parts)
            .map(|envelope| envelope.parts())
            .unwrap_or_else(|_| self.parts.clone());
        let part = |index: usize| {
            let digits: &str = &grouped[index];
            let shown = if digits.len() == 10 {
                format!("{} {}", &digits[..5], &digits[5..])
            } else {
                digits.to_owned()
            };
            text(shown)
                .size(look::TEXT + 8.0)
                .font(look::FONT_BOLD_FACE)
        };
        let busy = self.stage == Stage::Saving;
        let mut blocks = vec![
            widgets::para(texts.get(match self.code {
                Some(_) => "review-body-code",
                None => "review-body",
            })),
            column![
                row![part(0), text("–").size(look::TEXT + 8.0), part(1)].spacing(16),
                row![part(2), text("–").size(look::TEXT + 8.0), part(3)].spacing(16),
            ]
            .spacing(8)
            .into(),
        ];
        if let Some(code) = &self.code {
            blocks.push(
                column![
                    text(texts.get("review-code")).size(look::TEXT),
                    text(super::activation_code::grouped(code).to_string())
                        .size(look::TEXT + 8.0)
                        .font(look::FONT_BOLD_FACE),
                ]
                .spacing(4)
                .into(),
            );
        }
        blocks.extend(widgets::problem_if(texts, self.error.as_ref()));
        if busy {
            blocks.push(widgets::busy(texts));
        }
        blocks.push(widgets::actions(vec![
            widgets::primary(
                SAVE_BUTTON,
                texts.get("review-save"),
                (!busy).then_some(Message::Save),
            ),
            widgets::secondary(
                BACK_BUTTON,
                texts.get("back"),
                (!busy).then_some(Message::Back),
            ),
        ]));
        widgets::page(texts.get("review-title"), blocks)
    }
}
