//! Where the terminal mode reads secrets from: the terminal, or standard input.
//!
//! On a terminal, PINs are read without echo (from the terminal device, so
//! they never pass through a pipe) and each prompt can be answered again after
//! a mistake. With `--pin-stdin`, lines are read from standard input without
//! prompts, for scripts and for screen readers that handle a plain line
//! better than a hidden prompt; there a mistake ends the command.
//!
//! Everything read lands in one zeroizing buffer per line, sized so that it
//! never grows (growing would leave copies in freed memory). On Unix standard
//! input is read one byte at a time from a duplicate of its file descriptor,
//! bypassing the buffer inside `std::io::Stdin`, which cannot be wiped and
//! would otherwise keep the PINs and the key until the process ends. What
//! remains outside our reach is listed in docs/SECURITY.md.

use std::io::{IsTerminal, Read, Write};

use zeroize::{Zeroize, Zeroizing};

use super::exit::Failure;

/// Longest line accepted: a key typed with spaces and dashes is about 50
/// characters, a PIN 4. The buffer is this size from the start.
const LINE_CAPACITY: usize = 256;

/// A source of typed lines.
pub enum Input {
    /// A person at a terminal, prompted on standard error.
    Terminal(Box<dyn Read>),
    /// Lines from standard input, no prompts.
    Lines(Box<dyn Read>),
}

impl Input {
    /// Standard input with `--pin-stdin`, else the terminal if there is one.
    pub fn choose(pin_stdin: bool) -> Result<Self, Failure> {
        if pin_stdin {
            Ok(Self::Lines(unbuffered_stdin()))
        } else if std::io::stdin().is_terminal() {
            Ok(Self::Terminal(unbuffered_stdin()))
        } else {
            Err(Failure::bad_input(
                "standard input is not a terminal; add --pin-stdin to read the PIN from it",
            ))
        }
    }

    /// True when a person can be asked again after a mistake.
    pub fn interactive(&self) -> bool {
        matches!(self, Self::Terminal(_))
    }

    /// A secret (PIN): no echo on a terminal.
    pub fn secret(&mut self, prompt: &str, what: &str) -> Result<Zeroizing<String>, Failure> {
        match self {
            Self::Terminal(_) => super::terminal::read_hidden(prompt).map_err(|_| ended(what)),
            Self::Lines(stdin) => read_line(stdin, what),
        }
    }

    /// A visible line (key parts, confirmations).
    pub fn line(&mut self, prompt: &str, what: &str) -> Result<Zeroizing<String>, Failure> {
        match self {
            Self::Terminal(stdin) => {
                eprint!("{prompt}");
                let _ = std::io::stderr().flush();
                read_line(stdin, what)
            }
            Self::Lines(stdin) => read_line(stdin, what),
        }
    }
}

/// Standard input without `Stdin`'s internal buffer where that is possible
/// (Unix); elsewhere `Stdin` itself.
fn unbuffered_stdin() -> Box<dyn Read> {
    #[cfg(unix)]
    {
        use std::os::fd::AsFd;
        if let Ok(fd) = std::io::stdin().as_fd().try_clone_to_owned() {
            return Box::new(std::fs::File::from(fd));
        }
    }
    Box::new(std::io::stdin())
}

/// One line, read a byte at a time so nothing after its end is taken from
/// the reader, into a buffer that never grows. Surrounding blanks are removed.
fn read_line(reader: &mut impl Read, what: &str) -> Result<Zeroizing<String>, Failure> {
    let mut bytes = Zeroizing::new(Vec::with_capacity(LINE_CAPACITY));
    let mut byte = Zeroizing::new([0u8; 1]);
    let mut ended_cleanly = false;
    loop {
        match reader.read(&mut byte[..]) {
            Ok(0) => break,
            Ok(_) if byte[0] == b'\n' => {
                ended_cleanly = true;
                break;
            }
            Ok(_) if bytes.len() == LINE_CAPACITY => {
                return Err(Failure::bad_input(format!("{what} is too long")));
            }
            Ok(_) => bytes.push(byte[0]),
            Err(error) if error.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => return Err(ended(what)),
        }
    }
    if bytes.is_empty() && !ended_cleanly {
        return Err(ended(what));
    }
    // Moves the bytes into the string without copying them.
    let mut line = match String::from_utf8(std::mem::take(&mut *bytes)) {
        Ok(text) => Zeroizing::new(text),
        Err(error) => {
            error.into_bytes().zeroize();
            return Err(Failure::bad_input(format!("{what} is not plain text")));
        }
    };
    // Trimming in place keeps the secret in the one zeroized buffer.
    let end = line.trim_end().len();
    line.truncate(end);
    let start = line.len() - line.trim_start().len();
    line.drain(..start);
    Ok(line)
}

fn ended(what: &str) -> Failure {
    Failure::bad_input(format!("the input ended before {what}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_read_one_at_a_time_without_taking_the_next() {
        let mut input = std::io::Cursor::new(b" 3907 \r\n5284\nrest".to_vec());
        let first = read_line(&mut input, "the PIN").unwrap();
        assert_eq!(first.as_str(), "3907");
        assert_eq!(input.position(), 8, "nothing after the first line was read");
        assert_eq!(read_line(&mut input, "the PIN").unwrap().as_str(), "5284");
        assert_eq!(read_line(&mut input, "the PIN").unwrap().as_str(), "rest");
        let end = read_line(&mut input, "the PIN").unwrap_err();
        assert_eq!(end.message, "the input ended before the PIN");
    }

    #[test]
    fn a_line_stays_in_its_first_buffer() {
        let typed = format!("{}\n", "1234567890 ".repeat(20));
        let line = read_line(&mut typed.as_bytes(), "the key").unwrap();
        assert_eq!(line.len(), typed.trim().len());
        assert_eq!(line.capacity(), LINE_CAPACITY, "the buffer never grew");
    }

    #[test]
    fn an_overlong_or_binary_line_is_refused() {
        let long = "1".repeat(LINE_CAPACITY + 1);
        let error = read_line(&mut long.as_bytes(), "the PIN").unwrap_err();
        assert_eq!(error.message, "the PIN is too long");
        let error = read_line(&mut &b"39\xff7\n"[..], "the PIN").unwrap_err();
        assert_eq!(error.message, "the PIN is not plain text");
    }

    #[test]
    fn an_empty_line_is_an_answer_but_no_line_is_the_end() {
        assert_eq!(read_line(&mut &b"\n"[..], "x").unwrap().as_str(), "");
        assert!(read_line(&mut &b""[..], "x").is_err());
    }
}
