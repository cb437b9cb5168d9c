//! Help: the bank's manual inside the app (text in `assets/help/*.ftl`).

use iced::widget::{column, text};

use crate::gui::i18n::Texts;
use crate::gui::{look, widgets};

/// The sections, in reading order: title id and body id.
pub const SECTIONS: [(&str, &str); 6] = [
    ("help-activation-title", "help-activation-body"),
    ("help-signing-title", "help-signing-body"),
    ("help-blocked-title", "help-blocked-body"),
    ("help-lost-title", "help-lost-body"),
    ("help-pin-title", "help-pin-body"),
    ("help-wrong-pin-title", "help-wrong-pin-body"),
];

/// Help has no state of its own.
#[derive(Default)]
pub struct Help;

/// What the user did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Message {
    /// Esc or Back.
    Back,
}

impl Help {
    /// All sections and a Back button.
    pub fn view(&self, texts: &Texts) -> iced::Element<'_, Message> {
        let mut blocks: Vec<iced::Element<'_, Message>> = SECTIONS
            .iter()
            .map(|(title, body)| {
                column![
                    text(texts.get(title))
                        .size(look::TEXT + 3.0)
                        .font(look::FONT_BOLD_FACE),
                    widgets::para(texts.get(body)),
                ]
                .spacing(4)
                .into()
            })
            .collect();
        blocks.push(widgets::secondary(texts.get("back"), Some(Message::Back)));
        widgets::page(texts.get("help-title"), blocks)
    }
}
