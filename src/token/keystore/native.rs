//! The Keychain (macOS) and the Credential Manager (Windows), through the
//! `keyring` crate's native back ends. Compiled only on those targets and
//! not tested here (docs/SECURITY.md says so): CI runs on Linux.

use super::{DeviceKey, KEYSTORE_SERVICE, Keystore, KeystoreError};

/// This user's Keychain or Credential Manager.
#[derive(Debug)]
pub(super) struct NativeKeystore;

impl NativeKeystore {
    fn entry(vault_id: &str) -> Result<keyring::Entry, KeystoreError> {
        keyring::Entry::new(KEYSTORE_SERVICE, vault_id).map_err(map_error)
    }
}

impl Keystore for NativeKeystore {
    fn get(&self, vault_id: &str) -> Result<DeviceKey, KeystoreError> {
        let secret =
            zeroize::Zeroizing::new(Self::entry(vault_id)?.get_secret().map_err(map_error)?);
        DeviceKey::from_slice(&secret)
    }

    fn put(&self, vault_id: &str, key: &DeviceKey) -> Result<(), KeystoreError> {
        Self::entry(vault_id)?
            .set_secret(key.as_bytes())
            .map_err(map_error)
    }

    fn delete(&self, vault_id: &str) -> Result<bool, KeystoreError> {
        match Self::entry(vault_id)?.delete_credential() {
            Ok(()) => Ok(true),
            Err(keyring::Error::NoEntry) => Ok(false),
            Err(error) => Err(map_error(error)),
        }
    }
}

fn map_error(error: keyring::Error) -> KeystoreError {
    match error {
        keyring::Error::NoEntry => KeystoreError::EntryMissing,
        // The Keychain is locked and the person did not unlock it.
        keyring::Error::NoStorageAccess(_) => KeystoreError::Locked,
        other => KeystoreError::Other {
            detail: other.to_string(),
        },
    }
}
