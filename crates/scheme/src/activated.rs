//! The activated secret `S2` (scheme section 2b): what the app masks and what
//! the OCRA key `K` is derived from.
//!
//! For a two-channel credential `S2 = (S + D) mod 10^36` with
//! `D = HMAC-SHA256("MobiPass/v1/activation", S digits || code data digits)`
//! reduced mod 10^36; for an envelope-only credential `S2 = S`. `S2` is again
//! a 36-digit secret, so it is an [`ActivationKey`] value: camouflage and key
//! derivation take it unchanged, and a wrong code gives a wrong but
//! normal-looking response exactly as a wrong PIN does.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use zeroize::Zeroizing;

use crate::activation::EnvelopeKind;
use crate::code::ActivationCode;
use crate::secret::{ActivationKey, add_mod, reduce_be};

/// The HMAC key of `D`: ASCII `MobiPass/v1/activation`.
pub const ACTIVATION_LABEL: &[u8] = b"MobiPass/v1/activation";

/// Why a secret could not be activated: the code does not fit the kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ActivationError {
    /// A two-channel envelope needs its activation code.
    #[error("this envelope needs an activation code")]
    CodeNeeded,
    /// An envelope-only credential takes no activation code.
    #[error("this envelope takes no activation code")]
    CodeNotExpected,
}

/// `D`: HMAC-SHA256 keyed with [`ACTIVATION_LABEL`] over the 36 ASCII digits
/// of `S` followed by the 7 ASCII data digits of the code, all 256 bits read
/// big-endian and reduced mod 10^36.
fn offset(secret: &ActivationKey, code: &ActivationCode) -> Zeroizing<u128> {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(ACTIVATION_LABEL)
        .expect("HMAC takes keys of any length");
    mac.update(secret.data_digits().as_bytes());
    mac.update(code.data_digits().as_bytes());
    let tag = Zeroizing::new(<[u8; 32]>::from(mac.finalize().into_bytes()));
    reduce_be(tag.as_ref())
}

/// `S2 = (S + D) mod 10^36`: the secret of a two-channel credential once
/// activated with `code`.
pub fn two_channel_secret(secret: &ActivationKey, code: &ActivationCode) -> ActivationKey {
    let d = offset(secret, code);
    ActivationKey::from_secret(add_mod(secret.secret(), *d))
}

/// The activated secret `S2` of a credential of `kind` with envelope secret
/// `secret`: `S` itself for envelope-only, `S + D` for two-channel. The code
/// must be given exactly when the kind needs one.
pub fn activated_secret(
    kind: EnvelopeKind,
    secret: &ActivationKey,
    code: Option<&ActivationCode>,
) -> Result<ActivationKey, ActivationError> {
    match (kind, code) {
        (EnvelopeKind::EnvelopeOnly, None) => Ok(secret.clone()),
        (EnvelopeKind::TwoChannel, Some(code)) => Ok(two_channel_secret(secret, code)),
        (EnvelopeKind::EnvelopeOnly, Some(_)) => Err(ActivationError::CodeNotExpected),
        (EnvelopeKind::TwoChannel, None) => Err(ActivationError::CodeNeeded),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(digits: &str) -> ActivationKey {
        ActivationKey::from_data_digits(digits).unwrap()
    }

    #[test]
    fn envelope_only_keeps_s_and_two_channel_moves_it() {
        let s = key("314159265358979323846264338327950288");
        let code = ActivationCode::generate();
        assert_eq!(
            activated_secret(EnvelopeKind::EnvelopeOnly, &s, None),
            Ok(s.clone())
        );
        let s2 = activated_secret(EnvelopeKind::TwoChannel, &s, Some(&code)).unwrap();
        assert_ne!(s2, s);
        assert_eq!(s2, two_channel_secret(&s, &code));
    }

    #[test]
    fn the_code_must_match_the_kind() {
        let s = key("000000000000000000000000000000000001");
        let code = ActivationCode::generate();
        assert_eq!(
            activated_secret(EnvelopeKind::TwoChannel, &s, None),
            Err(ActivationError::CodeNeeded)
        );
        assert_eq!(
            activated_secret(EnvelopeKind::EnvelopeOnly, &s, Some(&code)),
            Err(ActivationError::CodeNotExpected)
        );
    }
}
