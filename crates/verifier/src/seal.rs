//! Seeds at rest: the OCRA key `K` sealed with AES-256-GCM under the master key.
//!
//! The associated data binds the scheme version, the credential id and the
//! credential's key version, so a sealed seed copied to another credential's
//! row, or an old seed put back after a reissue, fails to open instead of
//! silently verifying. The nonce is 96 random bits per seal: seals are rare
//! (issue, reissue, rotation), far below the 2^32 messages per key where random
//! nonces start to matter.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use mobipass_scheme::{OcraKey, SCHEME_VERSION};
use zeroize::Zeroizing;

use crate::error::VerifierError;
use crate::ids::CredentialId;
use crate::master_key::MasterKey;

const NONCE_LEN: usize = 12;

/// A sealed seed as stored: nonce followed by ciphertext and tag.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct SealedSeed(pub(crate) Vec<u8>);

fn associated_data(id: &CredentialId, key_version: u32) -> Vec<u8> {
    let mut aad = Vec::with_capacity(4 + 2 + id.as_str().len() + 4);
    aad.extend_from_slice(&SCHEME_VERSION.to_be_bytes());
    // Length-prefixed so that no two (id, version) pairs share an encoding.
    aad.extend_from_slice(&(id.as_str().len() as u16).to_be_bytes());
    aad.extend_from_slice(id.as_str().as_bytes());
    aad.extend_from_slice(&key_version.to_be_bytes());
    aad
}

/// Encrypts `key` for credential `id` at `key_version`.
pub(crate) fn seal(
    master: &MasterKey,
    id: &CredentialId,
    key_version: u32,
    key: &OcraKey,
) -> SealedSeed {
    let cipher = Aes256Gcm::new(master.as_bytes().into());
    let mut nonce = [0u8; NONCE_LEN];
    getrandom::fill(&mut nonce).expect("the OS random source failed");
    let aad = associated_data(id, key_version);
    let ciphertext = cipher
        .encrypt(
            Nonce::from_slice(&nonce),
            Payload {
                msg: key.as_bytes(),
                aad: &aad,
            },
        )
        .expect("AES-GCM encryption of 32 bytes cannot fail");
    let mut stored = nonce.to_vec();
    stored.extend_from_slice(&ciphertext);
    SealedSeed(stored)
}

/// Decrypts a sealed seed; fails if the master key, id or version differ.
pub(crate) fn open(
    master: &MasterKey,
    id: &CredentialId,
    key_version: u32,
    sealed: &SealedSeed,
) -> Result<OcraKey, VerifierError> {
    if sealed.0.len() <= NONCE_LEN {
        return Err(VerifierError::Crypto);
    }
    let (nonce, ciphertext) = sealed.0.split_at(NONCE_LEN);
    let cipher = Aes256Gcm::new(master.as_bytes().into());
    let aad = associated_data(id, key_version);
    let plain = Zeroizing::new(
        cipher
            .decrypt(
                Nonce::from_slice(nonce),
                Payload {
                    msg: ciphertext,
                    aad: &aad,
                },
            )
            .map_err(|_| VerifierError::Crypto)?,
    );
    if plain.len() != 32 {
        return Err(VerifierError::Crypto);
    }
    // Copied into a buffer that wipes itself (a plain `[u8; 32]` is `Copy`:
    // wiping one copy leaves the others); `plain` wipes itself too.
    let mut bytes = Zeroizing::new([0u8; 32]);
    bytes.copy_from_slice(&plain);
    Ok(OcraKey::from_bytes(*bytes))
}

#[cfg(test)]
mod tests {
    use super::*;
    use mobipass_scheme::ActivationKey;

    fn id(text: &str) -> CredentialId {
        CredentialId::new(text).unwrap()
    }

    #[test]
    fn sealed_seed_opens_only_for_its_own_id_version_and_master_key() {
        let master = MasterKey::generate();
        let key = ActivationKey::generate().ocra_key();
        let sealed = seal(&master, &id("alice"), 1, &key);
        assert_eq!(open(&master, &id("alice"), 1, &sealed).unwrap(), key);
        assert!(open(&master, &id("bob"), 1, &sealed).is_err());
        assert!(open(&master, &id("alice"), 2, &sealed).is_err());
        assert!(open(&MasterKey::generate(), &id("alice"), 1, &sealed).is_err());
        let mut tampered = sealed.clone();
        tampered.0[20] ^= 1;
        assert!(open(&master, &id("alice"), 1, &tampered).is_err());
        assert!(open(&master, &id("alice"), 1, &SealedSeed(vec![0; 5])).is_err());
    }

    #[test]
    fn sealing_twice_uses_fresh_nonces() {
        let master = MasterKey::generate();
        let key = ActivationKey::generate().ocra_key();
        let a = seal(&master, &id("alice"), 1, &key);
        let b = seal(&master, &id("alice"), 1, &key);
        assert_ne!(a.0, b.0);
        assert!(!a.0.windows(32).any(|w| w == key.as_bytes()));
    }
}
