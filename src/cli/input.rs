//! Where the terminal mode reads secrets from: the terminal, or standard input.
//!
//! On a terminal, PINs are read without echo (from the terminal device, so
//! they never pass through a pipe) and each prompt can be answered again after
//! a mistake. With `--pin-stdin`, lines are read from standard input without
//! prompts, for scripts and for screen readers that handle a plain line
//! better than a hidden prompt; there a mistake ends the command. Everything
//! read is kept in zeroizing strings.

use std::io::{BufRead, IsTerminal, Write};

use zeroize::Zeroizing;

use super::exit::Failure;

/// A source of typed lines.
pub enum Input {
    /// A person at a terminal, prompted on standard error.
    Terminal,
    /// Lines from standard input, no prompts.
    Lines(std::io::StdinLock<'static>),
}

impl Input {
    /// Standard input with `--pin-stdin`, else the terminal if there is one.
    pub fn choose(pin_stdin: bool) -> Result<Self, Failure> {
        if pin_stdin {
            Ok(Self::Lines(std::io::stdin().lock()))
        } else if std::io::stdin().is_terminal() {
            Ok(Self::Terminal)
        } else {
            Err(Failure::bad_input(
                "standard input is not a terminal; add --pin-stdin to read the PIN from it",
            ))
        }
    }

    /// True when a person can be asked again after a mistake.
    pub fn interactive(&self) -> bool {
        matches!(self, Self::Terminal)
    }

    /// A secret (PIN): no echo on a terminal.
    pub fn secret(&mut self, prompt: &str, what: &str) -> Result<Zeroizing<String>, Failure> {
        match self {
            Self::Terminal => rpassword::prompt_password(prompt)
                .map(Zeroizing::new)
                .map_err(|_| ended(what)),
            Self::Lines(lines) => read_line(lines, what),
        }
    }

    /// A visible line (key parts, confirmations).
    pub fn line(&mut self, prompt: &str, what: &str) -> Result<Zeroizing<String>, Failure> {
        match self {
            Self::Terminal => {
                eprint!("{prompt}");
                let _ = std::io::stderr().flush();
                read_line(&mut std::io::stdin().lock(), what)
            }
            Self::Lines(lines) => read_line(lines, what),
        }
    }
}

fn read_line(reader: &mut impl BufRead, what: &str) -> Result<Zeroizing<String>, Failure> {
    // Enough room that the line is never reallocated, leaving no copies behind.
    let mut line = Zeroizing::new(String::with_capacity(256));
    match reader.read_line(&mut line) {
        Ok(0) | Err(_) => Err(ended(what)),
        Ok(_) => {
            // Surrounding blanks are never part of a PIN or key; trimming in
            // place keeps the secret in the one zeroized buffer.
            let end = line.trim_end().len();
            line.truncate(end);
            let start = line.len() - line.trim_start().len();
            line.drain(..start);
            Ok(line)
        }
    }
}

fn ended(what: &str) -> Failure {
    Failure::bad_input(format!("the input ended before {what}"))
}
