//! Sign: PIN and document code in, the 8-digit signature value out.
//!
//! The PIN is never judged: the core turns any PIN into some response, and
//! this screen shows whatever comes back, with the standing note that a
//! mistyped PIN gives a wrong value and that the bank blocks after three.
//! Only the shape of the input (4 digits, a 6-8 digit code, an amount) is
//! checked here, so a typo in the code costs no Argon2 run.
//!
//! What you sign is what you see: next to the value the screen repeats what
//! went into it — the document code and, for a linked signature, the amount
//! as understood and the payee digits that count — for the customer to
//! compare with the bank's page.
//!
//! The response hides itself after a while (counting down each second); a
//! generation number makes the timers of an older response do nothing.
//! Once hidden, the form is cleared for the next payment, with the PIN
//! focused and a notice saying why. Copying is the root's job (it outlives
//! this screen, so the clipboard is cleared even after Back).
//!
//! `view.rs` draws the form and the response; this file holds the state.

mod view;

use std::time::Duration;

use iced::Task;
use iced::widget::operation;
use mobipass_scheme::{Payee, Pin, Response};
use zeroize::Zeroizing;

use crate::gui::phrase::Phrase;
use crate::gui::screen::choose_pin::pin_digits;
use crate::gui::timer::{self, Timings};
use crate::token::{self, Token, TokenError};

/// Id of the PIN field (focused when the screen opens).
pub const PIN: &str = "sign-pin";
/// Id of the document code field.
pub const CODE: &str = "sign-code";
/// Id of the amount field (linked signatures).
pub const AMOUNT: &str = "sign-amount";
/// Id of the payee field (linked signatures).
pub const PAYEE: &str = "sign-payee";
/// Id of the "bank shows amount and payee" checkbox's focus stop.
pub const LINKED: &str = "sign.linked";
/// Id of the Sign button.
pub const SUBMIT_BUTTON: &str = "sign.submit";
/// Id of the Back button.
pub const BACK_BUTTON: &str = "sign.back";
/// Id of the Copy button.
pub const COPY_BUTTON: &str = "sign.copy";
/// Id of the Sign another payment button.
pub const AGAIN_BUTTON: &str = "sign.again";

/// What went into a signature, as shown next to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signed {
    /// The document code, digits only.
    pub code: String,
    /// For a linked signature: the amount as understood (`1 500,00`), the
    /// payee digits that count (`…0410 0100`), and whether the account had
    /// fewer digits than count.
    pub linked: Option<(String, String, bool)>,
}

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
    /// What the signature being computed or shown is for.
    signed: Option<Signed>,
    response: Option<Response>,
    /// Whole seconds until the shown response hides itself.
    seconds_left: u64,
    /// The shown response was copied.
    copied: bool,
    /// Why the form is empty again (the value was hidden).
    notice: Option<Phrase>,
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
    /// A second passed while response number `generation` is shown.
    Tick(u64),
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
            signed: None,
            response: None,
            seconds_left: 0,
            copied: false,
            notice: None,
            generation: 0,
        }
    }

    /// What the shown (or computing) signature is for.
    pub fn signed(&self) -> Option<&Signed> {
        self.signed.as_ref()
    }

    /// The notice shown above the form, if any (the value was hidden).
    pub fn notice(&self) -> Option<&Phrase> {
        self.notice.as_ref()
    }

    /// Whole seconds until the shown response hides itself.
    pub fn seconds_left(&self) -> u64 {
        self.seconds_left
    }

    /// Whether the shown response was copied.
    pub fn was_copied(&self) -> bool {
        self.copied
    }

    /// The typed document code (digits only).
    pub fn code(&self) -> &str {
        &self.code
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
            Message::Signed(result) => return (self.on_signed(result), None),
            Message::Copy => {
                if let Some(response) = &self.response {
                    self.copied = true;
                    let digits = Zeroizing::new(response.as_str().to_owned());
                    return (Task::none(), Some(Event::Copy(digits)));
                }
            }
            Message::Tick(generation)
                if generation == self.generation && self.response.is_some() =>
            {
                self.seconds_left = self.seconds_left.saturating_sub(1);
                if self.seconds_left > 0 {
                    return (self.tick(), None);
                }
            }
            Message::Hide(generation) if generation == self.generation => {
                if self.response.is_some() {
                    self.clear_payment();
                    let seconds = self.timings.response_visible.as_secs();
                    self.notice = Some(Phrase::new("sign-hidden").number("seconds", seconds));
                    return (operation::focus(PIN), None);
                }
            }
            Message::Again => {
                self.clear_payment();
                self.notice = None;
                return (operation::focus(PIN), None);
            }
            Message::Back if !self.busy => return (Task::none(), Some(Event::Back)),
            Message::Submit | Message::Hide(_) | Message::Tick(_) | Message::Back => {}
        }
        (Task::none(), None)
    }

    fn on_signed(&mut self, result: Result<Response, TokenError>) -> Task<Message> {
        self.busy = false;
        self.pin = Zeroizing::default();
        match result {
            Ok(response) => {
                self.response = Some(response);
                self.copied = false;
                self.notice = None;
                self.generation += 1;
                self.seconds_left = whole_seconds(self.timings.response_visible);
                let generation = self.generation;
                let hide = timer::after(self.timings.response_visible)
                    .map(move |()| Message::Hide(generation));
                Task::batch([hide, self.tick()])
            }
            Err(error) => {
                self.signed = None;
                self.error = Some(error.into());
                operation::focus(PIN)
            }
        }
    }

    fn tick(&self) -> Task<Message> {
        let generation = self.generation;
        timer::after(Duration::from_secs(1)).map(move |()| Message::Tick(generation))
    }

    /// Empties the form for the next payment (the PIN is already cleared).
    fn clear_payment(&mut self) {
        self.response = None;
        self.signed = None;
        self.copied = false;
        self.generation += 1;
        self.code.clear();
        self.amount.clear();
        self.payee.clear();
    }

    fn submit(&mut self) -> Task<Message> {
        if let Err(error) = Pin::parse(&self.pin) {
            self.error = Some(error.into());
            return operation::focus(PIN);
        }
        let code = match token::parse_code(&self.code) {
            Ok(code) => code,
            Err(error) => {
                self.error = Some(error.into());
                return operation::focus(CODE);
            }
        };
        let linked = if self.linked {
            let amount = match token::parse_amount(&self.amount) {
                Ok(amount) => amount,
                Err(error) => {
                    self.error = Some(error.into());
                    return operation::focus(AMOUNT);
                }
            };
            let payee = match Payee::parse(&self.payee) {
                Ok(payee) => payee,
                Err(error) => {
                    self.error = Some(error.into());
                    return operation::focus(PAYEE);
                }
            };
            Some((amount, payee))
        } else {
            None
        };
        self.error = None;
        self.notice = None;
        self.busy = true;
        self.signed = Some(Signed {
            code: code.as_str().to_owned(),
            linked: linked.as_ref().map(|(amount, payee)| {
                (
                    token::format_amount(*amount),
                    token::payee_shown(payee),
                    token::payee_is_short(&self.payee),
                )
            }),
        });
        let token = self.token.clone();
        let (pin, code, payee) = (self.pin.clone(), self.code.clone(), self.payee.clone());
        let amount = linked.map(|(amount, _)| amount);
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
}

/// A duration in whole seconds, rounded up (a 400 ms test timer shows 1 s).
fn whole_seconds(duration: Duration) -> u64 {
    duration.as_millis().div_ceil(1000) as u64
}
