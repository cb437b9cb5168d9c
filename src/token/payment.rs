//! The document code, amount and payee as a person types them and as the app
//! shows them back next to the signature value ("what you sign is what you
//! see", PSD2 RTS Art. 5), so both front ends word them the same way.
//!
//! The scheme takes a code of bare digits; banks print it grouped (`553 505`),
//! so spaces and dashes are dropped here first. The scheme crate has the same
//! rule for its own callers to adopt; until then the app applies it.

use mobipass_scheme::question::PAYEE_DIGITS;
use mobipass_scheme::{DocumentCode, Payee, QuestionError};

/// A document code as typed: spaces and dashes between the digits allowed.
pub fn parse_code(text: &str) -> Result<DocumentCode, QuestionError> {
    let compact: String = text
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-' && *c != '\u{2011}')
        .collect();
    DocumentCode::parse(&compact)
}

/// The payee digits that enter the signature, shown as on the bank's page:
/// `KZ86 125K ZT50 0410 0100` -> `…0410 0100`.
pub fn payee_shown(payee: &Payee) -> String {
    let digits = payee.digits();
    format!("…{} {}", &digits[..4], &digits[4..])
}

/// True when the account has fewer digits than count, so zeros stand in for
/// the missing ones and the person should compare the digits, not the text.
pub fn payee_is_short(account: &str) -> bool {
    let digits = account.chars().filter(char::is_ascii_digit).count();
    digits > 0 && digits < PAYEE_DIGITS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_grouped_code_is_accepted_and_a_short_one_is_not() {
        for typed in ["553505", "553 505", " 553-505 ", "5535 0512"] {
            assert!(parse_code(typed).is_ok(), "{typed}");
        }
        assert_eq!(parse_code("553 50"), Err(QuestionError::CodeFormat));
        assert_eq!(parse_code("55a505"), Err(QuestionError::CodeFormat));
        assert_eq!(parse_code("553 505").unwrap().as_str(), "553505");
    }

    #[test]
    fn the_payee_shows_its_last_eight_digits() {
        let iban = Payee::parse("KZ86 125K ZT50 0410 0100").unwrap();
        assert_eq!(payee_shown(&iban), "…0410 0100");
        let short = Payee::parse("12-34").unwrap();
        assert_eq!(payee_shown(&short), "…0000 1234");
        assert!(payee_is_short("12-34"));
        assert!(!payee_is_short("KZ86125KZT5004100100"));
        assert!(!payee_is_short("no digits"));
    }
}
