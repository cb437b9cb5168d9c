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
    if text.is_empty() || text.len() > MAX_ID_LEN || !text.chars().all(is_id_char) {
        return Err(VerifierError::InvalidInput(format!(
            "{what} must be 1 to {MAX_ID_LEN} characters of A-Z a-z 0-9 . _ : -"
        )));
    }
    Ok(())
}

/// A credential id chosen by the bank: 1 to 64 characters of `[A-Za-z0-9._:-]`.
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
        for bad in ["", "with space", "ü", "a/b", &"x".repeat(65)] {
            assert!(CredentialId::new(bad).is_err(), "{bad}");
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
