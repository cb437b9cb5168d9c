//! Help: the bank's manual inside the app (text in `assets/help/*.ftl`).
//!
//! The page is longer than the window, so the root scrolls it from the
//! keyboard (arrows, Page Up/Down, Home, End; see [`scroll`]); Back is also a
//! focus stop at the end.

use iced::Task;
use iced::widget::operation;
use iced::widget::operation::{AbsoluteOffset, RelativeOffset};

use iced::widget::{column, text};

use crate::gui::i18n::Texts;
use crate::gui::{look, widgets};

/// The sections, in reading order: title id and body id.
pub const SECTIONS: [(&str, &str); 8] = [
    ("help-activation-title", "help-activation-body"),
    ("help-code-title", "help-code-body"),
    ("help-signing-title", "help-signing-body"),
    ("help-blocked-title", "help-blocked-body"),
    ("help-lost-title", "help-lost-body"),
    ("help-computer-title", "help-computer-body"),
    ("help-pin-title", "help-pin-body"),
    ("help-wrong-pin-title", "help-wrong-pin-body"),
];

/// Id of the Back button.
pub const BACK_BUTTON: &str = "help.back";
/// How far one arrow press scrolls, in logical pixels.
pub const LINE: f32 = 40.0;
/// How far Page Up/Down scrolls: most of a small window, keeping some
/// context.
pub const PAGE_STEP: f32 = 320.0;

/// A scrolling key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scroll {
    /// Arrow up.
    LineUp,
    /// Arrow down.
    LineDown,
    /// Page Up.
    PageUp,
    /// Page Down.
    PageDown,
    /// Home: the top.
    Top,
    /// End: the bottom (where Back is).
    Bottom,
}

/// Scrolls the page (any screen's; Help is the one that needs it).
pub fn scroll<M: Send + 'static>(how: Scroll) -> Task<M> {
    let by = |y: f32| operation::scroll_by(widgets::PAGE, AbsoluteOffset { x: 0.0, y });
    match how {
        Scroll::LineUp => by(-LINE),
        Scroll::LineDown => by(LINE),
        Scroll::PageUp => by(-PAGE_STEP),
        Scroll::PageDown => by(PAGE_STEP),
        Scroll::Top => operation::snap_to(widgets::PAGE, RelativeOffset::START),
        Scroll::Bottom => operation::snap_to_end(widgets::PAGE),
    }
}

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
        blocks.push(widgets::actions(vec![widgets::secondary(
            BACK_BUTTON,
            texts.get("back"),
            Some(Message::Back),
        )]));
        blocks.push(widgets::hint(texts.get("help-keys")));
        widgets::page(texts.get("help-title"), blocks)
    }
}
