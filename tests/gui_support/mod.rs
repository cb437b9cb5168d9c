//! A headless driver for the whole app: runs the tasks that `App::update`
//! returns (Argon2 on the core's background thread, timers, clipboard)
//! and feeds their messages back, the way iced's runtime would, but with a
//! fake clipboard. Widget operations (focus moves, scrolling) run on a
//! headless window (`window.rs`): the real widget tree of `App::view`, kept
//! between frames, so tests can press keys and ask which control has focus.
#![allow(dead_code, missing_docs)]

mod window;

pub use window::Window;

use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use iced::Task;
use iced_test::futures::futures::executor::block_on;
use iced_test::futures::futures::{FutureExt, StreamExt};
use iced_test::runtime::{Action, clipboard, task};
use mobipass::gui::i18n::Lang;
use mobipass::gui::timer::Timings;
use mobipass::gui::{App, Message, Screen};
use mobipass::token::Token;
use mobipass_scheme::KdfParams;

pub const SMALL: KdfParams = KdfParams {
    memory_kib: 8,
    iterations: 1,
    parallelism: 1,
};

/// Timers short enough to watch them fire in a test.
pub const QUICK: Timings = Timings {
    response_visible: Duration::from_millis(400),
    clipboard_kept: Duration::from_millis(200),
};

enum Report {
    Action(Action<Message>),
    Finished,
}

pub struct Driver {
    pub app: App,
    pub clipboard: Arc<Mutex<Option<String>>>,
    sender: mpsc::Sender<Report>,
    receiver: mpsc::Receiver<Report>,
    running: usize,
    pub window: Window,
    pub _dir: tempfile::TempDir,
}

impl Driver {
    /// The app on a fresh, empty vault with tiny Argon2 parameters.
    pub fn new(lang: Lang, timings: Timings) -> Driver {
        let dir = tempfile::tempdir().unwrap();
        let token = Token::open(dir.path().join("vault.json"))
            .unwrap()
            .without_keystore_for_tests()
            .with_kdf_params_for_tests(SMALL);
        Driver::on(token, dir, lang, timings)
    }

    pub fn on(token: Token, dir: tempfile::TempDir, lang: Lang, timings: Timings) -> Driver {
        let (app, boot) = App::with_timings(token, lang, timings);
        let (sender, receiver) = mpsc::channel();
        let mut driver = Driver {
            app,
            clipboard: Arc::new(Mutex::new(None)),
            sender,
            receiver,
            running: 0,
            window: Window::new(),
            _dir: dir,
        };
        driver.spawn(boot);
        driver.until(|app| !matches!(app.screen(), Screen::Loading));
        driver
    }

    pub fn token(&self) -> Token {
        Token::open(self._dir.path().join("vault.json"))
            .unwrap()
            .without_keystore_for_tests()
            .with_kdf_params_for_tests(SMALL)
    }

    fn spawn(&mut self, task: Task<Message>) {
        let Some(mut stream) = task::into_stream(task) else {
            return;
        };
        // What is ready at once (focus moves, plain messages) is handled
        // here, in order, as iced's runtime does before the next event; only
        // what waits (Argon2, timers) goes to a thread. Handing everything to
        // threads made a focus move race the next key press on a busy machine.
        loop {
            match stream.next().now_or_never() {
                Some(Some(action)) => self.handle(Report::Action(action)),
                Some(None) => return,
                None => break,
            }
        }
        self.running += 1;
        let sender = self.sender.clone();
        std::thread::spawn(move || {
            while let Some(action) = block_on(stream.next()) {
                if sender.send(Report::Action(action)).is_err() {
                    return;
                }
            }
            let _ = sender.send(Report::Finished);
        });
    }

    /// Sends a message as if the user did it, and runs what follows until
    /// nothing is left running.
    pub fn send(&mut self, message: Message) {
        let task = self.app.update(message);
        self.spawn(task);
    }

    /// Processes reports until `done` holds (panics after 20 s).
    pub fn until(&mut self, done: impl Fn(&App) -> bool) {
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        while !done(&self.app) {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            let report = self
                .receiver
                .recv_timeout(left)
                .expect("the app reached the expected state in time");
            self.handle(report);
        }
    }

    /// Processes reports until the fake clipboard satisfies `done`.
    pub fn until_clipboard(&mut self, done: impl Fn(Option<&str>) -> bool) {
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        while !done(self.clipboard().as_deref()) {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            let report = self
                .receiver
                .recv_timeout(left)
                .expect("the clipboard reached the expected state in time");
            self.handle(report);
        }
    }

    /// Processes reports until every task has finished.
    pub fn settle(&mut self) {
        while self.running > 0 {
            let report = self
                .receiver
                .recv_timeout(Duration::from_secs(20))
                .expect("the tasks finished in time");
            self.handle(report);
        }
    }

    fn handle(&mut self, report: Report) {
        match report {
            Report::Finished => self.running -= 1,
            Report::Action(Action::Output(message)) => {
                let task = self.app.update(message);
                self.spawn(task);
            }
            Report::Action(Action::Clipboard(clipboard::Action::Write { contents, .. })) => {
                *self.clipboard.lock().unwrap() = Some(contents);
            }
            Report::Action(Action::Clipboard(clipboard::Action::Read { channel, .. })) => {
                let _ = channel.send(self.clipboard.lock().unwrap().clone());
            }
            Report::Action(Action::Widget(operation)) => self.window.run(&self.app, operation),
            Report::Action(_) => {}
        }
    }

    /// Presses `key` (with `text`, as a keyboard sends for characters) in
    /// the window: the focused control gets it first, then the app-wide key
    /// handling, as in the real app. Runs what follows until nothing is left
    /// running.
    pub fn press(&mut self, key: iced::keyboard::Key, text: Option<&str>) {
        self.press_with(key, text, iced::keyboard::Modifiers::default());
    }

    /// [`Self::press`] with modifier keys held.
    pub fn press_with(
        &mut self,
        key: iced::keyboard::Key,
        text: Option<&str>,
        modifiers: iced::keyboard::Modifiers,
    ) {
        let messages = self.window.press(&self.app, key, text, modifiers);
        for message in messages {
            self.send(message);
        }
        self.pump();
    }

    /// Handles what the running tasks report within a moment (focus moves
    /// come back at once), without waiting for timers that run for long.
    pub fn pump(&mut self) {
        while let Ok(report) = self.receiver.recv_timeout(Duration::from_millis(40)) {
            self.handle(report);
        }
    }

    /// Types `text` into whatever has focus, key by key.
    pub fn type_text(&mut self, text: &str) {
        for c in text.chars() {
            let c = c.to_string();
            self.press(iced::keyboard::Key::Character(c.as_str().into()), Some(&c));
        }
    }

    /// Presses a named key (Tab, Enter, Space, Escape, arrows).
    pub fn press_named(&mut self, key: iced::keyboard::key::Named) {
        let text = match key {
            iced::keyboard::key::Named::Space => Some(" "),
            iced::keyboard::key::Named::Enter => Some("\r"),
            _ => None,
        };
        self.press(iced::keyboard::Key::Named(key), text);
    }

    /// Shift+Tab: the previous focus stop.
    pub fn shift_tab(&mut self) {
        self.press_with(
            iced::keyboard::Key::Named(iced::keyboard::key::Named::Tab),
            None,
            iced::keyboard::Modifiers::SHIFT,
        );
    }

    /// The id of the control with keyboard focus, if any.
    pub fn focused(&mut self) -> Option<iced::widget::Id> {
        self.window.focused(&self.app)
    }

    /// Whether the control with `id` has keyboard focus.
    pub fn has_focus(&mut self, id: &'static str) -> bool {
        self.focused() == Some(iced::widget::Id::new(id))
    }

    /// How far the page is scrolled down, in logical pixels.
    pub fn scrolled(&mut self) -> f32 {
        self.window.scrolled(&self.app)
    }

    pub fn clipboard(&self) -> Option<String> {
        self.clipboard.lock().unwrap().clone()
    }
}
