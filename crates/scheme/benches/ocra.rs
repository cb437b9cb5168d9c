//! OCRA response time against raw HMAC-SHA256 over the same bytes: the gap is
//! the cost of our question encoding and truncation. Each is measured twice:
//! from a key already set up (what `OcraKey` holds) and with the key set up
//! inside the loop (what a caller holding only the 32 bytes pays). `scripts/bench_vs_python.sh`
//! runs this together with python-oath and prints the ratios.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use hmac::{Hmac, KeyInit, Mac};
use mobipass_scheme::ocra::{OcraInput, Suite};
use mobipass_scheme::question::PLAIN_SUITE;
use mobipass_scheme::{ActivationKey, Amount, Challenge, DocumentCode, Payee};
use sha2::Sha256;

const DATA_DIGITS: &str = "314159265358979323846264338327950288";
const CODE: &str = "338609";

fn benches(c: &mut Criterion) {
    let key = ActivationKey::from_data_digits(DATA_DIGITS)
        .unwrap()
        .ocra_key();
    let plain = Challenge::Plain(DocumentCode::parse(CODE).unwrap());
    let linked = Challenge::Linked {
        code: DocumentCode::parse(CODE).unwrap(),
        amount: Amount::from_minor(150_000).unwrap(),
        payee: Payee::parse("KZ86125KZT5004100100").unwrap(),
    };
    let message = Suite::parse(PLAIN_SUITE)
        .unwrap()
        .data_input(&OcraInput::question(CODE))
        .unwrap()
        .to_vec();

    c.bench_function("ocra_plain_response", |b| {
        b.iter(|| black_box(&plain).respond(black_box(&key)))
    });
    c.bench_function("ocra_linked_response", |b| {
        b.iter(|| black_box(&linked).respond(black_box(&key)))
    });
    c.bench_function("ocra_plain_response_with_key_setup", |b| {
        b.iter(|| {
            let key = mobipass_scheme::OcraKey::from_bytes(*black_box(key.as_bytes()));
            black_box(&plain).respond(&key)
        })
    });
    let prepared = <Hmac<Sha256> as KeyInit>::new_from_slice(key.as_bytes()).unwrap();
    c.bench_function("raw_hmac_sha256_prepared_key", |b| {
        b.iter(|| {
            let mut mac = black_box(&prepared).clone();
            mac.update(black_box(&message));
            mac.finalize().into_bytes()
        })
    });
    c.bench_function("raw_hmac_sha256_same_bytes", |b| {
        b.iter(|| {
            let mut mac =
                <Hmac<Sha256> as KeyInit>::new_from_slice(black_box(key.as_bytes())).unwrap();
            mac.update(black_box(&message));
            mac.finalize().into_bytes()
        })
    });
}

criterion_group!(ocra, benches);
criterion_main!(ocra);
