//! Properties of two-channel envelopes and activation codes (DESIGN.md
//! section 2b) that must hold for every input, not only for the vectors.

use mobipass_scheme::{
    ActivationCode, ActivationKey, CodeError, Envelope, EnvelopeError, EnvelopeKind, KeyError,
    two_channel_secret,
};
use proptest::prelude::*;

fn any_key() -> impl Strategy<Value = ActivationKey> {
    "[0-9]{36}".prop_map(|digits| ActivationKey::from_data_digits(&digits).unwrap())
}

fn any_kind() -> impl Strategy<Value = EnvelopeKind> {
    prop_oneof![
        Just(EnvelopeKind::EnvelopeOnly),
        Just(EnvelopeKind::TwoChannel)
    ]
}

fn parts_of(key: &ActivationKey, kind: EnvelopeKind) -> [String; 4] {
    Envelope::new(key.clone(), kind)
        .parts()
        .map(|p| p.to_string())
}

/// The valid code with data digits `data`: exactly one check digit parses.
fn code_of(data: &str) -> ActivationCode {
    let mut valid = (0..10).filter_map(|c| ActivationCode::parse(&format!("{data}{c}")).ok());
    let code = valid.next().expect("one check digit fits");
    assert!(valid.next().is_none(), "two check digits fit {data}");
    code
}

fn typo(part: usize) -> Result<Envelope, EnvelopeError> {
    Err(EnvelopeError::Key(KeyError::Typo {
        part: part as u8 + 1,
    }))
}

proptest! {
    #[test]
    fn every_single_digit_change_is_caught_and_named_for_both_kinds(key in any_key(), kind in any_kind()) {
        let parts = parts_of(&key, kind);
        for part in 0..4 {
            for position in 0..10 {
                for replacement in b'0'..=b'9' {
                    let mut bytes = parts[part].clone().into_bytes();
                    if bytes[position] == replacement { continue; }
                    bytes[position] = replacement;
                    let mut typed = parts.clone();
                    typed[part] = String::from_utf8(bytes).unwrap();
                    prop_assert_eq!(Envelope::from_parts(&typed), typo(part));
                }
            }
        }
    }

    #[test]
    fn every_adjacent_swap_is_caught_and_named_for_both_kinds(key in any_key(), kind in any_kind()) {
        let parts = parts_of(&key, kind);
        for part in 0..4 {
            for position in 0..9 {
                let mut bytes = parts[part].clone().into_bytes();
                if bytes[position] == bytes[position + 1] { continue; }
                bytes.swap(position, position + 1);
                let mut typed = parts.clone();
                typed[part] = String::from_utf8(bytes).unwrap();
                prop_assert_eq!(Envelope::from_parts(&typed), typo(part));
            }
        }
    }

    #[test]
    fn a_part_typed_into_another_field_is_caught_for_both_kinds(
        key in any_key(), kind in any_kind(), from in 0usize..4, to in 0usize..4,
    ) {
        prop_assume!(from != to);
        let parts = parts_of(&key, kind);
        let mut typed = parts.clone();
        typed[to] = parts[from].clone();
        prop_assert_eq!(Envelope::from_parts(&typed), typo(to));
        prop_assert_eq!(
            Envelope::check_part(to as u8 + 1, &parts[from]),
            Err(KeyError::Typo { part: to as u8 + 1 })
        );
    }

    #[test]
    fn an_envelope_only_ever_reads_as_its_own_kind(key in any_key(), kind in any_kind()) {
        let parts = parts_of(&key, kind);
        let envelope = Envelope::from_parts(&parts).unwrap();
        prop_assert_eq!(envelope.kind(), kind);
        prop_assert_eq!(envelope.key(), &key);
        for (i, part) in parts.iter().enumerate() {
            prop_assert_eq!(Envelope::check_part(i as u8 + 1, part), Ok(kind));
        }
        // The envelope-only reader of section 2 takes exactly the envelope-only kind.
        prop_assert_eq!(
            ActivationKey::from_parts(&parts).is_ok(),
            kind == EnvelopeKind::EnvelopeOnly
        );
        let grouped = Envelope::new(key.clone(), kind).grouped();
        prop_assert_eq!(Envelope::parse(&grouped).unwrap().kind(), kind);
    }

    #[test]
    fn mixed_kinds_name_the_minority_or_say_the_parts_do_not_belong(
        key in any_key(), two_channel in any::<[bool; 4]>(),
    ) {
        let only = parts_of(&key, EnvelopeKind::EnvelopeOnly);
        let two = parts_of(&key, EnvelopeKind::TwoChannel);
        let typed: [String; 4] =
            std::array::from_fn(|i| if two_channel[i] { two[i].clone() } else { only[i].clone() });
        let count = two_channel.iter().filter(|t| **t).count();
        let result = Envelope::from_parts(&typed);
        match count {
            0 => prop_assert_eq!(result.unwrap().kind(), EnvelopeKind::EnvelopeOnly),
            4 => prop_assert_eq!(result.unwrap().kind(), EnvelopeKind::TwoChannel),
            2 => prop_assert_eq!(result, Err(EnvelopeError::PartsDoNotBelongTogether)),
            _ => {
                let minority = count == 1;
                let odd = two_channel.iter().position(|t| *t == minority).unwrap();
                prop_assert_eq!(result, typo(odd));
            }
        }
    }

    #[test]
    fn every_single_digit_change_and_adjacent_swap_in_a_code_is_caught(data in "[0-9]{7}") {
        let digits = code_of(&data).digits().to_string();
        for position in 0..8 {
            for replacement in b'0'..=b'9' {
                let mut bytes = digits.clone().into_bytes();
                if bytes[position] == replacement { continue; }
                bytes[position] = replacement;
                prop_assert_eq!(
                    ActivationCode::parse(std::str::from_utf8(&bytes).unwrap()),
                    Err(CodeError::Typo)
                );
            }
        }
        for position in 0..7 {
            let mut bytes = digits.clone().into_bytes();
            if bytes[position] == bytes[position + 1] { continue; }
            bytes.swap(position, position + 1);
            prop_assert_eq!(
                ActivationCode::parse(std::str::from_utf8(&bytes).unwrap()),
                Err(CodeError::Typo)
            );
        }
    }

    #[test]
    fn different_codes_give_different_activated_secrets(
        key in any_key(), a in "[0-9]{7}", b in "[0-9]{7}",
    ) {
        let (ca, cb) = (code_of(&a), code_of(&b));
        let (sa, sb) = (two_channel_secret(&key, &ca), two_channel_secret(&key, &cb));
        prop_assert_eq!(sa == sb, a == b);
        prop_assert_ne!(&sa, &key);
    }
}

#[test]
fn every_code_in_a_large_range_gives_its_own_activated_secret() {
    let key = ActivationKey::from_data_digits("271828182845904523536028747135266249").unwrap();
    let mut secrets: Vec<String> = (0..50_000u32)
        .map(|n| {
            let code = code_of(&format!("{:07}", n * 199));
            two_channel_secret(&key, &code).data_digits().to_string()
        })
        .collect();
    let issued = key.data_digits();
    assert!(secrets.iter().all(|s2| s2.as_str() != issued.as_str()));
    secrets.sort_unstable();
    secrets.dedup();
    assert_eq!(secrets.len(), 50_000, "two codes gave the same S2");
}

#[test]
fn a_wrong_code_gives_a_normal_looking_but_different_response() {
    use mobipass_scheme::{Challenge, DocumentCode};
    let envelope = Envelope::new(
        ActivationKey::from_data_digits("314159265358979323846264338327950288").unwrap(),
        EnvelopeKind::TwoChannel,
    );
    let challenge = Challenge::Plain(DocumentCode::parse("338609").unwrap());
    let right = challenge.respond(
        &envelope
            .activated(Some(&code_of("1234567")))
            .unwrap()
            .ocra_key(),
    );
    let wrong = challenge.respond(
        &envelope
            .activated(Some(&code_of("1234568")))
            .unwrap()
            .ocra_key(),
    );
    assert_ne!(right, wrong);
    assert_eq!(wrong.as_str().len(), 8);
    // Without the code the envelope's own S answers something else again.
    let bare = challenge.respond(&envelope.key().ocra_key());
    assert_ne!(bare, right);
}
