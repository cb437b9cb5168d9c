//! Checking typed activation input one piece at a time, as a person types it,
//! so a form or a prompt can say "part 3 has a typo" before the other parts
//! exist, and "the activation code has a typo" before any PIN is asked.

use mobipass_scheme::activation::PARTS;
use mobipass_scheme::{ActivationCode, CodeError, Envelope, EnvelopeKind, KeyError};

/// Checks part `number` (1..=4) of an envelope of either kind on its own:
/// digits, length, and its check digit (which also catches a part typed into
/// the wrong field). Returns the kind the part's check digit says; whether
/// all four agree is for [`crate::token::Token::activate_with_code`] (or
/// [`Envelope::from_parts`]) to say.
///
/// # Panics
/// If `number` is not 1 to 4.
pub fn check_key_part(number: usize, text: &str) -> Result<EnvelopeKind, KeyError> {
    assert!(
        (1..=PARTS).contains(&number),
        "key parts are numbered 1 to 4"
    );
    Envelope::check_part(number as u8, text)
}

/// Checks a typed activation code: eight digits (spaces and dashes ignored)
/// with a matching check digit. The code itself is dropped (and wiped) here.
pub fn check_activation_code(text: &str) -> Result<(), CodeError> {
    ActivationCode::parse(text).map(drop)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_part_is_checked_against_its_own_number_under_both_kinds() {
        for kind in EnvelopeKind::ALL {
            let envelope = Envelope::generate(kind);
            let parts = envelope.parts();
            for (i, part) in parts.iter().enumerate() {
                assert_eq!(check_key_part(i + 1, part), Ok(kind));
            }
            // Part 1 typed into field 2 fails the check of field 2.
            assert_eq!(
                check_key_part(2, &parts[0]),
                Err(KeyError::Typo { part: 2 })
            );
        }
        assert_eq!(
            check_key_part(3, "12345"),
            Err(KeyError::WrongLength { part: 3, found: 5 })
        );
        assert_eq!(
            check_key_part(4, "12345abcde"),
            Err(KeyError::NotDigits { part: 4 })
        );
    }

    #[test]
    fn activation_codes_are_checked_for_shape_and_typos() {
        let code = ActivationCode::generate();
        assert_eq!(check_activation_code(&code.grouped()), Ok(()));
        let digits = code.digits();
        let mut typo = digits.as_bytes().to_vec();
        typo[2] = b'0' + (typo[2] - b'0' + 1) % 10;
        assert_eq!(
            check_activation_code(std::str::from_utf8(&typo).unwrap()),
            Err(CodeError::Typo)
        );
        assert_eq!(
            check_activation_code("1234 567a"),
            Err(CodeError::NotDigits)
        );
        assert_eq!(
            check_activation_code(&digits[..7]),
            Err(CodeError::WrongLength { found: 7 })
        );
    }
}
