//! View pieces every screen shares, so the screens read as what they show
//! rather than as styling.

use iced::widget::{Column, Row, button, column, container, scrollable, text, text_input};
use iced::{Alignment, Element, Length, Theme};

use super::focus::focus;
use super::i18n::Texts;
use super::look;
use super::phrase::Phrase;

/// Id of every screen's scrollable page (the keyboard scrolls it).
pub const PAGE: &str = "page";

/// A screen: heading, then its blocks, in one layout for every screen: a
/// column [`look::COLUMN_MAX`] wide (or the window's width, if narrower),
/// centred, so its left edge stays put from screen to screen. It scrolls
/// when the window is small.
pub fn page<'a, M: 'a>(heading: String, blocks: Vec<Element<'a, M>>) -> Element<'a, M> {
    let mut content = Column::new()
        .spacing(look::GAP)
        .width(Length::Fill)
        .max_width(look::COLUMN_MAX)
        .push(text(heading).size(look::HEADING).font(look::FONT_BOLD_FACE));
    for block in blocks {
        content = content.push(block);
    }
    scrollable(
        container(content)
            .padding([look::PAGE_PAD_Y, look::PAGE_PAD_X])
            .width(Length::Fill)
            .align_x(Alignment::Center),
    )
    .id(PAGE)
    .height(Length::Fill)
    .into()
}

/// The row of a screen's buttons: the primary action first, then the
/// secondary ones, then the quiet ones, with the same spacing everywhere.
pub fn actions<'a, M: 'a>(buttons: Vec<Element<'a, M>>) -> Element<'a, M> {
    Row::with_children(buttons)
        .spacing(look::BUTTON_GAP)
        .align_y(Alignment::Center)
        .wrap()
        .vertical_spacing(look::BUTTON_GAP)
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

/// A problem, only when there is one (so that no empty row takes a gap).
pub fn problem_if<'a, M: 'a>(texts: &Texts, phrase: Option<&Phrase>) -> Option<Element<'a, M>> {
    phrase.map(|phrase| problem(texts, Some(phrase)))
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

/// A sentence in the theme's primary colour: something the app did (hid the
/// value, copied it) that is neither a success nor a problem.
pub fn notice<'a, M: 'a>(words: String) -> Element<'a, M> {
    text(words)
        .size(look::TEXT)
        .style(|theme: &Theme| text::Style {
            color: Some(theme.extended_palette().primary.strong.color),
        })
        .into()
}

/// A sentence in the theme's warning colour (it does not stop anything).
pub fn warning<'a, M: 'a>(words: String) -> Element<'a, M> {
    text(words)
        .size(look::TEXT)
        .style(|theme: &Theme| text::Style {
            color: Some(theme.extended_palette().warning.strong.color),
        })
        .into()
}

fn labelled_button<'a, M: Clone + 'a>(
    id: &'static str,
    label: String,
    on_press: Option<M>,
    style: fn(&Theme, button::Status) -> button::Style,
    padding: [u16; 2],
) -> Element<'a, M> {
    let control = button(text(label).size(look::TEXT))
        .padding(padding)
        .style(style)
        .on_press_maybe(on_press.clone());
    focus(id, control, on_press)
}

/// The screen's main action (one per screen); disabled while `on_press` is
/// `None`. Reachable with Tab like every button, Enter or Space presses it.
pub fn primary<'a, M: Clone + 'a>(
    id: &'static str,
    label: String,
    on_press: Option<M>,
) -> Element<'a, M> {
    labelled_button(id, label, on_press, button::primary, [10, 22])
}

/// A secondary action (back, cancel, another payment).
pub fn secondary<'a, M: Clone + 'a>(
    id: &'static str,
    label: String,
    on_press: Option<M>,
) -> Element<'a, M> {
    labelled_button(id, label, on_press, button::secondary, [10, 22])
}

/// A quiet action (help): a link-like button that does not compete with the
/// main one.
pub fn quiet<'a, M: Clone + 'a>(
    id: &'static str,
    label: String,
    on_press: Option<M>,
) -> Element<'a, M> {
    labelled_button(id, label, on_press, quiet_style, [10, 12])
}

fn quiet_style(theme: &Theme, status: button::Status) -> button::Style {
    let palette = theme.extended_palette();
    let base = button::text(theme, status);
    button::Style {
        text_color: match status {
            button::Status::Disabled => palette.background.strong.color,
            _ => palette.primary.base.color,
        },
        ..base
    }
}

/// A destructive button (delete).
pub fn danger<'a, M: Clone + 'a>(
    id: &'static str,
    label: String,
    on_press: Option<M>,
) -> Element<'a, M> {
    labelled_button(id, label, on_press, button::danger, [10, 22])
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
