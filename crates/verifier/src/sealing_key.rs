//! The key that seals seeds at rest, wherever it lives: a [`MasterKey`] in
//! this process's memory (from a file or the environment) or, with the
//! `pkcs11` feature, an AES key inside a PKCS#11 token that never leaves it
//! ([`crate::pkcs11::HsmKey`]).
//!
//! Everything above this module (the stores, the rules, rotation) holds a
//! [`SealingKey`] and never asks which kind it is. Both kinds seal with
//! AES-256-GCM, a 96-bit nonce from the OS CSPRNG, a 128-bit tag and the
//! same associated data, and store `nonce || ciphertext || tag`; so a stored
//! seed does not say which kind sealed it, and needs not: the fingerprint in
//! the database names the one key all seeds are sealed under.
//!
//! Two values are derived once, when the key is loaded:
//! - the fingerprint (16 hex digits, stored in `meta`): for a file key the
//!   HMAC of a label, as since the first schema; for an HSM key the first 8
//!   bytes of AES-ECB of a fixed label block computed by the HSM (a key
//!   check value), never from key bytes;
//! - the repeat-tag key (see `rules::repeat_tag`): for a file key the HMAC
//!   of another label, as before; for an HSM key AES-ECB of two other fixed
//!   blocks. It lives in this process's memory only (zeroized on drop), as
//!   the file key itself does; it opens no seed.

use std::fmt;
use std::sync::Arc;

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use zeroize::Zeroizing;

use crate::error::VerifierError;
use crate::master_key::MasterKey;

/// Label of the repeat-tag key's derivation from a file key.
const REPEAT_LABEL: &[u8] = b"MobiPass/v1/repeat-key";

/// The master key as the stores use it. Cheap to clone.
#[derive(Clone)]
pub struct SealingKey {
    inner: Inner,
    fingerprint: String,
    repeat_key: Arc<Zeroizing<[u8; 32]>>,
}

#[derive(Clone)]
enum Inner {
    File(MasterKey),
    #[cfg(feature = "pkcs11")]
    Pkcs11(crate::pkcs11::HsmKey),
}

impl fmt::Debug for SealingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SealingKey")
            .field("kind", &self.kind())
            .field("fingerprint", &self.fingerprint)
            .finish_non_exhaustive()
    }
}

impl From<MasterKey> for SealingKey {
    fn from(master: MasterKey) -> Self {
        let fingerprint = master.fingerprint();
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(master.as_bytes())
            .expect("HMAC takes keys of any length");
        mac.update(REPEAT_LABEL);
        let repeat_key = Arc::new(Zeroizing::new(mac.finalize().into_bytes().into()));
        Self {
            inner: Inner::File(master),
            fingerprint,
            repeat_key,
        }
    }
}

#[cfg(feature = "pkcs11")]
impl From<crate::pkcs11::HsmKey> for SealingKey {
    fn from(key: crate::pkcs11::HsmKey) -> Self {
        let (fingerprint, repeat_key) = key.derived();
        Self {
            inner: Inner::Pkcs11(key),
            fingerprint,
            repeat_key,
        }
    }
}

impl SealingKey {
    /// The public fingerprint stored in the database (16 hex digits).
    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }

    /// `"file"` or `"pkcs11"`, for logs and reports.
    pub fn kind(&self) -> &'static str {
        match self.inner {
            Inner::File(_) => "file",
            #[cfg(feature = "pkcs11")]
            Inner::Pkcs11(_) => "pkcs11",
        }
    }

    /// The key of the repeat tags.
    pub(crate) fn repeat_key(&self) -> &[u8; 32] {
        &self.repeat_key
    }

    /// AES-256-GCM with a fresh random nonce: `nonce || ciphertext || tag`.
    pub(crate) fn seal(&self, aad: &[u8], msg: &[u8]) -> Result<Vec<u8>, VerifierError> {
        let mut nonce = [0u8; crate::seal::NONCE_LEN];
        getrandom::fill(&mut nonce).expect("the OS random source failed");
        let sealed = match &self.inner {
            Inner::File(master) => crate::seal::software_seal(master, &nonce, aad, msg),
            #[cfg(feature = "pkcs11")]
            Inner::Pkcs11(key) => {
                let (used, sealed) = key.seal(&nonce, aad, msg)?;
                nonce = used;
                sealed
            }
        };
        let mut stored = nonce.to_vec();
        stored.extend_from_slice(&sealed);
        Ok(stored)
    }

    /// Opens `nonce || ciphertext || tag`. A wrong key, associated data or a
    /// damaged blob is [`VerifierError::Crypto`]; an HSM that fails is
    /// [`VerifierError::Busy`], never `Crypto`, so that no caller mistakes
    /// an unreachable HSM for a bad seed.
    pub(crate) fn open(
        &self,
        nonce: &[u8],
        aad: &[u8],
        sealed: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, VerifierError> {
        match &self.inner {
            Inner::File(master) => crate::seal::software_open(master, nonce, aad, sealed),
            #[cfg(feature = "pkcs11")]
            Inner::Pkcs11(key) => key.open_sealed(nonce, aad, sealed),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_key_keeps_its_fingerprint_and_repeat_key_derivation() {
        let master = MasterKey::from_bytes([7; 32]);
        let key = SealingKey::from(master.clone());
        assert_eq!(key.fingerprint(), master.fingerprint());
        assert_eq!(key.kind(), "file");
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&[7; 32]).unwrap();
        mac.update(b"MobiPass/v1/repeat-key");
        let expected: [u8; 32] = mac.finalize().into_bytes().into();
        assert_eq!(key.repeat_key(), &expected);
        assert!(!format!("{key:?}").contains("0707"));
    }
}
