//! How the Sign screen looks: the form, or the value with what it signs.

use iced::widget::{checkbox, column, container, row, text};
use iced::{Element, Length};
use mobipass_scheme::Payee;

use super::{
    AGAIN_BUTTON, AMOUNT, BACK_BUTTON, CODE, COPY_BUTTON, LINKED, Message, PAYEE, PIN,
    SUBMIT_BUTTON, Sign, Signed,
};
use crate::gui::focus::focus;
use crate::gui::i18n::{Arg, Texts};
use crate::gui::look;
use crate::gui::widgets;
use crate::token;

impl Sign {
    /// The form, or the response.
    pub fn view(&self, texts: &Texts) -> Element<'_, Message> {
        match &self.response {
            Some(response) => self.response_view(texts, response, self.signed.as_ref()),
            None => self.form_view(texts),
        }
    }

    fn response_view<'a>(
        &'a self,
        texts: &Texts,
        response: &mobipass_scheme::Response,
        signed: Option<&Signed>,
    ) -> Element<'a, Message> {
        let seconds = |n: u64| [("seconds", Arg::Number(n))];
        let mut blocks = vec![
            widgets::para(texts.get("sign-response-label")),
            text(response.grouped())
                .size(look::RESPONSE)
                .font(look::FONT_BOLD_FACE)
                .into(),
        ];
        if let Some(signed) = signed {
            blocks.push(what_was_signed(texts, signed));
        }
        blocks.push(widgets::hint(
            texts.with("sign-hides", &seconds(self.seconds_left)),
        ));
        if self.copied {
            let kept = self.timings.clipboard_kept.as_secs();
            blocks.push(widgets::success(texts.with("sign-copied", &seconds(kept))));
        }
        blocks.push(widgets::actions(vec![
            widgets::primary(COPY_BUTTON, texts.get("sign-copy"), Some(Message::Copy)),
            widgets::secondary(AGAIN_BUTTON, texts.get("sign-again"), Some(Message::Again)),
            widgets::secondary(BACK_BUTTON, texts.get("back"), Some(Message::Back)),
        ]));
        blocks.push(
            column![
                widgets::hint(texts.get("sign-response-keys")),
                widgets::hint(texts.get("sign-note")),
            ]
            .spacing(6)
            .into(),
        );
        widgets::page(texts.get("sign-title"), blocks)
    }

    fn form_view(&self, texts: &Texts) -> Element<'_, Message> {
        let idle = !self.busy;
        let mut blocks = Vec::new();
        if let Some(notice) = &self.notice {
            blocks.push(widgets::notice(notice.render(texts)));
        }
        blocks.push(widgets::labelled(
            texts.get("sign-pin"),
            widgets::pin_input(
                PIN,
                &self.pin,
                idle.then_some(Message::Pin),
                Message::Submit,
            ),
        ));
        blocks.push(widgets::labelled(
            texts.get("sign-code"),
            widgets::digits_input(
                CODE,
                &self.code,
                180.0,
                idle.then_some(Message::Code),
                Message::Submit,
            ),
        ));
        let toggle = idle.then_some(Message::Linked(!self.linked));
        blocks.push(focus(
            LINKED,
            checkbox(self.linked)
                .label(texts.get("sign-linked"))
                .size(18)
                .text_size(look::TEXT)
                .on_toggle_maybe(idle.then_some(Message::Linked)),
            toggle,
        ));
        if self.linked {
            let amount = widgets::labelled(
                texts.get("sign-amount"),
                widgets::digits_input(
                    AMOUNT,
                    &self.amount,
                    look::AMOUNT_FIELD,
                    idle.then_some(Message::Amount),
                    Message::Submit,
                ),
            );
            let mut payee = column![widgets::labelled(
                texts.get("sign-payee"),
                widgets::digits_input(
                    PAYEE,
                    &self.payee,
                    look::WIDE_FIELD,
                    idle.then_some(Message::Payee),
                    Message::Submit,
                ),
            )]
            .spacing(6)
            .width(look::WIDE_FIELD);
            if let Ok(digits) = Payee::parse(&self.payee) {
                let shown = [("digits", Arg::Text(token::payee_shown(&digits)))];
                payee = payee.push(if token::payee_is_short(&self.payee) {
                    widgets::warning(texts.with("sign-payee-short", &shown))
                } else {
                    widgets::hint(texts.with("sign-payee-digits", &shown))
                });
            }
            // Side by side when the column is wide enough, stacked otherwise,
            // so the Sign button stays in sight in a 1280x720 window.
            blocks.push(
                iced::widget::Row::with_children([amount, payee.into()])
                    .spacing(look::FIELD_GAP)
                    .wrap()
                    .vertical_spacing(look::GAP)
                    .into(),
            );
        }
        blocks.extend(widgets::problem_if(texts, self.error.as_ref()));
        if self.busy {
            blocks.push(widgets::busy(texts));
        }
        blocks.push(widgets::actions(vec![
            widgets::primary(
                SUBMIT_BUTTON,
                texts.get("sign-submit"),
                idle.then_some(Message::Submit),
            ),
            widgets::secondary(
                BACK_BUTTON,
                texts.get("back"),
                idle.then_some(Message::Back),
            ),
        ]));
        blocks.push(
            column![
                widgets::hint(texts.get("sign-note")),
                widgets::hint(texts.get("keys-hint"))
            ]
            .spacing(6)
            .into(),
        );
        widgets::page(texts.get("sign-title"), blocks)
    }
}

/// The code, amount and payee that went into the value, in a quiet box, to
/// compare with the bank's page.
fn what_was_signed<'a>(texts: &Texts, signed: &Signed) -> Element<'a, Message> {
    let line = |label: String, value: String| {
        row![
            text(label).size(look::TEXT).width(Length::Fixed(200.0)),
            text(value)
                .size(look::TEXT + 2.0)
                .font(look::FONT_BOLD_FACE),
        ]
        .spacing(12)
        .align_y(iced::Alignment::Center)
    };
    let mut lines = column![
        widgets::hint(texts.get("sign-signed-title")),
        line(texts.get("sign-signed-code"), signed.code.clone()),
    ]
    .spacing(6);
    if let Some((amount, payee, short)) = &signed.linked {
        lines = lines
            .push(line(texts.get("sign-signed-amount"), amount.clone()))
            .push(line(texts.get("sign-signed-payee"), payee.clone()));
        if *short {
            let shown = [("digits", Arg::Text(payee.clone()))];
            lines = lines.push(widgets::warning(texts.with("sign-payee-short", &shown)));
        }
    }
    container(lines)
        .padding([12, 16])
        .width(Length::Fill)
        .style(container::bordered_box)
        .into()
}
