//! Seeds at rest: the OCRA key `K` and, for two-channel credentials, the
//! envelope's secret `S`, each sealed with AES-256-GCM under the master key.
//!
//! The associated data binds the scheme version, the credential id, the
//! credential's key version and what is sealed, so a sealed seed copied to
//! another credential's row, an old seed put back after a reissue or a new
//! activation code, or a sealed `S` put where a `K` belongs (or the reverse)
//! fails to open instead of silently verifying. `K`'s associated data is the
//! form used since the first schema (version, id, key version), so existing
//! rows keep opening; `S`'s is that form followed by [`SECRET_LABEL`]. The
//! first form is self-delimiting (the id is length-prefixed), so the two can
//! never be equal; the plaintexts' lengths (32 and 16 bytes) differ as well
//! and are checked on opening. The nonce is 96 random bits per seal: seals are rare
//! (issue, reissue, rotation), far below the 2^32 messages per key where random
//! nonces start to matter.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use mobipass_scheme::{ActivationKey, OcraKey, SCHEME_VERSION};
use zeroize::Zeroizing;

use crate::error::VerifierError;
use crate::ids::CredentialId;
use crate::master_key::MasterKey;
use crate::sealing_key::SealingKey;

pub(crate) const NONCE_LEN: usize = 12;

/// A sealed seed as stored: nonce followed by ciphertext and tag.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct SealedSeed(pub(crate) Vec<u8>);

/// Appended to the associated data of a sealed `S` (two-channel secret).
pub(crate) const SECRET_LABEL: &[u8] = b"MobiPass/v1/sealed/activation-secret";

/// What a sealed blob holds; part of its associated data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum What {
    OcraKey,
    Secret,
}

fn associated_data(id: &CredentialId, key_version: u32, what: What) -> Vec<u8> {
    let mut aad = Vec::with_capacity(4 + 2 + id.as_str().len() + 4 + SECRET_LABEL.len());
    aad.extend_from_slice(&SCHEME_VERSION.to_be_bytes());
    // Length-prefixed so that no two (id, version) pairs share an encoding.
    aad.extend_from_slice(&(id.as_str().len() as u16).to_be_bytes());
    aad.extend_from_slice(id.as_str().as_bytes());
    aad.extend_from_slice(&key_version.to_be_bytes());
    if what == What::Secret {
        aad.extend_from_slice(SECRET_LABEL);
    }
    aad
}

/// AES-256-GCM in this process, for a file key: ciphertext and tag.
pub(crate) fn software_seal(
    master: &MasterKey,
    nonce: &[u8; NONCE_LEN],
    aad: &[u8],
    msg: &[u8],
) -> Vec<u8> {
    let cipher = Aes256Gcm::new(master.as_bytes().into());
    cipher
        .encrypt(Nonce::from_slice(nonce), Payload { msg, aad })
        .expect("AES-GCM encryption of a few bytes cannot fail")
}

/// Opens what [`software_seal`] made.
pub(crate) fn software_open(
    master: &MasterKey,
    nonce: &[u8],
    aad: &[u8],
    ciphertext: &[u8],
) -> Result<Zeroizing<Vec<u8>>, VerifierError> {
    let cipher = Aes256Gcm::new(master.as_bytes().into());
    cipher
        .decrypt(
            Nonce::from_slice(nonce),
            Payload {
                msg: ciphertext,
                aad,
            },
        )
        .map(Zeroizing::new)
        .map_err(|_| VerifierError::Crypto)
}

fn seal_bytes(key: &SealingKey, aad: &[u8], msg: &[u8]) -> Result<SealedSeed, VerifierError> {
    key.seal(aad, msg).map(SealedSeed)
}

fn open_bytes(
    key: &SealingKey,
    aad: &[u8],
    sealed: &SealedSeed,
    len: usize,
) -> Result<Zeroizing<Vec<u8>>, VerifierError> {
    // Nonce and a whole 16-byte tag at least.
    if sealed.0.len() < NONCE_LEN + 16 {
        return Err(VerifierError::Crypto);
    }
    let (nonce, ciphertext) = sealed.0.split_at(NONCE_LEN);
    let plain = key.open(nonce, aad, ciphertext)?;
    if plain.len() != len {
        return Err(VerifierError::Crypto);
    }
    Ok(plain)
}

/// Encrypts `key` (K) for credential `id` at `key_version`.
pub(crate) fn seal(
    master: &SealingKey,
    id: &CredentialId,
    key_version: u32,
    key: &OcraKey,
) -> Result<SealedSeed, VerifierError> {
    let aad = associated_data(id, key_version, What::OcraKey);
    seal_bytes(master, &aad, key.as_bytes())
}

/// Encrypts a two-channel credential's envelope secret `S`.
pub(crate) fn seal_secret(
    master: &SealingKey,
    id: &CredentialId,
    key_version: u32,
    secret: &ActivationKey,
) -> Result<SealedSeed, VerifierError> {
    let aad = associated_data(id, key_version, What::Secret);
    seal_bytes(master, &aad, secret.to_be_bytes().as_ref())
}

/// Decrypts a sealed `S`; fails if the master key, id or version differ, or
/// if the blob is a sealed `K`.
pub(crate) fn open_secret(
    master: &SealingKey,
    id: &CredentialId,
    key_version: u32,
    sealed: &SealedSeed,
) -> Result<ActivationKey, VerifierError> {
    let aad = associated_data(id, key_version, What::Secret);
    let plain = open_bytes(master, &aad, sealed, 16)?;
    let mut bytes = Zeroizing::new([0u8; 16]);
    bytes.copy_from_slice(&plain);
    ActivationKey::from_be_bytes(&bytes).ok_or(VerifierError::Crypto)
}

/// Decrypts a sealed `K`; fails if the master key, id or version differ, or
/// if the blob is a sealed `S`.
pub(crate) fn open(
    master: &SealingKey,
    id: &CredentialId,
    key_version: u32,
    sealed: &SealedSeed,
) -> Result<OcraKey, VerifierError> {
    let aad = associated_data(id, key_version, What::OcraKey);
    let plain = open_bytes(master, &aad, sealed, 32)?;
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
        let master = SealingKey::from(MasterKey::generate());
        let key = ActivationKey::generate().ocra_key();
        let sealed = seal(&master, &id("alice"), 1, &key).unwrap();
        assert_eq!(open(&master, &id("alice"), 1, &sealed).unwrap(), key);
        assert!(open(&master, &id("bob"), 1, &sealed).is_err());
        assert!(open(&master, &id("alice"), 2, &sealed).is_err());
        assert!(
            open(
                &SealingKey::from(MasterKey::generate()),
                &id("alice"),
                1,
                &sealed
            )
            .is_err()
        );
        let mut tampered = sealed.clone();
        tampered.0[20] ^= 1;
        assert!(open(&master, &id("alice"), 1, &tampered).is_err());
        assert!(open(&master, &id("alice"), 1, &SealedSeed(vec![0; 5])).is_err());
    }

    #[test]
    fn a_sealed_secret_never_opens_as_a_key_nor_the_reverse() {
        let master = SealingKey::from(MasterKey::generate());
        let secret = ActivationKey::generate();
        let key = secret.ocra_key();
        let sealed_s = seal_secret(&master, &id("alice"), 1, &secret).unwrap();
        let sealed_k = seal(&master, &id("alice"), 1, &key).unwrap();
        assert_eq!(
            open_secret(&master, &id("alice"), 1, &sealed_s).unwrap(),
            secret
        );
        assert!(open(&master, &id("alice"), 1, &sealed_s).is_err());
        assert!(open_secret(&master, &id("alice"), 1, &sealed_k).is_err());
        assert!(open_secret(&master, &id("bob"), 1, &sealed_s).is_err());
        assert!(open_secret(&master, &id("alice"), 2, &sealed_s).is_err());
        // The AADs differ even though a K-sized plaintext check alone would
        // already refuse: same length blobs would still fail on the tag.
        assert_ne!(
            associated_data(&id("alice"), 1, What::OcraKey),
            associated_data(&id("alice"), 1, What::Secret)
        );
    }

    #[test]
    fn the_key_aad_is_the_form_existing_rows_were_sealed_with() {
        // Scheme version 1, id length 5, "alice", key version 1: the bytes
        // every K sealed before two-channel credentials existed carries.
        let mut expected = vec![0, 0, 0, 1, 0, 5];
        expected.extend_from_slice(b"alice");
        expected.extend_from_slice(&[0, 0, 0, 1]);
        assert_eq!(associated_data(&id("alice"), 1, What::OcraKey), expected);
    }

    #[test]
    fn sealing_twice_uses_fresh_nonces() {
        let master = SealingKey::from(MasterKey::generate());
        let key = ActivationKey::generate().ocra_key();
        let a = seal(&master, &id("alice"), 1, &key).unwrap();
        let b = seal(&master, &id("alice"), 1, &key).unwrap();
        assert_ne!(a.0, b.0);
        assert!(!a.0.windows(32).any(|w| w == key.as_bytes()));
    }
}
