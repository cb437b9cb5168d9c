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
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use fs4::fs_std::FileExt;
use zeroize::Zeroizing;

use super::error::{DamageReason, TokenError};
use super::saved::{SaveWarning, Saved};

/// How often a reader tries again when the vault was replaced under it.
const READ_ATTEMPTS: u32 = 5;
/// Largest vault file read: a real one is about 400 bytes. A bigger file is
/// not ours, and reading it whole could exhaust memory (a sparse 64 GiB file
/// costs nothing on disk).
pub(crate) const MAX_VAULT_BYTES: u64 = 64 * 1024;

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
    /// save replaces the file in one rename, so a reader sees old or new; and
    /// since a save zeroes the old file only after the rename, a file that is
    /// still the vault once it has been read was read before any zeroing.
    pub(crate) fn read(&self) -> Result<Option<Zeroizing<Vec<u8>>>, TokenError> {
        let error = |error: io::Error| TokenError::io(&self.vault, &error);
        // A writer replaces the vault at most once per Argon2 run, so a few
        // tries always catch a file that stays put.
        for attempt in 1.. {
            // Checked before opening: opening a FIFO for reading blocks until
            // someone writes to it, and a device never ends.
            match fs::metadata(&self.vault) {
                Ok(meta) if !meta.is_file() => return Err(self.damaged(DamageReason::NotAFile)),
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
                Err(e) => return Err(error(e)),
            }
            let file = match File::open(&self.vault) {
                Ok(file) => file,
                Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
                Err(e) => return Err(error(e)),
            };
            let meta = file.metadata().map_err(error)?;
            if !meta.is_file() {
                return Err(self.damaged(DamageReason::NotAFile));
            }
            if meta.len() > MAX_VAULT_BYTES {
                return Err(self.damaged(DamageReason::TooLarge));
            }
            // Sized from the file so the buffer never grows, which would leave
            // copies of the mask in freed memory; the read stops at the bound
            // even if the file grows meanwhile.
            let mut bytes = Zeroizing::new(Vec::with_capacity(meta.len() as usize + 1));
            (&file)
                .take(MAX_VAULT_BYTES + 1)
                .read_to_end(&mut bytes)
                .map_err(error)?;
            if bytes.len() as u64 > MAX_VAULT_BYTES {
                return Err(self.damaged(DamageReason::TooLarge));
            }
            if attempt == READ_ATTEMPTS || still_at(&file, &self.vault).map_err(error)? {
                return Ok(Some(bytes));
            }
            // Replaced while reading: read the new one.
        }
        unreachable!("the last attempt returns")
    }

    fn damaged(&self, reason: DamageReason) -> TokenError {
        TokenError::Damaged {
            path: self.vault.clone(),
            reason,
        }
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

    /// Replaces the vault with `bytes` so that a crash leaves old or new, then
    /// overwrites the previous version's bytes. Once the rename has happened
    /// the save counts as done: what fails after it comes back as a warning.
    pub(crate) fn write_atomically(
        &self,
        lock: &WriteLock,
        bytes: &[u8],
    ) -> Result<Saved, TokenError> {
        self.write_atomically_with(lock, bytes, sync_dir)
    }

    /// [`Self::write_atomically`] with the directory flush passed in, so a
    /// test can make it fail.
    fn write_atomically_with(
        &self,
        lock: &WriteLock,
        bytes: &[u8],
        sync_dir: fn(&Path) -> io::Result<()>,
    ) -> Result<Saved, TokenError> {
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
        let previous = match self.open_previous() {
            Ok(previous) => previous,
            Err(error) => {
                let _ = shred(&self.temp);
                return Err(TokenError::io(&self.vault, &error));
            }
        };
        if let Err(error) = fs::rename(&self.temp, &self.vault) {
            let _ = shred(&self.temp);
            return Err(TokenError::io(&self.vault, &error));
        }
        let mut saved = Saved::default();
        let dir = self.dir();
        if let Err(error) = sync_dir(dir) {
            // Until the rename is on disk a power cut can bring the previous
            // version back; erasing it now could leave nothing usable.
            saved.warn(SaveWarning::NotDurable {
                path: dir.to_owned(),
                kind: error.kind(),
            });
            return Ok(saved);
        }
        if let Some(mut previous) = previous
            && let Err(error) = zero_fill(&mut previous)
        {
            saved.warn(SaveWarning::OldCopyNotErased {
                path: self.vault.clone(),
                kind: error.kind(),
            });
        }
        Ok(saved)
    }

    /// The current vault, opened for writing before it is replaced: after the
    /// rename its name points at the new file, but this handle still reaches
    /// the old one (the mask under the previous PIN), whose bytes a rename
    /// alone would leave in the disk's free space. On Unix only: elsewhere an
    /// open file can block the rename (Windows), so the old blocks are simply
    /// freed (docs/SECURITY.md).
    fn open_previous(&self) -> io::Result<Option<File>> {
        if !cfg!(unix) {
            return Ok(None);
        }
        match OpenOptions::new().read(true).write(true).open(&self.vault) {
            Ok(file) => Ok(Some(file)),
            Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(error) => Err(error),
        }
    }

    /// Overwrites the vault's content, flushes, and removes it. `false` when
    /// there was no vault.
    pub(crate) fn shred_vault(&self, lock: &WriteLock) -> Result<bool, TokenError> {
        self.remove_stale_temp(lock)?;
        let existed = shred(&self.vault)?;
        if existed {
            let dir = self.dir();
            sync_dir(dir).map_err(|error| TokenError::io(dir, &error))?;
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
///
/// Only a regular file is overwritten: a symlink (say, a temp name pointing
/// at another of the user's files) or a FIFO is just removed, never followed
/// or opened. A file larger than any vault has its first bytes zeroed, which
/// is where a mask written by MobiPass would be.
fn shred(path: &Path) -> Result<bool, TokenError> {
    let meta = match fs::symlink_metadata(path) {
        Ok(meta) => meta,
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(false),
        Err(error) => return Err(TokenError::io(path, &error)),
    };
    if meta.is_file() {
        let overwrite = || {
            let mut file = OpenOptions::new().write(true).open(path)?;
            zero_fill_up_to(&mut file, MAX_VAULT_BYTES)
        };
        match overwrite() {
            Ok(()) => {}
            Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(false),
            Err(error) => return Err(TokenError::io(path, &error)),
        }
    }
    match fs::remove_file(path) {
        Ok(()) => Ok(true),
        Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(false),
        Err(error) => Err(TokenError::io(path, &error)),
    }
}

/// Overwrites all of an open file's bytes with zeros, in place, and flushes.
fn zero_fill(file: &mut File) -> io::Result<()> {
    zero_fill_up_to(file, u64::MAX)
}

/// Overwrites at most the first `limit` bytes of an open file with zeros.
fn zero_fill_up_to(file: &mut File, limit: u64) -> io::Result<()> {
    let len = file.metadata()?.len().min(limit);
    file.seek(SeekFrom::Start(0))?;
    let zeros = [0u8; 4096];
    let mut left = len;
    while left > 0 {
        let n = left.min(zeros.len() as u64) as usize;
        file.write_all(&zeros[..n])?;
        left -= n as u64;
    }
    file.sync_all()
}

/// Whether `path` still names the open `file` (always true where this
/// cannot be told; only Unix zeroes replaced files, see `open_previous`).
fn still_at(file: &File, path: &Path) -> io::Result<bool> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let (open, named) = match (file.metadata(), fs::metadata(path)) {
            (Ok(open), Ok(named)) => (open, named),
            (_, Err(error)) if error.kind() == io::ErrorKind::NotFound => return Ok(false),
            (Err(error), _) | (_, Err(error)) => return Err(error),
        };
        Ok(open.dev() == named.dev() && open.ino() == named.ino())
    }
    #[cfg(not(unix))]
    {
        let _ = (file, path);
        Ok(true)
    }
}

/// Makes a rename or removal in `dir` durable (a no-op where directories
/// cannot be opened, as on Windows, whose rename is durable on its own).
fn sync_dir(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    File::open(dir)?.sync_all()?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failing_sync(_: &Path) -> io::Result<()> {
        Err(io::Error::other("flush refused"))
    }

    #[test]
    fn a_failed_directory_flush_after_the_rename_is_a_warning_not_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let files = Files::new(dir.path().join("vault.json"));
        let lock = files.lock().unwrap();
        files.write_atomically(&lock, b"old").unwrap();
        let previous = File::open(files.vault()).unwrap();

        let saved = files
            .write_atomically_with(&lock, b"new", failing_sync)
            .expect("the rename happened, so the save is done");

        assert!(!saved.is_durable());
        assert_eq!(
            saved.warnings(),
            [SaveWarning::NotDurable {
                path: dir.path().to_owned(),
                kind: io::ErrorKind::Other,
            }]
        );
        assert_eq!(files.read().unwrap().unwrap().as_slice(), b"new");
        assert!(!files.has_stale_temp());
        // Not durable yet, so the previous version is left for a power cut to
        // fall back on rather than zeroed.
        let mut left = Vec::new();
        (&previous).read_to_end(&mut left).unwrap();
        assert_eq!(left, b"old");
    }

    #[test]
    fn a_durable_save_zeroes_the_previous_version_in_place() {
        let dir = tempfile::tempdir().unwrap();
        let files = Files::new(dir.path().join("vault.json"));
        let lock = files.lock().unwrap();
        let first = files.write_atomically(&lock, b"old mask").unwrap();
        assert_eq!(first, Saved::default());
        let previous = File::open(files.vault()).unwrap();

        let saved = files.write_atomically(&lock, b"new mask").unwrap();

        assert!(saved.is_durable() && saved.warnings().is_empty());
        assert_eq!(files.read().unwrap().unwrap().as_slice(), b"new mask");
        let mut left = Vec::new();
        (&previous).read_to_end(&mut left).unwrap();
        if cfg!(unix) {
            assert_eq!(left, [0; 8]);
        } else {
            assert_eq!(left, b"old mask");
        }
    }

    #[test]
    fn a_stale_temp_file_is_zeroed_before_it_is_removed() {
        let dir = tempfile::tempdir().unwrap();
        let files = Files::new(dir.path().join("vault.json"));
        fs::write(&files.temp, b"second mask").unwrap();
        let stale = File::open(&files.temp).unwrap();

        files.remove_stale_temp(&files.lock().unwrap()).unwrap();

        assert!(!files.has_stale_temp());
        let mut left = Vec::new();
        (&stale).read_to_end(&mut left).unwrap();
        assert_eq!(left, [0; 11]);
    }
}
