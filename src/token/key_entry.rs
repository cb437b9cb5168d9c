//! Checking one key part at a time, as a person types it, so a form or a
//! prompt can say "part 3 has a typo" before the other parts exist.

use mobipass_scheme::activation::PARTS;
use mobipass_scheme::{ActivationKey, KeyError};

/// Checks part `number` (1..=4) of an activation key on its own: digits, length,
/// and its check digit (which also catches a part typed into the wrong field).
///
/// # Panics
/// If `number` is not 1 to 4.
pub fn check_key_part(number: usize, text: &str) -> Result<(), KeyError> {
    assert!(
        (1..=PARTS).contains(&number),
        "key parts are numbered 1 to 4"
    );
    ActivationKey::check_part(number as u8, text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_part_is_checked_against_its_own_number() {
        let key = ActivationKey::generate();
        let parts = key.parts();
        for (i, part) in parts.iter().enumerate() {
            assert_eq!(check_key_part(i + 1, part), Ok(()));
        }
        // Part 1 typed into field 2 fails the check of field 2.
        assert_eq!(
            check_key_part(2, &parts[0]),
            Err(KeyError::Typo { part: 2 })
        );
        assert_eq!(
            check_key_part(3, "12345"),
            Err(KeyError::WrongLength { part: 3, found: 5 })
        );
        assert_eq!(
            check_key_part(4, "12345abcde"),
            Err(KeyError::NotDigits { part: 4 })
        );
    }
}
