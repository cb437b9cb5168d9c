//! The main menu once a key is saved: Sign, Change PIN, Delete key, Help.
//!
//! iced buttons take no keyboard focus, so each action also has a digit key
//! (1 to 4, shown in the hint); the root's keyboard listener sends them here
//! only when no text field took the key press.

use iced::Length;
use iced::widget::column;

use crate::gui::i18n::Texts;
use crate::gui::widgets;

/// The menu has no state of its own.
#[derive(Default)]
pub struct Menu;

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

    /// Four large buttons, numbered.
    pub fn view(&self, texts: &Texts) -> iced::Element<'_, Message> {
        let item = |number: u8, id: &str, message: Message| {
            iced::widget::button(
                iced::widget::text(format!("{number}   {}", texts.get(id)))
                    .size(crate::gui::look::TEXT + 4.0),
            )
            .padding([12, 20])
            .width(Length::Fill)
            .style(if message == Message::Delete {
                iced::widget::button::secondary
            } else {
                iced::widget::button::primary
            })
            .on_press(message)
        };
        widgets::page(
            texts.get("menu-title"),
            vec![
                column![
                    item(1, "menu-sign", Message::Sign),
                    item(2, "menu-change-pin", Message::ChangePin),
                    item(3, "menu-delete", Message::Delete),
                    item(4, "menu-help", Message::Help),
                ]
                .spacing(10)
                .max_width(360)
                .into(),
                widgets::hint(texts.get("menu-keys")),
            ],
        )
    }
}
