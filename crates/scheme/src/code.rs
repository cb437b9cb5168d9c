//! The activation code of a two-channel credential (scheme section 2b): the
//! second thing, besides the envelope, that a working MobiPass needs.
//!
//! Eight digits: seven random data digits and the Damm check digit of `"9"`
//! followed by them. The prefix 9 is used by no envelope part (those use 1-8),
//! so a key part can never pass for a code. People read the code off a screen
//! or hear it on the phone, so entry ignores spaces and dashes and a typo is
//! caught before anything is derived from it.
//!
//! There is deliberately no `Display`: a `{}` in a log line must not be able
//! to print a code. [`ActivationCode::grouped`] and [`ActivationCode::digits`]
//! are the explicit ways to show it.

use std::fmt;

use subtle::ConstantTimeEq;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::activation::strip_separators;
use crate::damm;

/// Digits of an activation code, check digit included.
pub const CODE_DIGITS: usize = 8;
/// Random data digits in a code.
pub const CODE_DATA_DIGITS: usize = CODE_DIGITS - 1;
/// The digit put before the data digits for the check digit.
pub const CODE_CHECK_PREFIX: u8 = 9;
/// `10^7`: the data digits live in `0..CODE_SPACE`.
const CODE_SPACE: u32 = 10_000_000;

/// Why a typed activation code was refused. No variant carries the digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CodeError {
    /// Something other than digits, spaces and dashes.
    #[error("the activation code may hold only digits")]
    NotDigits,
    /// Not exactly eight digits.
    #[error("the activation code has 8 digits; found {found}")]
    WrongLength {
        /// How many digits were found.
        found: usize,
    },
    /// The check digit does not match: a typo or two swapped digits.
    #[error("the activation code has a typo")]
    Typo,
}

/// A two-channel activation code. Zeroized on drop, `Debug` redacted, `==`
/// in constant time.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct ActivationCode {
    data: u32,
}

impl fmt::Debug for ActivationCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ActivationCode([redacted])")
    }
}

impl PartialEq for ActivationCode {
    fn eq(&self, other: &Self) -> bool {
        self.data.ct_eq(&other.data).into()
    }
}
impl Eq for ActivationCode {}

/// The check digit of data digit values `data`.
fn check_digit(data: impl IntoIterator<Item = u8>) -> u8 {
    damm::interim(std::iter::once(CODE_CHECK_PREFIX).chain(data))
}

impl ActivationCode {
    /// A new uniformly random code from the operating system's CSPRNG.
    ///
    /// # Panics
    /// If the operating system has no working random source.
    pub fn generate() -> Self {
        // 24 random bits, rejection-sampled below 10^7 (accepts ~60%).
        loop {
            let mut bytes = Zeroizing::new([0u8; 4]);
            getrandom::fill(&mut bytes[1..]).expect("the OS random source failed");
            let candidate = Zeroizing::new(u32::from_be_bytes(*bytes));
            if *candidate < CODE_SPACE {
                return Self { data: *candidate };
            }
        }
    }

    /// Reads a code as typed: eight digits, spaces and dashes ignored.
    pub fn parse(text: &str) -> Result<Self, CodeError> {
        let digits = strip_separators(text);
        if !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(CodeError::NotDigits);
        }
        if digits.len() != CODE_DIGITS {
            return Err(CodeError::WrongLength {
                found: digits.chars().count(),
            });
        }
        if check_digit(digits.bytes().map(|b| b - b'0')) != 0 {
            return Err(CodeError::Typo);
        }
        let data = digits
            .bytes()
            .take(CODE_DATA_DIGITS)
            .fold(0u32, |acc, b| acc * 10 + u32::from(b - b'0'));
        Ok(Self { data })
    }

    /// The seven data digits: the code's part of the activation message.
    pub fn data_digits(&self) -> Zeroizing<String> {
        Zeroizing::new(format!("{:07}", self.data))
    }

    /// The eight digits as typed, check digit last.
    pub fn digits(&self) -> Zeroizing<String> {
        let mut out = self.data_digits();
        let check = check_digit(out.bytes().map(|b| b - b'0'));
        out.push(char::from(b'0' + check));
        out
    }

    /// The code for reading: `1234 5678`. [`ActivationCode::parse`] reads it back.
    pub fn grouped(&self) -> Zeroizing<String> {
        let digits = self.digits();
        Zeroizing::new(format!("{} {}", &digits[..4], &digits[4..]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_digit_covers_the_prefix_nine() {
        // The check digit closes Damm over "9" || digits, not over the digits
        // alone: the prefix is part of the check.
        let code = ActivationCode { data: 1_234_567 };
        let digits = code.digits();
        assert_eq!(&digits[..7], "1234567");
        assert_eq!(
            damm::interim(std::iter::once(9).chain(digits.bytes().map(|b| b - b'0'))),
            0
        );
        assert_ne!(damm::interim(digits.bytes().map(|b| b - b'0')), 0);
    }

    #[test]
    fn parse_reads_grouped_and_dashed_forms() {
        let code = ActivationCode::generate();
        let grouped = code.grouped();
        assert_eq!(grouped.len(), 9);
        assert_eq!(&grouped[4..5], " ");
        assert_eq!(ActivationCode::parse(&grouped), Ok(code.clone()));
        let dashed = format!("{}-{}", &code.digits()[..4], &code.digits()[4..]);
        assert_eq!(ActivationCode::parse(&dashed), Ok(code));
    }

    #[test]
    fn bad_shapes_get_their_own_errors() {
        assert_eq!(
            ActivationCode::parse("1234 567a"),
            Err(CodeError::NotDigits)
        );
        assert_eq!(
            ActivationCode::parse("１２３４５６７８"),
            Err(CodeError::NotDigits)
        );
        assert_eq!(
            ActivationCode::parse("1234567"),
            Err(CodeError::WrongLength { found: 7 })
        );
        assert_eq!(
            ActivationCode::parse("123456789"),
            Err(CodeError::WrongLength { found: 9 })
        );
        assert_eq!(
            ActivationCode::parse(""),
            Err(CodeError::WrongLength { found: 0 })
        );
    }

    #[test]
    fn debug_and_errors_never_show_the_digits() {
        let code = ActivationCode { data: 7_654_321 };
        assert_eq!(format!("{code:?}"), "ActivationCode([redacted])");
        for error in [
            CodeError::NotDigits,
            CodeError::WrongLength { found: 7 },
            CodeError::Typo,
        ] {
            assert!(!error.to_string().contains("7654321"));
        }
    }

    #[test]
    fn equality_compares_the_data() {
        assert_eq!(ActivationCode { data: 5 }, ActivationCode { data: 5 });
        assert_ne!(ActivationCode { data: 5 }, ActivationCode { data: 4 });
    }

    #[test]
    fn generated_codes_parse_back() {
        for _ in 0..200 {
            let code = ActivationCode::generate();
            assert_eq!(ActivationCode::parse(&code.digits()), Ok(code));
        }
    }
}
