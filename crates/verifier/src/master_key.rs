//! The master key that wraps every stored seed.
//!
//! It never lives in the database: an operator supplies it as a file
//! (`--master-key-file`, `MOBIPASS_MASTER_KEY_FILE`) or as hex in
//! `MOBIPASS_MASTER_KEY`, resolved in one place,
//! [`MasterKey::from_env_or_file`]: the flag, then `MOBIPASS_MASTER_KEY_FILE`
//! (the flag's environment form), then `MOBIPASS_MASTER_KEY`.
//! A key file must be readable by its owner only (mode 0600 on Unix); a
//! looser one is refused when loaded. For the embedded single-machine setup
//! a key file is created on first use next to the default database, so that
//! a copied database alone decrypts nothing; [`MasterKey::create_new`] makes
//! one for an operator. The alternative, a key that never leaves an HSM, is
//! `crate::pkcs11` (feature `pkcs11`); both are a [`crate::SealingKey`] to
//! the stores.

use std::fmt;
use std::fs;
use std::io::{Read, Write};
use std::path::Path;

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::error::VerifierError;
use crate::paths::{create_private_dir, sync_dir};

/// Longest key file read: 64 hex digits and some whitespace, with room to
/// spare. A larger file is not a key file.
const MAX_KEY_FILE_LEN: u64 = 1024;

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

    /// Reads a key file holding 64 hex digits. On Unix the file must be
    /// accessible by its owner only: a key file others can read is refused
    /// (with the `chmod 600` that fixes it) before a byte of it is used.
    pub fn from_file(path: &Path) -> Result<Self, VerifierError> {
        let cannot_read = |e: std::io::Error| {
            VerifierError::MasterKey(format!("cannot read {}: {}", path.display(), e.kind()))
        };
        let file = fs::File::open(path).map_err(cannot_read)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            // The opened file's own mode, so it cannot be swapped in between.
            let mode = file.metadata().map_err(cannot_read)?.permissions().mode();
            if mode & 0o077 != 0 {
                return Err(VerifierError::MasterKey(format!(
                    "{} is accessible by group or others (mode {:o}); \
                     make it private: chmod 600 {}",
                    path.display(),
                    mode & 0o777,
                    path.display()
                )));
            }
        }
        let mut text = Zeroizing::new(String::new());
        file.take(MAX_KEY_FILE_LEN + 1)
            .read_to_string(&mut text)
            .map_err(cannot_read)?;
        if text.len() as u64 > MAX_KEY_FILE_LEN {
            return Err(VerifierError::MasterKey(format!(
                "{} is too large to be a key file",
                path.display()
            )));
        }
        Self::from_hex(&text).map_err(|_| {
            VerifierError::MasterKey(format!("{} does not hold 64 hex digits", path.display()))
        })
    }

    /// The key named by `--master-key-file` (`flag`), else by the file in
    /// `MOBIPASS_MASTER_KEY_FILE` (the flag's environment form), else by the
    /// hex in `MOBIPASS_MASTER_KEY`. `None` when nothing names a key; the
    /// caller decides what comes next (a configuration file's
    /// `master_key_file`, the default key file, or a refusal). Every front
    /// end resolves the key through this, so the precedence is one.
    pub fn from_env_or_file(flag: Option<&Path>) -> Result<Option<Self>, VerifierError> {
        Self::resolve(flag, |name| std::env::var_os(name))
    }

    /// [`MasterKey::from_env_or_file`] over any environment (tests).
    fn resolve(
        flag: Option<&Path>,
        var: impl Fn(&str) -> Option<std::ffi::OsString>,
    ) -> Result<Option<Self>, VerifierError> {
        if let Some(path) = flag {
            return Self::from_file(path).map(Some);
        }
        match (var(MASTER_KEY_FILE_ENV), var(MASTER_KEY_ENV)) {
            (Some(path), _) => Self::from_file(Path::new(&path)).map(Some),
            (None, Some(text)) => {
                let text = Zeroizing::new(text.into_string().map_err(|_| {
                    VerifierError::MasterKey(format!("{MASTER_KEY_ENV} is not 64 hex digits"))
                })?);
                Self::from_hex(&text).map(Some)
            }
            (None, None) => Ok(None),
        }
    }

    /// The key from the environment alone: [`MasterKey::from_env_or_file`]
    /// without a flag.
    pub fn from_env() -> Result<Option<Self>, VerifierError> {
        Self::from_env_or_file(None)
    }

    /// Creates a key file at `path` holding a fresh key from the OS CSPRNG,
    /// for an operator (`master-key new --file PATH`): mode 0600, never
    /// over an existing file, the file and then its directory synced, so the
    /// key is on disk before anything is sealed under it. The directory must
    /// exist.
    pub fn create_new(path: &Path) -> Result<Self, VerifierError> {
        let dir = match path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir,
            _ => Path::new("."),
        };
        let key = Self::generate();
        match write_new_key_file(dir, path, &key) {
            Ok(()) => Ok(key),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                Err(VerifierError::MasterKey(format!(
                    "{} already exists; a master key file is never overwritten",
                    path.display()
                )))
            }
            Err(e) => Err(VerifierError::MasterKey(format!(
                "cannot create {}: {}",
                path.display(),
                e.kind()
            ))),
        }
    }

    /// Reads the key file at `path`, or creates it with a fresh key (mode
    /// 0600; a directory it creates gets mode 0700).
    ///
    /// The key is written to a private temporary file, synced, then
    /// hard-linked into place, which fails rather than overwrite a key file
    /// that appeared meanwhile; the directory is synced after. So a process
    /// starting at the same moment either finds no file or a complete one,
    /// never an empty or half-written key, and two starters end up with the
    /// same key.
    pub fn load_or_create(path: &Path) -> Result<Self, VerifierError> {
        if path.exists() {
            return Self::from_file(path);
        }
        let dir = match path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir,
            _ => Path::new("."),
        };
        create_private_dir(dir).map_err(|e| {
            VerifierError::MasterKey(format!("cannot create {}: {}", dir.display(), e.kind()))
        })?;
        let key = Self::generate();
        match write_new_key_file(dir, path, &key) {
            Ok(()) => Ok(key),
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

/// Writes `key` to `path` atomically and without overwriting: temporary
/// file (0600), fsync, hard link into place, fsync of the directory.
fn write_new_key_file(dir: &Path, path: &Path, key: &MasterKey) -> std::io::Result<()> {
    let mut suffix = [0u8; 8];
    getrandom::fill(&mut suffix).map_err(std::io::Error::other)?;
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let temporary = dir.join(format!(".{name}.{}.tmp", hex::encode(suffix)));
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let written = options.open(&temporary).and_then(|mut file| {
        let mut text = key.to_hex();
        text.push('\n');
        file.write_all(text.as_bytes())?;
        file.sync_all()
    });
    let linked = written.and_then(|()| fs::hard_link(&temporary, path));
    let _ = fs::remove_file(&temporary);
    linked?;
    sync_dir(dir)
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
    fn starters_racing_to_create_the_key_file_all_get_the_same_complete_key() {
        for _ in 0..20 {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("data/master.key");
            let barrier = std::sync::Arc::new(std::sync::Barrier::new(6));
            let starters: Vec<_> = (0..6)
                .map(|_| {
                    let (path, barrier) = (path.clone(), barrier.clone());
                    std::thread::spawn(move || {
                        barrier.wait();
                        MasterKey::load_or_create(&path).unwrap()
                    })
                })
                .collect();
            let keys: Vec<MasterKey> = starters.into_iter().map(|t| t.join().unwrap()).collect();
            assert!(keys.iter().all(|k| k.as_bytes() == keys[0].as_bytes()));
            assert_eq!(
                MasterKey::from_file(&path).unwrap().as_bytes(),
                keys[0].as_bytes()
            );
            // No temporary file is left behind.
            assert_eq!(fs::read_dir(path.parent().unwrap()).unwrap().count(), 1);
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                let mode = fs::metadata(path.parent().unwrap())
                    .unwrap()
                    .permissions()
                    .mode();
                assert_eq!(mode & 0o777, 0o700);
            }
        }
    }

    #[test]
    fn malformed_key_file_is_refused_without_echoing_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("master.key");
        fs::write(&path, "not-a-key-1234").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();
        }
        let message = MasterKey::from_file(&path).unwrap_err().to_string();
        assert!(message.contains("64 hex digits"), "{message}");
        assert!(!message.contains("not-a-key"), "{message}");
    }

    fn write_key(path: &Path, key: &MasterKey, mode: u32) {
        fs::write(path, key.to_hex().as_bytes()).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(path, fs::Permissions::from_mode(mode)).unwrap();
        }
        let _ = mode;
    }

    #[test]
    fn create_new_makes_a_private_key_file_that_loads_back_and_is_never_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("master.key");
        let created = MasterKey::create_new(&path).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert_eq!(
            MasterKey::from_file(&path).unwrap().as_bytes(),
            created.as_bytes()
        );
        let refused = MasterKey::create_new(&path).unwrap_err().to_string();
        assert!(refused.contains("already exists"), "{refused}");
        // The first key is still there, and no temporary file is left.
        assert_eq!(
            MasterKey::from_file(&path).unwrap().as_bytes(),
            created.as_bytes()
        );
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
        let missing_dir = dir.path().join("no/such/dir/master.key");
        assert!(MasterKey::create_new(&missing_dir).is_err());
    }

    #[cfg(unix)]
    #[test]
    fn key_file_others_can_read_is_refused_with_the_fix() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("master.key");
        let key = MasterKey::generate();
        for mode in [0o644, 0o640, 0o604, 0o660, 0o602] {
            write_key(&path, &key, mode);
            let message = MasterKey::from_file(&path).unwrap_err().to_string();
            assert!(
                message.contains(&format!("chmod 600 {}", path.display())),
                "{message}"
            );
            assert!(!message.contains(key.to_hex().as_str()), "{message}");
            assert!(MasterKey::load_or_create(&path).is_err());
        }
        for mode in [0o600, 0o400] {
            write_key(&path, &key, mode);
            assert_eq!(
                MasterKey::from_file(&path).unwrap().as_bytes(),
                key.as_bytes()
            );
        }
    }

    #[test]
    fn huge_key_file_is_refused_without_reading_it_all() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("master.key");
        let file = fs::File::create(&path).unwrap();
        file.set_len(1 << 30).unwrap(); // sparse: 1 GiB of zeros
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();
        }
        let message = MasterKey::from_file(&path).unwrap_err().to_string();
        assert!(message.contains("too large"), "{message}");
    }

    #[test]
    fn flag_wins_then_the_key_file_variable_then_the_hex_variable() {
        let dir = tempfile::tempdir().unwrap();
        let (flagged, in_file, in_hex) = (
            MasterKey::generate(),
            MasterKey::generate(),
            MasterKey::generate(),
        );
        let flag_path = dir.path().join("flag.key");
        let env_path = dir.path().join("env.key");
        write_key(&flag_path, &flagged, 0o600);
        write_key(&env_path, &in_file, 0o600);
        let hex = in_hex.to_hex().to_string();
        let env = |file: bool, hex_set: bool| {
            let (env_path, hex) = (env_path.clone(), hex.clone());
            move |name: &str| match name {
                MASTER_KEY_FILE_ENV if file => Some(env_path.clone().into_os_string()),
                MASTER_KEY_ENV if hex_set => Some(hex.clone().into()),
                _ => None,
            }
        };
        let bytes = |key: Option<MasterKey>| key.map(|k| *k.as_bytes());
        for (file, hex_set) in [(false, false), (true, false), (false, true), (true, true)] {
            let key = MasterKey::resolve(Some(&flag_path), env(file, hex_set)).unwrap();
            assert_eq!(bytes(key), Some(*flagged.as_bytes()));
        }
        let key = MasterKey::resolve(None, env(true, false)).unwrap();
        assert_eq!(bytes(key), Some(*in_file.as_bytes()));
        let key = MasterKey::resolve(None, env(false, true)).unwrap();
        assert_eq!(bytes(key), Some(*in_hex.as_bytes()));
        assert!(
            MasterKey::resolve(None, env(false, false))
                .unwrap()
                .is_none()
        );
        let key = MasterKey::resolve(None, env(true, true)).unwrap();
        assert_eq!(bytes(key), Some(*in_file.as_bytes()));
        let bad = |name: &str| match name {
            MASTER_KEY_ENV => Some("not hex".into()),
            _ => None,
        };
        let message = MasterKey::resolve(None, bad).unwrap_err().to_string();
        assert!(!message.contains("not hex"), "{message}");
    }

    #[test]
    fn debug_hides_the_key() {
        let key = MasterKey::from_bytes([0xab; 32]);
        assert_eq!(format!("{key:?}"), "MasterKey([redacted])");
    }
}
