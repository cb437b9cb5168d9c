//! The main menu once a key is saved: Sign, Change PIN, Delete key, Help.
//! Over an unbound vault (no keystore at activation) it says so, and that
//! the next PIN change binds it once a keystore runs: nothing is silent.
//!
//! Each button is a focus stop (Tab, then Enter or Space), and each action
//! also has a digit key (1 to 4, shown in the hint); the root's keyboard
//! listener sends digits here only when no text field took the key press.

use iced::Length;
use iced::widget::{button, column, text};

use crate::gui::focus::focus;
use crate::gui::i18n::Texts;
use crate::gui::{look, widgets};

/// Id of the Sign button (focused when the menu opens).
pub const SIGN_BUTTON: &str = "menu.sign";
/// Id of the Change PIN button.
pub const CHANGE_PIN_BUTTON: &str = "menu.change-pin";
/// Id of the Delete key button.
pub const DELETE_BUTTON: &str = "menu.delete";
/// Id of the Help button.
pub const HELP_BUTTON: &str = "menu.help";

/// The menu's one piece of state: whether to warn about an unbound vault.
#[derive(Default)]
pub struct Menu {
    unbound: bool,
}

/// What the user chose.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Message {
    /// Sign (key 1).
    Sign,
    /// Change PIN (key 2).
    ChangePin,
    /// Delete key (key 3).
    Delete,
    /// Help (key 4).
    Help,
}

impl Menu {
    /// The menu over a vault; `bound` is false for an unbound one.
    pub fn new(bound: bool) -> Menu {
        Menu { unbound: !bound }
    }

    /// The action bound to a digit key, if any.
    pub fn shortcut(key: &str) -> Option<Message> {
        match key {
            "1" => Some(Message::Sign),
            "2" => Some(Message::ChangePin),
            "3" => Some(Message::Delete),
            "4" => Some(Message::Help),
            _ => None,
        }
    }

    /// The actions, numbered, with a hierarchy: Sign is what people come
    /// for (primary), Change PIN and Delete key are occasional (secondary),
    /// Help is quiet.
    pub fn view(&self, texts: &Texts) -> iced::Element<'_, Message> {
        let item = |number: u8, id: &'static str, label: &str, message: Message| {
            let style = match message {
                Message::Sign => button::primary,
                Message::ChangePin | Message::Delete => button::secondary,
                Message::Help => button::text,
            };
            let control =
                button(text(format!("{number}   {}", texts.get(label))).size(look::TEXT + 2.0))
                    .padding([12, 20])
                    .width(Length::Fill)
                    .style(style)
                    .on_press(message);
            focus(id, control, Some(message))
        };
        let notice = self
            .unbound
            .then(|| widgets::notice(texts.get("menu-unbound")));
        let menu = column![
            item(1, SIGN_BUTTON, "menu-sign", Message::Sign),
            item(2, CHANGE_PIN_BUTTON, "menu-change-pin", Message::ChangePin),
            item(3, DELETE_BUTTON, "menu-delete", Message::Delete),
            item(4, HELP_BUTTON, "menu-help", Message::Help),
        ]
        .spacing(10)
        .max_width(360);
        widgets::page(
            texts.get("menu-title"),
            std::iter::once(menu.into())
                .chain(notice)
                .chain([widgets::hint(texts.get("menu-keys"))])
                .collect(),
        )
    }
}
