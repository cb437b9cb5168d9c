//! Two-channel activation vectors (tests/data/mobipass_v1_two_channel.json),
//! written by scripts/make_two_channel_vectors.py from DESIGN.md section 2b
//! with independent Python code: hmac/hashlib for the check digits, `D` and
//! `K`, Python integers for mod 10^36, python-oath for OCRA. docs/SCHEME.md
//! prints the same values.

use mobipass_scheme::{
    ActivationCode, ActivationKey, Amount, Challenge, DocumentCode, Envelope, EnvelopeKind, Payee,
};
use serde::Deserialize;

#[derive(Deserialize)]
struct Vectors {
    envelopes: Vec<EnvelopeVectors>,
}

#[derive(Deserialize)]
struct EnvelopeVectors {
    data_digits: String,
    two_channel_parts: [String; 4],
    envelope_only_parts: [String; 4],
    activations: Vec<Activation>,
}

#[derive(Deserialize)]
struct Activation {
    code_data_digits: String,
    code: String,
    code_grouped: String,
    d: String,
    s2: String,
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

fn load() -> Vectors {
    serde_json::from_str(include_str!("data/mobipass_v1_two_channel.json")).unwrap()
}

#[test]
fn envelope_parts_say_their_kind() {
    for v in load().envelopes {
        let two = Envelope::from_parts(&v.two_channel_parts).unwrap();
        assert_eq!(two.kind(), EnvelopeKind::TwoChannel);
        assert_eq!(two.key().data_digits().as_str(), v.data_digits);
        let printed: Vec<String> = two.parts().iter().map(|p| p.to_string()).collect();
        assert_eq!(printed, v.two_channel_parts);

        let only = Envelope::from_parts(&v.envelope_only_parts).unwrap();
        assert_eq!(only.kind(), EnvelopeKind::EnvelopeOnly);
        assert_eq!(only.key(), two.key());
        // The envelope-only reader of section 2 refuses the two-channel parts.
        assert!(ActivationKey::from_parts(&v.two_channel_parts).is_err());
        assert_eq!(
            ActivationKey::from_parts(&v.envelope_only_parts).unwrap(),
            *two.key()
        );
    }
}

#[test]
fn codes_d_s2_and_k_match() {
    for v in load().envelopes {
        let envelope = Envelope::from_parts(&v.two_channel_parts).unwrap();
        let s: u128 = v.data_digits.parse().unwrap();
        for a in &v.activations {
            let code = ActivationCode::parse(&a.code).unwrap();
            assert_eq!(code.data_digits().as_str(), a.code_data_digits);
            assert_eq!(code.digits().as_str(), a.code);
            assert_eq!(code.grouped().as_str(), a.code_grouped);
            assert_eq!(ActivationCode::parse(&a.code_grouped).unwrap(), code);

            let s2 = envelope.activated(Some(&code)).unwrap();
            assert_eq!(s2.data_digits().as_str(), a.s2, "S2 for code {}", a.code);
            let d: u128 = a.d.parse().unwrap();
            assert_eq!((s + d) % 10u128.pow(36), a.s2.parse::<u128>().unwrap());
            assert_eq!(hex::encode(s2.ocra_key().as_bytes()), a.ocra_key_hex);
        }
    }
}

#[test]
fn plain_and_linked_responses_match() {
    for v in load().envelopes {
        let envelope = Envelope::from_parts(&v.two_channel_parts).unwrap();
        for a in &v.activations {
            let code = ActivationCode::parse(&a.code).unwrap();
            let key = envelope.activated(Some(&code)).unwrap().ocra_key();
            for p in &a.plain {
                let challenge = Challenge::Plain(DocumentCode::parse(&p.code).unwrap());
                assert_eq!(challenge.respond(&key).as_str(), p.response);
            }
            for l in &a.linked {
                let challenge = Challenge::Linked {
                    code: DocumentCode::parse(&l.code).unwrap(),
                    amount: Amount::from_minor(l.amount_minor).unwrap(),
                    payee: Payee::parse(&l.payee).unwrap(),
                };
                assert_eq!(challenge.question(), l.question);
                assert_eq!(challenge.respond(&key).as_str(), l.response);
            }
        }
    }
}

#[test]
fn the_vectors_cover_a_wrap_past_ten_to_the_36() {
    let wraps = load()
        .envelopes
        .iter()
        .flat_map(|v| {
            let s: u128 = v.data_digits.parse().unwrap();
            v.activations
                .iter()
                .map(move |a| a.s2.parse::<u128>().unwrap() < s)
        })
        .filter(|w| *w)
        .count();
    assert!(wraps > 0, "no vector has S + D >= 10^36");
}
