//! View pieces every screen shares, so the screens read as what they show
//! rather than as styling.

use iced::widget::{Column, button, column, container, scrollable, text, text_input};
use iced::{Alignment, Element, Length, Theme};

use super::i18n::Texts;
use super::look;
use super::phrase::Phrase;

/// A screen: heading, then its blocks in a centred column that never grows
/// wider than [`look::COLUMN_MAX`] and scrolls when the window is small.
pub fn page<'a, M: 'a>(heading: String, blocks: Vec<Element<'a, M>>) -> Element<'a, M> {
    let mut content = Column::new()
        .spacing(look::GAP)
        .max_width(look::COLUMN_MAX)
        .push(text(heading).size(look::HEADING).font(look::FONT_BOLD_FACE));
    for block in blocks {
        content = content.push(block);
    }
    scrollable(
        container(content)
            .padding(24)
            .width(Length::Fill)
            .align_x(Alignment::Center),
    )
    .height(Length::Fill)
    .into()
}

/// A paragraph of body text.
pub fn para<'a, M: 'a>(words: String) -> Element<'a, M> {
    text(words).size(look::TEXT).into()
}

/// A field label above its input.
pub fn labelled<'a, M: 'a>(label: String, input: impl Into<Element<'a, M>>) -> Element<'a, M> {
    column![text(label).size(look::TEXT), input.into()]
        .spacing(4)
        .into()
}

/// A PIN field: masked on screen (`secure`), four digits wide.
pub fn pin_input<'a, M: Clone + 'a>(
    id: &'static str,
    value: &str,
    on_input: Option<impl Fn(String) -> M + 'a>,
    on_submit: M,
) -> Element<'a, M> {
    let input = text_input("", value)
        .id(id)
        .secure(true)
        .size(look::TEXT + 4.0)
        .padding(8)
        .width(Length::Fixed(140.0))
        .on_submit(on_submit);
    match on_input {
        Some(on_input) => input.on_input(on_input).into(),
        None => input.into(),
    }
}

/// A plain digits field (document code, key part, amount, payee).
pub fn digits_input<'a, M: Clone + 'a>(
    id: &'static str,
    value: &str,
    width: f32,
    on_input: Option<impl Fn(String) -> M + 'a>,
    on_submit: M,
) -> Element<'a, M> {
    let input = text_input("", value)
        .id(id)
        .size(look::TEXT + 4.0)
        .padding(8)
        .width(Length::Fixed(width))
        .on_submit(on_submit);
    match on_input {
        Some(on_input) => input.on_input(on_input).into(),
        None => input.into(),
    }
}

/// A sentence in the theme's danger colour, or nothing.
pub fn problem<'a, M: 'a>(texts: &Texts, phrase: Option<&Phrase>) -> Element<'a, M> {
    match phrase {
        Some(phrase) => text(phrase.render(texts))
            .size(look::TEXT)
            .style(|theme: &Theme| text::Style {
                color: Some(theme.extended_palette().danger.base.color),
            })
            .into(),
        None => column![].into(),
    }
}

/// A sentence in the theme's success colour.
pub fn success<'a, M: 'a>(words: String) -> Element<'a, M> {
    text(words)
        .size(look::TEXT)
        .style(|theme: &Theme| text::Style {
            color: Some(theme.extended_palette().success.strong.color),
        })
        .into()
}

/// The busy line shown while Argon2 runs.
pub fn busy<'a, M: 'a>(texts: &Texts) -> Element<'a, M> {
    text(texts.get("busy")).size(look::TEXT).into()
}

/// A primary button; disabled (no message) while `on_press` is `None`.
pub fn primary<'a, M: Clone + 'a>(label: String, on_press: Option<M>) -> Element<'a, M> {
    button(text(label).size(look::TEXT))
        .padding([8, 18])
        .style(button::primary)
        .on_press_maybe(on_press)
        .into()
}

/// A secondary button (back, cancel, help).
pub fn secondary<'a, M: Clone + 'a>(label: String, on_press: Option<M>) -> Element<'a, M> {
    button(text(label).size(look::TEXT))
        .padding([8, 18])
        .style(button::secondary)
        .on_press_maybe(on_press)
        .into()
}

/// A destructive button (delete).
pub fn danger<'a, M: Clone + 'a>(label: String, on_press: Option<M>) -> Element<'a, M> {
    button(text(label).size(look::TEXT))
        .padding([8, 18])
        .style(button::danger)
        .on_press_maybe(on_press)
        .into()
}

/// The small keyboard hint under a screen.
pub fn hint<'a, M: 'a>(words: String) -> Element<'a, M> {
    text(words)
        .size(look::TEXT - 3.0)
        .style(|theme: &Theme| text::Style {
            color: Some(theme.extended_palette().background.strong.text),
        })
        .into()
}
