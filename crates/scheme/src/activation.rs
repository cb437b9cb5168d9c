//! The activation key printed in the bank's envelope: its four parts, their
//! check digits and the two kinds of envelope those check digits tell apart.
//!
//! Four parts of ten digits: nine data digits and a Damm check digit computed
//! over a one-digit prefix followed by the part's data digits. The prefix is
//! the part's number (1..=4) on an envelope-only key and the number plus 4
//! (5..=8) on a two-channel key, so the check digits both catch a part typed
//! into the wrong field and say which kind of envelope it is. The 36 data
//! digits, in order, are the secret `S`.
//!
//! [`ActivationKey::from_parts`] and its siblings read envelope-only keys, as
//! they always did; [`crate::envelope::Envelope`] reads both kinds.

use zeroize::Zeroizing;

use crate::damm;
use crate::derive::OcraKey;

pub use crate::secret::ActivationKey;

/// Number of parts in a key.
pub const PARTS: usize = 4;
/// Digits in one part, check digit included.
pub const PART_DIGITS: usize = 10;
const DATA_DIGITS_PER_PART: usize = PART_DIGITS - 1;

/// Why key input was refused. Parts are numbered 1 to 4, as on the envelope.
/// No variant carries the digits typed, so an error can be shown or logged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// A part holds something other than digits, spaces and dashes.
    #[error("part {part} of 4 may hold only digits")]
    NotDigits {
        /// Which part (1..=4).
        part: u8,
    },
    /// A part does not have exactly ten digits.
    #[error("part {part} of 4 has {found} digits; each part has 10")]
    WrongLength {
        /// Which part (1..=4).
        part: u8,
        /// How many digits were found.
        found: usize,
    },
    /// A part's check digit does not match: a typo, two swapped digits, or the
    /// part of another field.
    #[error("part {part} of 4 has a typo")]
    Typo {
        /// Which part (1..=4).
        part: u8,
    },
    /// A pasted whole key does not have 40 digits.
    #[error("a whole key has 40 digits; found {found}")]
    WholeKeyLength {
        /// How many digits were found.
        found: usize,
    },
}

/// Which kind of credential an envelope belongs to, as its check digits say.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EnvelopeKind {
    /// The envelope alone activates (scheme section 2): check prefixes 1-4.
    EnvelopeOnly,
    /// The envelope needs an activation code from a second channel (scheme
    /// section 2b): check prefixes 5-8.
    TwoChannel,
}

impl EnvelopeKind {
    /// Both kinds, envelope-only first.
    pub const ALL: [Self; 2] = [Self::EnvelopeOnly, Self::TwoChannel];

    /// The digit put before part `number`'s data digits for its check digit:
    /// `number` (envelope only) or `number + 4` (two-channel).
    pub const fn check_prefix(self, number: u8) -> u8 {
        match self {
            Self::EnvelopeOnly => number,
            Self::TwoChannel => number + 4,
        }
    }

    /// True when activation needs an [`crate::ActivationCode`] as well.
    pub const fn needs_activation_code(self) -> bool {
        matches!(self, Self::TwoChannel)
    }

    /// The kind's stable name, the same for the app's vault and the
    /// verifier's API: `envelope_only` or `two_channel`.
    pub const fn name(self) -> &'static str {
        match self {
            Self::EnvelopeOnly => "envelope_only",
            Self::TwoChannel => "two_channel",
        }
    }

    /// Reads [`EnvelopeKind::name`] back; `None` for anything else.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.name() == name)
    }
}

/// Keeps only the characters people use to group digits out of `text`.
pub(crate) fn strip_separators(text: &str) -> Zeroizing<String> {
    Zeroizing::new(
        text.chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .collect(),
    )
}

/// One part as typed, its shape checked: ten digit values.
pub(crate) struct PartDigits(Zeroizing<[u8; PART_DIGITS]>);

impl PartDigits {
    /// Checks that part `number` (1..=4) holds ten digits besides separators.
    pub(crate) fn read(number: u8, text: &str) -> Result<Self, KeyError> {
        debug_assert!((1..=PARTS as u8).contains(&number));
        let digits = strip_separators(text);
        if !digits.chars().all(|c| c.is_ascii_digit()) {
            return Err(KeyError::NotDigits { part: number });
        }
        if digits.len() != PART_DIGITS {
            return Err(KeyError::WrongLength {
                part: number,
                found: digits.len(),
            });
        }
        let mut values = Zeroizing::new([0u8; PART_DIGITS]);
        for (value, b) in values.iter_mut().zip(digits.bytes()) {
            *value = b - b'0';
        }
        Ok(Self(values))
    }

    /// True when the check digit is right for part `number` of a `kind` key.
    pub(crate) fn checks_as(&self, number: u8, kind: EnvelopeKind) -> bool {
        damm::interim(std::iter::once(kind.check_prefix(number)).chain(self.0.iter().copied())) == 0
    }

    /// The kind under which the check digit is right, if any. Never both: the
    /// two prefixes differ, and Damm maps different starting states through
    /// the same digits to different ends.
    pub(crate) fn kind(&self, number: u8) -> Option<EnvelopeKind> {
        EnvelopeKind::ALL
            .into_iter()
            .find(|&kind| self.checks_as(number, kind))
    }

    /// The nine data digits as a number.
    pub(crate) fn data(&self) -> u32 {
        self.0[..DATA_DIGITS_PER_PART]
            .iter()
            .fold(0u32, |acc, &d| acc * 10 + u32::from(d))
    }
}

/// Validates part `number` (1..=4) of an envelope-only key and returns its
/// nine data digits as a number.
fn read_part(number: u8, text: &str) -> Result<u32, KeyError> {
    let digits = PartDigits::read(number, text)?;
    if !digits.checks_as(number, EnvelopeKind::EnvelopeOnly) {
        return Err(KeyError::Typo { part: number });
    }
    Ok(digits.data())
}

/// The number (1 to 4) of the part holding the first non-digit of `digits`,
/// read as consecutive parts of `per_part` characters; characters past the
/// last part count as the last part's.
fn part_with_non_digit(digits: &str, per_part: usize) -> Option<u8> {
    let position = digits.chars().position(|c| !c.is_ascii_digit())?;
    Some((position / per_part).min(PARTS - 1) as u8 + 1)
}

/// The error for a whole key that did not split into four parts of ten digits.
pub(crate) fn whole_key_error(text: &str) -> KeyError {
    let digits = strip_separators(text);
    if let Some(part) = part_with_non_digit(&digits, PART_DIGITS) {
        return KeyError::NotDigits { part };
    }
    KeyError::WholeKeyLength {
        found: digits.len(),
    }
}

/// Builds `S` from the data of four parts, in order.
pub(crate) fn secret_from_data(data: &[u32; PARTS]) -> ActivationKey {
    let secret = Zeroizing::new(
        data.iter()
            .fold(0u128, |acc, &d| acc * 1_000_000_000 + u128::from(d)),
    );
    ActivationKey::from_secret(*secret)
}

impl ActivationKey {
    /// Reads the four parts of an **envelope-only** key as typed into four
    /// fields. Spaces and dashes inside a part are ignored. The first part in
    /// error is reported; a two-channel envelope fails here (as a typo in
    /// part 1): read envelopes of either kind with
    /// [`crate::Envelope::from_parts`].
    pub fn from_parts<S: AsRef<str>>(parts: &[S; PARTS]) -> Result<Self, KeyError> {
        let mut data = Zeroizing::new([0u32; PARTS]);
        for (index, part) in parts.iter().enumerate() {
            data[index] = read_part(index as u8 + 1, part.as_ref())?;
        }
        Ok(secret_from_data(&data))
    }

    /// Checks one part of an envelope-only key on its own, as a form does
    /// while the person types: digits, length, and the check digit over the
    /// part's number and data (so a part typed into another part's field is
    /// caught too). For either kind use [`crate::Envelope::check_part`].
    pub fn check_part(number: u8, text: &str) -> Result<(), KeyError> {
        read_part(number, text).map(drop)
    }

    /// Splits a pasted whole key (40 digits, any spaces and dashes) into its
    /// four parts, without checking them, so a form can fill its fields.
    /// `None` if the text is not 40 digits. Works for both kinds.
    pub fn split_pasted(text: &str) -> Option<[Zeroizing<String>; PARTS]> {
        let digits = strip_separators(text);
        if digits.len() != PARTS * PART_DIGITS || !digits.chars().all(|c| c.is_ascii_digit()) {
            return None;
        }
        Some(std::array::from_fn(|i| {
            Zeroizing::new(digits[i * PART_DIGITS..(i + 1) * PART_DIGITS].to_owned())
        }))
    }

    /// Reads a whole envelope-only key pasted or typed as one string.
    pub fn parse(text: &str) -> Result<Self, KeyError> {
        match Self::split_pasted(text) {
            Some(parts) => Self::from_parts(&parts),
            None => Err(whole_key_error(text)),
        }
    }

    /// Rebuilds a key from its 36 data digits (no check digits), as a bank's
    /// own systems or test vectors may hold them.
    pub fn from_data_digits(digits: &str) -> Result<Self, KeyError> {
        if let Some(part) = part_with_non_digit(digits, DATA_DIGITS_PER_PART) {
            return Err(KeyError::NotDigits { part });
        }
        if digits.len() != PARTS * DATA_DIGITS_PER_PART {
            return Err(KeyError::WholeKeyLength {
                found: digits.len(),
            });
        }
        let secret = Zeroizing::new(
            digits
                .bytes()
                .fold(0u128, |acc, b| acc * 10 + u128::from(b - b'0')),
        );
        Ok(Self::from_secret(*secret))
    }

    /// The four ten-digit parts of an envelope-only key, check digits
    /// included. For a two-channel envelope use [`crate::Envelope::parts`].
    pub fn parts(&self) -> [Zeroizing<String>; PARTS] {
        self.parts_as(EnvelopeKind::EnvelopeOnly)
    }

    /// The four parts with the check digits of `kind`.
    pub(crate) fn parts_as(&self, kind: EnvelopeKind) -> [Zeroizing<String>; PARTS] {
        let data = self.data_digits();
        std::array::from_fn(|i| {
            let chunk = &data[i * DATA_DIGITS_PER_PART..(i + 1) * DATA_DIGITS_PER_PART];
            let values = chunk.bytes().map(|b| b - b'0');
            let prefix = kind.check_prefix(i as u8 + 1);
            let check = damm::interim(std::iter::once(prefix).chain(values));
            Zeroizing::new(format!("{chunk}{check}"))
        })
    }

    /// The envelope-only key for reading aloud or printing:
    /// `12345 67890 - 12345 67890 - ...`. [`ActivationKey::parse`] reads this
    /// form back.
    pub fn grouped(&self) -> Zeroizing<String> {
        group(&self.parts())
    }

    /// The OCRA key `K` for this secret (see [`OcraKey::derive`]).
    pub fn ocra_key(&self) -> OcraKey {
        OcraKey::derive(self)
    }
}

/// Parts joined for reading: `12345 67890 - 12345 67890 - ...`.
pub(crate) fn group(parts: &[Zeroizing<String>; PARTS]) -> Zeroizing<String> {
    let mut out = Zeroizing::new(String::with_capacity(4 * 11 + 3 * 3));
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            out.push_str(" - ");
        }
        out.push_str(&part[..5]);
        out.push(' ');
        out.push_str(&part[5..]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_carry_their_part_number_in_the_check_digit() {
        let key = ActivationKey::from_secret(0);
        let parts = key.parts();
        // Same data digits in every part, different check digits.
        let checks: Vec<&str> = parts.iter().map(|p| &p[9..]).collect();
        assert_eq!(checks.len(), 4);
        assert!(checks.windows(2).all(|w| w[0] != w[1]));
    }

    #[test]
    fn the_two_kinds_give_every_part_a_different_check_digit() {
        let key = ActivationKey::from_secret(0);
        let only = key.parts_as(EnvelopeKind::EnvelopeOnly);
        let two = key.parts_as(EnvelopeKind::TwoChannel);
        // All eight prefixes 1..=8 over the same data: eight check digits.
        let mut checks: Vec<&str> = only.iter().chain(two.iter()).map(|p| &p[9..]).collect();
        checks.sort_unstable();
        checks.dedup();
        assert_eq!(checks.len(), 8);
    }

    #[test]
    fn kind_names_are_stable_and_read_back() {
        assert_eq!(EnvelopeKind::EnvelopeOnly.name(), "envelope_only");
        assert_eq!(EnvelopeKind::TwoChannel.name(), "two_channel");
        for kind in EnvelopeKind::ALL {
            assert_eq!(EnvelopeKind::from_name(kind.name()), Some(kind));
        }
        assert_eq!(EnvelopeKind::from_name("Two_Channel"), None);
        assert!(EnvelopeKind::TwoChannel.needs_activation_code());
        assert!(!EnvelopeKind::EnvelopeOnly.needs_activation_code());
    }

    #[test]
    fn a_two_channel_envelope_is_refused_by_the_envelope_only_reader() {
        let key = ActivationKey::from_secret(314_159_265_358_979);
        let two = key.parts_as(EnvelopeKind::TwoChannel);
        assert_eq!(
            ActivationKey::from_parts(&two),
            Err(KeyError::Typo { part: 1 })
        );
        assert_eq!(
            ActivationKey::check_part(3, &two[2]),
            Err(KeyError::Typo { part: 3 })
        );
    }

    #[test]
    fn grouped_form_is_five_and_five_joined_by_dashes() {
        let key = ActivationKey::from_data_digits("000000000000000000000000000000000001").unwrap();
        assert_eq!(
            key.grouped().as_str(),
            "00000 00003 - 00000 00001 - 00000 00007 - 00000 00018"
        );
    }
}
