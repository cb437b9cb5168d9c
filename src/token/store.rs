//! The vault on disk: where its files live and how they change safely.
//!
//! Three names share the vault's directory: the vault itself (`vault.json`),
//! a temp file (`vault.json.tmp`) that exists only while a new version is being
//! written, and an empty lock file (`vault.json.lock`). The lock is a separate
//! file because the vault's own inode is replaced on every save; locking it
//! would lock a file that is about to disappear.
//!
//! A save writes the temp file, flushes it to disk, renames it over the vault
//! and flushes the directory, so after a crash at any point there is the old
//! vault or the new one, never a mix. What a crash can leave is the temp file;
//! since it may hold a second mask of the same key under another PIN (which
//! would let an offline search find both PINs), it is overwritten and removed
//! by the next writer and at every start.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use fs4::fs_std::FileExt;
use zeroize::Zeroizing;

use super::error::TokenError;

/// The paths of one vault.
#[derive(Debug, Clone)]
pub(crate) struct Files {
    vault: PathBuf,
    temp: PathBuf,
    lock: PathBuf,
}

/// Proof that this process holds the vault's write lock; released on drop
/// (and by the operating system if the process dies).
pub(crate) struct WriteLock {
    _file: File,
}

impl Files {
    pub(crate) fn new(vault: PathBuf) -> Self {
        let sibling = |suffix: &str| {
            let mut name = vault.file_name().unwrap_or_default().to_os_string();
            name.push(suffix);
            vault.with_file_name(name)
        };
        Self {
            temp: sibling(".tmp"),
            lock: sibling(".lock"),
            vault,
        }
    }

    pub(crate) fn vault(&self) -> &Path {
        &self.vault
    }

    fn dir(&self) -> &Path {
        match self.vault.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir,
            _ => Path::new("."),
        }
    }

    /// The vault's bytes, or `None` when there is no vault. Needs no lock: a
    /// save replaces the file in one rename, so a reader sees old or new.
    pub(crate) fn read(&self) -> Result<Option<Zeroizing<Vec<u8>>>, TokenError> {
        let mut file = match File::open(&self.vault) {
            Ok(file) => file,
            Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(error) => return Err(TokenError::io(&self.vault, &error)),
        };
        let mut bytes = Zeroizing::new(Vec::new());
        file.read_to_end(&mut bytes)
            .map_err(|error| TokenError::io(&self.vault, &error))?;
        Ok(Some(bytes))
    }

    /// Takes the write lock without waiting: if another instance is writing,
    /// the caller is told so instead of freezing behind a slow Argon2 run.
    /// Creates the vault's directory (owner-only on Unix) if needed.
    pub(crate) fn lock(&self) -> Result<WriteLock, TokenError> {
        let dir = self.dir();
        let mut builder = fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder
            .create(dir)
            .map_err(|error| TokenError::io(dir, &error))?;
        let file = owner_only(OpenOptions::new().create(true).truncate(false).write(true))
            .open(&self.lock)
            .map_err(|error| TokenError::io(&self.lock, &error))?;
        match file.try_lock_exclusive() {
            Ok(true) => Ok(WriteLock { _file: file }),
            Ok(false) => Err(TokenError::Locked {
                path: self.vault.clone(),
            }),
            Err(error) => Err(TokenError::io(&self.lock, &error)),
        }
    }

    /// Takes the lock only if nobody holds it; `None` when someone does.
    pub(crate) fn try_lock_if_free(&self) -> Result<Option<WriteLock>, TokenError> {
        match self.lock() {
            Ok(lock) => Ok(Some(lock)),
            Err(TokenError::Locked { .. }) => Ok(None),
            Err(error) => Err(error),
        }
    }

    pub(crate) fn has_stale_temp(&self) -> bool {
        self.temp.symlink_metadata().is_ok()
    }

    /// Overwrites and removes a temp file left by a crash.
    pub(crate) fn remove_stale_temp(&self, _lock: &WriteLock) -> Result<(), TokenError> {
        shred(&self.temp).map(|_| ())
    }

    /// Replaces the vault with `bytes` so that a crash leaves old or new.
    pub(crate) fn write_atomically(
        &self,
        lock: &WriteLock,
        bytes: &[u8],
    ) -> Result<(), TokenError> {
        self.remove_stale_temp(lock)?;
        let temp_error = |error: io::Error| TokenError::io(&self.temp, &error);
        let written = owner_only(OpenOptions::new().write(true).create_new(true))
            .open(&self.temp)
            .and_then(|mut file| {
                file.write_all(bytes)?;
                file.sync_all()
            });
        if let Err(error) = written {
            // A half-written temp file must not stay next to the vault.
            let _ = shred(&self.temp);
            return Err(temp_error(error));
        }
        if let Err(error) = fs::rename(&self.temp, &self.vault) {
            let _ = shred(&self.temp);
            return Err(TokenError::io(&self.vault, &error));
        }
        sync_dir(self.dir())
    }

    /// Overwrites the vault's content, flushes, and removes it. `false` when
    /// there was no vault.
    pub(crate) fn shred_vault(&self, lock: &WriteLock) -> Result<bool, TokenError> {
        self.remove_stale_temp(lock)?;
        let existed = shred(&self.vault)?;
        if existed {
            sync_dir(self.dir())?;
        }
        Ok(existed)
    }
}

/// New files are readable by their owner only.
fn owner_only(options: &mut OpenOptions) -> &mut OpenOptions {
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(options, 0o600);
    options
}

/// Overwrites a file's bytes with zeros, flushes them, then removes it, so the
/// mask does not linger in the freed blocks of the usual file systems (copy-on-
/// write file systems and SSDs may still keep old blocks; docs/SECURITY.md).
fn shred(path: &Path) -> Result<bool, TokenError> {
    let overwrite = || -> io::Result<()> {
        let mut file = OpenOptions::new().write(true).open(path)?;
        let len = file.metadata()?.len();
        let zeros = [0u8; 4096];
        let mut left = len;
        while left > 0 {
            let n = left.min(zeros.len() as u64) as usize;
            file.write_all(&zeros[..n])?;
            left -= n as u64;
        }
        file.sync_all()
    };
    match overwrite() {
        Ok(()) => {}
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(false),
        Err(error) => return Err(TokenError::io(path, &error)),
    }
    fs::remove_file(path).map_err(|error| TokenError::io(path, &error))?;
    Ok(true)
}

/// Makes a rename or removal in `dir` durable (a no-op where directories
/// cannot be opened, as on Windows, whose rename is durable on its own).
fn sync_dir(dir: &Path) -> Result<(), TokenError> {
    #[cfg(unix)]
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|error| TokenError::io(dir, &error))?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}
