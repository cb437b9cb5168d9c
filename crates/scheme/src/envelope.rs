//! Reading an envelope of either kind (scheme section 2b): the four parts,
//! and the kind their check digits say.
//!
//! Each part's check digit is right under at most one kind. The envelope is
//! accepted when all four parts agree. Otherwise the parts to blame are the
//! ones that check under neither kind and, when the others disagree, those of
//! the minority kind: a single typo, an adjacent swap or a part typed into
//! another field always leaves one part out of line, so it is named. Two
//! parts of each kind is no typo a person makes in one place; it is reported
//! apart ([`EnvelopeError::PartsDoNotBelongTogether`]), so the customer
//! compares the parts with the envelope instead of hunting one typo.

use zeroize::Zeroizing;

use crate::activated::{ActivationError, activated_secret};
use crate::activation::{
    ActivationKey, EnvelopeKind, KeyError, PARTS, PartDigits, group, secret_from_data,
    whole_key_error,
};
use crate::code::ActivationCode;

/// Why envelope input was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum EnvelopeError {
    /// One part is wrong (the first such part is named), or a pasted whole
    /// key has the wrong shape.
    #[error(transparent)]
    Key(#[from] KeyError),
    /// Two parts check as envelope-only and two as two-channel.
    #[error("the parts do not belong together; compare them with the envelope")]
    PartsDoNotBelongTogether,
}

/// What each part (numbered by its index + 1) checked as: a shape error,
/// no kind, or one kind.
type PartKinds = [Result<Option<EnvelopeKind>, KeyError>; PARTS];

/// The kind all four parts agree on, or the first part to blame: a shape
/// error, a part of neither kind, or a part of the minority kind.
fn agreed_kind(kinds: &PartKinds) -> Result<EnvelopeKind, EnvelopeError> {
    let count = |kind| kinds.iter().filter(|k| **k == Ok(Some(kind))).count();
    let (only, two) = (
        count(EnvelopeKind::EnvelopeOnly),
        count(EnvelopeKind::TwoChannel),
    );
    let majority = match (only, two) {
        (PARTS, _) => return Ok(EnvelopeKind::EnvelopeOnly),
        (_, PARTS) => return Ok(EnvelopeKind::TwoChannel),
        (2, 2) => return Err(EnvelopeError::PartsDoNotBelongTogether),
        _ if only > two => Some(EnvelopeKind::EnvelopeOnly),
        _ if two > only => Some(EnvelopeKind::TwoChannel),
        // One of each (or none) and the rest typos: the typos are named.
        _ => None,
    };
    for (index, kind) in kinds.iter().enumerate() {
        let typo = KeyError::Typo {
            part: index as u8 + 1,
        };
        match kind {
            Err(error) => return Err((*error).into()),
            Ok(None) => return Err(typo.into()),
            Ok(Some(kind)) if majority.is_some_and(|m| m != *kind) => return Err(typo.into()),
            Ok(Some(_)) => {}
        }
    }
    unreachable!("parts that do not all agree leave one out of line")
}

/// An envelope read and checked: the secret `S` and its kind. `Debug` shows
/// the kind only; the key inside is zeroized on drop.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope {
    key: ActivationKey,
    kind: EnvelopeKind,
}

impl Envelope {
    /// An envelope of `kind` for the secret `key` (an issuer printing it).
    pub fn new(key: ActivationKey, kind: EnvelopeKind) -> Self {
        Self { key, kind }
    }

    /// A new envelope of `kind` with a uniformly random secret from the OS
    /// CSPRNG (see [`ActivationKey::generate`]).
    ///
    /// # Panics
    /// If the operating system has no working random source.
    pub fn generate(kind: EnvelopeKind) -> Self {
        Self::new(ActivationKey::generate(), kind)
    }

    /// Checks one part on its own, as a form does while the person types:
    /// digits, length, and that its check digit is right for field `number`
    /// (1..=4) under one of the two kinds, which it returns. Whether all four
    /// agree is for [`Envelope::from_parts`] to say.
    pub fn check_part(number: u8, text: &str) -> Result<EnvelopeKind, KeyError> {
        PartDigits::read(number, text)?
            .kind(number)
            .ok_or(KeyError::Typo { part: number })
    }

    /// Reads the four parts as typed into four fields (spaces and dashes
    /// ignored) and tells the kind. The first part to blame is named.
    pub fn from_parts<S: AsRef<str>>(parts: &[S; PARTS]) -> Result<Self, EnvelopeError> {
        let mut data = Zeroizing::new([0u32; PARTS]);
        let mut kinds: PartKinds = [Ok(None); PARTS];
        for (index, part) in parts.iter().enumerate() {
            let number = index as u8 + 1;
            kinds[index] = PartDigits::read(number, part.as_ref()).map(|digits| {
                data[index] = digits.data();
                digits.kind(number)
            });
        }
        let kind = agreed_kind(&kinds)?;
        Ok(Self::new(secret_from_data(&data), kind))
    }

    /// Reads a whole envelope pasted or typed as one string (40 digits, any
    /// spaces and dashes).
    pub fn parse(text: &str) -> Result<Self, EnvelopeError> {
        match ActivationKey::split_pasted(text) {
            Some(parts) => Self::from_parts(&parts),
            None => Err(whole_key_error(text).into()),
        }
    }

    /// The envelope's kind.
    pub fn kind(&self) -> EnvelopeKind {
        self.kind
    }

    /// The envelope's secret `S` (what a two-channel verifier seals).
    pub fn key(&self) -> &ActivationKey {
        &self.key
    }

    /// The four parts as printed, with the check digits of the envelope's kind.
    pub fn parts(&self) -> [Zeroizing<String>; PARTS] {
        self.key.parts_as(self.kind)
    }

    /// The envelope for reading aloud or printing:
    /// `12345 67890 - 12345 67890 - ...`. [`Envelope::parse`] reads it back.
    pub fn grouped(&self) -> Zeroizing<String> {
        group(&self.parts())
    }

    /// The activated secret `S2` to mask and derive `K` from: `S` for an
    /// envelope-only envelope (no code), `(S + D) mod 10^36` for a two-channel
    /// one (its code required). See [`crate::activated`].
    pub fn activated(
        &self,
        code: Option<&ActivationCode>,
    ) -> Result<ActivationKey, ActivationError> {
        activated_secret(self.kind, &self.key, code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn envelope(kind: EnvelopeKind) -> Envelope {
        Envelope::new(
            ActivationKey::from_data_digits("271828182845904523536028747135266249").unwrap(),
            kind,
        )
    }

    #[test]
    fn both_kinds_read_back_with_their_kind() {
        for kind in EnvelopeKind::ALL {
            let e = envelope(kind);
            assert_eq!(Envelope::from_parts(&e.parts()), Ok(e.clone()));
            assert_eq!(Envelope::parse(&e.grouped()), Ok(e.clone()));
            for (i, part) in e.parts().iter().enumerate() {
                assert_eq!(Envelope::check_part(i as u8 + 1, part), Ok(kind));
            }
        }
    }

    #[test]
    fn generated_envelopes_read_back_as_their_kind() {
        for kind in EnvelopeKind::ALL {
            let e = Envelope::generate(kind);
            assert_eq!(e.kind(), kind);
            assert_eq!(Envelope::from_parts(&e.parts()), Ok(e.clone()));
            assert_ne!(Envelope::generate(kind).key(), e.key());
        }
    }

    #[test]
    fn two_against_two_do_not_belong_together() {
        let only = envelope(EnvelopeKind::EnvelopeOnly).parts();
        let two = envelope(EnvelopeKind::TwoChannel).parts();
        let mixed = [&only[0], &two[1], &only[2], &two[3]].map(|p| p.to_string());
        assert_eq!(
            Envelope::from_parts(&mixed),
            Err(EnvelopeError::PartsDoNotBelongTogether)
        );
        assert_eq!(
            EnvelopeError::PartsDoNotBelongTogether.to_string(),
            "the parts do not belong together; compare them with the envelope"
        );
    }

    #[test]
    fn the_minority_kind_is_named_as_the_typo() {
        let only = envelope(EnvelopeKind::EnvelopeOnly).parts();
        let two = envelope(EnvelopeKind::TwoChannel).parts();
        let one_off = [&two[0], &two[1], &only[2], &two[3]].map(|p| p.to_string());
        assert_eq!(
            Envelope::from_parts(&one_off),
            Err(KeyError::Typo { part: 3 }.into())
        );
        let one_off = [&only[0], &only[1], &only[2], &two[3]].map(|p| p.to_string());
        assert_eq!(
            Envelope::from_parts(&one_off),
            Err(KeyError::Typo { part: 4 }.into())
        );
    }

    #[test]
    fn a_part_checking_under_neither_kind_is_a_typo_before_a_minority() {
        let only = envelope(EnvelopeKind::EnvelopeOnly).parts();
        let two = envelope(EnvelopeKind::TwoChannel).parts();
        // Part 2 is garbage; parts 1 and 3 disagree with 4: part 1 comes first.
        let parts = [
            two[0].to_string(),
            "0000000000".into(),
            only[2].to_string(),
            only[3].to_string(),
        ];
        assert_eq!(
            Envelope::check_part(2, "0000000000"),
            Err(KeyError::Typo { part: 2 })
        );
        assert_eq!(
            Envelope::from_parts(&parts),
            Err(KeyError::Typo { part: 1 }.into())
        );
        // One of each kind and two typos: the typos are named.
        let parts = [
            two[0].to_string(),
            "0000000000".into(),
            only[2].to_string(),
            "0000000000".into(),
        ];
        assert_eq!(
            Envelope::from_parts(&parts),
            Err(KeyError::Typo { part: 2 }.into())
        );
    }

    #[test]
    fn shape_errors_keep_their_key_error() {
        let parts = envelope(EnvelopeKind::TwoChannel).parts();
        let short = [
            parts[0].to_string(),
            parts[1].to_string(),
            "12345".into(),
            parts[3].to_string(),
        ];
        assert_eq!(
            Envelope::from_parts(&short),
            Err(KeyError::WrongLength { part: 3, found: 5 }.into())
        );
        assert_eq!(
            Envelope::parse("12345"),
            Err(KeyError::WholeKeyLength { found: 5 }.into())
        );
        assert_eq!(
            Envelope::parse("1234567890 123456789x"),
            Err(KeyError::NotDigits { part: 2 }.into())
        );
    }

    #[test]
    fn debug_shows_the_kind_but_not_the_secret() {
        let text = format!("{:?}", envelope(EnvelopeKind::TwoChannel));
        assert!(text.contains("TwoChannel") && text.contains("[redacted]"));
        assert!(!text.contains("2718281828"));
    }
}
