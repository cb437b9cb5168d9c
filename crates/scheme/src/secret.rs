//! The 36-digit secret itself: the value `S` printed in an envelope, and the
//! activated secret `S2` that the app masks and the OCRA key comes from.
//!
//! This module is the bottom of the crate's key handling: the envelope format
//! ([`crate::activation`]), the key derivation ([`crate::derive`]), the
//! activated secret ([`crate::activated`]) and the camouflage
//! ([`crate::camouflage`]) all build on it and none of them on each other's
//! internals, so the modules form no import cycle. It also holds the one
//! "reduce a hash mod 10^36" that both `P` (camouflage) and `D` (two-channel
//! activation) need, so the two can never drift apart.

use std::fmt;

use subtle::ConstantTimeEq;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

/// `10^36`: the secret, the mask and every offset live in `0..MODULUS`.
pub(crate) const MODULUS: u128 = 1_000_000_000_000_000_000_000_000_000_000_000_000;

/// Decimal digits of a secret.
pub const SECRET_DIGITS: usize = 36;

/// A 36-digit MobiPass secret: the `S` of an envelope or the activated `S2`
/// of a two-channel credential (section 2b of the scheme). Zeroized on drop;
/// `Debug` never shows the digits; `==` runs in constant time.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct ActivationKey {
    secret: u128,
}

impl fmt::Debug for ActivationKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ActivationKey([redacted])")
    }
}

impl PartialEq for ActivationKey {
    fn eq(&self, other: &Self) -> bool {
        self.secret.ct_eq(&other.secret).into()
    }
}
impl Eq for ActivationKey {}

impl ActivationKey {
    /// A new uniformly random key from the operating system's CSPRNG.
    ///
    /// # Panics
    /// If the operating system has no working random source; there is no safe
    /// way to issue a key without one.
    pub fn generate() -> Self {
        // 120 random bits, rejection-sampled below 10^36 (accepts ~75%).
        loop {
            let mut bytes = Zeroizing::new([0u8; 16]);
            getrandom::fill(&mut bytes[1..]).expect("the OS random source failed");
            let candidate = Zeroizing::new(u128::from_be_bytes(*bytes));
            if *candidate < MODULUS {
                return Self { secret: *candidate };
            }
        }
    }

    /// The 36 data digits, in order, leading zeros kept: the ASCII message of
    /// the key derivation.
    pub fn data_digits(&self) -> Zeroizing<String> {
        Zeroizing::new(format!("{:036}", self.secret))
    }

    /// The secret as 16 big-endian bytes, for a verifier that seals `S`
    /// (two-channel credentials). Handle with care.
    pub fn to_be_bytes(&self) -> Zeroizing<[u8; 16]> {
        Zeroizing::new(self.secret.to_be_bytes())
    }

    /// Reads back [`ActivationKey::to_be_bytes`]. `None` when the value is not
    /// below 10^36, so a damaged or foreign blob is never taken for a key.
    pub fn from_be_bytes(bytes: &[u8; 16]) -> Option<Self> {
        let value = Zeroizing::new(u128::from_be_bytes(*bytes));
        (*value < MODULUS).then(|| Self { secret: *value })
    }

    pub(crate) fn from_secret(secret: u128) -> Self {
        debug_assert!(secret < MODULUS);
        Self { secret }
    }

    pub(crate) fn secret(&self) -> u128 {
        self.secret
    }
}

/// `(a + b) mod 10^36` for `a, b < 10^36` (the sum fits: 2 * 10^36 < 2^121).
pub(crate) fn add_mod(a: u128, b: u128) -> u128 {
    debug_assert!(a < MODULUS && b < MODULUS);
    let sum = Zeroizing::new(a + b);
    *sum % MODULUS
}

/// `(a - b) mod 10^36` for `a, b < 10^36`.
pub(crate) fn sub_mod(a: u128, b: u128) -> u128 {
    debug_assert!(a < MODULUS && b < MODULUS);
    let sum = Zeroizing::new(a + MODULUS - b);
    *sum % MODULUS
}

/// All of `bytes` read as one big-endian integer, reduced mod 10^36. Reducing
/// the full width (256 bits for our hashes) keeps the result's bias below
/// 2^-136. The running remainder is a function of the hashed secret, so it
/// lives in wiped memory.
pub(crate) fn reduce_be(bytes: &[u8]) -> Zeroizing<u128> {
    let mut r = Zeroizing::new(0u128);
    for &b in bytes {
        // Horner's rule in base 256; r < 10^36 keeps r * 256 + 255 inside u128.
        *r = (*r * 256 + u128::from(b)) % MODULUS;
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equality_sees_every_bit() {
        let a = ActivationKey::from_secret(1 << 100);
        assert_eq!(a, ActivationKey::from_secret(1 << 100));
        assert_ne!(a, ActivationKey::from_secret((1 << 100) | 1));
        assert_ne!(a, ActivationKey::from_secret(1 << 101));
    }

    #[test]
    fn debug_hides_the_secret() {
        let key = ActivationKey::from_secret(123_456_789);
        assert_eq!(format!("{key:?}"), "ActivationKey([redacted])");
    }

    #[test]
    fn bytes_round_trip_and_refuse_values_beyond_the_modulus() {
        let key = ActivationKey::from_secret(MODULUS - 1);
        assert_eq!(ActivationKey::from_be_bytes(&key.to_be_bytes()), Some(key));
        assert_eq!(ActivationKey::from_be_bytes(&MODULUS.to_be_bytes()), None);
        assert_eq!(ActivationKey::from_be_bytes(&[0xff; 16]), None);
    }

    #[test]
    fn reduction_reads_all_bytes_big_endian() {
        // 2^128 mod 10^36, from Python: pow(2, 128) % 10**36.
        let mut bytes = [0u8; 17];
        bytes[0] = 1;
        assert_eq!(
            *reduce_be(&bytes),
            282_366_920_938_463_463_374_607_431_768_211_456
        );
        assert!(*reduce_be(&[0xff; 32]) < MODULUS);
        assert_eq!(*reduce_be(&[1, 0]), 256);
    }

    #[test]
    fn modular_sums_wrap() {
        assert_eq!(add_mod(MODULUS - 1, 2), 1);
        assert_eq!(sub_mod(1, 2), MODULUS - 1);
        assert_eq!(sub_mod(add_mod(MODULUS - 5, 9), 9), MODULUS - 5);
    }
}
