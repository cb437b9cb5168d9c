//! PIN camouflage: hiding the secret `S` under a 4-digit PIN so that no one
//! holding the vault can tell a right PIN from a wrong one.
//!
//! A 4-digit PIN has 10,000 values, so anything stored that lets a PIN be
//! checked (a MAC tag, a hash, a checksum of `S`) falls to an offline search.
//! Instead the vault keeps only `M = (S + P) mod 10^36` where `P` is the
//! Argon2id output of the PIN reduced mod 10^36. Every PIN unmasks to some
//! 36-digit `S'`, equally plausible, and only the bank's verifier — which
//! counts wrong responses and blocks — learns whether `S'` was right.
//!
//! For a two-channel credential the masked secret is the activated `S2`
//! (see [`crate::activated`]); nothing here depends on which.

use std::fmt;

use argon2::{Algorithm, Argon2, Block, Params, Version};
use subtle::ConstantTimeEq;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::pin::Pin;
use crate::secret::{ActivationKey, add_mod, reduce_be, sub_mod};

/// Bytes of Argon2id salt.
pub const SALT_LEN: usize = 16;
/// Digits of a stored mask.
pub const MASK_DIGITS: usize = 36;

/// Why the camouflage could not run. Never depends on whether a PIN is right.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CamouflageError {
    /// The Argon2id parameters are out of Argon2's range or too large to run.
    #[error("the key-derivation parameters are invalid")]
    InvalidParams,
    /// New masks must meet the cost floor (see [`KdfParams::meets_floor`]).
    #[error("the key-derivation parameters are below the minimum cost")]
    BelowFloor,
    /// The memory Argon2id needs could not be had. Passing: try again with
    /// more memory free. Never a sign of a damaged vault.
    #[error("not enough free memory for the key derivation")]
    OutOfMemory,
    /// A stored mask is not 36 decimal digits.
    #[error("the stored mask is not 36 digits")]
    MaskFormat,
}

/// Argon2id cost parameters; stored next to the mask so that a vault keeps
/// working if the defaults change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KdfParams {
    /// Memory in KiB (`m`).
    pub memory_kib: u32,
    /// Passes over memory (`t`).
    pub iterations: u32,
    /// Lanes (`p`).
    pub parallelism: u32,
}

impl KdfParams {
    /// The default for new vaults: m = 256 MiB, t = 2, p = 1 (about 0.5 s).
    pub const DEFAULT: Self = Self {
        memory_kib: 256 * 1024,
        iterations: 2,
        parallelism: 1,
    };
    /// Least memory a new vault may use: 64 MiB.
    pub const FLOOR_MEMORY_KIB: u32 = 64 * 1024;
    /// Least total work a new vault may use: that of m = 64 MiB, t = 3.
    pub const FLOOR_WORK_KIB_PASSES: u64 = 64 * 1024 * 3;
    /// Most memory a stored vault may ask for: 4 GiB (refuses absurd values
    /// written into a vault file instead of exhausting memory).
    pub const MAX_MEMORY_KIB: u32 = 4 * 1024 * 1024;

    /// True when `m >= 64 MiB` and `m * t` is at least that of m = 64 MiB, t = 3.
    /// The default (256 MiB, t = 2) meets it; 64 MiB needs t >= 3.
    pub fn meets_floor(&self) -> bool {
        self.memory_kib >= Self::FLOOR_MEMORY_KIB
            && u64::from(self.memory_kib) * u64::from(self.iterations)
                >= Self::FLOOR_WORK_KIB_PASSES
    }

    /// Most passes a stored vault may ask for (refuses absurd values, as
    /// [`KdfParams::MAX_MEMORY_KIB`] does for memory).
    pub const MAX_ITERATIONS: u32 = 64;
    /// Most lanes a stored vault may ask for.
    pub const MAX_PARALLELISM: u32 = 16;

    /// Checks, without running Argon2id, that these parameters can be run:
    /// Argon2id's own bounds and this crate's ceilings. [`unmask`] refuses
    /// exactly the parameters refused here, so a caller can tell a damaged
    /// vault before asking for a PIN.
    pub fn validate(&self) -> Result<(), CamouflageError> {
        self.params().map(|_| ())
    }

    fn params(&self) -> Result<Params, CamouflageError> {
        if self.memory_kib > Self::MAX_MEMORY_KIB
            || self.parallelism > Self::MAX_PARALLELISM
            || self.iterations > Self::MAX_ITERATIONS
        {
            return Err(CamouflageError::InvalidParams);
        }
        Params::new(self.memory_kib, self.iterations, self.parallelism, Some(32))
            .map_err(|_| CamouflageError::InvalidParams)
    }

    fn argon2(&self) -> Result<(Argon2<'static>, usize), CamouflageError> {
        let params = self.params()?;
        let blocks = params.block_count();
        Ok((
            Argon2::new(Algorithm::Argon2id, Version::V0x13, params),
            blocks,
        ))
    }
}

impl Default for KdfParams {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// A random Argon2id salt, fresh for every mask.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Salt([u8; SALT_LEN]);

impl Salt {
    /// A new salt from the OS CSPRNG.
    ///
    /// # Panics
    /// If the operating system has no working random source.
    pub fn generate() -> Self {
        let mut bytes = [0u8; SALT_LEN];
        getrandom::fill(&mut bytes).expect("the OS random source failed");
        Self(bytes)
    }

    /// A salt read back from storage.
    pub fn from_bytes(bytes: [u8; SALT_LEN]) -> Self {
        Self(bytes)
    }

    /// The salt bytes, for storage.
    pub fn as_bytes(&self) -> &[u8; SALT_LEN] {
        &self.0
    }
}

/// The stored mask `M = (S + P) mod 10^36`. On its own it says nothing about
/// `S`; `Debug` still hides it, drop wipes it and `==` runs in constant time,
/// since with a PIN guess it is the secret.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct Mask(u128);

impl PartialEq for Mask {
    fn eq(&self, other: &Self) -> bool {
        self.0.ct_eq(&other.0).into()
    }
}
impl Eq for Mask {}

impl fmt::Debug for Mask {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Mask([redacted])")
    }
}

impl Mask {
    /// Reads the 36 stored digits.
    pub fn from_digits(digits: &str) -> Result<Self, CamouflageError> {
        if digits.len() != MASK_DIGITS || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(CamouflageError::MaskFormat);
        }
        let value = Zeroizing::new(
            digits
                .bytes()
                .fold(0u128, |acc, b| acc * 10 + u128::from(b - b'0')),
        );
        Ok(Self(*value))
    }

    /// The 36 digits to store.
    pub fn to_digits(&self) -> Zeroizing<String> {
        Zeroizing::new(format!("{:036}", self.0))
    }
}

/// `P`: Argon2id of the PIN, all 256 output bits read big-endian and reduced
/// mod 10^36. Reducing the full width keeps `P`'s bias below 2^-136. With
/// the mask, `P` opens the key as surely as the PIN does, so it, the running
/// remainder of its reduction and the sums with it live in wiped memory.
fn pin_offset(
    pin: &Pin,
    salt: &Salt,
    params: &KdfParams,
) -> Result<Zeroizing<u128>, CamouflageError> {
    let (argon2, block_count) = params.argon2()?;
    // Our own memory, so it can be wiped: every block of Argon2's working
    // state is a function of the PIN and could serve to test PIN guesses
    // against a memory dump. `try_reserve` turns a failed allocation into an
    // error the app can explain instead of an abort.
    let mut blocks: Vec<Block> = Vec::new();
    blocks
        .try_reserve_exact(block_count)
        .map_err(|_| CamouflageError::OutOfMemory)?;
    blocks.resize(block_count, Block::default());
    let mut out = Zeroizing::new([0u8; 32]);
    let result = argon2.hash_password_into_with_memory(
        pin.as_bytes(),
        salt.as_bytes(),
        out.as_mut(),
        &mut blocks[..],
    );
    blocks.zeroize();
    result.map_err(|e| match e {
        argon2::Error::OutOfMemory => CamouflageError::OutOfMemory,
        _ => CamouflageError::InvalidParams,
    })?;
    Ok(reduce_be(out.as_ref()))
}

/// Masks `key` under `pin` for a new vault. Refuses parameters below the floor.
pub fn mask(
    key: &ActivationKey,
    pin: &Pin,
    salt: &Salt,
    params: &KdfParams,
) -> Result<Mask, CamouflageError> {
    if !params.meets_floor() {
        return Err(CamouflageError::BelowFloor);
    }
    mask_with_any_params(key, pin, salt, params)
}

/// Masks without the cost floor. Only for tests that need fast Argon2; the
/// app never calls it.
#[doc(hidden)]
pub fn mask_with_any_params(
    key: &ActivationKey,
    pin: &Pin,
    salt: &Salt,
    params: &KdfParams,
) -> Result<Mask, CamouflageError> {
    let offset = pin_offset(pin, salt, params)?;
    Ok(Mask(add_mod(key.secret(), *offset)))
}

/// Unmasks with whatever PIN was typed. Any PIN gives some key; only the right
/// one gives the issued key. Runs the same work either way.
///
/// Stored parameters are accepted as they are (below the floor too): they were
/// fixed when the mask was made, and refusing them would only lock the user out.
pub fn unmask(
    mask: &Mask,
    pin: &Pin,
    salt: &Salt,
    params: &KdfParams,
) -> Result<ActivationKey, CamouflageError> {
    let offset = pin_offset(pin, salt, params)?;
    Ok(ActivationKey::from_secret(sub_mod(mask.0, *offset)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floor_accepts_default_and_refuses_cheaper() {
        assert!(KdfParams::DEFAULT.meets_floor());
        let p = |m, t| KdfParams {
            memory_kib: m,
            iterations: t,
            parallelism: 1,
        };
        assert!(p(65536, 3).meets_floor());
        assert!(!p(65536, 2).meets_floor());
        assert!(!p(32768, 10).meets_floor());
    }

    #[test]
    fn validate_refuses_what_argon2id_or_the_ceilings_refuse() {
        let p = |m, t, l| KdfParams {
            memory_kib: m,
            iterations: t,
            parallelism: l,
        };
        assert_eq!(KdfParams::DEFAULT.validate(), Ok(()));
        // Below the floor is still runnable: stored vaults keep their cost.
        assert_eq!(p(8, 1, 1).validate(), Ok(()));
        assert_eq!(p(8 * 16, 64, 16).validate(), Ok(()));
        for bad in [
            p(65536, 0, 1),
            p(65536, 65, 1),
            p(65536, 1, 0),
            p(65536, 1, 17),
            p(7, 1, 1),
            p(8, 1, 2),
            p(KdfParams::MAX_MEMORY_KIB + 1, 1, 1),
        ] {
            assert_eq!(
                bad.validate(),
                Err(CamouflageError::InvalidParams),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn unmask_refuses_what_validate_refuses() {
        let mask = Mask::from_digits("000000000000000000000000000000000042").unwrap();
        let pin = Pin::parse("3907").unwrap();
        let salt = Salt::from_bytes([0; 16]);
        let too_many_passes = KdfParams {
            memory_kib: 8,
            iterations: 65,
            parallelism: 1,
        };
        assert!(too_many_passes.validate().is_err());
        assert_eq!(
            unmask(&mask, &pin, &salt, &too_many_passes),
            Err(CamouflageError::InvalidParams)
        );
    }

    #[test]
    fn mask_refuses_parameters_below_the_floor() {
        let key = ActivationKey::from_secret(42);
        let pin = Pin::parse("3907").unwrap();
        let cheap = KdfParams {
            memory_kib: 64,
            iterations: 1,
            parallelism: 1,
        };
        assert_eq!(
            mask(&key, &pin, &Salt::from_bytes([0; 16]), &cheap),
            Err(CamouflageError::BelowFloor)
        );
    }

    #[test]
    fn mask_equality_sees_every_digit() {
        let m = |d: &str| Mask::from_digits(d).unwrap();
        let a = m("100000000000000000000000000000000042");
        assert_eq!(a, m("100000000000000000000000000000000042"));
        assert_ne!(a, m("100000000000000000000000000000000043"));
        assert_ne!(a, m("200000000000000000000000000000000042"));
    }

    #[test]
    fn mask_digits_round_trip_and_refuse_garbage() {
        let m = Mask::from_digits("000000000000000000000000000000000042").unwrap();
        assert_eq!(
            m.to_digits().as_str(),
            "000000000000000000000000000000000042"
        );
        for bad in ["", "42", "00000000000000000000000000000000004a"] {
            assert_eq!(Mask::from_digits(bad), Err(CamouflageError::MaskFormat));
        }
    }
}
