//! Sign: PIN and document code in, the 8-digit signature value out.
//!
//! The PIN is never judged: the core turns any PIN into some response, and
//! this screen shows whatever comes back, with the standing note that a
//! mistyped PIN gives a wrong value and that the bank blocks after three.
//! Only the shape of the input (4 digits, a 6-8 digit code, an amount) is
//! checked here, so a typo in the code costs no Argon2 run.
//!
//! The response hides itself after a while; a generation number makes the
//! timer of an older response do nothing. Copying is the root's job (it
//! outlives this screen, so the clipboard is cleared even after Back).

use iced::Task;
use iced::widget::{checkbox, column, operation, row, text};
use mobipass_scheme::{DocumentCode, Pin, Response};
use zeroize::Zeroizing;

use crate::gui::i18n::Texts;
use crate::gui::look;
use crate::gui::phrase::Phrase;
use crate::gui::screen::choose_pin::pin_digits;
use crate::gui::timer::{self, Timings};
use crate::gui::widgets;
use crate::token::{self, Token, TokenError};

/// Id of the PIN field (focused when the screen opens).
pub const PIN: &str = "sign-pin";
/// Id of the document code field.
pub const CODE: &str = "sign-code";
/// Id of the amount field (linked signatures).
pub const AMOUNT: &str = "sign-amount";
/// Id of the payee field (linked signatures).
pub const PAYEE: &str = "sign-payee";

/// The screen's state.
pub struct Sign {
    token: Token,
    timings: Timings,
    pin: Zeroizing<String>,
    code: String,
    linked: bool,
    amount: String,
    payee: String,
    busy: bool,
    error: Option<Phrase>,
    response: Option<Response>,
    generation: u64,
}

/// What the user did, or what came back from the core or a timer.
#[derive(Clone)]
pub enum Message {
    /// The PIN field changed.
    Pin(String),
    /// The code field changed.
    Code(String),
    /// The "bank shows amount and payee" option changed.
    Linked(bool),
    /// The amount field changed.
    Amount(String),
    /// The payee field changed.
    Payee(String),
    /// Enter in a field or the Sign button.
    Submit,
    /// The core's answer.
    Signed(Result<Response, TokenError>),
    /// Copy the shown response.
    Copy,
    /// The hide timer of response number `generation` fired.
    Hide(u64),
    /// Clear the form for another payment.
    Again,
    /// Esc or Back.
    Back,
}

/// What the root must act on.
pub enum Event {
    /// Put this response in the clipboard (and clear it later).
    Copy(Zeroizing<String>),
    /// Back to the menu.
    Back,
}

impl Sign {
    /// An empty form for the vault behind `token`.
    pub fn new(token: Token, timings: Timings) -> Sign {
        Sign {
            token,
            timings,
            pin: Zeroizing::default(),
            code: String::new(),
            linked: false,
            amount: String::new(),
            payee: String::new(),
            busy: false,
            error: None,
            response: None,
            generation: 0,
        }
    }

    /// Puts the cursor in the PIN field.
    pub fn focus<M: Send + 'static>() -> Task<M> {
        operation::focus(PIN)
    }

    /// The response on screen, if any.
    pub fn response(&self) -> Option<&Response> {
        self.response.as_ref()
    }

    /// The problem shown, if any.
    pub fn error(&self) -> Option<&Phrase> {
        self.error.as_ref()
    }

    /// Whether Argon2 is running.
    pub fn is_busy(&self) -> bool {
        self.busy
    }

    /// Applies a message.
    pub fn update(&mut self, message: Message) -> (Task<Message>, Option<Event>) {
        match message {
            Message::Pin(typed) => self.pin = pin_digits(&typed),
            Message::Code(typed) => {
                self.code = typed.chars().filter(char::is_ascii_digit).take(8).collect();
            }
            Message::Linked(on) => {
                self.linked = on;
                if on {
                    return (operation::focus(AMOUNT), None);
                }
            }
            Message::Amount(typed) => self.amount = typed,
            Message::Payee(typed) => self.payee = typed,
            Message::Submit if self.response.is_none() && !self.busy => {
                return (self.submit(), None);
            }
            Message::Signed(result) => {
                self.busy = false;
                self.pin = Zeroizing::default();
                match result {
                    Ok(response) => {
                        self.response = Some(response);
                        self.generation += 1;
                        let generation = self.generation;
                        let hide = timer::after(self.timings.response_visible)
                            .map(move |()| Message::Hide(generation));
                        return (hide, None);
                    }
                    Err(error) => {
                        self.error = Some(error.into());
                        return (operation::focus(PIN), None);
                    }
                }
            }
            Message::Copy => {
                if let Some(response) = &self.response {
                    let digits = Zeroizing::new(response.as_str().to_owned());
                    return (Task::none(), Some(Event::Copy(digits)));
                }
            }
            Message::Hide(generation) if generation == self.generation => self.response = None,
            Message::Again => {
                self.response = None;
                self.generation += 1;
                self.code.clear();
                self.amount.clear();
                self.payee.clear();
                return (operation::focus(PIN), None);
            }
            Message::Back if !self.busy => return (Task::none(), Some(Event::Back)),
            Message::Submit | Message::Hide(_) | Message::Back => {}
        }
        (Task::none(), None)
    }

    fn submit(&mut self) -> Task<Message> {
        if let Err(error) = Pin::parse(&self.pin) {
            self.error = Some(error.into());
            return operation::focus(PIN);
        }
        if let Err(error) = DocumentCode::parse(&self.code) {
            self.error = Some(error.into());
            return operation::focus(CODE);
        }
        let amount = if self.linked {
            match token::parse_amount(&self.amount) {
                Ok(amount) => Some(amount),
                Err(error) => {
                    self.error = Some(error.into());
                    return operation::focus(AMOUNT);
                }
            }
        } else {
            None
        };
        self.error = None;
        self.busy = true;
        let token = self.token.clone();
        let (pin, code, payee) = (self.pin.clone(), self.code.clone(), self.payee.clone());
        Task::perform(
            token::background(move || match amount {
                Some(amount) => token.sign_linked(&pin, &code, amount, &payee),
                None => token.sign(&pin, &code),
            }),
            Message::Signed,
        )
    }

    /// What Enter does when no field took it.
    pub fn enter(&self) -> Message {
        if self.response.is_some() {
            Message::Again
        } else {
            Message::Submit
        }
    }

    /// The form, or the response.
    pub fn view(&self, texts: &Texts) -> iced::Element<'_, Message> {
        let note = widgets::hint(texts.get("sign-note"));
        if let Some(response) = &self.response {
            return widgets::page(
                texts.get("sign-title"),
                vec![
                    widgets::para(texts.get("sign-response-label")),
                    text(response.grouped())
                        .size(look::RESPONSE)
                        .font(look::FONT_BOLD_FACE)
                        .into(),
                    widgets::hint(texts.get("sign-hides")),
                    row![
                        widgets::primary(texts.get("sign-copy"), Some(Message::Copy)),
                        widgets::secondary(texts.get("sign-again"), Some(Message::Again)),
                        widgets::secondary(texts.get("back"), Some(Message::Back)),
                    ]
                    .spacing(12)
                    .into(),
                    widgets::hint(texts.get("sign-response-keys")),
                    note,
                ],
            );
        }
        let idle = !self.busy;
        let mut blocks = vec![
            widgets::labelled(
                texts.get("sign-pin"),
                widgets::pin_input(
                    PIN,
                    &self.pin,
                    idle.then_some(Message::Pin),
                    Message::Submit,
                ),
            ),
            widgets::labelled(
                texts.get("sign-code"),
                widgets::digits_input(
                    CODE,
                    &self.code,
                    160.0,
                    idle.then_some(Message::Code),
                    Message::Submit,
                ),
            ),
            checkbox(self.linked)
                .label(texts.get("sign-linked"))
                .size(18)
                .text_size(look::TEXT)
                .on_toggle_maybe(idle.then_some(Message::Linked))
                .into(),
        ];
        if self.linked {
            blocks.push(
                row![
                    widgets::labelled(
                        texts.get("sign-amount"),
                        widgets::digits_input(
                            AMOUNT,
                            &self.amount,
                            180.0,
                            idle.then_some(Message::Amount),
                            Message::Submit
                        ),
                    ),
                    widgets::labelled(
                        texts.get("sign-payee"),
                        widgets::digits_input(
                            PAYEE,
                            &self.payee,
                            260.0,
                            idle.then_some(Message::Payee),
                            Message::Submit
                        ),
                    ),
                ]
                .spacing(16)
                .into(),
            );
        }
        blocks.push(widgets::problem(texts, self.error.as_ref()));
        if self.busy {
            blocks.push(widgets::busy(texts));
        }
        blocks.push(
            row![
                widgets::secondary(texts.get("back"), idle.then_some(Message::Back)),
                widgets::primary(texts.get("sign-submit"), idle.then_some(Message::Submit)),
            ]
            .spacing(12)
            .into(),
        );
        blocks.push(
            column![note, widgets::hint(texts.get("keys-hint"))]
                .spacing(6)
                .into(),
        );
        widgets::page(texts.get("sign-title"), blocks)
    }
}
