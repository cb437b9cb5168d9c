//! The device key and where it lives: the operating system's keystore.
//!
//! A bound vault (see `sealed`) is encrypted under a random 256-bit device
//! key kept in the keystore of this computer and user account: the Secret
//! Service (GNOME Keyring, KWallet) on Linux and the BSDs, the Keychain on
//! macOS, the Credential Manager on Windows. The entry is named by the vault's
//! own random id, so a copy of the file on another account or computer finds
//! nothing. The key is not derived from the PIN or the activation key and the
//! keystore never sees either, so it cannot confirm a PIN guess.
//!
//! [`Keystore`] is a trait so the core can be driven by the real keystore and,
//! in tests, by [`MemoryKeystore`]. Errors are reduced to the few cases a
//! person can act on ([`KeystoreError`]); a locked keyring is its own case and
//! never reads as "another computer".

mod memory;
#[cfg(any(target_os = "macos", windows))]
mod native;
#[cfg(all(unix, not(target_os = "macos")))]
mod secret_service;

use std::fmt;
use std::sync::Arc;

use zeroize::Zeroizing;

pub use memory::MemoryKeystore;
#[cfg(all(unix, not(target_os = "macos")))]
pub use secret_service::SecretServiceKeystore;

/// The name under which MobiPass keeps its entries (the Secret Service's
/// `service` attribute, the Keychain's service, the Credential Manager's
/// target prefix); the account is the vault id.
pub const KEYSTORE_SERVICE: &str = "org.mobipass.MobiPass";
/// Length of the device key in bytes (AES-256).
pub const DEVICE_KEY_LEN: usize = 32;

/// The device key, only ever in zeroizing memory.
#[derive(Clone)]
pub struct DeviceKey(Zeroizing<[u8; DEVICE_KEY_LEN]>);

impl DeviceKey {
    /// A fresh key from the operating system's random source.
    pub fn generate() -> Self {
        let mut key = Zeroizing::new([0u8; DEVICE_KEY_LEN]);
        getrandom::fill(&mut *key).expect("the operating system's random source works");
        Self(key)
    }

    /// The key read back from a keystore; anything but 32 bytes is not ours.
    pub fn from_slice(bytes: &[u8]) -> Result<Self, KeystoreError> {
        let key: [u8; DEVICE_KEY_LEN] = bytes.try_into().map_err(|_| KeystoreError::Other {
            detail: format!("the entry holds {} bytes, not a device key", bytes.len()),
        })?;
        Ok(Self(Zeroizing::new(key)))
    }

    /// The key's bytes, for the cipher or the keystore.
    pub fn as_bytes(&self) -> &[u8; DEVICE_KEY_LEN] {
        &self.0
    }
}

impl fmt::Debug for DeviceKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DeviceKey([redacted])")
    }
}

/// What can go wrong with the keystore, as a person can act on it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeystoreError {
    /// No keystore answers: no Secret Service on the session bus (a minimal
    /// desktop, a headless machine, a terminal over SSH), no session bus, or
    /// a service without a default keyring to keep the key in.
    #[error(
        "this computer has no keystore MobiPass can use (on Linux: no Secret Service such as GNOME Keyring or KWallet with a default keyring in this session)"
    )]
    NoKeystore,
    /// The keystore is locked and was not unlocked (its unlock prompt was
    /// dismissed or could not be shown).
    #[error(
        "the keyring of this user account is locked and was not unlocked; unlock it (log in again, or open your keyring app) and try again"
    )]
    Locked,
    /// The person dismissed the keystore's unlock or access prompt.
    #[error(
        "the keyring's prompt was dismissed, so MobiPass could not reach its key; try again and allow access"
    )]
    Cancelled,
    /// The keystore has no entry for this vault.
    #[error("the keystore holds no entry for this vault")]
    EntryMissing,
    /// Anything else the keystore reported (never a secret).
    #[error("the keystore failed: {detail}")]
    Other {
        /// What the keystore said.
        detail: String,
    },
}

/// A place for device keys, one entry per vault id.
pub trait Keystore: fmt::Debug + Send + Sync {
    /// The key stored for `vault_id`; [`KeystoreError::EntryMissing`] when
    /// there is none.
    fn get(&self, vault_id: &str) -> Result<DeviceKey, KeystoreError>;
    /// Stores `key` for `vault_id`, replacing any entry of that id.
    fn put(&self, vault_id: &str, key: &DeviceKey) -> Result<(), KeystoreError>;
    /// Removes the entry for `vault_id`; `Ok(false)` when there was none.
    fn delete(&self, vault_id: &str) -> Result<bool, KeystoreError>;
}

/// The keystore of this platform and user account.
pub fn os_keystore() -> Arc<dyn Keystore> {
    #[cfg(all(unix, not(target_os = "macos")))]
    return Arc::new(SecretServiceKeystore::session());
    #[cfg(any(target_os = "macos", windows))]
    return Arc::new(native::NativeKeystore);
    #[cfg(not(any(unix, windows)))]
    return Arc::new(Unavailable);
}

/// A platform without a keystore MobiPass can use.
#[cfg(not(any(unix, windows)))]
#[derive(Debug)]
struct Unavailable;

#[cfg(not(any(unix, windows)))]
impl Keystore for Unavailable {
    fn get(&self, _: &str) -> Result<DeviceKey, KeystoreError> {
        Err(KeystoreError::NoKeystore)
    }
    fn put(&self, _: &str, _: &DeviceKey) -> Result<(), KeystoreError> {
        Err(KeystoreError::NoKeystore)
    }
    fn delete(&self, _: &str) -> Result<bool, KeystoreError> {
        Err(KeystoreError::NoKeystore)
    }
}
