//! Where the embedded setup keeps its files: the platform data directory
//! (`~/.local/share/mobipass-verifier` on Linux), so that the verifier runs
//! with no configuration at all on one machine.

use std::fs;
use std::path::{Path, PathBuf};

use crate::error::VerifierError;

fn data_dir() -> Result<PathBuf, VerifierError> {
    directories::ProjectDirs::from("org", "MobiPass", "mobipass-verifier")
        .map(|dirs| dirs.data_dir().to_path_buf())
        .ok_or_else(|| VerifierError::Storage("no home directory to keep the database in".into()))
}

/// `<data dir>/verifier.sqlite3`.
pub fn default_db_path() -> Result<PathBuf, VerifierError> {
    Ok(data_dir()?.join("verifier.sqlite3"))
}

/// `<data dir>/master.key`.
pub fn default_master_key_path() -> Result<PathBuf, VerifierError> {
    Ok(data_dir()?.join("master.key"))
}

/// The default database as a URL: `sqlite://<data dir>/verifier.sqlite3`.
/// Creates the data directory readable by its owner only (0700), and
/// tightens an existing one and its database file (0600): they hold the
/// master key file and the audit log.
pub fn default_db_url() -> Result<String, VerifierError> {
    let dir = data_dir()?;
    make_private(&dir)?;
    let db = default_db_path()?;
    #[cfg(unix)]
    if db.exists() {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o600))
            .map_err(|e| cannot(&db, e))?;
    }
    Ok(format!("sqlite://{}", db.display()))
}

/// Creates `dir` (and missing parents) readable by its owner only.
pub(crate) fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir)
}

/// Makes a new directory entry in `dir` durable (a no-op where directories
/// cannot be opened, e.g. Windows).
pub fn sync_dir(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        fs::File::open(dir)?.sync_all()?;
    }
    let _ = dir;
    Ok(())
}

fn cannot(path: &Path, error: std::io::Error) -> VerifierError {
    VerifierError::Storage(format!(
        "cannot secure {}: {}",
        path.display(),
        error.kind()
    ))
}

fn make_private(dir: &Path) -> Result<(), VerifierError> {
    create_private_dir(dir).map_err(|e| cannot(dir, e))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
            .map_err(|e| cannot(dir, e))?;
    }
    Ok(())
}
