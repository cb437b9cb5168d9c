//! Which master key a command or the service uses: one precedence for both.
//!
//! A key file or a key in a PKCS#11 token (HSM), never both:
//! - a file key: `--master-key-file`, then `MOBIPASS_MASTER_KEY_FILE`, then
//!   `MOBIPASS_MASTER_KEY` (the library's [`MasterKey::from_env_or_file`]),
//!   then the configuration file's `master_key_file`. Only when none is
//!   given *and* the database is the embedded default is the default key
//!   file used (created on first use): a key made up on the spot for an
//!   explicitly named database would seal new seeds under a key no other
//!   node has, and open none of the old ones;
//! - an HSM key: `--master-key-uri` (or `MOBIPASS_MASTER_KEY_URI`), then the
//!   file's `master_key_uri`; the module from `--pkcs11-module`
//!   (`MOBIPASS_PKCS11_MODULE`), then `pkcs11_module`; the PIN from
//!   `--pkcs11-pin-file` (`MOBIPASS_PKCS11_PIN_FILE`), then
//!   `MOBIPASS_PKCS11_PIN`, then `pkcs11_pin_file`. The PIN itself is never
//!   a flag (it would show in `ps`), never logged, and zeroized.
//!
//! A URI and a file key both configured is an error, not a precedence: a
//! node that silently picked one would seal under a key the operator did
//! not mean.

use std::io::Read;
use std::path::{Path, PathBuf};

use mobipass_verifier::pkcs11::{HsmConfig, HsmKey, Pkcs11Uri};
use mobipass_verifier::{HsmProblem, MasterKey, SealingKey, VerifierError};
use zeroize::Zeroizing;

/// Environment variable holding the token's user PIN.
pub const PIN_ENV: &str = "MOBIPASS_PKCS11_PIN";

/// Where the key is, as flags (and their environment forms) say.
#[derive(Debug, Clone, Default)]
pub struct KeyFlags {
    /// `--master-key-file` (clap folds `MOBIPASS_MASTER_KEY_FILE` into it).
    pub file: Option<PathBuf>,
    /// `--master-key-uri` (`MOBIPASS_MASTER_KEY_URI`).
    pub uri: Option<String>,
    /// `--pkcs11-module` (`MOBIPASS_PKCS11_MODULE`).
    pub pkcs11_module: Option<PathBuf>,
    /// `--pkcs11-pin-file` (`MOBIPASS_PKCS11_PIN_FILE`).
    pub pkcs11_pin_file: Option<PathBuf>,
}

/// Where the key is, as the configuration file says.
#[derive(Debug, Clone, Default)]
pub struct KeyConfig {
    /// `master_key_file`.
    pub file: Option<PathBuf>,
    /// `master_key_uri`.
    pub uri: Option<String>,
    /// `pkcs11_module`.
    pub pkcs11_module: Option<PathBuf>,
    /// `pkcs11_pin_file`.
    pub pkcs11_pin_file: Option<PathBuf>,
}

/// The key for a command or for `serve`: the HSM key a URI names, else the
/// file key of [`resolve`]. `sessions` sizes the HSM's session pool.
pub fn resolve_key(
    flags: &KeyFlags,
    configured: &KeyConfig,
    explicit_db: bool,
    sessions: usize,
) -> Result<SealingKey, VerifierError> {
    let uri = flags.uri.as_deref().or(configured.uri.as_deref());
    let Some(uri) = uri else {
        return resolve(
            flags.file.as_deref(),
            configured.file.as_deref(),
            explicit_db,
        )
        .map(SealingKey::from);
    };
    let file_too = flags.file.is_some()
        || configured.file.is_some()
        || std::env::var_os(mobipass_verifier::master_key::MASTER_KEY_ENV).is_some();
    if file_too {
        return Err(VerifierError::InvalidInput(
            "both a master key file (--master-key-file, MOBIPASS_MASTER_KEY_FILE, \
             MOBIPASS_MASTER_KEY or master_key_file) and a master key URI are configured; \
             give one"
                .into(),
        ));
    }
    let config = hsm_config(uri, flags, configured, sessions)?;
    Ok(HsmKey::open(&config)?.into())
}

/// The module, token, key and PIN for `uri`, from flags, environment and
/// configuration file.
pub fn hsm_config(
    uri: &str,
    flags: &KeyFlags,
    configured: &KeyConfig,
    sessions: usize,
) -> Result<HsmConfig, VerifierError> {
    let uri: Pkcs11Uri = uri.parse()?;
    let module = flags
        .pkcs11_module
        .clone()
        .or_else(|| configured.pkcs11_module.clone())
        .ok_or_else(|| VerifierError::Hsm {
            problem: HsmProblem::Module,
            message: "a master key URI needs its PKCS#11 module: --pkcs11-module, \
                      MOBIPASS_PKCS11_MODULE or pkcs11_module (e.g. \
                      /usr/lib/softhsm/libsofthsm2.so)"
                .into(),
        })?;
    let pin = match (&flags.pkcs11_pin_file, std::env::var(PIN_ENV).ok()) {
        (Some(path), _) => read_pin_file(path)?,
        (None, Some(pin)) => Zeroizing::new(pin),
        (None, None) => match &configured.pkcs11_pin_file {
            Some(path) => read_pin_file(path)?,
            None => {
                return Err(VerifierError::Hsm {
                    problem: HsmProblem::Pin,
                    message: "no PIN for the token: --pkcs11-pin-file, \
                              MOBIPASS_PKCS11_PIN_FILE, MOBIPASS_PKCS11_PIN or pkcs11_pin_file"
                        .into(),
                });
            }
        },
    };
    if pin.is_empty() {
        return Err(VerifierError::Hsm {
            problem: HsmProblem::Pin,
            message: "the token's PIN is empty".into(),
        });
    }
    Ok(HsmConfig {
        module,
        uri,
        pin,
        sessions,
    })
}

/// Reads a PIN file: owner-only (like a key file), one line, at most 256 bytes.
fn read_pin_file(path: &Path) -> Result<Zeroizing<String>, VerifierError> {
    let failed = |what: String| VerifierError::Hsm {
        problem: HsmProblem::Pin,
        message: what,
    };
    let file = std::fs::File::open(path)
        .map_err(|e| failed(format!("cannot read {}: {}", path.display(), e.kind())))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = file
            .metadata()
            .map_err(|e| failed(format!("cannot read {}: {}", path.display(), e.kind())))?
            .permissions()
            .mode();
        if mode & 0o077 != 0 {
            return Err(failed(format!(
                "{} is accessible by group or others (mode {:o}); make it private: chmod 600 {}",
                path.display(),
                mode & 0o777,
                path.display()
            )));
        }
    }
    let mut text = Zeroizing::new(String::new());
    file.take(257)
        .read_to_string(&mut text)
        .map_err(|e| failed(format!("cannot read {}: {}", path.display(), e.kind())))?;
    if text.len() > 256 {
        return Err(failed(format!(
            "{} is too large for a PIN file",
            path.display()
        )));
    }
    Ok(Zeroizing::new(
        text.trim_end_matches(['\r', '\n']).to_owned(),
    ))
}

/// The file key for a command or for `serve`.
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
             configuration (make one with `mobipass-verifier master-key new --file PATH`), \
             or an HSM key with --master-key-uri or master_key_uri"
                .into(),
        ));
    }
    MasterKey::load_or_create_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pin_file_others_can_read_is_refused_and_a_private_one_is_read_without_its_newline() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pin");
        std::fs::write(&path, "123456\n").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
            let message = read_pin_file(&path).unwrap_err().to_string();
            assert!(message.contains("chmod 600"), "{message}");
            assert!(!message.contains("123456"), "{message}");
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
        assert_eq!(read_pin_file(&path).unwrap().as_str(), "123456");
    }

    #[test]
    fn a_uri_without_a_module_or_with_a_file_key_is_refused() {
        let flags = KeyFlags {
            uri: Some("pkcs11:token=t;object=k".into()),
            ..KeyFlags::default()
        };
        match hsm_config("pkcs11:token=t;object=k", &flags, &KeyConfig::default(), 1) {
            Err(VerifierError::Hsm {
                problem: HsmProblem::Module,
                ..
            }) => {}
            other => panic!("expected a missing-module error, got {other:?}"),
        }
        let both = KeyConfig {
            file: Some("/somewhere/master.key".into()),
            ..KeyConfig::default()
        };
        let message = resolve_key(&flags, &both, true, 1).unwrap_err().to_string();
        assert!(message.contains("give one"), "{message}");
    }
}
