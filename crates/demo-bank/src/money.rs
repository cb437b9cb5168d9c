//! Amounts as the transfer form takes them and the statement shows them.
//!
//! The form accepts `12`, `12.5`, `12.50`, `12,50` and `1 250.00` (spaces
//! as thousands separators, one decimal separator, at most two decimals);
//! anything else is refused with the form shown again, before the verifier
//! is asked. The largest amount is the API's (999 999 999 999 minor units).

/// The API's largest `amount_minor`.
pub const MAX_MINOR: u64 = 999_999_999_999;

/// Minor units from what was typed, or `None`.
pub fn parse(text: &str) -> Option<u64> {
    let compact: String = text
        .trim()
        .chars()
        .filter(|c| *c != ' ' && *c != '\u{a0}')
        .collect();
    let (whole, fraction) = match compact.split_once(['.', ',']) {
        Some((whole, fraction)) => (whole, fraction),
        None => (compact.as_str(), ""),
    };
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() || whole.len() > 10 || !digits(whole) || !digits(fraction) {
        return None;
    }
    if fraction.len() > 2 || (compact.len() > whole.len() && fraction.is_empty()) {
        return None;
    }
    let cents = match fraction.len() {
        0 => 0,
        1 => fraction.parse::<u64>().ok()? * 10,
        _ => fraction.parse::<u64>().ok()?,
    };
    let minor = whole
        .parse::<u64>()
        .ok()?
        .checked_mul(100)?
        .checked_add(cents)?;
    (minor <= MAX_MINOR).then_some(minor)
}

/// `1 250.00`: thousands grouped by spaces, two decimals.
pub fn format(minor: u64) -> String {
    let whole = (minor / 100).to_string();
    let mut grouped = String::new();
    for (i, digit) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i).is_multiple_of(3) {
            grouped.push(' ');
        }
        grouped.push(digit);
    }
    format!("{grouped}.{:02}", minor % 100)
}

/// [`format`] with the language's decimal separator (a comma in Russian
/// and Kazakh, as the signing page writes it).
pub fn format_in(minor: u64, lang: crate::i18n::Lang) -> String {
    match lang {
        crate::i18n::Lang::English => format(minor),
        _ => format(minor).replace('.', ","),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_amounts_become_minor_units() {
        assert_eq!(parse("12"), Some(1200));
        assert_eq!(parse("12.5"), Some(1250));
        assert_eq!(parse("12,50"), Some(1250));
        assert_eq!(parse(" 1 250.00 "), Some(125_000));
        assert_eq!(parse("0.01"), Some(1));
        assert_eq!(parse("9999999999.99"), Some(MAX_MINOR));
    }

    #[test]
    fn malformed_or_too_large_amounts_are_refused() {
        for bad in [
            "",
            "abc",
            "12.",
            ".5",
            "1.234",
            "1,2,3",
            "-5",
            "1e3",
            "12.5a",
            "10000000000",
        ] {
            assert_eq!(parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn amounts_are_shown_grouped_with_two_decimals() {
        assert_eq!(format(1250), "12.50");
        assert_eq!(format(5), "0.05");
        assert_eq!(format(123_456_789), "1 234 567.89");
        assert_eq!(format_in(150_000, crate::i18n::Lang::Russian), "1 500,00");
        assert_eq!(format_in(150_000, crate::i18n::Lang::English), "1 500.00");
    }
}
