//! The OCRA key `K`: a fixed, domain-separated function of the secret `S`.
//!
//! Deriving through HMAC-SHA256 with a versioned label, rather than using the
//! digits directly, gives a full-width 32-byte key and keeps keys of a future
//! scheme version unrelated to this one.

use std::fmt;

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;
use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::activation::ActivationKey;

/// The HMAC key of the derivation: ASCII `MobiPass/v1/ocra-key`.
pub const DERIVATION_LABEL: &[u8] = b"MobiPass/v1/ocra-key";

/// `K = HMAC-SHA256(key = "MobiPass/v1/ocra-key", message = 36 ASCII digits of S)`.
/// Zeroized on drop; `Debug` never shows it.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct OcraKey([u8; 32]);

impl fmt::Debug for OcraKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("OcraKey([redacted])")
    }
}

impl PartialEq for OcraKey {
    fn eq(&self, other: &Self) -> bool {
        self.0.ct_eq(&other.0).into()
    }
}
impl Eq for OcraKey {}

impl OcraKey {
    /// Derives `K` from an activation key.
    pub fn derive(key: &ActivationKey) -> Self {
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(DERIVATION_LABEL)
            .expect("HMAC takes keys of any length");
        mac.update(key.data_digits().as_bytes());
        Self(mac.finalize().into_bytes().into())
    }

    /// Rebuilds a key from its 32 bytes (the verifier decrypts them from storage).
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// The raw key bytes, for encryption at rest. Handle with care.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}
