//! Where the embedded setup keeps its files: the platform data directory
//! (`~/.local/share/mobipass-verifier` on Linux), so that the verifier runs
//! with no configuration at all on one machine.

use std::path::PathBuf;

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
pub fn default_db_url() -> Result<String, VerifierError> {
    Ok(format!("sqlite://{}", default_db_path()?.display()))
}
