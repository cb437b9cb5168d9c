//! Identifiers: the bank's credential id, challenge ids, and audit actors.
//!
//! Each is validated once at the edge so storage and logs only ever see
//! well-formed, printable values.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::VerifierError;

/// Longest credential id or actor name accepted.
pub const MAX_ID_LEN: usize = 64;

fn is_id_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | ':' | '-')
}

fn check_name(text: &str, what: &str) -> Result<(), VerifierError> {
    // `.` and `..` (and other all-dot names) would walk a URL or file path.
    let only_dots = text.chars().all(|c| c == '.');
    if only_dots || text.len() > MAX_ID_LEN || !text.chars().all(is_id_char) {
        return Err(VerifierError::InvalidInput(format!(
            "{what} must be 1 to {MAX_ID_LEN} characters of A-Z a-z 0-9 . _ : -, not only dots"
        )));
    }
    Ok(())
}

/// A credential id chosen by the bank: 1 to 64 characters of `[A-Za-z0-9._:-]`,
/// not only dots (`.`, `..`).
///
/// Case-sensitive, as bank customer ids usually are: `Alice` and `alice` are
/// two credentials. Nothing is folded or normalised.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CredentialId(String);

impl CredentialId {
    /// Validates an id.
    pub fn new(text: impl Into<String>) -> Result<Self, VerifierError> {
        let text = text.into();
        check_name(&text, "a credential id")?;
        Ok(Self(text))
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for CredentialId {
    type Err = VerifierError;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::new(text)
    }
}

impl TryFrom<String> for CredentialId {
    type Error = VerifierError;
    fn try_from(text: String) -> Result<Self, Self::Error> {
        Self::new(text)
    }
}

impl From<CredentialId> for String {
    fn from(id: CredentialId) -> String {
        id.0
    }
}

impl fmt::Display for CredentialId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Longest block reason kept in the audit log, in characters.
pub const MAX_REASON_LEN: usize = 200;

/// Characters that change how text around them is shown without showing
/// themselves: bidi overrides and isolates, marks, zero-width characters.
/// A reason made of them could hide or reorder what an auditor reads.
fn is_invisible_format(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{061C}'
            | '\u{180E}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{206F}'
            | '\u{FEFF}'
    )
}

/// Checks an operator's block reason and returns it trimmed: one line
/// (no control characters, no U+2028/U+2029 separators) of 1 to
/// [`MAX_REASON_LEN`] characters, without bidi controls, and with at least
/// one visible character.
pub fn block_reason(text: &str) -> Result<&str, VerifierError> {
    one_visible_line(text, MAX_REASON_LEN).ok_or_else(|| {
        VerifierError::InvalidInput(format!(
            "a block reason is one line of 1 to {MAX_REASON_LEN} visible characters, \
             without bidi controls"
        ))
    })
}

/// `text` trimmed, if it is one line (no control characters, no U+2028/
/// U+2029) of 1 to `max` characters without bidi controls and with a
/// visible character: the rule of block reasons and of the texts a signing
/// page shows.
pub(crate) fn one_visible_line(text: &str, max: usize) -> Option<&str> {
    let line = text.trim();
    let one_line = !line
        .chars()
        .any(|c| c.is_control() || matches!(c, '\u{2028}' | '\u{2029}'));
    let bidi = line
        .chars()
        .any(|c| matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'));
    let visible = line
        .chars()
        .any(|c| !c.is_whitespace() && !is_invisible_format(c));
    (one_line && !bidi && visible && line.chars().count() <= max).then_some(line)
}

/// A challenge id: 128 random bits, written as 32 lowercase hex digits.
///
/// Random rather than sequential so that ids reveal nothing about volume and
/// cannot be guessed to probe other customers' challenges.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ChallengeId([u8; 16]);

impl ChallengeId {
    /// A fresh id from the OS CSPRNG.
    ///
    /// # Panics
    /// If the operating system has no working random source.
    pub fn generate() -> Self {
        let mut bytes = [0u8; 16];
        getrandom::fill(&mut bytes).expect("the OS random source failed");
        Self(bytes)
    }

    /// The raw bytes.
    pub fn as_bytes(&self) -> &[u8; 16] {
        &self.0
    }

    /// Rebuilds an id from stored bytes.
    pub fn from_bytes(bytes: [u8; 16]) -> Self {
        Self(bytes)
    }
}

impl FromStr for ChallengeId {
    type Err = VerifierError;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let invalid = || VerifierError::InvalidInput("a challenge id is 32 hex digits".into());
        let hex_digits: String = text.trim().chars().filter(|c| *c != '-').collect();
        let bytes = hex::decode(hex_digits).map_err(|_| invalid())?;
        bytes.try_into().map(Self).map_err(|_| invalid())
    }
}

impl TryFrom<String> for ChallengeId {
    type Error = VerifierError;
    fn try_from(text: String) -> Result<Self, Self::Error> {
        text.parse()
    }
}

impl From<ChallengeId> for String {
    fn from(id: ChallengeId) -> String {
        id.to_string()
    }
}

impl fmt::Display for ChallengeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex::encode(self.0))
    }
}

/// Who did something, as written to the audit log: an operator's name or an
/// API key's name. Same character rules as a credential id.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Actor(String);

impl Actor {
    /// Validates a name.
    pub fn new(text: impl Into<String>) -> Result<Self, VerifierError> {
        let text = text.into();
        check_name(&text, "an actor name")?;
        Ok(Self(text))
    }

    /// The actor recorded for challenges made through the plain API calls
    /// that take no actor, and for callers with no name of their own.
    pub fn service() -> Self {
        Self("service".into())
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for Actor {
    type Err = VerifierError;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::new(text)
    }
}

impl TryFrom<String> for Actor {
    type Error = VerifierError;
    fn try_from(text: String) -> Result<Self, Self::Error> {
        Self::new(text)
    }
}

impl From<Actor> for String {
    fn from(actor: Actor) -> String {
        actor.0
    }
}

impl fmt::Display for Actor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credential_id_accepts_bank_style_ids_and_refuses_the_rest() {
        for good in ["c1", "customer:42", "a.b_c-d", &"x".repeat(64)] {
            assert!(CredentialId::new(good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "with space",
            "ü",
            "a/b",
            &"x".repeat(65),
            ".",
            "..",
            "...",
        ] {
            assert!(CredentialId::new(bad).is_err(), "{bad}");
            assert!(Actor::new(bad).is_err(), "{bad}");
        }
        assert!(CredentialId::new(".a").is_ok() && CredentialId::new("a..b").is_ok());
    }

    #[test]
    fn credential_ids_are_case_sensitive() {
        let upper = CredentialId::new("Alice").unwrap();
        let lower = CredentialId::new("alice").unwrap();
        assert_ne!(upper, lower);
        assert_eq!(upper.as_str(), "Alice");
    }

    #[test]
    fn block_reason_is_one_visible_line_without_bidi_controls() {
        assert_eq!(block_reason("  lost laptop \n").unwrap(), "lost laptop");
        assert_eq!(
            block_reason("Verlust gemeldet, Ü").unwrap(),
            "Verlust gemeldet, Ü"
        );
        assert!(block_reason(&"x".repeat(MAX_REASON_LEN)).is_ok());
        let too_long = "x".repeat(MAX_REASON_LEN + 1);
        for bad in [
            "",
            "   ",
            "two\nlines",
            "tab\there",
            "line\u{2028}separator",
            "paragraph\u{2029}separator",
            "evil\u{202E}txt.exe",
            "\u{202A}embedded",
            "isolate\u{2066}x\u{2069}",
            "\u{200B}\u{200C}\u{200D}",
            "\u{FEFF}",
            " \u{2060} \u{00AD} ",
            too_long.as_str(),
        ] {
            assert!(block_reason(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn challenge_id_round_trips_through_text() {
        let id = ChallengeId::generate();
        let text = id.to_string();
        assert_eq!(text.len(), 32);
        assert_eq!(text.parse::<ChallengeId>().unwrap(), id);
        assert!("abc".parse::<ChallengeId>().is_err());
        assert!("zz".repeat(16).parse::<ChallengeId>().is_err());
    }
}
