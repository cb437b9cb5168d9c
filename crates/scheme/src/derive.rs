//! The OCRA key `K`: a fixed, domain-separated function of the secret (`S`
//! for an envelope-only credential, the activated `S2` for a two-channel one).
//!
//! Deriving through HMAC-SHA256 with a versioned label, rather than using the
//! digits directly, gives a full-width 32-byte key and keeps keys of a future
//! scheme version unrelated to this one.

use std::fmt;

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;
use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::secret::ActivationKey;

/// The HMAC key of the derivation: ASCII `MobiPass/v1/ocra-key`.
pub const DERIVATION_LABEL: &[u8] = b"MobiPass/v1/ocra-key";

/// `K = HMAC-SHA256(key = "MobiPass/v1/ocra-key", message = 36 ASCII digits of S or S2)`.
/// Zeroized on drop; `Debug` never shows it.
///
/// It carries HMAC-SHA256 already keyed with `K`, since both MobiPass suites
/// use it: every response then starts from the hashed pads instead of
/// re-deriving them. The keyed state wipes itself on drop too (the `zeroize`
/// features of `hmac` and `sha2`).
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct OcraKey {
    bytes: [u8; 32],
    #[zeroize(skip)]
    prepared: Hmac<Sha256>,
}

impl fmt::Debug for OcraKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("OcraKey([redacted])")
    }
}

impl PartialEq for OcraKey {
    fn eq(&self, other: &Self) -> bool {
        self.bytes.ct_eq(&other.bytes).into()
    }
}
impl Eq for OcraKey {}

impl OcraKey {
    /// Derives `K` from a 36-digit secret (`S`, or `S2` after a two-channel
    /// activation): HMAC-SHA256 over its 36 ASCII digits, leading zeros kept.
    pub fn derive(key: &ActivationKey) -> Self {
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(DERIVATION_LABEL)
            .expect("HMAC takes keys of any length");
        mac.update(key.data_digits().as_bytes());
        Self::from_bytes(mac.finalize().into_bytes().into())
    }

    /// Rebuilds a key from its 32 bytes (the verifier decrypts them from storage).
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        let prepared = <Hmac<Sha256> as KeyInit>::new_from_slice(&bytes)
            .expect("HMAC takes keys of any length");
        Self { bytes, prepared }
    }

    /// The raw key bytes, for encryption at rest. Handle with care.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.bytes
    }

    /// HMAC-SHA256 keyed with `K`, ready for a message.
    pub(crate) fn prepared_mac(&self) -> Hmac<Sha256> {
        self.prepared.clone()
    }
}
