//! Which master key a command or the service uses: one precedence for both.
//!
//! `--master-key-file`, then `MOBIPASS_MASTER_KEY_FILE`, then
//! `MOBIPASS_MASTER_KEY` (the library's [`MasterKey::from_env_or_file`]),
//! then the configuration file's `master_key_file`. Only when none is given *and* the database is the
//! embedded default is the default key file used (created on first use): a
//! key made up on the spot for an explicitly named database would seal new
//! seeds under a key no other node has, and open none of the old ones.

use std::path::Path;

use mobipass_verifier::{MasterKey, VerifierError};

/// The key for a command or for `serve`.
///
/// `flag` is `--master-key-file` (clap folds `MOBIPASS_MASTER_KEY_FILE`
/// into it), `configured` the file's `master_key_file`, `explicit_db`
/// whether a database was named by flag, environment or file.
pub fn resolve(
    flag: Option<&Path>,
    configured: Option<&Path>,
    explicit_db: bool,
) -> Result<MasterKey, VerifierError> {
    if let Some(key) = MasterKey::from_env_or_file(flag)? {
        return Ok(key);
    }
    if let Some(path) = configured {
        return MasterKey::from_file(path);
    }
    if explicit_db {
        return Err(VerifierError::MasterKey(
            "a database was named, so give its master key: --master-key-file PATH, \
             MOBIPASS_MASTER_KEY_FILE, MOBIPASS_MASTER_KEY or master_key_file in the \
             configuration (make one with `mobipass-verifier master-key new --file PATH`)"
                .into(),
        ));
    }
    MasterKey::load_or_create_default()
}
