//! The master key inside a PKCS#11 token (an HSM, or SoftHSM2 for trying
//! it): an AES-256 secret key that is sensitive and not extractable, so its
//! bytes never reach this process. Seeds are sealed and opened by the token
//! (`CKM_AES_GCM`, the nonce from the OS CSPRNG, a 128-bit tag, the same
//! associated data as a file key).
//!
//! Shape, and why:
//! - one PKCS#11 context per module per process (a module is initialised
//!   once; a second `C_Initialize` fails), kept for the process's life;
//! - a small pool of logged-in sessions, at most `HsmConfig::sessions`
//!   (the SQLite writer needs one; PostgreSQL as many as its pool has
//!   connections). A caller waits a bounded time for a free session, then
//!   gets `Busy`;
//! - calls are blocking: on a multi-threaded Tokio runtime they run under
//!   `block_in_place`, so the runtime moves its other tasks off the thread
//!   (the SQLite writer thread is no runtime thread and calls directly);
//! - any token error other than "this ciphertext does not open" drops every
//!   idle session and the key handle; the call is retried once on a fresh
//!   session (new login, key looked up again), and if that fails too the
//!   caller gets `Busy`, never `Crypto`: an HSM that stops answering can
//!   never turn into a wrong verdict or a counted failure, and the next call
//!   after it comes back works again;
//! - the fingerprint and the repeat-tag key are AES-ECB of fixed blocks,
//!   computed by the token once when the key is loaded (see
//!   [`crate::sealing_key`]). A token that refuses ECB for the key is
//!   refused with a message saying so.

mod token;
mod uri;

use std::path::PathBuf;
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::time::{Duration, Instant};

use cryptoki::context::Pkcs11;
use cryptoki::error::{Error as CkError, RvError};
use cryptoki::mechanism::Mechanism;
use cryptoki::mechanism::aead::GcmParams;
use cryptoki::object::{Attribute, KeyType, ObjectClass, ObjectHandle};
use cryptoki::session::Session;
use cryptoki::types::AuthPin;
use zeroize::Zeroizing;

pub use token::{KeyAttributes, admin_session, finalize};
pub use uri::Pkcs11Uri;

use token::{context, device, find_token, hsm, login, read_attributes, start};

use crate::error::{HsmProblem, VerifierError};

/// How long a caller waits for a free session before `Busy`.
const SESSION_WAIT: Duration = Duration::from_secs(5);

/// Fixed blocks the token encrypts with AES-ECB: the fingerprint (first 8
/// bytes of the first block's ciphertext) and the repeat-tag key (the other
/// two blocks' ciphertext).
const DERIVATION_BLOCKS: &[u8; 48] = b"MobiPass-v1-fp\0\0MobiPass-v1-repeat-key-blocks-01";

/// Where the key is and how to log in.
pub struct HsmConfig {
    /// The PKCS#11 module (shared library), e.g. `/usr/lib/softhsm/libsofthsm2.so`.
    pub module: PathBuf,
    /// Which token and key.
    pub uri: Pkcs11Uri,
    /// The token's user PIN.
    pub pin: Zeroizing<String>,
    /// Most sessions held open at once (at least 1).
    pub sessions: usize,
}

impl std::fmt::Debug for HsmConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HsmConfig")
            .field("module", &self.module)
            .field("uri", &self.uri)
            .field("pin", &"[redacted]")
            .field("sessions", &self.sessions)
            .finish()
    }
}

/// A master key held by a PKCS#11 token. Cheap to clone (shared pool).
#[derive(Clone)]
pub struct HsmKey {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for HsmKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HsmKey")
            .field("uri", &self.shared.uri)
            .finish_non_exhaustive()
    }
}

struct Shared {
    ctx: Pkcs11,
    uri: Pkcs11Uri,
    pin: AuthPin,
    max: usize,
    pool: Mutex<Pool>,
    freed: Condvar,
    fingerprint: String,
    repeat_key: Arc<Zeroizing<[u8; 32]>>,
}

impl Drop for Shared {
    /// Closes the sessions, then counts this key gone (see [`finalize`]).
    fn drop(&mut self) {
        let pool = self.pool.get_mut().unwrap_or_else(PoisonError::into_inner);
        pool.idle.clear();
        token::LIVE_KEYS.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
    }
}

/// Idle sessions of the current generation, and the key handle they use.
/// An HSM error bumps the generation: older sessions are closed, not reused.
struct Pool {
    idle: Vec<Session>,
    open: usize,
    key: Option<ObjectHandle>,
    generation: u64,
}

struct Lease {
    session: Session,
    key: ObjectHandle,
    generation: u64,
}

/// Runs blocking token work off the async runtime's worker threads.
fn off_runtime<T>(work: impl FnOnce() -> T) -> T {
    use tokio::runtime::{Handle, RuntimeFlavor};
    match Handle::try_current() {
        Ok(handle) if handle.runtime_flavor() == RuntimeFlavor::MultiThread => {
            tokio::task::block_in_place(work)
        }
        _ => work(),
    }
}

/// The fingerprint the token computes for `key` now (see [`DERIVATION_BLOCKS`]).
fn fingerprint_of(session: &Session, key: ObjectHandle) -> Option<String> {
    let block = session
        .encrypt(&Mechanism::AesEcb, key, &DERIVATION_BLOCKS[..16])
        .ok()?;
    (block.len() == 16).then(|| hex::encode(&block[..8]))
}

/// Errors that mean "this ciphertext does not open", not "the HSM failed".
fn is_bad_ciphertext(error: &CkError) -> bool {
    matches!(
        error,
        CkError::Pkcs11(
            RvError::EncryptedDataInvalid
                | RvError::EncryptedDataLenRange
                | RvError::DataInvalid
                | RvError::DataLenRange,
            _
        )
    )
}

impl HsmKey {
    /// Loads the token's key: module, token, login, key object, and the
    /// fingerprint computed by the token. Errors are
    /// [`VerifierError::Hsm`], naming what to fix.
    pub fn open(config: &HsmConfig) -> Result<Self, VerifierError> {
        let ctx = context(&config.module)?;
        let pin = AuthPin::from(String::from(config.pin.as_str()));
        let (session, key) = off_runtime(|| start(&ctx, &pin, &config.uri))?;
        let derived = Zeroizing::new(
            session
                .encrypt(&Mechanism::AesEcb, key, DERIVATION_BLOCKS)
                .map_err(|e| {
                    hsm(
                        HsmProblem::Object,
                        format!(
                            "the token does not let {:?} encrypt with CKM_AES_ECB, which the key's fingerprint needs: {e}",
                            config.uri.object
                        ),
                    )
                })?,
        );
        if derived.len() != DERIVATION_BLOCKS.len() {
            return Err(hsm(
                HsmProblem::Device,
                "AES-ECB gave a result of the wrong length",
            ));
        }
        let mut repeat_key = Zeroizing::new([0u8; 32]);
        repeat_key.copy_from_slice(&derived[16..48]);
        token::LIVE_KEYS.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        Ok(Self {
            shared: Arc::new(Shared {
                fingerprint: hex::encode(&derived[..8]),
                repeat_key: Arc::new(repeat_key),
                ctx,
                uri: config.uri.clone(),
                pin,
                max: config.sessions.max(1),
                pool: Mutex::new(Pool {
                    idle: vec![session],
                    open: 1,
                    key: Some(key),
                    generation: 0,
                }),
                freed: Condvar::new(),
            }),
        })
    }

    /// Generates the key in the token (`C_GenerateKey`: AES-256, token,
    /// private, sensitive, not extractable, encrypt/decrypt only), labelled
    /// with the URI's object (and id), then loads it. Refuses if an object
    /// with that label exists.
    pub fn create(config: &HsmConfig) -> Result<Self, VerifierError> {
        let ctx = context(&config.module)?;
        let slot = find_token(&ctx, &config.uri.token)?;
        let pin = AuthPin::from(String::from(config.pin.as_str()));
        off_runtime(|| -> Result<(), VerifierError> {
            let session = ctx
                .open_rw_session(slot)
                .map_err(|e| device("cannot open a read-write session", &e))?;
            login(&session, &pin, &config.uri.token)?;
            let existing = session
                .find_objects(&[Attribute::Label(config.uri.object.as_bytes().to_vec())])
                .map_err(|e| device("cannot search the token", &e))?;
            if !existing.is_empty() {
                return Err(hsm(
                    HsmProblem::Object,
                    format!(
                        "token {:?} already holds an object labelled {:?}; a key is never overwritten",
                        config.uri.token, config.uri.object
                    ),
                ));
            }
            let mut template = vec![
                Attribute::Class(ObjectClass::SECRET_KEY),
                Attribute::KeyType(KeyType::AES),
                Attribute::ValueLen(32.into()),
                Attribute::Token(true),
                Attribute::Private(true),
                Attribute::Sensitive(true),
                Attribute::Extractable(false),
                Attribute::Encrypt(true),
                Attribute::Decrypt(true),
                Attribute::Wrap(false),
                Attribute::Unwrap(false),
                Attribute::Sign(false),
                Attribute::Verify(false),
                Attribute::Derive(false),
                Attribute::Label(config.uri.object.as_bytes().to_vec()),
            ];
            if let Some(id) = &config.uri.id {
                template.push(Attribute::Id(id.clone()));
            }
            session
                .generate_key(&Mechanism::AesKeyGen, &template)
                .map_err(|e| device("the token could not generate the key", &e))?;
            Ok(())
        })?;
        Self::open(config)
    }

    /// The URI this key was loaded from.
    pub fn uri(&self) -> &Pkcs11Uri {
        &self.shared.uri
    }

    /// The key's security attributes, read from the token now.
    pub fn attributes(&self) -> Result<KeyAttributes, VerifierError> {
        self.call(|session, key| read_attributes(session, key).map_err(|_| CkError::NotSupported))
    }

    pub(crate) fn derived(&self) -> (String, Arc<Zeroizing<[u8; 32]>>) {
        (
            self.shared.fingerprint.clone(),
            self.shared.repeat_key.clone(),
        )
    }

    /// Seals `msg` with `nonce`; returns the nonce the token used (a token
    /// that makes its own IV writes it back) and `ciphertext || tag`.
    pub(crate) fn seal(
        &self,
        nonce: &[u8; 12],
        aad: &[u8],
        msg: &[u8],
    ) -> Result<([u8; 12], Vec<u8>), VerifierError> {
        self.call(|session, key| {
            let mut iv = *nonce;
            let sealed = session.encrypt(
                &Mechanism::AesGcm(GcmParams::new(&mut iv, aad, 128.into())?),
                key,
                msg,
            )?;
            Ok((iv, sealed))
        })
    }

    /// Opens `ciphertext || tag`.
    pub(crate) fn open_sealed(
        &self,
        nonce: &[u8],
        aad: &[u8],
        sealed: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, VerifierError> {
        self.call_checked(
            |session, key| {
                let mut iv = nonce.to_vec();
                session
                    .decrypt(
                        &Mechanism::AesGcm(GcmParams::new(&mut iv, aad, 128.into())?),
                        key,
                        sealed,
                    )
                    .map(Zeroizing::new)
            },
            true,
        )
    }

    /// Runs `op` on a pooled session; see the module doc for the retry.
    fn call<T>(
        &self,
        op: impl Fn(&Session, ObjectHandle) -> Result<T, CkError>,
    ) -> Result<T, VerifierError> {
        self.call_checked(op, false)
    }

    /// [`HsmKey::call`]; with `decrypting`, a vague failure is told apart
    /// by a probe on the same session: tokens report a GCM tag that does
    /// not match differently (SoftHSM2 says `CKR_GENERAL_ERROR`), so if the
    /// token still computes the fingerprint right, the blob was bad
    /// (`Crypto`); if not, the token is in trouble (reset, retry, `Busy`).
    fn call_checked<T>(
        &self,
        op: impl Fn(&Session, ObjectHandle) -> Result<T, CkError>,
        decrypting: bool,
    ) -> Result<T, VerifierError> {
        off_runtime(|| {
            for _ in 0..2 {
                let lease = self.acquire()?;
                match op(&lease.session, lease.key) {
                    Ok(value) => {
                        self.release(lease);
                        return Ok(value);
                    }
                    Err(error)
                        if is_bad_ciphertext(&error) || (decrypting && self.healthy(&lease)) =>
                    {
                        self.release(lease);
                        return Err(VerifierError::Crypto);
                    }
                    Err(_) => self.reset(lease),
                }
            }
            Err(VerifierError::Busy("the HSM failed; nothing was done"))
        })
    }

    /// The token still answers on this session with this key's fingerprint.
    fn healthy(&self, lease: &Lease) -> bool {
        fingerprint_of(&lease.session, lease.key).as_deref()
            == Some(self.shared.fingerprint.as_str())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Pool> {
        self.shared
            .pool
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn acquire(&self) -> Result<Lease, VerifierError> {
        let shared = &self.shared;
        let deadline = Instant::now() + SESSION_WAIT;
        let mut pool = self.lock();
        loop {
            if let Some(key) = pool.key
                && let Some(session) = pool.idle.pop()
            {
                return Ok(Lease {
                    session,
                    key,
                    generation: pool.generation,
                });
            }
            if pool.open < shared.max {
                pool.open += 1;
                let generation = pool.generation;
                drop(pool);
                // The key found again by label must be the same key: an
                // object replaced under that label would seal seeds the
                // database's fingerprint does not name.
                let started = start(&shared.ctx, &shared.pin, &shared.uri).and_then(|(s, k)| {
                    if fingerprint_of(&s, k).as_deref() == Some(shared.fingerprint.as_str()) {
                        Ok((s, k))
                    } else {
                        Err(VerifierError::Busy("the HSM's key object changed"))
                    }
                });
                let mut pool = self.lock();
                return match started {
                    Ok((session, key)) => {
                        if pool.generation == generation {
                            pool.key = Some(key);
                        }
                        Ok(Lease {
                            session,
                            key,
                            generation,
                        })
                    }
                    Err(_) => {
                        pool.open -= 1;
                        shared.freed.notify_one();
                        Err(VerifierError::Busy("the HSM cannot be reached"))
                    }
                };
            }
            let now = Instant::now();
            if now >= deadline {
                return Err(VerifierError::Busy("every HSM session is in use"));
            }
            pool = shared
                .freed
                .wait_timeout(pool, deadline - now)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
    }

    fn release(&self, lease: Lease) {
        let mut pool = self.lock();
        if lease.generation == pool.generation {
            pool.idle.push(lease.session);
        } else {
            pool.open -= 1;
            drop(lease.session);
        }
        self.shared.freed.notify_one();
    }

    /// After an HSM error: close this and every idle session, forget the
    /// key handle; the next call starts afresh.
    fn reset(&self, lease: Lease) {
        let mut pool = self.lock();
        if lease.generation == pool.generation {
            pool.generation += 1;
            let idle = std::mem::take(&mut pool.idle);
            pool.open -= idle.len();
            pool.key = None;
            drop(idle);
        }
        pool.open -= 1;
        drop(lease.session);
        self.shared.freed.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sealing_key::SealingKey;

    fn test_key() -> SealingKey {
        test_hsm().into()
    }

    fn test_hsm() -> HsmKey {
        let var = |name: &str| {
            std::env::var(name)
                .unwrap_or_else(|_| panic!("{name} is unset: source .ci/setup.d/40-softhsm.sh"))
        };
        let mut suffix = [0u8; 6];
        getrandom::fill(&mut suffix).unwrap();
        let config = HsmConfig {
            module: var("MOBIPASS_TEST_PKCS11_MODULE").into(),
            uri: format!(
                "pkcs11:token={};object=unit-{}",
                var("MOBIPASS_TEST_PKCS11_TOKEN"),
                hex::encode(suffix)
            )
            .parse()
            .unwrap(),
            pin: var("MOBIPASS_TEST_PKCS11_PIN").into(),
            sessions: 2,
        };
        HsmKey::create(&config).unwrap()
    }

    #[test]
    fn debug_of_the_config_hides_the_pin() {
        let config = HsmConfig {
            module: "/lib/x.so".into(),
            uri: "pkcs11:token=t;object=k".parse().unwrap(),
            pin: String::from("314159").into(),
            sessions: 1,
        };
        let shown = format!("{config:?}");
        assert!(!shown.contains("314159"), "{shown}");
        assert!(
            shown.contains("[redacted]") && shown.contains("token=t"),
            "{shown}"
        );
    }

    #[test]
    #[ignore = "needs SoftHSM2: source .ci/setup.d/40-softhsm.sh"]
    fn the_token_seals_in_the_stored_format_and_a_bad_blob_is_crypto_not_busy() {
        let key = test_key();
        let sealed = key.seal(b"aad", &[5; 32]).unwrap();
        assert_eq!(sealed.len(), 12 + 32 + 16);
        let (nonce, body) = sealed.split_at(12);
        assert_eq!(key.open(nonce, b"aad", body).unwrap().as_slice(), &[5; 32]);
        assert!(matches!(
            key.open(nonce, b"other", body),
            Err(VerifierError::Crypto)
        ));
        let mut tampered = body.to_vec();
        tampered[3] ^= 1;
        assert!(matches!(
            key.open(nonce, b"aad", &tampered),
            Err(VerifierError::Crypto)
        ));
        // Another token key does not open it either.
        assert!(matches!(
            test_key().open(nonce, b"aad", body),
            Err(VerifierError::Crypto)
        ));
        // Two seals, two nonces.
        assert_ne!(key.seal(b"aad", &[5; 32]).unwrap()[..12], sealed[..12]);
    }

    #[test]
    #[ignore = "needs SoftHSM2: source .ci/setup.d/40-softhsm.sh"]
    fn sessions_are_capped_and_shared_by_concurrent_callers() {
        let hsm = test_hsm();
        let key = SealingKey::from(hsm.clone());
        let threads: Vec<_> = (0..8)
            .map(|_| {
                let key = key.clone();
                std::thread::spawn(move || {
                    for _ in 0..50 {
                        let sealed = key.seal(b"a", &[1; 16]).unwrap();
                        let (nonce, body) = sealed.split_at(12);
                        assert_eq!(key.open(nonce, b"a", body).unwrap().as_slice(), &[1; 16]);
                    }
                })
            })
            .collect();
        for thread in threads {
            thread.join().unwrap();
        }
        // Eight callers, two sessions (the config's cap), all idle again.
        let pool = hsm.lock();
        assert_eq!((pool.open, pool.idle.len()), (2, 2));
    }
}
