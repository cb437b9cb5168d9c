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
//! The PIN is never checked: every PIN unmasks to some key (DESIGN.md §2), so
//! `sign` with a wrong PIN returns a normal-looking response and `change_pin`
//! with a wrong current PIN re-masks that wrong key. Each operation runs the
//! same steps whatever the PIN, so neither results, errors nor timing depend on
//! whether it was right.

mod amount;
mod background;
mod error;
mod key_entry;
mod payment;
mod saved;
mod store;
mod vault;

use std::path::{Path, PathBuf};
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
pub use payment::{parse_code, payee_is_short, payee_shown};
pub use saved::{SaveWarning, Saved};
pub use vault::FORMAT_VERSION;

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

    /// The vault file.
    pub fn path(&self) -> &Path {
        self.files.vault()
    }

    /// Activated or not, with dates and KDF cost.
    pub fn status(&self) -> Result<Status, TokenError> {
        Ok(match self.load()? {
            None => Status::NotActivated,
            Some(vault) => Status::Activated {
                kind: vault.kind,
                created: vault.created,
                updated: vault.updated,
                kdf: vault.kdf,
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
    /// after that.
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
        if self.load()?.is_some() {
            return Err(TokenError::AlreadyActivated);
        }
        let now = SystemTime::now();
        let (kdf, salt, mask) = self.new_mask(&key, &pin)?;
        self.save(
            &lock,
            &Vault {
                kind: envelope.kind(),
                kdf,
                salt,
                mask,
                created: now,
                updated: now,
            },
        )
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
        let vault = self.load()?.ok_or(TokenError::NotActivated)?;
        let key = self.unmask(&vault, &current)?;
        let (kdf, salt, mask) = self.new_mask(&key, &new)?;
        self.save(
            &lock,
            &Vault {
                kind: vault.kind,
                kdf,
                salt,
                mask,
                created: vault.created,
                updated: SystemTime::now(),
            },
        )
    }

    /// Overwrites the vault file, flushes, and removes it. Works on a damaged
    /// vault too (that is how a person gets out of one).
    pub fn delete(&self) -> Result<(), TokenError> {
        let lock = self.files.lock()?;
        if self.files.shred_vault(&lock)? {
            Ok(())
        } else {
            Err(TokenError::NotActivated)
        }
    }

    fn respond(&self, pin: &str, challenge: &Challenge) -> Result<Response, TokenError> {
        let pin = Pin::parse(pin)?;
        let vault = self.load()?.ok_or(TokenError::NotActivated)?;
        let key = self.unmask(&vault, &pin)?;
        Ok(challenge.respond(&key.ocra_key()))
    }

    fn load(&self) -> Result<Option<Vault>, TokenError> {
        let Some(bytes) = self.files.read()? else {
            return Ok(None);
        };
        Vault::from_json(&bytes)
            .map(Some)
            .map_err(|reason| self.damaged(reason))
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

    fn save(&self, lock: &WriteLock, vault: &Vault) -> Result<Saved, TokenError> {
        self.files.write_atomically(lock, &vault.to_json())
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
