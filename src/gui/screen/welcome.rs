//! First run: what MobiPass is for, and the way in ("Save key").

use iced::widget::row;

use crate::gui::i18n::Texts;
use crate::gui::phrase::Phrase;
use crate::gui::widgets;

/// The screen's state: at most a notice from before (the key was deleted).
#[derive(Default)]
pub struct Welcome {
    notice: Option<Phrase>,
}

/// What the user did.
#[derive(Clone)]
pub enum Message {
    /// Save key (or Enter).
    SaveKey,
    /// Help (or H).
    Help,
}

/// What the root must act on.
pub enum Event {
    /// Start the activation flow.
    SaveKey,
    /// Open the help.
    Help,
}

impl Welcome {
    /// The screen, optionally with a notice on top.
    pub fn new(notice: Option<Phrase>) -> Welcome {
        Welcome { notice }
    }

    /// The notice shown, if any.
    pub fn notice(&self) -> Option<&Phrase> {
        self.notice.as_ref()
    }

    /// Applies a message.
    pub fn update(&mut self, message: Message) -> Option<Event> {
        Some(match message {
            Message::SaveKey => Event::SaveKey,
            Message::Help => Event::Help,
        })
    }

    /// The welcome text and two buttons.
    pub fn view(&self, texts: &Texts) -> iced::Element<'_, Message> {
        let mut blocks = Vec::new();
        if let Some(notice) = &self.notice {
            blocks.push(widgets::success(notice.render(texts)));
        }
        blocks.push(widgets::para(texts.get("welcome-body")));
        blocks.push(
            row![
                widgets::primary(texts.get("welcome-save-key"), Some(Message::SaveKey)),
                widgets::secondary(texts.get("welcome-help"), Some(Message::Help)),
            ]
            .spacing(12)
            .into(),
        );
        blocks.push(widgets::hint(texts.get("welcome-keys")));
        widgets::page(texts.get("welcome-title"), blocks)
    }
}
