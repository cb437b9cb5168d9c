//! The desktop app: an iced front end over [`crate::token`].
//!
//! The GUI holds no crypto and no file logic: every operation is a call on
//! [`Token`], and the slow ones (Argon2) run on the core's background thread
//! through `Task::perform(token::background(..))`, so the window keeps
//! painting while a busy line is shown.
//!
//! Shape (halloy/sniffnet style): the root [`App`] owns the current
//! [`Screen`], the language, the theme choice and the clipboard timer. Each
//! screen module has its own state, `Message` and outward `Event`; the root
//! wraps screen messages, and turns events into screen changes. Keyboard
//! handling is global: Tab and Shift+Tab move focus through the fields and
//! the buttons (every button is a [`focus`] stop with a visible ring), Esc
//! goes back, Enter that no control took does the screen's safe default,
//! arrows and Page Up/Down scroll, and digits choose menu actions.
//!
//! The window starts at a size that fits a 1280x720 screen, then asks for
//! the screen's size and grows to [`look::window_size_for`] it.
//!
//! Nothing here can say "wrong PIN": the core cannot tell, so neither can
//! the screens; see `screen::sign`.

mod focus;
pub mod i18n;
pub mod look;
pub mod phrase;
pub mod screen;
pub mod timer;
mod widgets;

use std::process::ExitCode;

use iced::event::{self, Event as IcedEvent};
use iced::keyboard::{self, key::Named};
use iced::widget::{button, column, container, operation, row, rule, text};
use iced::{Element, Length, Size, Subscription, Task, Theme, clipboard, window};
use zeroize::Zeroizing;

use crate::token::{self, Status, Token, TokenError};
use i18n::{Catalog, Lang};
use look::ThemeChoice;
use phrase::Phrase;
use screen::{
    activation_code, change_pin, choose_pin, delete, help, key_parts, menu, problem, review, sign,
    welcome,
};
use timer::Timings;

/// Runs the app on the vault behind `token` until the window closes.
///
/// The exit code is failure only when the window system could not start
/// (no display, for example); the message then points to the terminal mode.
pub fn run(token: Token) -> ExitCode {
    if !display_available() {
        return no_window("no display: neither DISPLAY nor WAYLAND_DISPLAY is set");
    }
    let lang = Lang::from_system();
    // iced panics (rather than returning an error) when the windowing
    // system refuses to start; that must end as the documented exit code
    // with a pointer to the terminal mode, not as a crash report only.
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || {
        iced::application(
            move || App::new(token.clone(), lang),
            App::update,
            App::view,
        )
        .title(App::title)
        .theme(App::theme)
        .subscription(App::subscription)
        .window(look::window_settings())
        .font(look::FONT_REGULAR)
        .font(look::FONT_BOLD)
        .default_font(look::FONT)
        .run()
    }));
    match outcome {
        Ok(Ok(())) => ExitCode::SUCCESS,
        Ok(Err(error)) => no_window(&error.to_string()),
        Err(_) => no_window("the window system could not be started"),
    }
}

fn no_window(reason: &str) -> ExitCode {
    eprintln!(
        "mobipass: the window could not be opened ({reason}); the terminal mode works without one: see `mobipass --help`"
    );
    ExitCode::FAILURE
}

/// Whether a display server can be reached at all (Linux and the BSDs
/// need one named in the environment; other systems always have one).
fn display_available() -> bool {
    if cfg!(all(unix, not(target_os = "macos"))) {
        ["DISPLAY", "WAYLAND_DISPLAY", "WAYLAND_SOCKET"]
            .iter()
            .any(|name| std::env::var_os(name).is_some_and(|v| !v.is_empty()))
    } else {
        true
    }
}

/// The screen on show.
pub enum Screen {
    /// Reading the vault's status at start.
    Loading,
    /// The vault cannot be used (damaged, locked, unreadable).
    Problem(problem::Problem),
    /// First run: what MobiPass is, "Save key".
    Welcome(welcome::Welcome),
    /// First run: choose the PIN.
    ChoosePin(choose_pin::ChoosePin),
    /// First run: the four key parts (with the PIN chosen before).
    KeyParts(key_parts::KeyParts, PinPair),
    /// First run, two-channel envelope: the activation code (with the PIN
    /// and the key parts typed before).
    ActivationCode(activation_code::ActivationCode, PinPair, KeyTyped),
    /// First run: check and save.
    Review(review::Review),
    /// The main menu.
    Menu(menu::Menu),
    /// Sign a payment.
    Sign(sign::Sign),
    /// Change the PIN.
    ChangePin(change_pin::ChangePin),
    /// Delete the key (confirmation).
    Delete(delete::Delete),
    /// The manual.
    Help(help::Help),
}

/// The PIN as chosen, typed twice, carried from the PIN step to the save.
#[derive(Clone)]
pub struct PinPair {
    pin: Zeroizing<String>,
    again: Zeroizing<String>,
}

/// The four key parts as typed, carried past the activation-code step.
pub type KeyTyped = [Zeroizing<String>; 4];

/// A key press the whole app reacts to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyPress {
    /// Tab (`back` with Shift).
    Tab {
        /// Shift was held: focus the previous field.
        back: bool,
    },
    /// Esc.
    Escape,
    /// Enter that no text field took.
    Enter,
    /// A character that no text field took (menu digits, "h").
    Char(String),
    /// Ctrl+L: the next language.
    NextLanguage,
    /// Ctrl+T: the next theme choice.
    NextTheme,
    /// Arrows, Page Up/Down, Home, End that no control took: scroll the page.
    Scroll(help::Scroll),
}

/// Everything that can happen in the app.
#[derive(Clone)]
pub enum Message {
    /// The vault's status, read at start or on Try again.
    Loaded(Result<Status, TokenError>),
    /// The user picked a language.
    Language(Lang),
    /// The user picked a theme.
    Theme(ThemeChoice),
    /// A global key press.
    Key(KeyPress),
    /// The screen the window is on measures `Size` (logical pixels).
    Monitor(window::Id, Option<Size>),
    /// The clipboard timer of copy number `n` fired.
    ClipboardExpired(u64),
    /// The clipboard's content, read to decide whether to clear it.
    ClipboardRead(u64, Option<String>),
    /// Welcome screen.
    Welcome(welcome::Message),
    /// PIN step.
    ChoosePin(choose_pin::Message),
    /// Key parts step.
    KeyParts(key_parts::Message),
    /// Activation code step.
    ActivationCode(activation_code::Message),
    /// Review step.
    Review(review::Message),
    /// Main menu.
    Menu(menu::Message),
    /// Sign screen.
    Sign(sign::Message),
    /// Change PIN screen.
    ChangePin(change_pin::Message),
    /// Delete confirmation.
    Delete(delete::Message),
    /// Help.
    Help(help::Message),
    /// Problem screen.
    Problem(problem::Message),
}

/// The root of the app.
pub struct App {
    token: Token,
    catalog: Catalog,
    theme: ThemeChoice,
    timings: Timings,
    screen: Screen,
    activated: bool,
    /// Whether the vault is bound to this computer (the menu warns if not).
    bound: bool,
    copied: Option<(u64, Zeroizing<String>)>,
    copies: u64,
}

impl App {
    /// The app on `token`'s vault in `lang`; the task reads the vault status.
    pub fn new(token: Token, lang: Lang) -> (App, Task<Message>) {
        App::with_timings(token, lang, Timings::DEFAULT)
    }

    /// Like [`App::new`] with other timer lengths (tests shorten them).
    #[doc(hidden)]
    pub fn with_timings(token: Token, lang: Lang, timings: Timings) -> (App, Task<Message>) {
        let app = App {
            token,
            catalog: Catalog::new(lang),
            theme: ThemeChoice::System,
            timings,
            screen: Screen::Loading,
            activated: false,
            bound: true,
            copied: None,
            copies: 0,
        };
        let fit_window = window::oldest()
            .and_then(|id| window::monitor_size(id).map(move |size| Message::Monitor(id, size)));
        let task = Task::batch([app.load(), fit_window]);
        (app, task)
    }

    fn load(&self) -> Task<Message> {
        let token = self.token.clone();
        Task::perform(token::background(move || token.status()), Message::Loaded)
    }

    /// The screen on show.
    pub fn screen(&self) -> &Screen {
        &self.screen
    }

    /// The language in use.
    pub fn language(&self) -> Lang {
        self.catalog.current()
    }

    /// The window title.
    pub fn title(&self) -> String {
        self.catalog.texts().get("app-title")
    }

    /// The theme; `None` follows the system.
    pub fn theme(&self) -> Option<Theme> {
        self.theme.theme()
    }

    /// Global keyboard handling.
    pub fn subscription(&self) -> Subscription<Message> {
        event::listen_with(|event, status, _window| key_message(&event, status))
    }

    fn show(&mut self, screen: Screen) -> Task<Message> {
        let focus = match &screen {
            Screen::ChoosePin(_) => choose_pin::ChoosePin::focus(),
            Screen::KeyParts(..) => key_parts::KeyParts::focus(),
            Screen::ActivationCode(..) => activation_code::ActivationCode::focus(),
            Screen::Sign(_) => sign::Sign::focus(),
            Screen::ChangePin(_) => change_pin::ChangePin::focus(),
            _ => Task::none(),
        };
        self.screen = screen;
        focus
    }

    fn home(&mut self) -> Task<Message> {
        if self.activated {
            self.show(Screen::Menu(menu::Menu::new(self.bound)))
        } else {
            self.show(Screen::Welcome(welcome::Welcome::new(None)))
        }
    }

    /// Applies a message; the task carries background work and focus moves.
    pub fn update(&mut self, message: Message) -> Task<Message> {
        match message {
            Message::Loaded(Ok(status)) => {
                self.activated = matches!(status, Status::Activated { .. });
                self.bound = !matches!(status, Status::Activated { bound: false, .. });
                self.home()
            }
            Message::Loaded(Err(error)) => {
                self.show(Screen::Problem(problem::Problem::new(error.into())))
            }
            Message::Language(lang) => {
                self.catalog.set(lang);
                Task::none()
            }
            Message::Theme(choice) => {
                self.theme = choice;
                Task::none()
            }
            Message::Key(key) => self.key(key),
            Message::Monitor(id, Some(monitor)) => {
                window::resize(id, look::window_size_for(monitor))
            }
            Message::Monitor(_, None) => Task::none(),
            Message::ClipboardExpired(n) => match &self.copied {
                Some((copy, _)) if *copy == n => {
                    clipboard::read().map(move |content| Message::ClipboardRead(n, content))
                }
                _ => Task::none(),
            },
            Message::ClipboardRead(n, content) => {
                let content = content.map(Zeroizing::new);
                match self.copied.take() {
                    Some((copy, value)) if copy == n => {
                        if content.as_deref() == Some(&*value) {
                            clipboard::write(String::new())
                        } else {
                            Task::none()
                        }
                    }
                    other => {
                        self.copied = other;
                        Task::none()
                    }
                }
            }
            screen_message => self.route(screen_message),
        }
    }

    fn copy(&mut self, value: Zeroizing<String>) -> Task<Message> {
        self.copies += 1;
        let n = self.copies;
        self.copied = Some((n, value.clone()));
        Task::batch([
            clipboard::write(value.to_string()),
            timer::after(self.timings.clipboard_kept).map(move |()| Message::ClipboardExpired(n)),
        ])
    }

    fn route(&mut self, message: Message) -> Task<Message> {
        match (&mut self.screen, message) {
            (Screen::Welcome(screen), Message::Welcome(message)) => match screen.update(message) {
                Some(welcome::Event::SaveKey) => {
                    self.show(Screen::ChoosePin(choose_pin::ChoosePin::new()))
                }
                Some(welcome::Event::Help) => self.show(Screen::Help(help::Help)),
                None => Task::none(),
            },
            (Screen::ChoosePin(screen), Message::ChoosePin(message)) => {
                let (task, event) = screen.update(message);
                match event {
                    Some(choose_pin::Event::Chosen { pin, again }) => self.show(Screen::KeyParts(
                        key_parts::KeyParts::new(),
                        PinPair { pin, again },
                    )),
                    Some(choose_pin::Event::Back) => self.home(),
                    None => task.map(Message::ChoosePin),
                }
            }
            (Screen::KeyParts(screen, pins), Message::KeyParts(message)) => {
                let (task, event) = screen.update(message);
                match event {
                    Some(key_parts::Event::Complete(parts, kind)) => {
                        let pins = pins.clone();
                        if kind.needs_activation_code() {
                            let code = activation_code::ActivationCode::new();
                            return self.show(Screen::ActivationCode(code, pins, parts));
                        }
                        let review = review::Review::new(
                            self.token.clone(),
                            pins.pin,
                            pins.again,
                            parts,
                            None,
                        );
                        self.show(Screen::Review(review))
                    }
                    Some(key_parts::Event::Back) => {
                        self.show(Screen::ChoosePin(choose_pin::ChoosePin::new()))
                    }
                    None => task.map(Message::KeyParts),
                }
            }
            (Screen::ActivationCode(screen, pins, parts), Message::ActivationCode(message)) => {
                let (task, event) = screen.update(message);
                match event {
                    Some(activation_code::Event::Complete(code)) => {
                        let review = review::Review::new(
                            self.token.clone(),
                            pins.pin.clone(),
                            pins.again.clone(),
                            parts.clone(),
                            Some(code),
                        );
                        self.show(Screen::Review(review))
                    }
                    Some(activation_code::Event::Back) => {
                        let pins = pins.clone();
                        let screen = key_parts::KeyParts::with_parts(parts.clone());
                        self.show(Screen::KeyParts(screen, pins))
                    }
                    None => task.map(Message::ActivationCode),
                }
            }
            (Screen::Review(screen), Message::Review(message)) => {
                let (task, event) = screen.update(message);
                match event {
                    Some(review::Event::Finished) => {
                        self.activated = true;
                        self.bound = screen.is_bound();
                        self.home()
                    }
                    Some(review::Event::Edit { parts, code: None }) => {
                        let pins = screen.pins();
                        self.show(Screen::KeyParts(
                            key_parts::KeyParts::with_parts(parts),
                            pins,
                        ))
                    }
                    Some(review::Event::Edit {
                        parts,
                        code: Some(code),
                    }) => {
                        let pins = screen.pins();
                        let screen = activation_code::ActivationCode::with_code(&code);
                        self.show(Screen::ActivationCode(screen, pins, parts))
                    }
                    None => task.map(Message::Review),
                }
            }
            (Screen::Menu(_), Message::Menu(choice)) => match choice {
                menu::Message::Sign => self.show(Screen::Sign(sign::Sign::new(
                    self.token.clone(),
                    self.timings,
                ))),
                menu::Message::ChangePin => self.show(Screen::ChangePin(
                    change_pin::ChangePin::new(self.token.clone()),
                )),
                menu::Message::Delete => {
                    self.show(Screen::Delete(delete::Delete::new(self.token.clone())))
                }
                menu::Message::Help => self.show(Screen::Help(help::Help)),
            },
            (Screen::Sign(screen), Message::Sign(message)) => {
                let (task, event) = screen.update(message);
                match event {
                    Some(sign::Event::Copy(value)) => self.copy(value),
                    Some(sign::Event::Back) => self.home(),
                    None => task.map(Message::Sign),
                }
            }
            (Screen::ChangePin(screen), Message::ChangePin(message)) => {
                let (task, event) = screen.update(message);
                match event {
                    Some(change_pin::Event::Back) => {
                        if let Some(bound) = screen.saved_bound() {
                            self.bound = bound;
                        }
                        self.home()
                    }
                    None => task.map(Message::ChangePin),
                }
            }
            (Screen::Delete(screen), Message::Delete(message)) => {
                let (task, event) = screen.update(message);
                match event {
                    Some(delete::Event::Deleted) => {
                        self.activated = false;
                        let notice = Some(Phrase::new("deleted-body"));
                        self.show(Screen::Welcome(welcome::Welcome::new(notice)))
                    }
                    Some(delete::Event::Cancelled) => match self.activated {
                        true => self.home(),
                        false => self.load(),
                    },
                    None => task.map(Message::Delete),
                }
            }
            (Screen::Help(_), Message::Help(help::Message::Back)) => self.home(),
            (Screen::Problem(_), Message::Problem(problem::Message::Retry)) => {
                self.screen = Screen::Loading;
                self.load()
            }
            (Screen::Problem(_), Message::Problem(problem::Message::Delete)) => {
                self.show(Screen::Delete(delete::Delete::new(self.token.clone())))
            }
            // A message for a screen that is gone (a late Argon2 result after
            // Back, a click from the previous frame): nothing to do.
            _ => Task::none(),
        }
    }

    fn key(&mut self, key: KeyPress) -> Task<Message> {
        let message = match key {
            KeyPress::Tab { back: false } => return operation::focus_next(),
            KeyPress::Tab { back: true } => return operation::focus_previous(),
            KeyPress::Scroll(how) => return help::scroll(how),
            KeyPress::NextLanguage => {
                let next = Lang::ALL
                    .iter()
                    .cycle()
                    .skip_while(|lang| **lang != self.catalog.current())
                    .nth(1)
                    .copied()
                    .unwrap_or(Lang::English);
                Message::Language(next)
            }
            KeyPress::NextTheme => {
                let next = ThemeChoice::ALL
                    .iter()
                    .cycle()
                    .skip_while(|choice| **choice != self.theme)
                    .nth(1)
                    .copied()
                    .unwrap_or_default();
                Message::Theme(next)
            }
            KeyPress::Escape => match &self.screen {
                Screen::ChoosePin(_) => Message::ChoosePin(choose_pin::Message::Back),
                Screen::KeyParts(..) => Message::KeyParts(key_parts::Message::Back),
                Screen::ActivationCode(..) => {
                    Message::ActivationCode(activation_code::Message::Back)
                }
                Screen::Review(_) => Message::Review(review::Message::Back),
                Screen::Sign(_) => Message::Sign(sign::Message::Back),
                Screen::ChangePin(_) => Message::ChangePin(change_pin::Message::Back),
                Screen::Delete(_) => Message::Delete(delete::Message::Cancel),
                Screen::Help(_) => Message::Help(help::Message::Back),
                Screen::Loading | Screen::Problem(_) | Screen::Welcome(_) | Screen::Menu(_) => {
                    return Task::none();
                }
            },
            KeyPress::Enter => match &self.screen {
                Screen::Welcome(_) => Message::Welcome(welcome::Message::SaveKey),
                Screen::Review(screen) => Message::Review(screen.enter()),
                Screen::Sign(screen) => Message::Sign(screen.enter()),
                Screen::ChangePin(screen) => Message::ChangePin(screen.enter()),
                // The safe choice: Enter keeps the key.
                Screen::Delete(_) => Message::Delete(delete::Message::Cancel),
                Screen::Problem(_) => Message::Problem(problem::Message::Retry),
                Screen::ChoosePin(_) => Message::ChoosePin(choose_pin::Message::Submit),
                Screen::KeyParts(..) => Message::KeyParts(key_parts::Message::Submit),
                Screen::ActivationCode(..) => {
                    Message::ActivationCode(activation_code::Message::Submit)
                }
                Screen::Loading | Screen::Menu(_) | Screen::Help(_) => return Task::none(),
            },
            KeyPress::Char(c) => match (&self.screen, c.as_str()) {
                (Screen::Menu(_), key) => match menu::Menu::shortcut(key) {
                    Some(choice) => Message::Menu(choice),
                    None => return Task::none(),
                },
                (Screen::Welcome(_), "h" | "H") => Message::Welcome(welcome::Message::Help),
                (Screen::Sign(screen), "c" | "C") if screen.response().is_some() => {
                    Message::Sign(sign::Message::Copy)
                }
                _ => return Task::none(),
            },
        };
        self.update(message)
    }

    /// The header (languages, theme) above the current screen.
    pub fn view(&self) -> Element<'_, Message> {
        let texts = self.catalog.texts();
        let body: Element<'_, Message> = match &self.screen {
            Screen::Loading => container(widgets::busy(texts)).padding(24).into(),
            Screen::Problem(screen) => screen.view(texts).map(Message::Problem),
            Screen::Welcome(screen) => screen.view(texts).map(Message::Welcome),
            Screen::ChoosePin(screen) => screen.view(texts).map(Message::ChoosePin),
            Screen::KeyParts(screen, _) => screen.view(texts).map(Message::KeyParts),
            Screen::ActivationCode(screen, ..) => screen.view(texts).map(Message::ActivationCode),
            Screen::Review(screen) => screen.view(texts).map(Message::Review),
            Screen::Menu(screen) => screen.view(texts).map(Message::Menu),
            Screen::Sign(screen) => screen.view(texts).map(Message::Sign),
            Screen::ChangePin(screen) => screen.view(texts).map(Message::ChangePin),
            Screen::Delete(screen) => screen.view(texts).map(Message::Delete),
            Screen::Help(screen) => screen.view(texts).map(Message::Help),
        };
        let (header, footer) = self.bars();
        column![
            header,
            rule::horizontal(1),
            container(body).height(Length::Fill),
            rule::horizontal(1),
            footer
        ]
        .height(Length::Fill)
        .into()
    }

    /// The language switch (top) and the theme switch (bottom).
    fn bars(&self) -> (Element<'_, Message>, Element<'_, Message>) {
        let texts = self.catalog.texts();
        let choice = |label: String, selected: bool, message: Message| {
            button(text(label).size(look::TEXT - 2.0))
                .padding([4, 10])
                .style(if selected {
                    button::primary
                } else {
                    button::text
                })
                .on_press(message)
        };
        let mut languages = row![].spacing(4);
        for lang in Lang::ALL {
            let name = self.catalog.of(lang).get("language-name");
            languages = languages.push(choice(
                name,
                lang == self.catalog.current(),
                Message::Language(lang),
            ));
        }
        let mut themes = row![].spacing(4);
        for option in ThemeChoice::ALL {
            themes = themes.push(choice(
                texts.get(option.label_id()),
                option == self.theme,
                Message::Theme(option),
            ));
        }
        let header = container(
            row![
                text(texts.get("app-title"))
                    .size(look::TEXT + 4.0)
                    .font(look::FONT_BOLD_FACE),
                iced::widget::space::horizontal(),
                languages,
            ]
            .spacing(12)
            .align_y(iced::Alignment::Center),
        )
        .padding([8, 16])
        .width(Length::Fill);
        let footer = container(
            row![
                themes,
                iced::widget::space::horizontal(),
                widgets::hint(texts.get("switch-keys")),
            ]
            .spacing(12)
            .align_y(iced::Alignment::Center),
        )
        .padding([6, 16])
        .width(Length::Fill);
        (header.into(), footer.into())
    }
}

impl review::Review {
    fn pins(&self) -> PinPair {
        let (pin, again) = self.pin_pair();
        PinPair { pin, again }
    }
}

/// The app-wide meaning of a key press, given whether a widget (a text
/// field, a focused button) already took it. Public for the tests' window
/// driver, which feeds key presses the way the subscription does.
#[doc(hidden)]
pub fn key_message(event: &IcedEvent, status: event::Status) -> Option<Message> {
    let IcedEvent::Keyboard(keyboard::Event::KeyPressed { key, modifiers, .. }) = event else {
        return None;
    };
    let ignored = status == event::Status::Ignored;
    let scroll = |how| ignored.then_some(KeyPress::Scroll(how));
    let press = match key.as_ref() {
        keyboard::Key::Named(Named::Tab) => Some(KeyPress::Tab {
            back: modifiers.shift(),
        }),
        keyboard::Key::Named(Named::Escape) => Some(KeyPress::Escape),
        keyboard::Key::Named(Named::Enter) if ignored => Some(KeyPress::Enter),
        keyboard::Key::Named(Named::ArrowUp) => scroll(help::Scroll::LineUp),
        keyboard::Key::Named(Named::ArrowDown) => scroll(help::Scroll::LineDown),
        keyboard::Key::Named(Named::PageUp) => scroll(help::Scroll::PageUp),
        keyboard::Key::Named(Named::PageDown) => scroll(help::Scroll::PageDown),
        keyboard::Key::Named(Named::Home) => scroll(help::Scroll::Top),
        keyboard::Key::Named(Named::End) => scroll(help::Scroll::Bottom),
        keyboard::Key::Character("l" | "L") if modifiers.control() => Some(KeyPress::NextLanguage),
        keyboard::Key::Character("t" | "T") if modifiers.control() => Some(KeyPress::NextTheme),
        keyboard::Key::Character(c) if ignored && !modifiers.control() && !modifiers.alt() => {
            Some(KeyPress::Char(c.to_owned()))
        }
        _ => None,
    };
    press.map(Message::Key)
}
