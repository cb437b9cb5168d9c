//! Timers for the response that hides itself and the clipboard that clears
//! itself.
//!
//! iced's own `time` module needs the tokio or smol executor; the app runs on
//! iced's thread pool, so a timer is a sleep on the core's background thread,
//! like any other blocking work. Each timer carries a generation number so a
//! timer that belongs to an older response does nothing when it fires.

use std::time::Duration;

use iced::Task;

use crate::token;

/// A task that completes after `duration`.
pub fn after(duration: Duration) -> Task<()> {
    Task::perform(
        token::background(move || std::thread::sleep(duration)),
        |()| (),
    )
}

/// How long the response and the copied value stay around.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timings {
    /// The response hides itself after this long.
    pub response_visible: Duration,
    /// The clipboard is cleared (if it still holds the response) after this long.
    pub clipboard_kept: Duration,
}

impl Timings {
    /// The product's timings: 60 s on screen, 30 s in the clipboard.
    pub const DEFAULT: Timings = Timings {
        response_visible: Duration::from_secs(60),
        clipboard_kept: Duration::from_secs(30),
    };
}
