//! What the bank asks: a document code, optionally bound to amount and payee.
//!
//! A plain signature answers the document code alone (suite `QN08`). A linked
//! signature answers a 28-digit question made of the code, the amount and the
//! payee (suite `QN28`), so a response for one payment cannot be replayed for
//! another amount or account (dynamic linking, PSD2 RTS Art. 5).

use std::sync::LazyLock;

use crate::derive::OcraKey;
use crate::ocra::Suite;
use crate::response::Response;

/// Suite of a plain signature.
pub const PLAIN_SUITE: &str = "OCRA-1:HOTP-SHA256-8:QN08";
/// Suite of a linked signature.
pub const LINKED_SUITE: &str = "OCRA-1:HOTP-SHA256-8:QN28";
/// Largest amount in minor units: twelve digits.
pub const MAX_AMOUNT_MINOR: u64 = 999_999_999_999;
/// Payee digits that enter the question: the account's last eight.
pub const PAYEE_DIGITS: usize = 8;
/// Longest linked question: 8-digit code, 12-digit amount, 8-digit payee.
const LINKED_QUESTION_MAX: usize = 28;

static PLAIN: LazyLock<Suite> =
    LazyLock::new(|| Suite::parse(PLAIN_SUITE).expect("the plain suite is valid"));
static LINKED: LazyLock<Suite> =
    LazyLock::new(|| Suite::parse(LINKED_SUITE).expect("the linked suite is valid"));

/// Why a document code, amount or payee was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum QuestionError {
    /// The document code is not 6 to 8 digits.
    #[error("the document code has 6 to 8 digits")]
    CodeFormat,
    /// The amount has more than 12 digits in minor units.
    #[error("the amount is too large (at most 12 digits in minor units)")]
    AmountTooLarge,
    /// The payee account has no digit at all.
    #[error("the payee account must contain at least one digit")]
    PayeeWithoutDigits,
}

/// The document code shown by the internet bank: 6 to 8 digits, kept as typed
/// (leading zeros included).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentCode(String);

impl DocumentCode {
    /// Reads a code; surrounding whitespace is ignored, nothing else is.
    pub fn parse(text: &str) -> Result<Self, QuestionError> {
        let code = text.trim();
        if (6..=8).contains(&code.len()) && code.bytes().all(|b| b.is_ascii_digit()) {
            Ok(Self(code.to_owned()))
        } else {
            Err(QuestionError::CodeFormat)
        }
    }

    /// A fresh uniformly random 6-digit code from the OS CSPRNG (for verifiers).
    ///
    /// # Panics
    /// If the operating system has no working random source.
    pub fn generate() -> Self {
        loop {
            let mut bytes = [0u8; 4];
            getrandom::fill(&mut bytes).expect("the OS random source failed");
            // Reject the top sliver so every code is equally likely.
            let value = u32::from_be_bytes(bytes) >> 12; // 0..2^20
            if value < 1_000_000 {
                return Self(format!("{value:06}"));
            }
        }
    }

    /// The digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An amount in minor units (cents, tiyn, kopecks), at most 12 digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Amount(u64);

impl Amount {
    /// Checks the range.
    pub fn from_minor(minor: u64) -> Result<Self, QuestionError> {
        if minor <= MAX_AMOUNT_MINOR {
            Ok(Self(minor))
        } else {
            Err(QuestionError::AmountTooLarge)
        }
    }

    /// The amount in minor units.
    pub fn minor(self) -> u64 {
        self.0
    }
}

/// The payee account as it enters the question: its last 8 digits, left-padded
/// with zeros. Letters and punctuation (IBAN country codes, dashes) are dropped.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Payee(String);

impl Payee {
    /// Reads an account number in any common notation.
    pub fn parse(account: &str) -> Result<Self, QuestionError> {
        let digits: Vec<char> = account.chars().filter(|c| c.is_ascii_digit()).collect();
        if digits.is_empty() {
            return Err(QuestionError::PayeeWithoutDigits);
        }
        let tail: String = digits[digits.len().saturating_sub(PAYEE_DIGITS)..]
            .iter()
            .collect();
        Ok(Self(format!("{tail:0>8}")))
    }

    /// The eight digits that enter the question.
    pub fn digits(&self) -> &str {
        &self.0
    }
}

/// One thing to sign: a plain document code, or one linked to a payment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Challenge {
    /// Suite `QN08`, question = the code.
    Plain(DocumentCode),
    /// Suite `QN28`, question = code, amount (12 digits), payee (8 digits).
    Linked {
        /// The document code.
        code: DocumentCode,
        /// The amount in minor units.
        amount: Amount,
        /// The payee account.
        payee: Payee,
    },
}

impl Challenge {
    /// The OCRA suite string of this challenge.
    pub fn suite_name(&self) -> &'static str {
        match self {
            Self::Plain(_) => PLAIN_SUITE,
            Self::Linked { .. } => LINKED_SUITE,
        }
    }

    /// The numeric OCRA question, exactly as it enters the suite.
    pub fn question(&self) -> String {
        let mut buffer = [0u8; LINKED_QUESTION_MAX];
        self.write_question(&mut buffer)
            .iter()
            .map(|&b| char::from(b))
            .collect()
    }

    /// Lays the question's ASCII digits out in `buffer` without allocating
    /// (this is on the verifier's hot path) and returns them.
    fn write_question<'b>(&self, buffer: &'b mut [u8; LINKED_QUESTION_MAX]) -> &'b [u8] {
        let len = match self {
            Self::Plain(code) => {
                buffer[..code.0.len()].copy_from_slice(code.0.as_bytes());
                code.0.len()
            }
            Self::Linked {
                code,
                amount,
                payee,
            } => {
                let code_len = code.0.len();
                buffer[..code_len].copy_from_slice(code.0.as_bytes());
                let mut rest = amount.0;
                for digit in buffer[code_len..code_len + 12].iter_mut().rev() {
                    *digit = b'0' + (rest % 10) as u8;
                    rest /= 10;
                }
                buffer[code_len + 12..code_len + 20].copy_from_slice(payee.0.as_bytes());
                code_len + 20
            }
        };
        &buffer[..len]
    }

    /// The 8-digit response of `key` to this challenge.
    pub fn respond(&self, key: &OcraKey) -> Response {
        let mut buffer = [0u8; LINKED_QUESTION_MAX];
        let digits = self.write_question(&mut buffer);
        let suite: &Suite = match self {
            Self::Plain(_) => &PLAIN,
            Self::Linked { .. } => &LINKED,
        };
        // The code, amount and payee were checked when they were built, so
        // the question is known to be digits that fit the suite.
        Response::from_value(suite.respond_checked_digits(key.prepared_mac(), digits))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn document_code_is_six_to_eight_digits() {
        assert!(DocumentCode::parse("338609").is_ok());
        assert!(DocumentCode::parse(" 00338609\n").is_ok());
        for bad in ["33860", "338609123", "33 8609", "33860a", ""] {
            assert_eq!(
                DocumentCode::parse(bad),
                Err(QuestionError::CodeFormat),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn payee_keeps_last_eight_digits_padded() {
        assert_eq!(
            Payee::parse("KZ86 125K ZT50 0410 0100").unwrap().digits(),
            "04100100"
        );
        assert_eq!(Payee::parse("12-34").unwrap().digits(), "00001234");
        assert_eq!(
            Payee::parse("no digits"),
            Err(QuestionError::PayeeWithoutDigits)
        );
    }

    #[test]
    fn amount_is_at_most_twelve_digits() {
        assert!(Amount::from_minor(MAX_AMOUNT_MINOR).is_ok());
        assert_eq!(
            Amount::from_minor(MAX_AMOUNT_MINOR + 1),
            Err(QuestionError::AmountTooLarge)
        );
    }

    #[test]
    fn linked_question_is_code_amount_payee() {
        let challenge = Challenge::Linked {
            code: DocumentCode::parse("338609").unwrap(),
            amount: Amount::from_minor(150_000).unwrap(),
            payee: Payee::parse("40817810099910004312").unwrap(),
        };
        assert_eq!(challenge.question(), "33860900000015000010004312");
        assert_eq!(challenge.suite_name(), LINKED_SUITE);
    }

    #[test]
    fn generated_codes_are_six_digits() {
        for _ in 0..100 {
            let code = DocumentCode::generate();
            assert!(DocumentCode::parse(code.as_str()).is_ok());
            assert_eq!(code.as_str().len(), 6);
        }
    }
}
