//! RFC 6287 Appendix C: every published OCRA vector, loaded from
//! tests/data/rfc6287.json (a copy of ../shared/vectors/rfc6287.json, whose
//! `sources` field names where each table comes from).

use mobipass_scheme::ocra::{OcraInput, Suite};
use serde::Deserialize;

#[derive(Deserialize)]
struct Vectors {
    suites: Vec<SuiteVectors>,
    derived_examples: Derived,
}

#[derive(Deserialize)]
struct SuiteVectors {
    rfc_section: String,
    suite: String,
    key_hex: String,
    cases: Vec<Case>,
}

#[derive(Deserialize)]
struct Derived {
    cases: Vec<DerivedCase>,
}

#[derive(Deserialize)]
struct DerivedCase {
    suite: String,
    key_hex: String,
    #[serde(flatten)]
    case: Case,
    data_input_hex: String,
}

#[derive(Deserialize)]
struct Case {
    counter: Option<u64>,
    question: String,
    pin_hash: Option<String>,
    session: Option<String>,
    timestamp: Option<u64>,
    expected: String,
}

fn load() -> Vectors {
    let text = include_str!("data/rfc6287.json");
    serde_json::from_str(text).expect("vector file parses")
}

fn respond(suite: &Suite, key_hex: &str, case: &Case) -> String {
    let key = hex::decode(key_hex).unwrap();
    let pin_hash = case.pin_hash.as_deref().map(|h| hex::decode(h).unwrap());
    let session = case.session.as_deref().map(|s| s.as_bytes().to_vec());
    let input = OcraInput {
        counter: case.counter,
        question: &case.question,
        pin_hash: pin_hash.as_deref(),
        session: session.as_deref(),
        timestamp: case.timestamp,
    };
    suite.respond(&key, &input).unwrap()
}

#[test]
fn all_seventy_appendix_c_vectors_pass() {
    let vectors = load();
    let mut checked = 0;
    for group in &vectors.suites {
        let suite = Suite::parse(&group.suite).unwrap();
        for case in &group.cases {
            assert_eq!(
                respond(&suite, &group.key_hex, case),
                case.expected,
                "{} {} question {}",
                group.rfc_section,
                group.suite,
                case.question
            );
            checked += 1;
        }
    }
    assert_eq!(checked, 70);
}

#[test]
fn odd_length_numeric_question_gets_a_zero_nibble_on_the_right() {
    for example in load().derived_examples.cases {
        let suite = Suite::parse(&example.suite).unwrap();
        let key = hex::decode(&example.key_hex).unwrap();
        let pin_hash = example
            .case
            .pin_hash
            .as_deref()
            .map(|h| hex::decode(h).unwrap());
        let input = OcraInput {
            counter: example.case.counter,
            question: &example.case.question,
            pin_hash: pin_hash.as_deref(),
            session: None,
            timestamp: example.case.timestamp,
        };
        assert_eq!(
            hex::encode(&*suite.data_input(&input).unwrap()),
            example.data_input_hex
        );
        assert_eq!(suite.respond(&key, &input).unwrap(), example.case.expected);
    }
}
