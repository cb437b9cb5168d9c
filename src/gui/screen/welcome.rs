//! First run: what MobiPass is for, and the way in ("Start activation";
//! "Save key" is the last step's button, so the two are not confused).

use crate::gui::i18n::Texts;
use crate::gui::phrase::Phrase;
use crate::gui::widgets;

/// Id of the button that starts activation.
pub const START_BUTTON: &str = "welcome.start";
/// Id of the Help button.
pub const HELP_BUTTON: &str = "welcome.help";

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
        blocks.push(widgets::actions(vec![
            widgets::primary(
                START_BUTTON,
                texts.get("welcome-start"),
                Some(Message::SaveKey),
            ),
            widgets::quiet(HELP_BUTTON, texts.get("welcome-help"), Some(Message::Help)),
        ]));
        blocks.push(widgets::hint(texts.get("welcome-keys")));
        widgets::page(texts.get("welcome-title"), blocks)
    }
}
