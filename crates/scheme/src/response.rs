//! The 8-digit signature value the customer types back into the internet bank.

use std::fmt;

use subtle::ConstantTimeEq;
use zeroize::{Zeroize, ZeroizeOnDrop};

/// Digits in every MobiPass response.
pub const RESPONSE_DIGITS: usize = 8;

/// Why a typed response was refused before any comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ResponseFormatError {
    /// Not exactly eight digits (spaces are allowed between them).
    #[error("a response has exactly 8 digits")]
    NotEightDigits,
}

/// An 8-digit OCRA response. Equality is constant-time, so a verifier comparing
/// a typed response with the expected one leaks nothing through timing.
/// `Debug` hides the digits: a response is a one-time secret until used.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct Response([u8; RESPONSE_DIGITS]);

impl Response {
    /// Reads a response as a person typed it: 8 digits, spaces allowed ("1234 5678").
    pub fn parse(text: &str) -> Result<Self, ResponseFormatError> {
        let mut digits = [0u8; RESPONSE_DIGITS];
        let mut count = 0;
        for c in text.chars().filter(|c| !c.is_whitespace()) {
            if !c.is_ascii_digit() || count == RESPONSE_DIGITS {
                digits.zeroize();
                return Err(ResponseFormatError::NotEightDigits);
            }
            digits[count] = c as u8;
            count += 1;
        }
        if count != RESPONSE_DIGITS {
            digits.zeroize();
            return Err(ResponseFormatError::NotEightDigits);
        }
        Ok(Self(digits))
    }

    /// Writes an OCRA value below 10^8 as eight digits, leading zeros kept.
    pub(crate) fn from_value(mut value: u64) -> Self {
        debug_assert!(value < 100_000_000);
        let mut digits = [b'0'; RESPONSE_DIGITS];
        for digit in digits.iter_mut().rev() {
            *digit = b'0' + (value % 10) as u8;
            value /= 10;
        }
        Self(digits)
    }

    /// The eight digits.
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).expect("ASCII digits")
    }

    /// The digits in two groups of four for reading: `1234 5678`.
    pub fn grouped(&self) -> String {
        let digits = self.as_str();
        format!("{} {}", &digits[..4], &digits[4..])
    }
}

impl PartialEq for Response {
    fn eq(&self, other: &Self) -> bool {
        self.0.ct_eq(&other.0).into()
    }
}
impl Eq for Response {}

impl fmt::Debug for Response {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Response([redacted])")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_accepts_grouped_digits_and_refuses_the_rest() {
        assert_eq!(Response::parse("1234 5678").unwrap().as_str(), "12345678");
        for bad in ["", "1234567", "123456789", "1234567a", "１２３４５６７８"] {
            assert!(Response::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn grouped_splits_four_and_four() {
        assert_eq!(Response::parse("00012345").unwrap().grouped(), "0001 2345");
    }
}
