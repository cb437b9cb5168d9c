//! OCRA, the OATH Challenge-Response Algorithm (RFC 6287), complete: every
//! suite the RFC defines, not only the two MobiPass uses, so that it can be
//! checked against all of the RFC's Appendix C vectors.
//!
//! The data input is laid out exactly as the RFC's reference code does:
//! `suite || 0x00 || C (8) || Q (128) || P (hash len) || S (nnn) || T (8)`,
//! each element present only if the suite names it. Numeric questions go
//! decimal -> hexadecimal digits, an odd count gets a `0` nibble on the right,
//! and the bytes are zero-padded on the right to 128. Session bytes are
//! right-aligned in their field, as the reference code pads them on the left.

mod suite;

pub use suite::{HashAlgorithm, QuestionFormat, Suite, SuiteError};

use hmac::{Hmac, KeyInit, Mac};
use sha1::Sha1;
use sha2::{Sha256, Sha512};
use zeroize::Zeroizing;

/// Bytes of the question field.
const QUESTION_FIELD: usize = 128;
/// Room for suite, separator, counter and question; suites longer than the
/// 64 bytes allowed for here are refused when parsed.
const HEAD_MAX: usize = SUITE_MAX + 1 + 8 + QUESTION_FIELD;
/// Longest suite string accepted (the longest the RFC's grammar yields is 46).
pub(crate) const SUITE_MAX: usize = 64;

/// The inputs besides the key. Provide exactly those the suite names.
#[derive(Debug, Clone, Copy, Default)]
pub struct OcraInput<'a> {
    /// `C`: the counter.
    pub counter: Option<u64>,
    /// `Q`: the question as typed (decimal, hex or ASCII per the suite).
    pub question: &'a str,
    /// `P`: the hash of the PIN/password, as many bytes as the suite's hash.
    pub pin_hash: Option<&'a [u8]>,
    /// `S`: session information, at most the suite's `nnn` bytes.
    pub session: Option<&'a [u8]>,
    /// `T`: the number of time steps since the Unix epoch.
    pub timestamp: Option<u64>,
}

impl<'a> OcraInput<'a> {
    /// An input with only a question.
    pub fn question(question: &'a str) -> Self {
        Self {
            question,
            ..Self::default()
        }
    }
}

/// Why the inputs do not fit the suite.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum InputError {
    /// The suite names an input that was not given, or the other way round.
    #[error("the {0} input does not match the suite")]
    Mismatch(&'static str),
    /// The question is empty or longer than the suite allows.
    #[error("the question is empty or longer than the suite allows")]
    QuestionLength,
    /// The question has a character its format does not allow.
    #[error("the question has a character its format does not allow")]
    QuestionCharacters,
    /// The PIN hash is not the suite's hash length.
    #[error("the PIN hash has the wrong length for the suite")]
    PinHashLength,
    /// The session information is longer than the suite's field.
    #[error("the session information is longer than the suite allows")]
    SessionLength,
}

/// Writes a decimal question as the reference code does: its hexadecimal
/// digits, most significant first, a `0` nibble appended when their count is
/// odd, left-aligned in `out`. Up to 38 digits fit a `u128` (the fast path for
/// every MobiPass question); longer ones go through [`decimal_to_nibbles`].
fn encode_numeric(decimal: &[u8], out: &mut [u8]) {
    if decimal.len() <= 38 {
        let value = decimal
            .iter()
            .fold(0u128, |acc, b| acc * 10 + u128::from(b - b'0'));
        let nibbles = (128 - value.leading_zeros()).div_ceil(4).max(1) as usize;
        // An odd count has at most 31 nibbles, so the shift cannot overflow.
        let aligned = if nibbles % 2 == 1 { value << 4 } else { value };
        let len = nibbles.div_ceil(2);
        out[..len].copy_from_slice(&aligned.to_be_bytes()[16 - len..]);
    } else {
        pack_nibbles(&decimal_to_nibbles(decimal), out);
    }
}

/// `10^n` for the truncation lengths RFC 6287 allows (0 and 4 to 10).
const POWERS_OF_TEN: [u64; 11] = [
    1,
    10,
    100,
    1_000,
    10_000,
    100_000,
    1_000_000,
    10_000_000,
    100_000_000,
    1_000_000_000,
    10_000_000_000,
];

/// Dynamic truncation (RFC 4226 section 5.3), reduced mod `10^digits`.
fn truncate(tag: &[u8], digits: u8) -> u64 {
    let offset = usize::from(tag[tag.len() - 1] & 0x0f);
    let binary = u32::from_be_bytes([
        tag[offset] & 0x7f,
        tag[offset + 1],
        tag[offset + 2],
        tag[offset + 3],
    ]);
    u64::from(binary) % POWERS_OF_TEN[usize::from(digits)]
}

/// Hex digit values of a decimal number written in `decimal` (most significant
/// first, no leading zeros; `[0]` for zero). Long division by 16 keeps this
/// exact for questions beyond any machine integer.
fn decimal_to_nibbles(decimal: &[u8]) -> Vec<u8> {
    let mut digits: Vec<u8> = decimal.iter().map(|b| b - b'0').collect();
    let mut nibbles = Vec::new();
    while digits.iter().any(|&d| d != 0) {
        let mut remainder = 0u32;
        for d in digits.iter_mut() {
            let value = remainder * 10 + u32::from(*d);
            *d = (value / 16) as u8;
            remainder = value % 16;
        }
        nibbles.push(remainder as u8);
    }
    if nibbles.is_empty() {
        nibbles.push(0);
    }
    nibbles.reverse();
    nibbles
}

/// Packs hex digit values into bytes, a trailing odd nibble as the high half.
fn pack_nibbles(nibbles: &[u8], out: &mut [u8]) {
    for (i, pair) in nibbles.chunks(2).enumerate() {
        out[i] = pair[0] << 4 | pair.get(1).copied().unwrap_or(0);
    }
}

fn hex_value(c: u8) -> Option<u8> {
    (c as char).to_digit(16).map(|v| v as u8)
}

fn check_presence<T>(
    named: bool,
    given: Option<T>,
    what: &'static str,
) -> Result<Option<T>, InputError> {
    match (named, given) {
        (true, Some(v)) => Ok(Some(v)),
        (false, None) => Ok(None),
        _ => Err(InputError::Mismatch(what)),
    }
}

/// What the HMAC yields before it is written out.
enum Output {
    /// Dynamic truncation reduced mod 10^digits.
    Truncated(u64),
    /// The whole HMAC (suites with 0 digits).
    Full(Vec<u8>),
}

impl Suite {
    /// Validates `input` against the suite and hands the data input to `sink`
    /// piece by piece, in order. Feeding HMAC directly avoids building (and
    /// then wiping) a copy of the message on every response.
    fn feed(&self, input: &OcraInput<'_>, mut sink: impl FnMut(&[u8])) -> Result<(), InputError> {
        let counter = check_presence(self.counter, input.counter, "counter")?;
        let pin_hash = check_presence(self.pin_hash.is_some(), input.pin_hash, "PIN")?;
        let session = check_presence(self.session_len.is_some(), input.session, "session")?;
        let timestamp = check_presence(
            self.time_step_seconds.is_some(),
            input.timestamp,
            "timestamp",
        )?;

        // The field holds one challenge of up to `xx` characters, or two of them
        // concatenated in mutual mode (RFC 6287 section 7.3), so only the field's
        // capacity is enforced here; `check_challenge` bounds a single one.
        let q = input.question.as_bytes();
        let capacity = match self.question_format {
            QuestionFormat::Alphanumeric => QUESTION_FIELD,
            // 256 decimal digits convert to at most 107 bytes.
            QuestionFormat::Hex | QuestionFormat::Numeric => 2 * QUESTION_FIELD,
        };
        if q.is_empty() || q.len() > capacity {
            return Err(InputError::QuestionLength);
        }
        let mut question = [0u8; QUESTION_FIELD];
        match self.question_format {
            QuestionFormat::Numeric => {
                if !q.iter().all(u8::is_ascii_digit) {
                    return Err(InputError::QuestionCharacters);
                }
                encode_numeric(q, &mut question);
            }
            QuestionFormat::Hex => {
                let nibbles: Option<Vec<u8>> = q.iter().map(|&c| hex_value(c)).collect();
                pack_nibbles(
                    &nibbles.ok_or(InputError::QuestionCharacters)?,
                    &mut question,
                );
            }
            QuestionFormat::Alphanumeric => {
                if !q.iter().all(|c| c.is_ascii_graphic() || *c == b' ') {
                    return Err(InputError::QuestionCharacters);
                }
                question[..q.len()].copy_from_slice(q);
            }
        }
        if let (Some(hash), Some(p)) = (self.pin_hash, pin_hash)
            && p.len() != hash.output_len()
        {
            return Err(InputError::PinHashLength);
        }
        if let (Some(len), Some(s)) = (self.session_len, session)
            && s.len() > len
        {
            return Err(InputError::SessionLength);
        }

        // Suite, separator, counter and question go to the sink as one piece:
        // one call per element costs more than the copy for a 154-byte message.
        let mut head = [0u8; HEAD_MAX];
        let mut len = self.text.len();
        head[..len].copy_from_slice(self.text.as_bytes());
        len += 1; // the 0x00 separator is already there
        if let Some(c) = counter {
            head[len..len + 8].copy_from_slice(&c.to_be_bytes());
            len += 8;
        }
        head[len..len + QUESTION_FIELD].copy_from_slice(&question);
        len += QUESTION_FIELD;
        sink(&head[..len]);
        if let Some(p) = pin_hash {
            sink(p);
        }
        if let (Some(len), Some(s)) = (self.session_len, session) {
            // Right-aligned: the reference code pads session data on the left.
            for _ in s.len()..len {
                sink(&[0]);
            }
            sink(s);
        }
        if let Some(t) = timestamp {
            sink(&t.to_be_bytes());
        }
        Ok(())
    }

    /// Lays out the data input (the HMAC message) for `input`.
    pub fn data_input(&self, input: &OcraInput<'_>) -> Result<Zeroizing<Vec<u8>>, InputError> {
        let mut message = Zeroizing::new(Vec::new());
        self.feed(input, |bytes| message.extend_from_slice(bytes))?;
        Ok(message)
    }

    /// Checks one challenge question against the suite's `QFxx`: 1 to `xx`
    /// characters of the suite's format. Callers issuing or answering a
    /// one-way challenge check it here; [`Suite::respond`] also accepts the
    /// concatenated questions of mutual mode.
    pub fn check_challenge(&self, question: &str) -> Result<(), InputError> {
        if question.is_empty() || question.len() > self.question_max {
            return Err(InputError::QuestionLength);
        }
        let fits = match self.question_format {
            QuestionFormat::Numeric => question.bytes().all(|b| b.is_ascii_digit()),
            QuestionFormat::Hex => question.bytes().all(|b| b.is_ascii_hexdigit()),
            QuestionFormat::Alphanumeric => {
                question.bytes().all(|b| b.is_ascii_graphic() || b == b' ')
            }
        };
        if fits {
            Ok(())
        } else {
            Err(InputError::QuestionCharacters)
        }
    }

    fn compute_with<M: Mac>(
        &self,
        mut mac: M,
        input: &OcraInput<'_>,
    ) -> Result<Output, InputError> {
        self.feed(input, |bytes| mac.update(bytes))?;
        let tag = mac.finalize().into_bytes();
        if self.digits == 0 {
            return Ok(Output::Full(tag.to_vec()));
        }
        Ok(Output::Truncated(truncate(&tag, self.digits)))
    }

    fn compute(&self, key: &[u8], input: &OcraInput<'_>) -> Result<Output, InputError> {
        fn keyed<M: Mac + KeyInit>(key: &[u8]) -> M {
            <M as KeyInit>::new_from_slice(key).expect("HMAC takes keys of any length")
        }
        match self.hash {
            HashAlgorithm::Sha1 => self.compute_with(keyed::<Hmac<Sha1>>(key), input),
            HashAlgorithm::Sha256 => self.compute_with(keyed::<Hmac<Sha256>>(key), input),
            HashAlgorithm::Sha512 => self.compute_with(keyed::<Hmac<Sha512>>(key), input),
        }
    }

    /// The response to a numeric question whose ASCII digits the caller has
    /// already checked, for an HMAC-SHA256 suite with the key already set up
    /// (its pads hashed) and no input but the question: the path every
    /// MobiPass response takes, so it skips the general input checks.
    pub(crate) fn respond_checked_digits(&self, mut mac: Hmac<Sha256>, digits: &[u8]) -> u64 {
        assert!(
            self.hash == HashAlgorithm::Sha256
                && self.question_format == QuestionFormat::Numeric
                && !self.counter
                && self.pin_hash.is_none()
                && self.session_len.is_none()
                && self.time_step_seconds.is_none()
                && self.digits > 0,
            "only for HMAC-SHA256 QN suites with a question alone"
        );
        debug_assert!(!digits.is_empty() && digits.len() <= self.question_max);
        debug_assert!(digits.iter().all(u8::is_ascii_digit));
        let mut head = [0u8; HEAD_MAX];
        let question = self.text.len() + 1; // the 0x00 separator is already there
        head[..self.text.len()].copy_from_slice(self.text.as_bytes());
        encode_numeric(digits, &mut head[question..question + QUESTION_FIELD]);
        mac.update(&head[..question + QUESTION_FIELD]);
        truncate(&mac.finalize().into_bytes(), self.digits)
    }

    /// Computes the response: zero-padded decimal digits, or, for suites with
    /// 0 digits, lowercase hex of the whole HMAC (RFC 6287 section 5.2 and
    /// erratum 5625: "t=0 means that no truncation is performed").
    pub fn respond(&self, key: &[u8], input: &OcraInput<'_>) -> Result<String, InputError> {
        Ok(match self.compute(key, input)? {
            Output::Truncated(value) => {
                format!("{value:0width$}", width = usize::from(self.digits))
            }
            Output::Full(tag) => tag.iter().map(|b| format!("{b:02x}")).collect(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numeric_questions_convert_like_the_reference_code() {
        // 338609 = 0x52AB1: odd nibble count, a 0 nibble goes on the right.
        assert_eq!(decimal_to_nibbles(b"338609"), vec![5, 2, 0xA, 0xB, 1]);
        let mut out = [0u8; 4];
        pack_nibbles(&decimal_to_nibbles(b"338609"), &mut out);
        assert_eq!(out, [0x52, 0xAB, 0x10, 0x00]);
        assert_eq!(decimal_to_nibbles(b"00000000"), vec![0]);
        // Beyond u128: 10^40 = 0x1D6329F1C35CA4BFABB9F5610000000000.
        assert_eq!(
            decimal_to_nibbles(b"10000000000000000000000000000000000000000")
                .iter()
                .map(|n| format!("{n:X}"))
                .collect::<String>(),
            "1D6329F1C35CA4BFABB9F5610000000000"
        );
    }

    #[test]
    fn fast_and_long_numeric_paths_agree() {
        let mut seed = 0x2545_f491_4f6c_dd1d_u64;
        for len in 1..=38 {
            for _ in 0..50 {
                let decimal: String = (0..len)
                    .map(|_| {
                        seed ^= seed << 13;
                        seed ^= seed >> 7;
                        seed ^= seed << 17;
                        char::from(b'0' + (seed % 10) as u8)
                    })
                    .collect();
                let mut fast = [0u8; QUESTION_FIELD];
                encode_numeric(decimal.as_bytes(), &mut fast);
                let mut long = [0u8; QUESTION_FIELD];
                pack_nibbles(&decimal_to_nibbles(decimal.as_bytes()), &mut long);
                assert_eq!(fast, long, "{decimal}");
            }
        }
    }

    #[test]
    fn inputs_must_match_the_suite() {
        let suite = Suite::parse("OCRA-1:HOTP-SHA1-6:C-QN08").unwrap();
        assert_eq!(
            suite.respond(b"k", &OcraInput::question("1234")),
            Err(InputError::Mismatch("counter"))
        );
        let plain = Suite::parse("OCRA-1:HOTP-SHA1-6:QN08").unwrap();
        assert_eq!(
            plain.check_challenge("123456789"),
            Err(InputError::QuestionLength)
        );
        assert_eq!(plain.check_challenge(""), Err(InputError::QuestionLength));
        assert_eq!(
            plain.check_challenge("12ab"),
            Err(InputError::QuestionCharacters)
        );
        assert_eq!(plain.check_challenge("12345678"), Ok(()));
        let letters = OcraInput::question("12ab");
        assert_eq!(
            plain.respond(b"k", &letters),
            Err(InputError::QuestionCharacters)
        );
        let overflow = "1".repeat(257);
        assert_eq!(
            plain.respond(b"k", &OcraInput::question(&overflow)),
            Err(InputError::QuestionLength)
        );
    }
}
