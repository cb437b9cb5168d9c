//! Properties of the activation key, the questions and the camouflage that
//! must hold for every input, not only for the examples in the docs.

use mobipass_scheme::camouflage::mask_with_any_params;
use mobipass_scheme::{
    ActivationKey, Amount, Challenge, DocumentCode, KdfParams, KeyError, Payee, Pin, Salt, unmask,
};
use proptest::prelude::*;

/// Argon2id cheap enough to run thousands of times; the app never uses it.
const TEST_KDF: KdfParams = KdfParams {
    memory_kib: 8,
    iterations: 1,
    parallelism: 1,
};

fn any_key() -> impl Strategy<Value = ActivationKey> {
    "[0-9]{36}".prop_map(|digits| ActivationKey::from_data_digits(&digits).unwrap())
}

fn parts_of(key: &ActivationKey) -> [String; 4] {
    key.parts().map(|p| p.to_string())
}

proptest! {
    #[test]
    fn grouped_form_parses_back_to_the_same_key(key in any_key()) {
        prop_assert_eq!(ActivationKey::parse(&key.grouped()).unwrap(), key.clone());
        prop_assert_eq!(ActivationKey::from_parts(&parts_of(&key)).unwrap(), key);
    }

    #[test]
    fn every_single_digit_change_is_caught_and_named(key in any_key()) {
        let parts = parts_of(&key);
        for part in 0..4 {
            for position in 0..10 {
                for replacement in b'0'..=b'9' {
                    let mut typed = parts.clone();
                    let mut bytes = typed[part].clone().into_bytes();
                    if bytes[position] == replacement { continue; }
                    bytes[position] = replacement;
                    typed[part] = String::from_utf8(bytes).unwrap();
                    prop_assert_eq!(
                        ActivationKey::from_parts(&typed),
                        Err(KeyError::Typo { part: part as u8 + 1 })
                    );
                }
            }
        }
    }

    #[test]
    fn every_adjacent_swap_is_caught_and_named(key in any_key()) {
        let parts = parts_of(&key);
        for part in 0..4 {
            for position in 0..9 {
                let mut bytes = parts[part].clone().into_bytes();
                if bytes[position] == bytes[position + 1] { continue; }
                bytes.swap(position, position + 1);
                let mut typed = parts.clone();
                typed[part] = String::from_utf8(bytes).unwrap();
                prop_assert_eq!(
                    ActivationKey::from_parts(&typed),
                    Err(KeyError::Typo { part: part as u8 + 1 })
                );
            }
        }
    }

    #[test]
    fn a_part_typed_into_another_field_is_caught(key in any_key(), from in 0usize..4, to in 0usize..4) {
        prop_assume!(from != to);
        let parts = parts_of(&key);
        let mut typed = parts.clone();
        typed[to] = parts[from].clone();
        // Whichever way round, the field that received a foreign part is named.
        prop_assert_eq!(
            ActivationKey::from_parts(&typed),
            Err(KeyError::Typo { part: to as u8 + 1 })
        );
    }

    #[test]
    fn unmask_with_the_same_pin_restores_the_key(key in any_key(), pin in "[0-9]{4}", salt in any::<[u8; 16]>()) {
        let pin = Pin::parse(&pin).unwrap();
        let salt = Salt::from_bytes(salt);
        let masked = mask_with_any_params(&key, &pin, &salt, &TEST_KDF).unwrap();
        prop_assert_eq!(unmask(&masked, &pin, &salt, &TEST_KDF).unwrap(), key);
    }

    #[test]
    fn different_amounts_or_payees_give_different_questions(
        code in "[0-9]{6,8}",
        a1 in 0u64..=999_999_999_999, a2 in 0u64..=999_999_999_999,
        p1 in "[0-9]{1,20}", p2 in "[0-9]{1,20}",
    ) {
        let challenge = |amount: u64, payee: &str| Challenge::Linked {
            code: DocumentCode::parse(&code).unwrap(),
            amount: Amount::from_minor(amount).unwrap(),
            payee: Payee::parse(payee).unwrap(),
        };
        let same_payee = Payee::parse(&p1).unwrap() == Payee::parse(&p2).unwrap();
        let q1 = challenge(a1, &p1).question();
        let q2 = challenge(a2, &p2).question();
        prop_assert_eq!(q1 == q2, a1 == a2 && same_payee);
        prop_assert_eq!(q1.len(), code.len() + 20);
    }
}

#[test]
fn every_pin_unmasks_one_mask_to_a_distinct_plausible_key() {
    let key = ActivationKey::from_data_digits("271828182845904523536028747135266249").unwrap();
    let salt = Salt::from_bytes(*b"fixed test salt!");
    let right = Pin::parse("3907").unwrap();
    let masked = mask_with_any_params(&key, &right, &salt, &TEST_KDF).unwrap();

    let mut candidates: Vec<String> = (0..10_000)
        .map(|n| {
            let pin = Pin::parse(&format!("{n:04}")).unwrap();
            unmask(&masked, &pin, &salt, &TEST_KDF)
                .unwrap()
                .data_digits()
                .to_string()
        })
        .collect();

    // Exactly one PIN gives the issued key back.
    let issued = key.data_digits().to_string();
    assert_eq!(candidates.iter().filter(|c| **c == issued).count(), 1);

    // Digit frequencies over all 360,000 digits are uniform: chi-square with
    // 9 degrees of freedom stays far below 27.9 (p = 0.001) for random digits.
    // A mask that leaked structure (e.g. a shared prefix) would blow past it.
    let mut counts = [0f64; 10];
    for digit in candidates.iter().flat_map(|c| c.bytes()) {
        counts[usize::from(digit - b'0')] += 1.0;
    }
    let expected = 36.0 * 10_000.0 / 10.0;
    let chi_square: f64 = counts
        .iter()
        .map(|c| (c - expected).powi(2) / expected)
        .sum();
    assert!(
        chi_square < 27.9,
        "digit frequencies are skewed: {chi_square}"
    );

    // Leading digits are uniform too, so no range of S' can be ruled out.
    let mut leading = [0f64; 10];
    for c in &candidates {
        leading[usize::from(c.as_bytes()[0] - b'0')] += 1.0;
    }
    let chi_leading: f64 = leading.iter().map(|c| (c - 1000.0).powi(2) / 1000.0).sum();
    assert!(
        chi_leading < 27.9,
        "leading digits are skewed: {chi_leading}"
    );

    candidates.sort_unstable();
    candidates.dedup();
    assert_eq!(candidates.len(), 10_000, "two PINs unmask to the same key");
}

#[test]
fn wrong_pin_response_is_an_ordinary_eight_digit_response() {
    let key = ActivationKey::from_data_digits("000000000111111111222222222333333333").unwrap();
    let salt = Salt::from_bytes([7; 16]);
    let masked =
        mask_with_any_params(&key, &Pin::parse("3907").unwrap(), &salt, &TEST_KDF).unwrap();
    let code = Challenge::Plain(DocumentCode::parse("338609").unwrap());
    let right = code.respond(
        &unmask(&masked, &Pin::parse("3907").unwrap(), &salt, &TEST_KDF)
            .unwrap()
            .ocra_key(),
    );
    let wrong = code.respond(
        &unmask(&masked, &Pin::parse("3908").unwrap(), &salt, &TEST_KDF)
            .unwrap()
            .ocra_key(),
    );
    assert_eq!(right, code.respond(&key.ocra_key()));
    assert_ne!(right, wrong);
    assert_eq!(wrong.as_str().len(), 8);
    assert!(wrong.as_str().bytes().all(|b| b.is_ascii_digit()));
}
