//! Finding the token and the key, and logging in: what loading a key and
//! re-opening a session after an HSM error share. Errors here are
//! [`VerifierError::Hsm`] naming what to fix; the pool turns them into
//! `Busy` when they happen while serving.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use cryptoki::context::{CInitializeArgs, CInitializeFlags, Pkcs11};
use cryptoki::error::{Error as CkError, RvError};
use cryptoki::object::{Attribute, AttributeType, KeyType, ObjectClass, ObjectHandle};
use cryptoki::session::{Session, UserType};
use cryptoki::slot::Slot;
use cryptoki::types::AuthPin;

use super::Pkcs11Uri;
use crate::error::{HsmProblem, VerifierError};

/// The key's security attributes as the token reports them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyAttributes {
    /// `CKA_SENSITIVE`.
    pub sensitive: bool,
    /// `CKA_EXTRACTABLE`.
    pub extractable: bool,
    /// `CKA_ALWAYS_SENSITIVE`.
    pub always_sensitive: bool,
    /// `CKA_NEVER_EXTRACTABLE`.
    pub never_extractable: bool,
    /// `CKA_TOKEN` (stored in the token, not a session object).
    pub token: bool,
    /// `CKA_PRIVATE` (visible only after login).
    pub private: bool,
    /// `CKA_VALUE_LEN` in bytes.
    pub value_len: u64,
}

pub(super) fn hsm(problem: HsmProblem, message: impl Into<String>) -> VerifierError {
    VerifierError::Hsm {
        problem,
        message: message.into(),
    }
}

pub(super) fn device(what: &str, error: &CkError) -> VerifierError {
    hsm(HsmProblem::Device, format!("{what}: {error}"))
}

/// The process's context for `module`, loaded and initialised once.
static CONTEXTS: Mutex<Vec<(PathBuf, Pkcs11)>> = Mutex::new(Vec::new());

/// Keys whose sessions are still open (see [`finalize`]).
pub(super) static LIVE_KEYS: AtomicUsize = AtomicUsize::new(0);

/// Ends the process's use of every module (`C_Finalize`) once the last key
/// has closed its sessions, waiting up to `wait` for that (a store's thread
/// may still be dropping its key). Call it at the very end of a program:
/// some modules crash at exit when never finalized (SoftHSM2 with OpenSSL
/// 3 does). If a key is still alive after `wait`, nothing is finalized:
/// finalizing under a live session would be worse. Returns whether it did.
pub fn finalize(wait: Duration) -> bool {
    let deadline = Instant::now() + wait;
    while LIVE_KEYS.load(Ordering::SeqCst) > 0 {
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let mut contexts = CONTEXTS.lock().unwrap_or_else(PoisonError::into_inner);
    for (_, ctx) in contexts.drain(..) {
        let _ = ctx.finalize();
    }
    true
}

/// A read-write session logged in to `token`, on this process's one context
/// for `module`. For tests and tools that act as the HSM's administrator
/// (make unusual keys, change the PIN, log out): a second context on the
/// same module in one process is not safe with every module.
#[doc(hidden)]
pub fn admin_session(module: &Path, token: &str, pin: &str) -> Result<Session, VerifierError> {
    let ctx = context(module)?;
    let slot = find_token(&ctx, token)?;
    let session = ctx
        .open_rw_session(slot)
        .map_err(|e| device("cannot open a read-write session", &e))?;
    login(&session, &AuthPin::from(pin.to_owned()), token)?;
    Ok(session)
}

pub(super) fn context(module: &Path) -> Result<Pkcs11, VerifierError> {
    let mut contexts = CONTEXTS.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some((_, ctx)) = contexts.iter().find(|(path, _)| path == module) {
        return Ok(ctx.clone());
    }
    if !module.is_file() {
        return Err(hsm(
            HsmProblem::Module,
            format!("no PKCS#11 module at {}", module.display()),
        ));
    }
    let ctx = Pkcs11::new(module).map_err(|e| {
        hsm(
            HsmProblem::Module,
            format!("cannot load the PKCS#11 module {}: {e}", module.display()),
        )
    })?;
    match ctx.initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK)) {
        Ok(()) | Err(CkError::Pkcs11(RvError::CryptokiAlreadyInitialized, _)) => {}
        Err(e) => {
            return Err(hsm(
                HsmProblem::Module,
                format!(
                    "the PKCS#11 module {} failed to start: {e}",
                    module.display()
                ),
            ));
        }
    }
    contexts.push((module.to_path_buf(), ctx.clone()));
    Ok(ctx)
}

/// The slot holding the token labelled `label`.
pub(super) fn find_token(ctx: &Pkcs11, label: &str) -> Result<Slot, VerifierError> {
    let slots = ctx
        .get_slots_with_token()
        .map_err(|e| device("cannot list the module's tokens", &e))?;
    let mut present = Vec::new();
    for slot in slots {
        // A broken token in another slot must not hide the one asked for.
        let Ok(info) = ctx.get_token_info(slot) else {
            continue;
        };
        let found = info.label().trim_end().to_owned();
        if found == label {
            return Ok(slot);
        }
        present.push(found);
    }
    Err(hsm(
        HsmProblem::Token,
        format!("no token labelled {label:?} (tokens present: {present:?})"),
    ))
}

pub(super) fn login(session: &Session, pin: &AuthPin, token: &str) -> Result<(), VerifierError> {
    match session.login(UserType::User, Some(pin)) {
        Ok(()) | Err(CkError::Pkcs11(RvError::UserAlreadyLoggedIn, _)) => Ok(()),
        Err(CkError::Pkcs11(RvError::PinLocked, _)) => Err(hsm(
            HsmProblem::Pin,
            format!("the user PIN of token {token:?} is locked"),
        )),
        Err(CkError::Pkcs11(
            RvError::PinIncorrect
            | RvError::PinInvalid
            | RvError::PinLenRange
            | RvError::PinExpired,
            _,
        )) => Err(hsm(
            HsmProblem::Pin,
            format!(
                "token {token:?} refused the PIN (check pkcs11_pin_file or MOBIPASS_PKCS11_PIN)"
            ),
        )),
        Err(CkError::Pkcs11(RvError::UserPinNotInitialized, _)) => Err(hsm(
            HsmProblem::Pin,
            format!("token {token:?} has no user PIN yet; initialise it first"),
        )),
        Err(e) => Err(device("login failed", &e)),
    }
}

fn key_template(uri: &Pkcs11Uri) -> Vec<Attribute> {
    let mut template = vec![
        Attribute::Class(ObjectClass::SECRET_KEY),
        Attribute::Label(uri.object.as_bytes().to_vec()),
    ];
    if let Some(id) = &uri.id {
        template.push(Attribute::Id(id.clone()));
    }
    template
}

/// The one AES-256 key the URI names, refused if it could leave the token.
fn find_key(session: &Session, uri: &Pkcs11Uri) -> Result<ObjectHandle, VerifierError> {
    let found = session
        .find_objects(&key_template(uri))
        .map_err(|e| device("cannot search the token", &e))?;
    let key = match found.as_slice() {
        [key] => *key,
        [] => {
            return Err(hsm(
                HsmProblem::Object,
                format!(
                    "token {:?} holds no secret key labelled {:?} (create one: mobipass-verifier master-key new --uri '{uri}')",
                    uri.token, uri.object
                ),
            ));
        }
        _ => {
            return Err(hsm(
                HsmProblem::Object,
                format!(
                    "{} secret keys in token {:?} match {:?}; add id= to the URI",
                    found.len(),
                    uri.token,
                    uri.object
                ),
            ));
        }
    };
    let attributes = read_attributes(session, key)?;
    let key_type = session
        .get_attributes(key, &[AttributeType::KeyType])
        .map_err(|e| device("cannot read the key's type", &e))?;
    let is_aes = matches!(key_type.as_slice(), [Attribute::KeyType(t)] if *t == KeyType::AES);
    if !is_aes || attributes.value_len != 32 {
        return Err(hsm(
            HsmProblem::Object,
            format!("{:?} is not an AES-256 key", uri.object),
        ));
    }
    if !attributes.sensitive || attributes.extractable {
        return Err(hsm(
            HsmProblem::Object,
            format!(
                "{:?} could leave the token (CKA_SENSITIVE must be true, CKA_EXTRACTABLE false)",
                uri.object
            ),
        ));
    }
    Ok(key)
}

pub(super) fn read_attributes(
    session: &Session,
    key: ObjectHandle,
) -> Result<KeyAttributes, VerifierError> {
    let read = session
        .get_attributes(
            key,
            &[
                AttributeType::Sensitive,
                AttributeType::Extractable,
                AttributeType::AlwaysSensitive,
                AttributeType::NeverExtractable,
                AttributeType::Token,
                AttributeType::Private,
                AttributeType::ValueLen,
            ],
        )
        .map_err(|e| device("cannot read the key's attributes", &e))?;
    let mut attributes = KeyAttributes {
        sensitive: false,
        extractable: true,
        always_sensitive: false,
        never_extractable: false,
        token: false,
        private: false,
        value_len: 0,
    };
    for attribute in read {
        match attribute {
            Attribute::Sensitive(v) => attributes.sensitive = v,
            Attribute::Extractable(v) => attributes.extractable = v,
            Attribute::AlwaysSensitive(v) => attributes.always_sensitive = v,
            Attribute::NeverExtractable(v) => attributes.never_extractable = v,
            Attribute::Token(v) => attributes.token = v,
            Attribute::Private(v) => attributes.private = v,
            Attribute::ValueLen(v) => attributes.value_len = u64::from(v),
            _ => {}
        }
    }
    Ok(attributes)
}

/// Finds the token (again: after a token comes back its slot may differ),
/// opens a session, logs in and finds the key.
pub(super) fn start(
    ctx: &Pkcs11,
    pin: &AuthPin,
    uri: &Pkcs11Uri,
) -> Result<(Session, ObjectHandle), VerifierError> {
    let slot = find_token(ctx, &uri.token)?;
    let session = ctx
        .open_ro_session(slot)
        .map_err(|e| device("cannot open a session", &e))?;
    login(&session, pin, &uri.token)?;
    let key = find_key(&session, uri)?;
    Ok((session, key))
}
