//! The customer's 4-digit PIN and the rules for choosing one.
//!
//! The PIN is never checked against anything stored (see [`crate::camouflage`]);
//! the only local checks are on its shape when typed and, when it is chosen,
//! that it is not one of the PINs a thief would try first.

use std::fmt;

use zeroize::Zeroizing;

/// Digits in a PIN.
pub const PIN_DIGITS: usize = 4;

/// The most common 4-digit PINs (DataGenetics' analysis of 3.4 million PINs,
/// plus keypad patterns and years), refused when a PIN is chosen.
pub const COMMON_PINS: [&str; 32] = [
    "1234", "1111", "0000", "1212", "7777", "1004", "2000", "4444", "2222", "6969", "9999", "3333",
    "5555", "6666", "1122", "1313", "8888", "4321", "2001", "1010", "2580", "0852", "1379", "1998",
    "1999", "1984", "1990", "2020", "2468", "1357", "0007", "1230",
];

/// Why a PIN was refused. The variants are the reasons a UI shows; none of them
/// can mean "this PIN is not the one stored": the app cannot know that.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PinError {
    /// Not exactly four ASCII digits.
    #[error("the PIN is exactly 4 digits")]
    NotFourDigits,
    /// All four digits are the same (1111).
    #[error("all four digits are the same; choose a PIN that is harder to guess")]
    AllSame,
    /// Consecutive digits up or down (1234, 8765).
    #[error("the digits run in a row; choose a PIN that is harder to guess")]
    Sequence,
    /// One of the most common PINs.
    #[error("this is one of the most common PINs; choose a PIN that is harder to guess")]
    Common,
    /// The second entry differs from the first.
    #[error("the two PINs differ; type the new PIN again")]
    Mismatch,
}

/// A PIN of four digits, zeroized on drop, never shown by `Debug`.
#[derive(Clone)]
pub struct Pin(Zeroizing<String>);

impl fmt::Debug for Pin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Pin([redacted])")
    }
}

impl Pin {
    /// Reads a PIN as typed to sign: only its shape is checked.
    pub fn parse(text: &str) -> Result<Self, PinError> {
        if text.len() == PIN_DIGITS && text.bytes().all(|b| b.is_ascii_digit()) {
            Ok(Self(Zeroizing::new(text.to_owned())))
        } else {
            Err(PinError::NotFourDigits)
        }
    }

    /// Reads a new PIN typed twice, as at activation and PIN change: checks the
    /// shape, the rules against guessable PINs, then that both entries agree.
    pub fn choose(first: &str, again: &str) -> Result<Self, PinError> {
        let pin = Self::parse(first)?;
        pin.check_not_trivial()?;
        if first != again {
            return Err(PinError::Mismatch);
        }
        Ok(pin)
    }

    /// Refuses the PINs a thief would try first.
    pub fn check_not_trivial(&self) -> Result<(), PinError> {
        let d: Vec<i8> = self.0.bytes().map(|b| (b - b'0') as i8).collect();
        if d.iter().all(|&x| x == d[0]) {
            return Err(PinError::AllSame);
        }
        let steps: Vec<i8> = d.windows(2).map(|w| w[1] - w[0]).collect();
        if steps.iter().all(|&s| s == 1) || steps.iter().all(|&s| s == -1) {
            return Err(PinError::Sequence);
        }
        if COMMON_PINS.contains(&self.0.as_str()) {
            return Err(PinError::Common);
        }
        Ok(())
    }

    /// The PIN's ASCII bytes: the Argon2id password.
    pub fn as_bytes(&self) -> &[u8] {
        self.0.as_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trivial_pins_are_refused_with_their_reason() {
        assert_eq!(Pin::choose("7777", "7777").unwrap_err(), PinError::AllSame);
        assert_eq!(Pin::choose("0123", "0123").unwrap_err(), PinError::Sequence);
        assert_eq!(Pin::choose("9876", "9876").unwrap_err(), PinError::Sequence);
        assert_eq!(Pin::choose("1212", "1212").unwrap_err(), PinError::Common);
        assert_eq!(Pin::choose("6969", "6969").unwrap_err(), PinError::Common);
    }

    #[test]
    fn shape_is_checked_before_anything_else() {
        for bad in ["", "123", "12345", "12a4", " 123"] {
            assert_eq!(
                Pin::parse(bad).unwrap_err(),
                PinError::NotFourDigits,
                "{bad:?}"
            );
        }
    }

    #[test]
    fn mismatch_is_reported_after_the_rules() {
        assert_eq!(Pin::choose("3907", "3970").unwrap_err(), PinError::Mismatch);
        assert!(Pin::choose("3907", "3907").is_ok());
    }

    #[test]
    fn blocklist_holds_at_least_twenty_distinct_pins() {
        let mut list = COMMON_PINS.to_vec();
        list.sort_unstable();
        list.dedup();
        assert!(list.len() >= 20);
        assert!(list.iter().all(|p| Pin::parse(p).is_ok()));
    }

    #[test]
    fn most_pins_are_acceptable() {
        let accepted = (0..10_000)
            .map(|n| format!("{n:04}"))
            .filter(|p| Pin::choose(p, p).is_ok())
            .count();
        // 10 all-same, 13 runs, and the blocklist's remainder are refused.
        assert!(accepted > 9_900 && accepted < 9_980, "{accepted}");
    }
}
