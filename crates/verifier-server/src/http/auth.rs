//! API keys with roles: who may call what.
//!
//! Keys are 256-bit random tokens handed to the bank's backend once; the
//! service keeps only their SHA-256. A plain hash is enough here (no salt, no
//! Argon2) because the key itself has full entropy: there is nothing to
//! brute-force from a leaked hash. Lookup hashes the presented token and
//! compares it with every configured hash in constant time, so neither the
//! position of a match nor a near-miss shows in the timing.

use std::fmt;

use serde::Deserialize;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

/// Prefix of every generated key, so a leaked one is easy to recognise in logs
/// and secret scanners.
pub const KEY_PREFIX: &str = "mpv_";

/// Longest key name: `api:` + name must fit the library's 64-character actor.
pub const MAX_NAME_LEN: usize = 60;

/// What an API key may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// The internet bank's backend: challenges, verifications, status.
    Bank,
    /// Back office: issue, reissue, block, unblock, revoke, audit, status.
    Operator,
}

impl Role {
    /// The name used in the configuration file.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Bank => "bank",
            Self::Operator => "operator",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One `[[api_keys]]` entry of the configuration file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApiKeyEntry {
    /// Who holds the key; recorded as the actor in the audit log.
    pub name: String,
    /// What it may do.
    pub role: Role,
    /// Hex SHA-256 of the key.
    pub sha256: String,
}

/// Why the key table was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum KeyTableError {
    /// A hash is not 64 hex digits.
    #[error("api key `{name}`: sha256 must be 64 hex digits")]
    BadHash {
        /// The entry's name.
        name: String,
    },
    /// A name is empty, too long or has characters unfit for the audit log.
    #[error("api key names are 1 to 60 characters of A-Z a-z 0-9 . _ - (got {name:?})")]
    BadName {
        /// The offending name.
        name: String,
    },
    /// Two entries share a name or a hash.
    #[error("api key `{name}` is listed twice (same name or same key)")]
    Duplicate {
        /// The later entry's name.
        name: String,
    },
}

/// The authenticated caller of a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// The key's configured name.
    pub name: String,
    /// Its role.
    pub role: Role,
}

#[derive(Clone)]
struct HashedKey {
    hash: [u8; 32],
    caller: Caller,
}

/// The configured keys, hashed.
#[derive(Clone, Default)]
pub struct ApiKeys {
    keys: Vec<HashedKey>,
}

impl fmt::Debug for ApiKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Names and roles only; hashes are not secret but are noise.
        f.debug_list()
            .entries(self.keys.iter().map(|key| &key.caller))
            .finish()
    }
}

impl ApiKeys {
    /// Validates the configuration entries.
    pub fn from_entries(entries: Vec<ApiKeyEntry>) -> Result<Self, KeyTableError> {
        let mut keys: Vec<HashedKey> = Vec::with_capacity(entries.len());
        for entry in entries {
            let valid_name = (1..=MAX_NAME_LEN).contains(&entry.name.len())
                && entry
                    .name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b));
            if !valid_name {
                return Err(KeyTableError::BadName { name: entry.name });
            }
            let mut hash = [0u8; 32];
            if hex::decode_to_slice(entry.sha256.trim(), &mut hash).is_err() {
                return Err(KeyTableError::BadHash { name: entry.name });
            }
            if keys
                .iter()
                .any(|key| key.caller.name == entry.name || key.hash == hash)
            {
                return Err(KeyTableError::Duplicate { name: entry.name });
            }
            keys.push(HashedKey {
                hash,
                caller: Caller {
                    name: entry.name,
                    role: entry.role,
                },
            });
        }
        Ok(Self { keys })
    }

    /// How many keys are configured.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether no key is configured (the API then refuses every call).
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// The caller holding `token`, if any. Every entry is compared, in
    /// constant time, whatever matches.
    pub fn authenticate(&self, token: &str) -> Option<Caller> {
        let presented: [u8; 32] = Sha256::digest(token.as_bytes()).into();
        let mut found = None;
        for key in &self.keys {
            if bool::from(key.hash.ct_eq(&presented)) {
                found = Some(&key.caller);
            }
        }
        found.cloned()
    }
}

/// The bearer token of an `Authorization` header value, if well-formed.
pub fn bearer_token(header: &str) -> Option<&str> {
    let (scheme, token) = header.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// A fresh key and its configuration hash.
pub struct GeneratedKey {
    /// The key to hand to the caller, once.
    pub key: Zeroizing<String>,
    /// Hex SHA-256 for the configuration file.
    pub sha256: String,
}

/// Generates a 256-bit key from the OS random source.
///
/// # Panics
/// If the operating system has no working random source.
pub fn generate_key() -> GeneratedKey {
    let mut bytes = Zeroizing::new([0u8; 32]);
    getrandom::fill(bytes.as_mut()).expect("the OS random source failed");
    let key = Zeroizing::new(format!("{KEY_PREFIX}{}", hex::encode(bytes.as_ref())));
    let sha256 = hash_key(&key);
    GeneratedKey { key, sha256 }
}

/// Hex SHA-256 of a key, as the configuration file stores it.
pub fn hash_key(key: &str) -> String {
    hex::encode(Sha256::digest(key.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(name: &str, role: Role, key: &str) -> ApiKeyEntry {
        ApiKeyEntry {
            name: name.to_owned(),
            role,
            sha256: hash_key(key),
        }
    }

    #[test]
    fn a_configured_key_authenticates_as_its_name_and_role() {
        let keys = ApiKeys::from_entries(vec![
            entry("bank", Role::Bank, "mpv_a"),
            entry("ops", Role::Operator, "mpv_b"),
        ])
        .unwrap();
        assert_eq!(keys.authenticate("mpv_b").unwrap().role, Role::Operator);
        assert_eq!(keys.authenticate("mpv_a").unwrap().name, "bank");
        assert_eq!(keys.authenticate("mpv_c"), None);
        assert_eq!(keys.authenticate(""), None);
    }

    #[test]
    fn generated_keys_are_distinct_and_match_their_hash() {
        let one = generate_key();
        let two = generate_key();
        assert_ne!(*one.key, *two.key);
        assert!(one.key.starts_with(KEY_PREFIX));
        assert_eq!(one.key.len(), KEY_PREFIX.len() + 64);
        assert_eq!(hash_key(&one.key), one.sha256);
    }

    #[test]
    fn malformed_tables_are_refused() {
        let mut bad_hash = entry("bank", Role::Bank, "k");
        bad_hash.sha256 = "abc".to_owned();
        assert!(matches!(
            ApiKeys::from_entries(vec![bad_hash]),
            Err(KeyTableError::BadHash { .. })
        ));
        assert!(matches!(
            ApiKeys::from_entries(vec![entry("a b", Role::Bank, "k")]),
            Err(KeyTableError::BadName { .. })
        ));
        assert!(matches!(
            ApiKeys::from_entries(vec![
                entry("a", Role::Bank, "k"),
                entry("b", Role::Operator, "k")
            ]),
            Err(KeyTableError::Duplicate { .. })
        ));
    }

    #[test]
    fn only_bearer_scheme_is_accepted() {
        assert_eq!(bearer_token("Bearer mpv_x"), Some("mpv_x"));
        assert_eq!(bearer_token("bearer  mpv_x "), Some("mpv_x"));
        assert_eq!(bearer_token("Basic mpv_x"), None);
        assert_eq!(bearer_token("Bearer "), None);
        assert_eq!(bearer_token("mpv_x"), None);
    }
}
