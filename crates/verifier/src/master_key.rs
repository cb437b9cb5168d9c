//! The master key that wraps every stored seed.
//!
//! It never lives in the database: an operator supplies it as a file
//! (`MOBIPASS_MASTER_KEY_FILE`, `--master-key-file`) or as hex in
//! `MOBIPASS_MASTER_KEY`. For the embedded single-machine setup a key file is
//! created on first use next to the default database, readable by its owner
//! only (mode 0600), so that a copied database alone decrypts nothing.

use std::fmt;
use std::fs;
use std::io::Write;
use std::path::Path;

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::error::VerifierError;

/// Environment variable holding the master key as 64 hex digits.
pub const MASTER_KEY_ENV: &str = "MOBIPASS_MASTER_KEY";
/// Environment variable naming a master key file.
pub const MASTER_KEY_FILE_ENV: &str = "MOBIPASS_MASTER_KEY_FILE";

/// A 256-bit AES key. Zeroized on drop; `Debug` prints `[redacted]`.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct MasterKey([u8; 32]);

impl fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MasterKey([redacted])")
    }
}

impl MasterKey {
    /// A fresh key from the OS CSPRNG.
    ///
    /// # Panics
    /// If the operating system has no working random source.
    pub fn generate() -> Self {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).expect("the OS random source failed");
        Self(bytes)
    }

    /// Wraps raw key bytes.
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// The raw bytes, for the cipher.
    pub(crate) fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// Reads 64 hex digits (surrounding whitespace ignored).
    pub fn from_hex(text: &str) -> Result<Self, VerifierError> {
        let mut bytes = Zeroizing::new([0u8; 32]);
        hex::decode_to_slice(text.trim(), &mut bytes[..]).map_err(|_| {
            VerifierError::MasterKey("a master key is 64 hex digits (32 bytes)".into())
        })?;
        Ok(Self(*bytes))
    }

    /// The key as 64 hex digits, for writing a key file.
    pub fn to_hex(&self) -> Zeroizing<String> {
        Zeroizing::new(hex::encode(self.0))
    }

    /// Reads a key file holding 64 hex digits.
    pub fn from_file(path: &Path) -> Result<Self, VerifierError> {
        let text = Zeroizing::new(fs::read_to_string(path).map_err(|e| {
            VerifierError::MasterKey(format!("cannot read {}: {}", path.display(), e.kind()))
        })?);
        Self::from_hex(&text).map_err(|_| {
            VerifierError::MasterKey(format!("{} does not hold 64 hex digits", path.display()))
        })
    }

    /// The key from `MOBIPASS_MASTER_KEY` (hex) or the file named by
    /// `MOBIPASS_MASTER_KEY_FILE`; `None` when neither is set.
    pub fn from_env() -> Result<Option<Self>, VerifierError> {
        if let Ok(text) = std::env::var(MASTER_KEY_ENV) {
            let text = Zeroizing::new(text);
            return Self::from_hex(&text).map(Some);
        }
        match std::env::var_os(MASTER_KEY_FILE_ENV) {
            Some(path) => Self::from_file(Path::new(&path)).map(Some),
            None => Ok(None),
        }
    }

    /// Reads the key file at `path`, or creates it with a fresh key (mode 0600,
    /// created exclusively so two processes starting at once cannot both write).
    pub fn load_or_create(path: &Path) -> Result<Self, VerifierError> {
        if path.exists() {
            return Self::from_file(path);
        }
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir).map_err(|e| {
                VerifierError::MasterKey(format!("cannot create {}: {}", dir.display(), e.kind()))
            })?;
        }
        let key = Self::generate();
        let mut options = fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        match options.open(path) {
            Ok(mut file) => {
                let mut text = key.to_hex();
                text.push('\n');
                file.write_all(text.as_bytes())
                    .and_then(|()| file.sync_all())
                    .map_err(|e| {
                        VerifierError::MasterKey(format!(
                            "cannot write {}: {}",
                            path.display(),
                            e.kind()
                        ))
                    })?;
                Ok(key)
            }
            // Another process created it first: use theirs.
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Self::from_file(path),
            Err(e) => Err(VerifierError::MasterKey(format!(
                "cannot create {}: {}",
                path.display(),
                e.kind()
            ))),
        }
    }

    /// The key from the environment, else the default key file in the
    /// platform data directory (created on first use).
    pub fn load_or_create_default() -> Result<Self, VerifierError> {
        if let Some(key) = Self::from_env()? {
            return Ok(key);
        }
        Self::load_or_create(&crate::paths::default_master_key_path()?)
    }

    /// A short public fingerprint (16 hex digits) stored in the database, so
    /// that opening a database with the wrong master key fails at once with a
    /// clear message instead of at the first verification. A keyed hash with
    /// a fixed label: it reveals nothing usable about the key.
    pub fn fingerprint(&self) -> String {
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&self.0)
            .expect("HMAC takes keys of any length");
        mac.update(b"MobiPass/v1/master-key-fingerprint");
        hex::encode(&mac.finalize().into_bytes()[..8])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn created_key_file_is_private_and_reloads_the_same_key() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/master.key");
        let created = MasterKey::load_or_create(&path).unwrap();
        let loaded = MasterKey::load_or_create(&path).unwrap();
        assert_eq!(created.as_bytes(), loaded.as_bytes());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn malformed_key_file_is_refused_without_echoing_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("master.key");
        fs::write(&path, "not-a-key-1234").unwrap();
        let message = MasterKey::from_file(&path).unwrap_err().to_string();
        assert!(!message.contains("not-a-key"), "{message}");
    }

    #[test]
    fn debug_hides_the_key() {
        let key = MasterKey::from_bytes([0xab; 32]);
        assert_eq!(format!("{key:?}"), "MasterKey([redacted])");
    }
}
