//! Parsing OCRA suite strings (RFC 6287 section 6), e.g.
//! `OCRA-1:HOTP-SHA256-8:C-QN08-PSHA1-S064-T1M`.
//!
//! A suite is parsed once into a [`Suite`] value; computing a response then
//! needs no string handling beyond laying out the data input.

use std::fmt;

/// The hash under HMAC, also used for `P` (PIN hash) inputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HashAlgorithm {
    /// SHA-1 (20-byte output).
    Sha1,
    /// SHA-256 (32-byte output).
    Sha256,
    /// SHA-512 (64-byte output).
    Sha512,
}

impl HashAlgorithm {
    /// Output length in bytes.
    pub fn output_len(self) -> usize {
        match self {
            Self::Sha1 => 20,
            Self::Sha256 => 32,
            Self::Sha512 => 64,
        }
    }

    fn parse(name: &str) -> Option<Self> {
        match name {
            "SHA1" => Some(Self::Sha1),
            "SHA256" => Some(Self::Sha256),
            "SHA512" => Some(Self::Sha512),
            _ => None,
        }
    }
}

/// How the challenge question is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuestionFormat {
    /// `QA`: ASCII characters.
    Alphanumeric,
    /// `QN`: a decimal number.
    Numeric,
    /// `QH`: hexadecimal digits.
    Hex,
}

/// Why a suite string was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SuiteError {
    /// Not three colon-separated fields.
    #[error("a suite has three fields separated by ':'")]
    FieldCount,
    /// The first field is not `OCRA-1`.
    #[error("unsupported OCRA version (only OCRA-1)")]
    UnsupportedVersion,
    /// The crypto function is not `HOTP-<hash>-<digits>`.
    #[error("malformed crypto function (expected HOTP-SHAx-t)")]
    MalformedCryptoFunction,
    /// The hash is not SHA1, SHA256 or SHA512.
    #[error("unknown hash algorithm")]
    UnknownHash,
    /// Truncation is not 0 or 4 to 10 digits.
    #[error("response digits must be 0 or 4 to 10")]
    BadDigits,
    /// The data-input field is malformed; the element is named.
    #[error("malformed data input: {0}")]
    MalformedDataInput(&'static str),
}

/// A parsed OCRA suite.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suite {
    pub(crate) text: String,
    pub(crate) hash: HashAlgorithm,
    /// 0 means no truncation.
    pub(crate) digits: u8,
    pub(crate) counter: bool,
    pub(crate) question_format: QuestionFormat,
    pub(crate) question_max: usize,
    pub(crate) pin_hash: Option<HashAlgorithm>,
    pub(crate) session_len: Option<usize>,
    pub(crate) time_step_seconds: Option<u64>,
}

impl fmt::Display for Suite {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

fn two_or_three_digits(text: &str, len: usize) -> Option<usize> {
    (text.len() == len && text.bytes().all(|b| b.is_ascii_digit()))
        .then(|| text.parse().ok())
        .flatten()
}

fn parse_time_step(spec: &str) -> Option<u64> {
    let (number, unit) = spec.split_at(spec.len().checked_sub(1)?);
    if number.is_empty() || number.len() > 2 || !number.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n: u64 = number.parse().ok()?;
    match unit {
        "S" if (1..=59).contains(&n) => Some(n),
        "M" if (1..=56).contains(&n) => Some(n * 60),
        "H" if n <= 48 => Some(n * 3600),
        _ => None,
    }
}

impl Suite {
    /// Parses a suite string. Data-input elements must appear in the RFC's
    /// order: `[C] QFxx [PH] [Snnn] [TG]`.
    pub fn parse(text: &str) -> Result<Self, SuiteError> {
        if text.len() > super::SUITE_MAX {
            return Err(SuiteError::MalformedDataInput("suite string too long"));
        }
        let fields: Vec<&str> = text.split(':').collect();
        let [version, function, data] = fields[..] else {
            return Err(SuiteError::FieldCount);
        };
        if version != "OCRA-1" {
            return Err(SuiteError::UnsupportedVersion);
        }
        let mut crypto = function.split('-');
        let (Some("HOTP"), Some(hash), Some(digits), None) =
            (crypto.next(), crypto.next(), crypto.next(), crypto.next())
        else {
            return Err(SuiteError::MalformedCryptoFunction);
        };
        let hash = HashAlgorithm::parse(hash).ok_or(SuiteError::UnknownHash)?;
        let digits: u8 = match digits {
            "0" => 0,
            d if d.len() <= 2 && d.bytes().all(|b| b.is_ascii_digit()) => {
                d.parse().map_err(|_| SuiteError::BadDigits)?
            }
            _ => return Err(SuiteError::BadDigits),
        };
        if digits != 0 && !(4..=10).contains(&digits) {
            return Err(SuiteError::BadDigits);
        }

        let mut elements = data.split('-').peekable();
        let counter = elements.next_if_eq(&"C").is_some();
        let question = elements
            .next()
            .ok_or(SuiteError::MalformedDataInput("missing question"))?;
        let (question_format, question_max) = match question.get(..2) {
            Some("QA") => (QuestionFormat::Alphanumeric, &question[2..]),
            Some("QN") => (QuestionFormat::Numeric, &question[2..]),
            Some("QH") => (QuestionFormat::Hex, &question[2..]),
            _ => {
                return Err(SuiteError::MalformedDataInput(
                    "question must be QA, QN or QH",
                ));
            }
        };
        let question_max = two_or_three_digits(question_max, 2)
            .filter(|n| (4..=64).contains(n))
            .ok_or(SuiteError::MalformedDataInput(
                "question length must be 04 to 64",
            ))?;

        let mut suite = Self {
            text: text.to_owned(),
            hash,
            digits,
            counter,
            question_format,
            question_max,
            pin_hash: None,
            session_len: None,
            time_step_seconds: None,
        };
        if let Some(p) = elements.next_if(|e| e.starts_with('P')) {
            suite.pin_hash = Some(HashAlgorithm::parse(&p[1..]).ok_or(
                SuiteError::MalformedDataInput("PIN hash must be PSHA1, PSHA256 or PSHA512"),
            )?);
        }
        if let Some(s) = elements.next_if(|e| e.starts_with('S')) {
            suite.session_len = Some(
                two_or_three_digits(&s[1..], 3)
                    .filter(|n| (1..=512).contains(n))
                    .ok_or(SuiteError::MalformedDataInput(
                        "session length must be S001 to S512",
                    ))?,
            );
        }
        if let Some(t) = elements.next_if(|e| e.starts_with('T')) {
            suite.time_step_seconds = Some(parse_time_step(&t[1..]).ok_or(
                SuiteError::MalformedDataInput("time step must be 1-59S, 1-56M or 0-48H"),
            )?);
        }
        if elements.next().is_some() {
            return Err(SuiteError::MalformedDataInput(
                "unknown or misplaced element",
            ));
        }
        Ok(suite)
    }

    /// The hash under HMAC.
    pub fn hash(&self) -> HashAlgorithm {
        self.hash
    }

    /// Response digits; 0 means the untruncated HMAC (returned as hex).
    pub fn digits(&self) -> u8 {
        self.digits
    }

    /// The question format and its maximum length.
    pub fn question(&self) -> (QuestionFormat, usize) {
        (self.question_format, self.question_max)
    }

    /// The time step in seconds when the suite has a `T` input.
    pub fn time_step_seconds(&self) -> Option<u64> {
        self.time_step_seconds
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_element() {
        let s = Suite::parse("OCRA-1:HOTP-SHA512-10:C-QH40-PSHA256-S128-T2H").unwrap();
        assert_eq!(s.hash, HashAlgorithm::Sha512);
        assert_eq!(s.digits, 10);
        assert!(s.counter);
        assert_eq!(
            (s.question_format, s.question_max),
            (QuestionFormat::Hex, 40)
        );
        assert_eq!(s.pin_hash, Some(HashAlgorithm::Sha256));
        assert_eq!(s.session_len, Some(128));
        assert_eq!(s.time_step_seconds, Some(7200));
    }

    #[test]
    fn refuses_malformed_suites_with_typed_errors() {
        use SuiteError::*;
        let cases: &[(&str, SuiteError)] = &[
            ("OCRA-1:HOTP-SHA1-6", FieldCount),
            ("OCRA-2:HOTP-SHA1-6:QN08", UnsupportedVersion),
            ("OCRA-1:TOTP-SHA1-6:QN08", MalformedCryptoFunction),
            ("OCRA-1:HOTP-MD5-6:QN08", UnknownHash),
            ("OCRA-1:HOTP-SHA1-3:QN08", BadDigits),
            ("OCRA-1:HOTP-SHA1-11:QN08", BadDigits),
            (
                "OCRA-1:HOTP-SHA1-6:QX08",
                MalformedDataInput("question must be QA, QN or QH"),
            ),
            (
                "OCRA-1:HOTP-SHA1-6:QN65",
                MalformedDataInput("question length must be 04 to 64"),
            ),
            (
                "OCRA-1:HOTP-SHA1-6:QN03",
                MalformedDataInput("question length must be 04 to 64"),
            ),
            (
                "OCRA-1:HOTP-SHA1-6:QN08-PMD5",
                MalformedDataInput("PIN hash must be PSHA1, PSHA256 or PSHA512"),
            ),
            (
                "OCRA-1:HOTP-SHA1-6:QN08-S64",
                MalformedDataInput("session length must be S001 to S512"),
            ),
            (
                "OCRA-1:HOTP-SHA1-6:QN08-T60S",
                MalformedDataInput("time step must be 1-59S, 1-56M or 0-48H"),
            ),
            (
                "OCRA-1:HOTP-SHA1-6:QN08-T1M-C",
                MalformedDataInput("unknown or misplaced element"),
            ),
            (
                "OCRA-1:HOTP-SHA1-6:C",
                MalformedDataInput("missing question"),
            ),
        ];
        for (text, expected) in cases {
            assert_eq!(Suite::parse(text).as_ref(), Err(expected), "{text}");
        }
    }
}
