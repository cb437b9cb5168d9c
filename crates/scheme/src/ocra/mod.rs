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

/// Hex digit values of a decimal number written in `decimal` (most significant
/// first, no leading zeros; `[0]` for zero). Long division by 16 keeps this
/// exact for the 64-digit questions the RFC allows, beyond any machine integer.
fn decimal_to_nibbles(decimal: &str) -> Vec<u8> {
    let mut digits: Vec<u8> = decimal.bytes().map(|b| b - b'0').collect();
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

impl Suite {
    /// Lays out the data input (the HMAC message) for `input`.
    pub fn data_input(&self, input: &OcraInput<'_>) -> Result<Zeroizing<Vec<u8>>, InputError> {
        let counter = check_presence(self.counter, input.counter, "counter")?;
        let pin_hash = check_presence(self.pin_hash.is_some(), input.pin_hash, "PIN")?;
        let session = check_presence(self.session_len.is_some(), input.session, "session")?;
        let timestamp = check_presence(
            self.time_step_seconds.is_some(),
            input.timestamp,
            "timestamp",
        )?;

        let q = input.question.as_bytes();
        if q.is_empty() || q.len() > self.question_max {
            return Err(InputError::QuestionLength);
        }
        let mut question = [0u8; QUESTION_FIELD];
        match self.question_format {
            QuestionFormat::Numeric => {
                if !q.iter().all(u8::is_ascii_digit) {
                    return Err(InputError::QuestionCharacters);
                }
                pack_nibbles(&decimal_to_nibbles(input.question), &mut question);
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

        let mut message = Zeroizing::new(Vec::with_capacity(
            self.text.len() + 1 + 8 + QUESTION_FIELD + 64 + 8,
        ));
        message.extend_from_slice(self.text.as_bytes());
        message.push(0);
        if let Some(c) = counter {
            message.extend_from_slice(&c.to_be_bytes());
        }
        message.extend_from_slice(&question);
        if let (Some(hash), Some(p)) = (self.pin_hash, pin_hash) {
            if p.len() != hash.output_len() {
                return Err(InputError::PinHashLength);
            }
            message.extend_from_slice(p);
        }
        if let (Some(len), Some(s)) = (self.session_len, session) {
            if s.len() > len {
                return Err(InputError::SessionLength);
            }
            let padded = message.len() + len - s.len();
            message.resize(padded, 0);
            message.extend_from_slice(s);
        }
        if let Some(t) = timestamp {
            message.extend_from_slice(&t.to_be_bytes());
        }
        Ok(message)
    }

    /// Computes the response: zero-padded decimal digits, or lowercase hex of
    /// the whole HMAC for suites with 0 digits.
    pub fn respond(&self, key: &[u8], input: &OcraInput<'_>) -> Result<String, InputError> {
        let message = self.data_input(input)?;
        let mac = Zeroizing::new(hmac(self.hash, key, &message));
        if self.digits == 0 {
            return Ok(mac.iter().map(|b| format!("{b:02x}")).collect());
        }
        // Dynamic truncation (RFC 4226 section 5.3).
        let offset = usize::from(mac[mac.len() - 1] & 0x0f);
        let binary = u32::from_be_bytes([
            mac[offset] & 0x7f,
            mac[offset + 1],
            mac[offset + 2],
            mac[offset + 3],
        ]);
        let value = u64::from(binary) % 10u64.pow(u32::from(self.digits));
        Ok(format!("{value:0width$}", width = usize::from(self.digits)))
    }
}

/// HMAC of `message` under `key` with the given hash.
pub fn hmac(hash: HashAlgorithm, key: &[u8], message: &[u8]) -> Vec<u8> {
    fn run<M: Mac + KeyInit>(key: &[u8], message: &[u8]) -> Vec<u8> {
        let mut mac = <M as KeyInit>::new_from_slice(key).expect("HMAC takes keys of any length");
        mac.update(message);
        mac.finalize().into_bytes().to_vec()
    }
    match hash {
        HashAlgorithm::Sha1 => run::<Hmac<Sha1>>(key, message),
        HashAlgorithm::Sha256 => run::<Hmac<Sha256>>(key, message),
        HashAlgorithm::Sha512 => run::<Hmac<Sha512>>(key, message),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numeric_questions_convert_like_the_reference_code() {
        // 338609 = 0x52AB1: odd nibble count, a 0 nibble goes on the right.
        assert_eq!(decimal_to_nibbles("338609"), vec![5, 2, 0xA, 0xB, 1]);
        let mut out = [0u8; 4];
        pack_nibbles(&decimal_to_nibbles("338609"), &mut out);
        assert_eq!(out, [0x52, 0xAB, 0x10, 0x00]);
        assert_eq!(decimal_to_nibbles("00000000"), vec![0]);
        // Beyond u128: 10^40 = 0x1D6329F1C35CA4BFABB9F5610000000000.
        assert_eq!(
            decimal_to_nibbles("10000000000000000000000000000000000000000")
                .iter()
                .map(|n| format!("{n:X}"))
                .collect::<String>(),
            "1D6329F1C35CA4BFABB9F5610000000000"
        );
    }

    #[test]
    fn inputs_must_match_the_suite() {
        let suite = Suite::parse("OCRA-1:HOTP-SHA1-6:C-QN08").unwrap();
        assert_eq!(
            suite.respond(b"k", &OcraInput::question("1234")),
            Err(InputError::Mismatch("counter"))
        );
        let plain = Suite::parse("OCRA-1:HOTP-SHA1-6:QN08").unwrap();
        let too_long = OcraInput::question("123456789");
        assert_eq!(
            plain.respond(b"k", &too_long),
            Err(InputError::QuestionLength)
        );
        let letters = OcraInput::question("12ab");
        assert_eq!(
            plain.respond(b"k", &letters),
            Err(InputError::QuestionCharacters)
        );
    }
}
