//! Amounts as people type them, turned into minor units for a linked signature.
//!
//! Banks print amounts in local notation: `1500`, `1500.00`, `1 500,00`,
//! `1,500.00`, `1.500,00`. The rule: a final `.` or `,` followed by one or two
//! digits is the decimal mark; every other `.`, `,` or space groups thousands
//! (groups of three). Anything that fits neither reading is refused, because
//! guessing wrong would bind the signature to another amount.
//!
//! One `.` or `,` followed by exactly three digits (`1.000`, `1,000`,
//! `0.001`) fits both readings — a thousand in one country, one in another —
//! so it is refused as ambiguous with a way to write it, never guessed.
//!
//! The scheme crate takes minor units only; this notation is the app's, and
//! [`format_amount`] shows back what was understood (`1 500,00`).

use mobipass_scheme::question::MAX_AMOUNT_MINOR;

/// Why an amount was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AmountError {
    /// Nothing was typed.
    #[error("the amount is empty")]
    Empty,
    /// Not a number in a known notation.
    #[error(
        "the amount is not a number like 1500, 1500.00, 1 500,00 or 1,500.00 (at most 2 decimals)"
    )]
    Malformed,
    /// One `.` or `,` followed by three digits: thousands or decimals?
    #[error(
        "the amount is ambiguous (thousands or decimals?): write a thousand as 1000, 1 000 or 1000.00, and decimals with at most 2 digits, like 1.50"
    )]
    Ambiguous,
    /// More than 12 digits in minor units.
    #[error("the amount is too large (at most 9 999 999 999.99)")]
    TooLarge,
}

/// Parses an amount with two decimals into minor units (`"1 500,00"` -> 150000).
pub fn parse_amount(text: &str) -> Result<u64, AmountError> {
    let compact: String = text
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '\u{202f}')
        .collect();
    if compact.is_empty() {
        return Err(AmountError::Empty);
    }
    let is_mark = |c: char| c == '.' || c == ',';
    let (whole, fraction) = match compact.rfind(is_mark) {
        Some(at) if (1..=2).contains(&(compact.len() - at - 1)) => {
            (&compact[..at], &compact[at + 1..])
        }
        _ => (compact.as_str(), ""),
    };
    let decimal_mark = (!fraction.is_empty()).then(|| compact.as_bytes()[whole.len()] as char);
    if whole.is_empty() || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return Err(AmountError::Malformed);
    }
    let groups: Vec<&str> = whole.split(is_mark).collect();
    let separators: Vec<char> = whole.chars().filter(|&c| is_mark(c)).collect();
    let consistent = separators.windows(2).all(|w| w[0] == w[1])
        && separators.first().is_none_or(|&s| Some(s) != decimal_mark);
    let well_grouped = groups.iter().all(|g| g.bytes().all(|b| b.is_ascii_digit()))
        && (groups.len() == 1
            || ((1..=3).contains(&groups[0].len()) && groups[1..].iter().all(|g| g.len() == 3)));
    if !consistent || !well_grouped || groups[0].is_empty() {
        return Err(AmountError::Malformed);
    }
    if fraction.is_empty() && separators.len() == 1 {
        return Err(AmountError::Ambiguous);
    }
    // Only ASCII digits remain, so the one way parsing can fail is overflow.
    let units: u64 = groups.concat().parse().map_err(|_| AmountError::TooLarge)?;
    let cents: u64 = format!("{fraction:0<2}")
        .parse()
        .map_err(|_| AmountError::Malformed)?;
    let minor = units
        .checked_mul(100)
        .and_then(|m| m.checked_add(cents))
        .ok_or(AmountError::TooLarge)?;
    if minor > MAX_AMOUNT_MINOR {
        return Err(AmountError::TooLarge);
    }
    Ok(minor)
}

/// Minor units as the app shows them back: space-grouped thousands and a
/// decimal comma, always two decimals (`150000` -> `1 500,00`).
pub fn format_amount(minor: u64) -> String {
    let units = (minor / 100).to_string();
    let mut grouped = String::with_capacity(units.len() + units.len() / 3 + 3);
    for (index, digit) in units.chars().enumerate() {
        if index > 0 && (units.len() - index).is_multiple_of(3) {
            grouped.push(' ');
        }
        grouped.push(digit);
    }
    format!("{grouped},{:02}", minor % 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_notations_give_minor_units() {
        for (text, minor) in [
            ("1500", 150_000),
            ("1500.00", 150_000),
            ("1500,00", 150_000),
            ("1 500,00", 150_000),
            ("1,500.00", 150_000),
            ("1.500,00", 150_000),
            ("1 500", 150_000),
            ("1,000,000", 100_000_000),
            ("1.000.000,50", 100_000_050),
            ("12.5", 1_250),
            ("0.07", 7),
            ("0", 0),
            ("1 234 567.89", 123_456_789),
            ("9999999999.99", MAX_AMOUNT_MINOR),
        ] {
            assert_eq!(parse_amount(text), Ok(minor), "{text}");
        }
    }

    #[test]
    fn ambiguous_or_broken_amounts_are_refused() {
        for text in [
            "1500.",
            ".50",
            "15,00.00",
            "1.500.00",
            "1,5000",
            "12a",
            "-5",
            "1,500,00.0",
            "1.000,000",
            "1'500",
        ] {
            assert_eq!(parse_amount(text), Err(AmountError::Malformed), "{text}");
        }
        assert_eq!(parse_amount("  "), Err(AmountError::Empty));
    }

    #[test]
    fn one_mark_before_three_digits_is_ambiguous_not_guessed() {
        for text in ["1.000", "1,000", "0.001", "1,500", "12.345", "999,999"] {
            assert_eq!(parse_amount(text), Err(AmountError::Ambiguous), "{text}");
        }
        assert!(AmountError::Ambiguous.to_string().contains("at most 2"));
    }

    #[test]
    fn amounts_are_shown_back_grouped_with_two_decimals() {
        for (minor, shown) in [
            (150_000, "1 500,00"),
            (7, "0,07"),
            (0, "0,00"),
            (100_000_050, "1 000 000,50"),
            (MAX_AMOUNT_MINOR, "9 999 999 999,99"),
        ] {
            assert_eq!(format_amount(minor), shown);
            assert_eq!(parse_amount(shown), Ok(minor), "{shown} reads back");
        }
    }

    #[test]
    fn more_than_twelve_digits_is_too_large() {
        assert_eq!(parse_amount("10000000000"), Err(AmountError::TooLarge));
        assert_eq!(
            parse_amount("99999999999999999999999"),
            Err(AmountError::TooLarge)
        );
    }
}
