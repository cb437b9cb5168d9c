//! Hidden PIN prompts that give the terminal back as they found it.
//!
//! While a PIN is typed, rpassword turns off the terminal's echo and its own
//! Ctrl-C handling, and reads Ctrl-C as a key; it then raises SIGINT *before*
//! restoring the settings. With the default action the process dies inside
//! that call and the person's shell is left without echo. So the terminal
//! mode handles SIGINT itself: the handler ends the process with the shell's
//! usual code for Ctrl-C, but never while a prompt holds the terminal; a
//! prompt interrupted by Ctrl-C exits the same way once rpassword has put the
//! settings back.

use std::io;
use std::sync::{Mutex, Once, PoisonError};

use zeroize::Zeroizing;

use super::exit::INTERRUPTED;

/// Held while a prompt has the terminal's settings changed.
static PROMPT: Mutex<()> = Mutex::new(());

/// A PIN typed without echo on the terminal device.
pub(super) fn read_hidden(prompt: &str) -> io::Result<Zeroizing<String>> {
    handle_interrupts();
    let _prompt = PROMPT.lock().unwrap_or_else(PoisonError::into_inner);
    match rpassword::prompt_password(prompt) {
        // rpassword's own buffer is wiped when it hands the PIN over.
        Ok(pin) => Ok(Zeroizing::new(pin)),
        // Here the terminal is already restored.
        Err(error) if error.kind() == io::ErrorKind::Interrupted => interrupted(),
        Err(error) => Err(error),
    }
}

/// Replaces the default SIGINT action (once per process). If another handler
/// is already installed, that one stays and nothing is changed.
fn handle_interrupts() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let _ = ctrlc::set_handler(|| {
            // Waits for a prompt in progress to restore the terminal.
            let _prompt = PROMPT.lock().unwrap_or_else(PoisonError::into_inner);
            interrupted()
        });
    });
}

fn interrupted() -> ! {
    std::process::exit(i32::from(INTERRUPTED))
}
