//! The app core: one vault file and the operations on it, with no GUI types.
//!
//! Both front ends (the iced window and the terminal mode) call the same
//! blocking [`Token`] methods, so they cannot drift apart in what they accept
//! or write. Each method validates all its input first, so a refusal never
//! touches the disk, then runs the slow Argon2 step; a GUI moves a clone of
//! the `Token` into [`background`] to keep its window responsive.
//!
//! Activation takes an envelope of either kind (DESIGN.md §2b): an
//! envelope-only key is masked as it is (`S`); a two-channel key needs its
//! activation code, and what is masked is the activated secret `S2`. Nothing
//! derived from the code is kept besides that mask, and a wrong code, like a
//! wrong PIN, gives a wrong but normal-looking response; the vault records
//! only the envelope's kind, which its check digits show anyway.
//!
//! A vault is bound to this computer and user account when the OS keystore
//! is there (`keystore`, `sealed`): the whole document is sealed under a
//! device key kept in it. Where there is none, activation refuses unless the
//! caller chose an unbound vault ([`Token::allowing_unbound`]) after asking
//! the person; an unbound vault is sealed by [`Token::bind`] or by the next
//! PIN change. Opening the seal needs the device key only, never the PIN.
//!
//! The PIN is never checked: every PIN unmasks to some key (DESIGN.md §2), so
//! `sign` with a wrong PIN returns a normal-looking response and `change_pin`
//! with a wrong current PIN re-masks that wrong key. Each operation runs the
//! same steps whatever the PIN, so neither results, errors nor timing depend on
//! whether it was right.

mod amount;
mod background;
mod error;
mod key_entry;
mod keystore;
mod payment;
mod saved;
mod sealed;
mod store;
mod vault;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

use mobipass_scheme::camouflage::{self, CamouflageError};
use mobipass_scheme::{
    ActivationCode, ActivationKey, Amount, Challenge, Envelope, EnvelopeKind, KdfParams, Mask,
    Payee, Pin, Response, Salt,
};

pub use amount::{AmountError, format_amount, parse_amount};
pub use background::background;
pub use error::{DamageReason, TokenError};
pub use key_entry::{check_activation_code, check_key_part};
#[cfg(all(unix, not(target_os = "macos")))]
pub use keystore::SecretServiceKeystore;
pub use keystore::{
    DEVICE_KEY_LEN, DeviceKey, KEYSTORE_SERVICE, Keystore, KeystoreError, MemoryKeystore,
    os_keystore,
};
pub use payment::{parse_code, payee_is_short, payee_shown};
pub use saved::{SaveWarning, Saved};
pub use sealed::BOUND_FORMAT_VERSION;
pub use vault::FORMAT_VERSION;

use sealed::Binding;
use store::{Files, WriteLock};
use vault::Vault;

/// Environment variable naming the vault file, overriding the platform default.
pub const VAULT_ENV: &str = "MOBIPASS_VAULT";
/// File name of the vault inside the platform data directory.
pub const VAULT_FILE_NAME: &str = "vault.json";

/// Handle on one vault file. Cheap to clone; clones may be moved to other
/// threads. Methods block (Argon2 runs inside them).
#[derive(Debug, Clone)]
pub struct Token {
    files: Files,
    /// Argon2 parameters for new masks; `None` means [`KdfParams::DEFAULT`].
    new_mask_params: Option<KdfParams>,
    /// Where device keys live.
    keystore: Arc<dyn Keystore>,
    /// Whether activation may write an unbound vault when no keystore runs.
    unbound_allowed: bool,
}

/// A vault as read: its content, and its binding when it is bound.
struct Loaded {
    vault: Vault,
    binding: Option<Binding>,
}

/// Whether a vault exists, and what can be shown about it (never a secret).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// No vault yet: activate first.
    NotActivated,
    /// A vault exists.
    Activated {
        /// The envelope's kind: envelope-only, or envelope and activation code.
        kind: EnvelopeKind,
        /// When the key was activated.
        created: SystemTime,
        /// When the vault last changed (activation or PIN change).
        updated: SystemTime,
        /// The Argon2id cost the mask was made with.
        kdf: KdfParams,
        /// Sealed under this computer's keystore (`false`: an unbound vault,
        /// which opens wherever the file is copied).
        bound: bool,
    },
}

impl Token {
    /// Opens (does not create) the vault at `path`. Removes a temp file left by
    /// a crash, unless another instance is writing right now. Succeeds when no
    /// vault exists yet ([`Status::NotActivated`]).
    pub fn open(path: impl Into<PathBuf>) -> Result<Self, TokenError> {
        let token = Self {
            files: Files::new(path.into()),
            new_mask_params: None,
            keystore: keystore::os_keystore(),
            unbound_allowed: false,
        };
        if token.files.has_stale_temp()
            && let Some(lock) = token.files.try_lock_if_free()?
        {
            token.files.remove_stale_temp(&lock)?;
        }
        Ok(token)
    }

    /// `MOBIPASS_VAULT` if set, else `vault.json` in the platform data
    /// directory (on Linux `~/.local/share/mobipass/vault.json`).
    pub fn default_path() -> Result<PathBuf, TokenError> {
        if let Some(path) = std::env::var_os(VAULT_ENV).filter(|p| !p.is_empty()) {
            return Ok(PathBuf::from(path));
        }
        directories::ProjectDirs::from("org", "MobiPass", "MobiPass")
            .map(|dirs| dirs.data_dir().join(VAULT_FILE_NAME))
            .ok_or(TokenError::NoDataDir)
    }

    /// Tests only: Argon2 parameters for new masks, below the cost floor if
    /// wanted, so test suites stay fast. Existing vaults always unmask with
    /// the parameters stored in them.
    #[doc(hidden)]
    pub fn with_kdf_params_for_tests(mut self, params: KdfParams) -> Self {
        self.new_mask_params = Some(params);
        self
    }

    /// Uses `keystore` for device keys instead of the OS keystore (tests, and
    /// tools that must not touch the real one).
    pub fn with_keystore(mut self, keystore: Arc<dyn Keystore>) -> Self {
        self.keystore = keystore;
        self
    }

    /// Lets activation write an unbound vault when no keystore runs
    /// ([`KeystoreError::NoKeystore`]), which it otherwise refuses: the
    /// front end asks the person first (a script says so with a flag).
    pub fn allowing_unbound(mut self) -> Self {
        self.unbound_allowed = true;
        self
    }

    /// Tests only: no keystore at all, and unbound vaults allowed, so a test
    /// suite neither touches this account's keystore nor depends on one.
    #[doc(hidden)]
    pub fn without_keystore_for_tests(self) -> Self {
        self.with_keystore(Arc::new(MemoryKeystore::unavailable()))
            .allowing_unbound()
    }

    /// The vault file.
    pub fn path(&self) -> &Path {
        self.files.vault()
    }

    /// Activated or not, with dates and KDF cost.
    pub fn status(&self) -> Result<Status, TokenError> {
        Ok(match self.load()? {
            None => Status::NotActivated,
            Some(Loaded { vault, binding }) => Status::Activated {
                kind: vault.kind,
                created: vault.created,
                updated: vault.updated,
                kdf: vault.kdf,
                bound: binding.is_some(),
            },
        })
    }

    /// Saves the key from an envelope-only envelope under a new PIN typed
    /// twice: [`Token::activate_with_code`] without a code. A two-channel
    /// envelope is refused ([`ActivationError::CodeNeeded`]).
    ///
    /// [`ActivationError::CodeNeeded`]: mobipass_scheme::ActivationError::CodeNeeded
    pub fn activate<S: AsRef<str>>(
        &self,
        parts: &[S; 4],
        pin: &str,
        pin_again: &str,
    ) -> Result<Saved, TokenError> {
        self.activate_with_code(parts, None, pin, pin_again)
    }

    /// Saves the key from the envelope (either kind) under a new PIN typed
    /// twice; `code` is the activation code a two-channel envelope needs
    /// (and an envelope-only one refuses). Refuses a mistyped part (naming
    /// it), parts of two envelopes, a malformed or mistyped code, a trivial
    /// PIN (with the reason), a mismatch, an existing vault and a damaged one
    /// (which is never overwritten). A well-formed but wrong code is not
    /// refused: it cannot be told apart, and signs wrongly. `Ok` means the
    /// vault is written; [`Saved::warnings`] says what could not be done
    /// after that, [`Saved::is_bound`] whether it is bound. Without a
    /// keystore it fails with [`KeystoreError::NoKeystore`] unless
    /// [`Token::allowing_unbound`]; a locked keystore always fails.
    pub fn activate_with_code<S: AsRef<str>>(
        &self,
        parts: &[S; 4],
        code: Option<&str>,
        pin: &str,
        pin_again: &str,
    ) -> Result<Saved, TokenError> {
        let envelope = Envelope::from_parts(parts)?;
        let code = code.map(ActivationCode::parse).transpose()?;
        let key = envelope.activated(code.as_ref())?;
        let pin = Pin::choose(pin, pin_again)?;
        let lock = self.files.lock()?;
        self.files.remove_stale_temp(&lock)?;
        match self.load() {
            Ok(None) => {}
            // A damaged file is named as such; a bound one that does not
            // open here is still a vault, never overwritten.
            Err(error @ TokenError::Damaged { .. }) => return Err(error),
            Ok(Some(_)) | Err(TokenError::OtherDevice | TokenError::Keystore(_)) => {
                return Err(TokenError::AlreadyActivated);
            }
            Err(error) => return Err(error),
        }
        let binding = match self.new_binding() {
            Err(TokenError::Keystore(KeystoreError::NoKeystore)) if self.unbound_allowed => None,
            other => Some(other?),
        };
        let now = SystemTime::now();
        let vault = self.new_mask(&key, &pin).map(|(kdf, salt, mask)| Vault {
            kind: envelope.kind(),
            kdf,
            salt,
            mask,
            created: now,
            updated: now,
        });
        self.save_new_binding(&lock, vault, binding)
    }

    /// Seals an unbound vault under a new device key in the keystore, in one
    /// atomic replacement (a crash leaves the unbound file or the bound one;
    /// the unbound bytes are overwritten). Needs no PIN: the document is
    /// sealed as it is. `Ok(None)` when the vault was bound already.
    pub fn bind(&self) -> Result<Option<Saved>, TokenError> {
        let lock = self.files.lock()?;
        self.files.remove_stale_temp(&lock)?;
        let loaded = self.load()?.ok_or(TokenError::NotActivated)?;
        if loaded.binding.is_some() {
            return Ok(None);
        }
        let binding = self.new_binding()?;
        self.save_new_binding(&lock, Ok(loaded.vault), Some(binding))
            .map(Some)
    }

    /// The response to a plain document code (6 to 8 digits, spaces allowed).
    /// Any 4-digit PIN gives a response; only the right one gives the one the
    /// bank expects.
    pub fn sign(&self, pin: &str, code: &str) -> Result<Response, TokenError> {
        let challenge = Challenge::Plain(parse_code(code)?);
        self.respond(pin, &challenge)
    }

    /// The response to a document code linked to an amount (minor units, at
    /// most 12 digits) and a payee account (its last 8 digits count).
    pub fn sign_linked(
        &self,
        pin: &str,
        code: &str,
        amount_minor: u64,
        payee: &str,
    ) -> Result<Response, TokenError> {
        let challenge = Challenge::Linked {
            code: parse_code(code)?,
            amount: Amount::from_minor(amount_minor)?,
            payee: Payee::parse(payee)?,
        };
        self.respond(pin, &challenge)
    }

    /// Re-masks the key under a new PIN with a fresh salt. The key is unmasked
    /// with the current PIN as typed: if that was wrong, the vault afterwards
    /// holds a wrong key and signs wrongly (as the bank's manual says); the
    /// operation cannot tell and runs the same either way.
    ///
    /// `Ok` means the PIN is changed, even when [`Saved::warnings`] reports
    /// that the change may not survive a power cut or that the previous
    /// version could not be erased; an `Err` means the vault is as it was.
    /// An unbound vault is bound on the way when a keystore runs (without
    /// one it stays unbound; any other keystore problem fails the change).
    pub fn change_pin(
        &self,
        current: &str,
        new: &str,
        new_again: &str,
    ) -> Result<Saved, TokenError> {
        let current = Pin::parse(current)?;
        let new = Pin::choose(new, new_again)?;
        let lock = self.files.lock()?;
        self.files.remove_stale_temp(&lock)?;
        let Loaded { vault, binding } = self.load()?.ok_or(TokenError::NotActivated)?;
        let key = self.unmask(&vault, &current)?;
        let (binding, is_new) = match binding {
            Some(binding) => (Some(binding), false),
            None => match self.new_binding() {
                Ok(binding) => (Some(binding), true),
                Err(TokenError::Keystore(KeystoreError::NoKeystore)) => (None, false),
                Err(error) => return Err(error),
            },
        };
        let vault = self.new_mask(&key, &new).map(|(kdf, salt, mask)| Vault {
            kind: vault.kind,
            kdf,
            salt,
            mask,
            created: vault.created,
            updated: SystemTime::now(),
        });
        if is_new {
            self.save_new_binding(&lock, vault, binding)
        } else {
            self.save(&lock, &vault?, binding.as_ref())
        }
    }

    /// Overwrites the vault file, flushes, and removes it, then removes its
    /// keystore entry. Works on a damaged vault too (that is how a person
    /// gets out of one) and on a copy from another computer. The entry is
    /// removed as far as the keystore lets: a locked or absent keystore keeps
    /// it, a random key that opens nothing once the file is gone.
    pub fn delete(&self) -> Result<(), TokenError> {
        let lock = self.files.lock()?;
        // Read as raw bytes: the id is in clear, whatever state the rest is in.
        let vault_id = match self.files.read() {
            Ok(Some(bytes)) => sealed::vault_id_of(&bytes),
            _ => None,
        };
        if !self.files.shred_vault(&lock)? {
            return Err(TokenError::NotActivated);
        }
        if let Some(id) = vault_id {
            let _ = self.keystore.delete(&id);
        }
        Ok(())
    }

    fn respond(&self, pin: &str, challenge: &Challenge) -> Result<Response, TokenError> {
        let pin = Pin::parse(pin)?;
        let Loaded { vault, .. } = self.load()?.ok_or(TokenError::NotActivated)?;
        let key = self.unmask(&vault, &pin)?;
        Ok(challenge.respond(&key.ocra_key()))
    }

    /// Reads the vault, opening its seal with the keystore's device key when
    /// it is bound. A missing entry means another computer or account.
    fn load(&self) -> Result<Option<Loaded>, TokenError> {
        let Some(bytes) = self.files.read()? else {
            return Ok(None);
        };
        let damaged = |reason| self.damaged(reason);
        if vault::format_of(&bytes).map_err(damaged)? != BOUND_FORMAT_VERSION {
            let vault = Vault::from_json(&bytes).map_err(damaged)?;
            return Ok(Some(Loaded {
                vault,
                binding: None,
            }));
        }
        let envelope = sealed::Envelope::from_json(&bytes).map_err(damaged)?;
        let key = match self.keystore.get(&envelope.vault_id) {
            Ok(key) => key,
            Err(KeystoreError::EntryMissing) => return Err(TokenError::OtherDevice),
            Err(error) => return Err(error.into()),
        };
        let document = envelope.open(&key).map_err(damaged)?;
        let vault = Vault::from_json(&document).map_err(damaged)?;
        Ok(Some(Loaded {
            vault,
            binding: Some(Binding {
                vault_id: envelope.vault_id,
                key,
            }),
        }))
    }

    /// A new device key, stored in the keystore under a new vault id.
    fn new_binding(&self) -> Result<Binding, TokenError> {
        let binding = Binding::generate();
        self.keystore.put(&binding.vault_id, &binding.key)?;
        Ok(binding)
    }

    /// Saves a vault whose binding was just stored in the keystore; if the
    /// vault cannot be made or written, that new entry is removed again so
    /// no orphan key is left behind.
    fn save_new_binding(
        &self,
        lock: &WriteLock,
        vault: Result<Vault, TokenError>,
        binding: Option<Binding>,
    ) -> Result<Saved, TokenError> {
        let saved = vault.and_then(|vault| self.save(lock, &vault, binding.as_ref()));
        if saved.is_err()
            && let Some(binding) = &binding
        {
            let _ = self.keystore.delete(&binding.vault_id);
        }
        saved
    }

    fn unmask(&self, vault: &Vault, pin: &Pin) -> Result<ActivationKey, TokenError> {
        mobipass_scheme::unmask(&vault.mask, pin, &vault.salt, &vault.kdf).map_err(|error| {
            match error {
                CamouflageError::OutOfMemory => TokenError::OutOfMemory,
                other => self.damaged(stored_damage(other)),
            }
        })
    }

    /// A mask of `key` under `pin` with a fresh salt and the default cost
    /// (or the tests' override, which alone may go below the floor).
    fn new_mask(
        &self,
        key: &ActivationKey,
        pin: &Pin,
    ) -> Result<(KdfParams, Salt, Mask), TokenError> {
        let salt = Salt::generate();
        let (params, mask) = match self.new_mask_params {
            None => (
                KdfParams::DEFAULT,
                mobipass_scheme::mask(key, pin, &salt, &KdfParams::DEFAULT),
            ),
            Some(params) => (
                params,
                camouflage::mask_with_any_params(key, pin, &salt, &params),
            ),
        };
        match mask {
            Ok(mask) => Ok((params, salt, mask)),
            Err(CamouflageError::OutOfMemory) => Err(TokenError::OutOfMemory),
            Err(other) => unreachable!("the default and the tests' parameters are valid: {other}"),
        }
    }

    fn save(
        &self,
        lock: &WriteLock,
        vault: &Vault,
        binding: Option<&Binding>,
    ) -> Result<Saved, TokenError> {
        let mut saved = match binding {
            None => self.files.write_atomically(lock, &vault.to_json()),
            Some(binding) => self
                .files
                .write_atomically(lock, &sealed::seal(&vault.to_json(), binding)),
        }?;
        saved.set_bound(binding.is_some());
        Ok(saved)
    }

    fn damaged(&self, reason: DamageReason) -> TokenError {
        TokenError::Damaged {
            path: self.path().to_owned(),
            reason,
        }
    }
}

/// A stored vault the scheme cannot unmask has bad parameters or a bad mask.
fn stored_damage(error: CamouflageError) -> DamageReason {
    match error {
        CamouflageError::MaskFormat => DamageReason::BadMask,
        CamouflageError::InvalidParams
        | CamouflageError::BelowFloor
        | CamouflageError::OutOfMemory => DamageReason::BadKdf,
    }
}
