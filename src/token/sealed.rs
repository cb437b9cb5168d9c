//! The bound vault file: the whole unbound vault document, sealed under the
//! device key kept in the OS keystore (see `keystore`).
//!
//! On disk it is a small JSON envelope: format version 2, the vault's random
//! id in clear (it names the keystore entry), a fresh 96-bit nonce per save
//! and the AES-256-GCM ciphertext with its tag. The associated data binds the
//! format version and the id, so an envelope cannot be relabelled to another
//! entry. The tag depends on the device key only: the plaintext is the
//! format-1 document with its mask `M` exactly as an unbound vault holds it,
//! so opening the seal says nothing about a PIN, and a wrong PIN still
//! unmasks to a wrong, normal-looking key.

use aes_gcm::aead::{AeadInPlace, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use super::error::DamageReason;
use super::keystore::DeviceKey;

/// The format of a bound vault.
pub const BOUND_FORMAT_VERSION: u32 = 2;
/// Bytes of random vault id (hex in the file).
const ID_LEN: usize = 16;
const NONCE_LEN: usize = 12;
const TAG_LEN: usize = 16;
/// Room for the sealed document (about 400 bytes) so buffers never grow.
const CAPACITY: usize = 4096;

/// The envelope of a bound vault, field for field.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SealedFile {
    format_version: u32,
    vault_id: String,
    nonce: String,
    sealed: String,
}

/// What identifies a bound vault and opens it: its id and the device key.
#[derive(Debug, Clone)]
pub(crate) struct Binding {
    pub(crate) vault_id: String,
    pub(crate) key: DeviceKey,
}

impl Binding {
    /// A new id and a new device key, for a vault about to be bound.
    pub(crate) fn generate() -> Self {
        let mut id = [0u8; ID_LEN];
        getrandom::fill(&mut id).expect("the operating system's random source works");
        Self {
            vault_id: hex::encode(id),
            key: DeviceKey::generate(),
        }
    }
}

/// A bound vault read from disk, not opened yet.
pub(crate) struct Envelope {
    pub(crate) vault_id: String,
    nonce: [u8; NONCE_LEN],
    ciphertext: Vec<u8>,
}

/// The envelope's id, for deleting a vault's entry even when the rest of the
/// file is damaged; `None` when it is no bound vault.
pub(crate) fn vault_id_of(bytes: &[u8]) -> Option<String> {
    #[derive(Deserialize)]
    struct IdOnly {
        format_version: u32,
        vault_id: String,
    }
    let file: IdOnly = serde_json::from_slice(bytes).ok()?;
    (file.format_version == BOUND_FORMAT_VERSION && valid_id(&file.vault_id))
        .then_some(file.vault_id)
}

fn valid_id(id: &str) -> bool {
    id.len() == ID_LEN * 2 && id.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

fn aad(vault_id: &str) -> Vec<u8> {
    format!("MobiPass vault format {BOUND_FORMAT_VERSION}; id {vault_id}").into_bytes()
}

/// Seals `document` (an unbound vault's bytes) under the binding, with a
/// fresh nonce.
pub(crate) fn seal(document: &[u8], binding: &Binding) -> Zeroizing<Vec<u8>> {
    let mut nonce = [0u8; NONCE_LEN];
    getrandom::fill(&mut nonce).expect("the operating system's random source works");
    let cipher = Aes256Gcm::new(binding.key.as_bytes().into());
    let mut buffer = Zeroizing::new(Vec::with_capacity(CAPACITY));
    buffer.extend_from_slice(document);
    let tag = cipher
        .encrypt_in_place_detached(
            Nonce::from_slice(&nonce),
            &aad(&binding.vault_id),
            &mut buffer,
        )
        .expect("a vault is far below AES-GCM's length limit");
    buffer.extend_from_slice(&tag);
    let file = SealedFile {
        format_version: BOUND_FORMAT_VERSION,
        vault_id: binding.vault_id.clone(),
        nonce: hex::encode(nonce),
        sealed: hex::encode(&*buffer),
    };
    let mut bytes = Zeroizing::new(Vec::with_capacity(CAPACITY));
    serde_json::to_writer_pretty(&mut *bytes, &file).expect("the envelope always serialises");
    bytes.push(b'\n');
    bytes
}

impl Envelope {
    /// Reads a bound vault's envelope (format version 2, checked by the caller).
    pub(crate) fn from_json(bytes: &[u8]) -> Result<Self, DamageReason> {
        let file: SealedFile =
            serde_json::from_slice(bytes).map_err(|error| match error.classify() {
                serde_json::error::Category::Eof => DamageReason::Truncated,
                _ => DamageReason::Foreign,
            })?;
        if file.format_version != BOUND_FORMAT_VERSION || !valid_id(&file.vault_id) {
            return Err(DamageReason::Foreign);
        }
        let nonce: [u8; NONCE_LEN] = hex::decode(&file.nonce)
            .ok()
            .and_then(|bytes| bytes.try_into().ok())
            .ok_or(DamageReason::BadSeal)?;
        let ciphertext = hex::decode(&file.sealed).map_err(|_| DamageReason::BadSeal)?;
        if ciphertext.len() < TAG_LEN || ciphertext.len() > CAPACITY {
            return Err(DamageReason::BadSeal);
        }
        Ok(Self {
            vault_id: file.vault_id,
            nonce,
            ciphertext,
        })
    }

    /// The unbound document inside, or [`DamageReason::BadSeal`] when the
    /// tag does not check (the file was altered, or the entry holds another
    /// key).
    pub(crate) fn open(&self, key: &DeviceKey) -> Result<Zeroizing<Vec<u8>>, DamageReason> {
        let cipher = Aes256Gcm::new(key.as_bytes().into());
        let (body, tag) = self.ciphertext.split_at(self.ciphertext.len() - TAG_LEN);
        let mut buffer = Zeroizing::new(Vec::with_capacity(CAPACITY));
        buffer.extend_from_slice(body);
        cipher
            .decrypt_in_place_detached(
                Nonce::from_slice(&self.nonce),
                &aad(&self.vault_id),
                &mut buffer,
                tag.into(),
            )
            .map_err(|_| DamageReason::BadSeal)?;
        Ok(buffer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn open(bytes: &[u8], key: &DeviceKey) -> Result<Zeroizing<Vec<u8>>, DamageReason> {
        Envelope::from_json(bytes)?.open(key)
    }

    #[test]
    fn a_sealed_document_opens_with_its_key_only() {
        let binding = Binding::generate();
        let sealed = seal(b"{\"mask\": \"123\"}\n", &binding);
        assert_eq!(
            open(&sealed, &binding.key).unwrap().as_slice(),
            b"{\"mask\": \"123\"}\n"
        );
        assert_eq!(
            open(&sealed, &DeviceKey::generate()).err(),
            Some(DamageReason::BadSeal)
        );
        assert_eq!(vault_id_of(&sealed), Some(binding.vault_id.clone()));
        let text = String::from_utf8(sealed.to_vec()).unwrap();
        assert!(!text.contains("mask"), "{text}");
    }

    #[test]
    fn every_save_has_a_fresh_nonce() {
        let binding = Binding::generate();
        let one = seal(b"same", &binding);
        let two = seal(b"same", &binding);
        assert_ne!(one, two);
    }

    #[test]
    fn the_id_is_bound_into_the_tag_and_tampering_is_named() {
        let binding = Binding::generate();
        let good = String::from_utf8(seal(b"document", &binding).to_vec()).unwrap();
        let other_id = "0123456789abcdef0123456789abcdef";
        let relabelled = good.replace(&binding.vault_id, other_id);
        assert_eq!(
            open(relabelled.as_bytes(), &binding.key).err(),
            Some(DamageReason::BadSeal)
        );
        let file: serde_json::Value = serde_json::from_str(&good).unwrap();
        let sealed = file["sealed"].as_str().unwrap();
        let flipped_last = format!(
            "{}{}",
            &sealed[..sealed.len() - 1],
            if sealed.ends_with('0') { '1' } else { '0' }
        );
        let cases = [
            (good.replace(sealed, &flipped_last), DamageReason::BadSeal),
            (good.replace(sealed, "zz"), DamageReason::BadSeal),
            (good.replace(sealed, "00"), DamageReason::BadSeal),
            (
                good.replace(file["nonce"].as_str().unwrap(), "00"),
                DamageReason::BadSeal,
            ),
            (
                good.replace(&binding.vault_id, "short"),
                DamageReason::Foreign,
            ),
            (good[..good.len() / 2].to_owned(), DamageReason::Truncated),
            (
                good.replacen('{', "{\"pin_check\": \"ab\",", 1),
                DamageReason::Foreign,
            ),
        ];
        for (text, reason) in cases {
            assert_eq!(
                open(text.as_bytes(), &binding.key).err(),
                Some(reason),
                "{text}"
            );
        }
    }
}
