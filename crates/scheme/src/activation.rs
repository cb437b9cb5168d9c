//! The activation key printed in the bank's envelope.
//!
//! Four parts of ten digits: nine data digits and a Damm check digit computed
//! over the part's number (1..=4) followed by its data digits. Binding the
//! part number into the check means a part typed into the wrong field is
//! caught just like a typo. The 36 data digits, in order, are the secret `S`.

use std::fmt;

use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::damm;
use crate::derive::OcraKey;

/// `10^36`: the secret `S` and the mask live in `0..MODULUS`.
pub(crate) const MODULUS: u128 = 1_000_000_000_000_000_000_000_000_000_000_000_000;

/// Number of parts in a key.
pub const PARTS: usize = 4;
/// Digits in one part, check digit included.
pub const PART_DIGITS: usize = 10;
const DATA_DIGITS_PER_PART: usize = PART_DIGITS - 1;

/// Why key input was refused. Parts are numbered 1 to 4, as on the envelope.
/// No variant carries the digits typed, so an error can be shown or logged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// A part holds something other than digits, spaces and dashes.
    #[error("part {part} of 4 may hold only digits")]
    NotDigits {
        /// Which part (1..=4).
        part: u8,
    },
    /// A part does not have exactly ten digits.
    #[error("part {part} of 4 has {found} digits; each part has 10")]
    WrongLength {
        /// Which part (1..=4).
        part: u8,
        /// How many digits were found.
        found: usize,
    },
    /// A part's check digit does not match: a typo, two swapped digits, or the
    /// part of another field.
    #[error("part {part} of 4 has a typo")]
    Typo {
        /// Which part (1..=4).
        part: u8,
    },
    /// A pasted whole key does not have 40 digits.
    #[error("a whole key has 40 digits; found {found}")]
    WholeKeyLength {
        /// How many digits were found.
        found: usize,
    },
}

/// The secret `S` of one MobiPass credential. Zeroized on drop; its `Debug`
/// never shows the digits.
#[derive(Clone, PartialEq, Eq, Zeroize, ZeroizeOnDrop)]
pub struct ActivationKey {
    secret: u128,
}

impl fmt::Debug for ActivationKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ActivationKey([redacted])")
    }
}

/// Keeps only the characters people use to group digits out of `text`.
fn strip_separators(text: &str) -> Zeroizing<String> {
    Zeroizing::new(
        text.chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .collect(),
    )
}

/// Validates part `number` (1..=4) and returns its nine data digits as a number.
fn read_part(number: u8, text: &str) -> Result<u32, KeyError> {
    debug_assert!((1..=PARTS as u8).contains(&number));
    let digits = strip_separators(text);
    if !digits.chars().all(|c| c.is_ascii_digit()) {
        return Err(KeyError::NotDigits { part: number });
    }
    if digits.len() != PART_DIGITS {
        return Err(KeyError::WrongLength {
            part: number,
            found: digits.len(),
        });
    }
    let values = digits.bytes().map(|b| b - b'0');
    if damm::interim(std::iter::once(number).chain(values.clone())) != 0 {
        return Err(KeyError::Typo { part: number });
    }
    Ok(values
        .take(DATA_DIGITS_PER_PART)
        .fold(0u32, |acc, d| acc * 10 + u32::from(d)))
}

/// The number (1 to 4) of the part holding the first non-digit of `digits`,
/// read as consecutive parts of `per_part` characters; characters past the
/// last part count as the last part's.
fn part_with_non_digit(digits: &str, per_part: usize) -> Option<u8> {
    let position = digits.chars().position(|c| !c.is_ascii_digit())?;
    Some((position / per_part).min(PARTS - 1) as u8 + 1)
}

impl ActivationKey {
    /// A new uniformly random key from the operating system's CSPRNG.
    ///
    /// # Panics
    /// If the operating system has no working random source; there is no safe
    /// way to issue a key without one.
    pub fn generate() -> Self {
        // 120 random bits, rejection-sampled below 10^36 (accepts ~75%).
        loop {
            let mut bytes = Zeroizing::new([0u8; 16]);
            getrandom::fill(&mut bytes[1..]).expect("the OS random source failed");
            let candidate = u128::from_be_bytes(*bytes);
            if candidate < MODULUS {
                return Self { secret: candidate };
            }
        }
    }

    /// Reads the four parts as typed into four fields. Spaces and dashes inside
    /// a part are ignored. The first part in error is reported.
    pub fn from_parts<S: AsRef<str>>(parts: &[S; PARTS]) -> Result<Self, KeyError> {
        let mut secret: u128 = 0;
        for (index, part) in parts.iter().enumerate() {
            let data = read_part(index as u8 + 1, part.as_ref())?;
            secret = secret * 1_000_000_000 + u128::from(data);
        }
        Ok(Self { secret })
    }

    /// Checks one part on its own, as a form does while the person types:
    /// digits, length, and the check digit over the part's number and data
    /// (so a part typed into another part's field is caught too).
    pub fn check_part(number: u8, text: &str) -> Result<(), KeyError> {
        read_part(number, text).map(drop)
    }

    /// Splits a pasted whole key (40 digits, any spaces and dashes) into its
    /// four parts, without checking them, so a form can fill its fields.
    /// `None` if the text is not 40 digits.
    pub fn split_pasted(text: &str) -> Option<[Zeroizing<String>; PARTS]> {
        let digits = strip_separators(text);
        if digits.len() != PARTS * PART_DIGITS || !digits.chars().all(|c| c.is_ascii_digit()) {
            return None;
        }
        Some(std::array::from_fn(|i| {
            Zeroizing::new(digits[i * PART_DIGITS..(i + 1) * PART_DIGITS].to_owned())
        }))
    }

    /// Reads a whole key pasted or typed as one string.
    pub fn parse(text: &str) -> Result<Self, KeyError> {
        match Self::split_pasted(text) {
            Some(parts) => Self::from_parts(&parts),
            None => {
                let digits = strip_separators(text);
                if let Some(part) = part_with_non_digit(&digits, PART_DIGITS) {
                    return Err(KeyError::NotDigits { part });
                }
                Err(KeyError::WholeKeyLength {
                    found: digits.len(),
                })
            }
        }
    }

    /// Rebuilds a key from its 36 data digits (no check digits), as a bank's
    /// own systems or test vectors may hold them.
    pub fn from_data_digits(digits: &str) -> Result<Self, KeyError> {
        if let Some(part) = part_with_non_digit(digits, DATA_DIGITS_PER_PART) {
            return Err(KeyError::NotDigits { part });
        }
        if digits.len() != PARTS * DATA_DIGITS_PER_PART {
            return Err(KeyError::WholeKeyLength {
                found: digits.len(),
            });
        }
        let secret = digits
            .bytes()
            .fold(0u128, |acc, b| acc * 10 + u128::from(b - b'0'));
        Ok(Self { secret })
    }

    /// The 36 data digits, in order: the ASCII message of the key derivation.
    pub fn data_digits(&self) -> Zeroizing<String> {
        Zeroizing::new(format!("{:036}", self.secret))
    }

    /// The four ten-digit parts as printed in the envelope, check digits included.
    pub fn parts(&self) -> [Zeroizing<String>; PARTS] {
        let data = self.data_digits();
        std::array::from_fn(|i| {
            let chunk = &data[i * DATA_DIGITS_PER_PART..(i + 1) * DATA_DIGITS_PER_PART];
            let values = chunk.bytes().map(|b| b - b'0');
            let check = damm::interim(std::iter::once(i as u8 + 1).chain(values));
            Zeroizing::new(format!("{chunk}{check}"))
        })
    }

    /// The key for reading aloud or printing: `12345 67890 - 12345 67890 - ...`.
    /// [`ActivationKey::parse`] reads this form back.
    pub fn grouped(&self) -> Zeroizing<String> {
        let parts = self.parts();
        let grouped: Vec<Zeroizing<String>> = parts
            .iter()
            .map(|p| Zeroizing::new(format!("{} {}", &p[..5], &p[5..])))
            .collect();
        let mut out = Zeroizing::new(String::with_capacity(4 * 11 + 3 * 3));
        for (i, part) in grouped.iter().enumerate() {
            if i > 0 {
                out.push_str(" - ");
            }
            out.push_str(part);
        }
        out
    }

    /// The OCRA key `K` for this secret (see [`OcraKey::derive`]).
    pub fn ocra_key(&self) -> OcraKey {
        OcraKey::derive(self)
    }

    pub(crate) fn from_secret(secret: u128) -> Self {
        debug_assert!(secret < MODULUS);
        Self { secret }
    }

    pub(crate) fn secret(&self) -> u128 {
        self.secret
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_carry_their_part_number_in_the_check_digit() {
        let key = ActivationKey::from_secret(0);
        let parts = key.parts();
        // Same data digits in every part, different check digits.
        let checks: Vec<&str> = parts.iter().map(|p| &p[9..]).collect();
        assert_eq!(checks.len(), 4);
        assert!(checks.windows(2).all(|w| w[0] != w[1]));
    }

    #[test]
    fn debug_hides_the_secret() {
        let key = ActivationKey::from_secret(123_456_789);
        assert!(!format!("{key:?}").contains("123456789"));
    }
}
