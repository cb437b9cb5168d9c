//! A keystore in this process's memory, for tests and for tools that must
//! not touch the real one. Clones share their entries, as two handles on
//! one OS keystore do; [`MemoryKeystore::fail_with`] makes every call fail,
//! to show how the front ends explain each keystore problem.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use super::{DEVICE_KEY_LEN, DeviceKey, Keystore, KeystoreError};

/// Device keys in memory, gone with the process.
#[derive(Debug, Clone, Default)]
pub struct MemoryKeystore {
    inner: Arc<Mutex<Inner>>,
}

#[derive(Debug, Default)]
struct Inner {
    entries: HashMap<String, DeviceKey>,
    failure: Option<KeystoreError>,
}

impl MemoryKeystore {
    /// An empty keystore that works.
    pub fn new() -> Self {
        Self::default()
    }

    /// One whose every call fails with `error` (`None`: works again).
    pub fn fail_with(&self, error: Option<KeystoreError>) {
        self.lock().failure = error;
    }

    /// A keystore that does not exist: every call gives
    /// [`KeystoreError::NoKeystore`].
    pub fn unavailable() -> Self {
        let keystore = Self::new();
        keystore.fail_with(Some(KeystoreError::NoKeystore));
        keystore
    }

    /// The ids that have an entry.
    pub fn ids(&self) -> Vec<String> {
        let mut ids: Vec<String> = self.lock().entries.keys().cloned().collect();
        ids.sort_unstable();
        ids
    }

    /// Removes an entry behind MobiPass's back, as on another account.
    pub fn forget(&self, vault_id: &str) {
        self.lock().entries.remove(vault_id);
    }

    /// Replaces an entry's key with another random one.
    pub fn replace_with_another_key(&self, vault_id: &str) {
        self.lock()
            .entries
            .insert(vault_id.to_owned(), DeviceKey::generate());
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn check(&self) -> Result<std::sync::MutexGuard<'_, Inner>, KeystoreError> {
        let inner = self.lock();
        match &inner.failure {
            Some(error) => Err(error.clone()),
            None => Ok(inner),
        }
    }
}

impl Keystore for MemoryKeystore {
    fn get(&self, vault_id: &str) -> Result<DeviceKey, KeystoreError> {
        self.check()?
            .entries
            .get(vault_id)
            .cloned()
            .ok_or(KeystoreError::EntryMissing)
    }

    fn put(&self, vault_id: &str, key: &DeviceKey) -> Result<(), KeystoreError> {
        debug_assert_eq!(key.as_bytes().len(), DEVICE_KEY_LEN);
        self.check()?
            .entries
            .insert(vault_id.to_owned(), key.clone());
        Ok(())
    }

    fn delete(&self, vault_id: &str) -> Result<bool, KeystoreError> {
        Ok(self.check()?.entries.remove(vault_id).is_some())
    }
}
