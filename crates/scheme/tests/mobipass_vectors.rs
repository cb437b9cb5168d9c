//! The scheme's own vectors (tests/data/mobipass_v1.json), written by
//! scripts/make_vectors.py with independent Python code: python-oath for OCRA,
//! argon2-cffi for Argon2id. docs/SCHEME.md prints the same values.

use mobipass_scheme::camouflage::mask_with_any_params;
use mobipass_scheme::{
    ActivationKey, Amount, Challenge, DocumentCode, KdfParams, Payee, Pin, Salt, unmask,
};
use serde::Deserialize;

#[derive(Deserialize)]
struct Vectors {
    keys: Vec<KeyVectors>,
    mask_examples: Vec<MaskExample>,
}

#[derive(Deserialize)]
struct KeyVectors {
    data_digits: String,
    parts: [String; 4],
    ocra_key_hex: String,
    plain: Vec<Plain>,
    linked: Vec<Linked>,
}

#[derive(Deserialize)]
struct Plain {
    code: String,
    response: String,
}

#[derive(Deserialize)]
struct Linked {
    code: String,
    amount_minor: u64,
    payee: String,
    question: String,
    response: String,
}

#[derive(Deserialize)]
struct Kdf {
    memory_kib: u32,
    iterations: u32,
    parallelism: u32,
}

#[derive(Deserialize)]
struct MaskExample {
    data_digits: String,
    pin: String,
    salt_hex: String,
    kdf: Kdf,
    mask: String,
    wrong_pin: String,
    wrong_pin_unmasked_digits: String,
    code: String,
    response_right_pin: String,
    response_wrong_pin: String,
}

fn load() -> Vectors {
    serde_json::from_str(include_str!("data/mobipass_v1.json")).unwrap()
}

#[test]
fn envelope_parts_and_ocra_keys_match() {
    for v in load().keys {
        let key = ActivationKey::from_data_digits(&v.data_digits).unwrap();
        let parts: Vec<String> = key.parts().iter().map(|p| p.to_string()).collect();
        assert_eq!(parts, v.parts);
        assert_eq!(ActivationKey::from_parts(&v.parts).unwrap(), key);
        assert_eq!(hex::encode(key.ocra_key().as_bytes()), v.ocra_key_hex);
    }
}

#[test]
fn plain_and_linked_responses_match() {
    for v in load().keys {
        let key = ActivationKey::from_parts(&v.parts).unwrap().ocra_key();
        for p in &v.plain {
            let challenge = Challenge::Plain(DocumentCode::parse(&p.code).unwrap());
            assert_eq!(
                challenge.respond(&key).as_str(),
                p.response,
                "code {}",
                p.code
            );
        }
        for l in &v.linked {
            let challenge = Challenge::Linked {
                code: DocumentCode::parse(&l.code).unwrap(),
                amount: Amount::from_minor(l.amount_minor).unwrap(),
                payee: Payee::parse(&l.payee).unwrap(),
            };
            assert_eq!(challenge.question(), l.question);
            assert_eq!(
                challenge.respond(&key).as_str(),
                l.response,
                "question {}",
                l.question
            );
        }
    }
}

#[test]
fn mask_example_matches_including_the_wrong_pin() {
    for m in load().mask_examples {
        let key = ActivationKey::from_data_digits(&m.data_digits).unwrap();
        let salt = Salt::from_bytes(hex::decode(&m.salt_hex).unwrap().try_into().unwrap());
        let params = KdfParams {
            memory_kib: m.kdf.memory_kib,
            iterations: m.kdf.iterations,
            parallelism: m.kdf.parallelism,
        };
        let pin = Pin::parse(&m.pin).unwrap();
        let masked = mask_with_any_params(&key, &pin, &salt, &params).unwrap();
        assert_eq!(masked.to_digits().as_str(), m.mask);

        let code = Challenge::Plain(DocumentCode::parse(&m.code).unwrap());
        let right = unmask(&masked, &pin, &salt, &params).unwrap();
        assert_eq!(
            code.respond(&right.ocra_key()).as_str(),
            m.response_right_pin
        );

        let wrong = unmask(&masked, &Pin::parse(&m.wrong_pin).unwrap(), &salt, &params).unwrap();
        assert_eq!(wrong.data_digits().as_str(), m.wrong_pin_unmasked_digits);
        assert_eq!(
            code.respond(&wrong.ocra_key()).as_str(),
            m.response_wrong_pin
        );
    }
}
