//! Device binding through the library, with the in-memory keystore standing
//! in for the OS one (tests/keystore_secret_service.rs repeats the flows
//! against a real Secret Service): a bound vault opens only where its
//! keystore entry is, each keystore problem is told apart, the unbound
//! choice is explicit, migration is atomic, and PIN camouflage holds.

mod token_support;

use std::collections::BTreeSet;
use std::fs::File;
use std::io::Read;
use std::path::PathBuf;
use std::sync::Arc;

use mobipass::token::{
    BOUND_FORMAT_VERSION, DamageReason, FORMAT_VERSION, KeystoreError, MemoryKeystore, Status,
    Token, TokenError,
};
use mobipass_scheme::ActivationKey;
use token_support::*;

/// A vault directory on "this computer": a token and the keystore it uses.
struct Device {
    dir: tempfile::TempDir,
    keystore: MemoryKeystore,
    token: Token,
}

impl Device {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let keystore = MemoryKeystore::new();
        let token = token_on(dir.path().join("vault.json"), &keystore);
        Self {
            dir,
            keystore,
            token,
        }
    }

    /// With a bound vault of `key` under [`PIN`].
    fn activated(key: &ActivationKey) -> Self {
        let device = Self::new();
        let saved = device.token.activate(&key.parts(), PIN, PIN).unwrap();
        assert!(saved.is_bound());
        device
    }

    fn vault(&self) -> PathBuf {
        self.dir.path().join("vault.json")
    }

    fn bytes(&self) -> Vec<u8> {
        std::fs::read(self.vault()).unwrap()
    }

    fn names(&self) -> BTreeSet<String> {
        names_in(self.dir.path())
    }
}

fn token_on(path: PathBuf, keystore: &MemoryKeystore) -> Token {
    Token::open(path)
        .unwrap()
        .with_keystore(Arc::new(keystore.clone()))
        .with_kdf_params_for_tests(SMALL)
}

fn json(bytes: &[u8]) -> serde_json::Value {
    serde_json::from_slice(bytes).unwrap()
}

fn is_bound(token: &Token) -> bool {
    match token.status().unwrap() {
        Status::Activated { bound, .. } => bound,
        Status::NotActivated => panic!("not activated"),
    }
}

fn only_vault_and_lock() -> BTreeSet<String> {
    ["vault.json", "vault.json.lock"]
        .map(String::from)
        .into_iter()
        .collect()
}

#[test]
fn a_bound_vault_is_sealed_and_signs_as_the_scheme_says() {
    let key = ActivationKey::generate();
    let device = Device::activated(&key);

    let file = json(&device.bytes());
    assert_eq!(file["format_version"], BOUND_FORMAT_VERSION);
    let mut fields: Vec<&str> = file
        .as_object()
        .unwrap()
        .keys()
        .map(|k| k.as_str())
        .collect();
    fields.sort_unstable();
    assert_eq!(fields, ["format_version", "nonce", "sealed", "vault_id"]);
    assert_eq!(device.keystore.ids(), [file["vault_id"].as_str().unwrap()]);
    assert!(is_bound(&device.token));
    assert_eq!(device.token.sign(PIN, CODE).unwrap(), expected(&key, CODE));
    assert_eq!(device.names(), only_vault_and_lock());
}

#[test]
fn a_copy_without_the_keystore_entry_refuses_and_writes_nothing() {
    let key = ActivationKey::generate();
    let device = Device::activated(&key);
    // The same file on another computer or account: its keystore lacks the entry.
    let elsewhere = tempfile::tempdir().unwrap();
    let copy = elsewhere.path().join("vault.json");
    std::fs::copy(device.vault(), &copy).unwrap();
    let other = token_on(copy.clone(), &MemoryKeystore::new());
    let before = std::fs::read(&copy).unwrap();

    assert_eq!(other.sign(PIN, CODE).unwrap_err(), TokenError::OtherDevice);
    assert_eq!(other.status().unwrap_err(), TokenError::OtherDevice);
    assert_eq!(
        other.change_pin(PIN, OTHER_PIN, OTHER_PIN).unwrap_err(),
        TokenError::OtherDevice
    );
    assert_eq!(other.bind().unwrap_err(), TokenError::OtherDevice);
    assert_eq!(
        other.activate(&key.parts(), PIN, PIN).unwrap_err(),
        TokenError::AlreadyActivated
    );
    assert_eq!(std::fs::read(&copy).unwrap(), before);
    assert_eq!(names_in(elsewhere.path()), only_vault_and_lock());
    assert!(TokenError::OtherDevice.to_string().contains(
        "activated on another computer or user account; activate again with your envelope"
    ));

    // The entry removed on this computer: the same refusal.
    device
        .keystore
        .forget(json(&before)["vault_id"].as_str().unwrap());
    assert_eq!(
        device.token.sign(PIN, CODE).unwrap_err(),
        TokenError::OtherDevice
    );

    // The copy can still be deleted, to activate again.
    other.delete().unwrap();
    assert!(!copy.exists());
}

#[test]
fn keystore_problems_are_told_apart_and_never_read_as_another_computer() {
    let key = ActivationKey::generate();
    let device = Device::activated(&key);
    let before = device.bytes();
    for problem in [
        KeystoreError::Locked,
        KeystoreError::Cancelled,
        KeystoreError::NoKeystore,
        KeystoreError::Other {
            detail: "bus error".into(),
        },
    ] {
        device.keystore.fail_with(Some(problem.clone()));
        let expected_error = TokenError::Keystore(problem.clone());
        assert_eq!(device.token.sign(PIN, CODE).unwrap_err(), expected_error);
        assert_eq!(device.token.status().unwrap_err(), expected_error);
        assert_eq!(
            device
                .token
                .change_pin(PIN, OTHER_PIN, OTHER_PIN)
                .unwrap_err(),
            expected_error
        );
        assert_ne!(expected_error, TokenError::OtherDevice);
        assert!(!expected_error.to_string().contains("another computer"));
        assert_eq!(device.bytes(), before, "{problem:?}");
    }
    assert!(KeystoreError::Locked.to_string().contains("locked"));
    device.keystore.fail_with(None);
    assert_eq!(device.token.sign(PIN, CODE).unwrap(), expected(&key, CODE));
}

#[test]
fn without_a_keystore_activation_refuses_unless_unbound_was_chosen() {
    let key = ActivationKey::generate();
    let device = Device::new();
    device.keystore.fail_with(Some(KeystoreError::NoKeystore));

    assert_eq!(
        device.token.activate(&key.parts(), PIN, PIN).unwrap_err(),
        TokenError::Keystore(KeystoreError::NoKeystore)
    );
    assert!(!device.vault().exists(), "nothing may be written");

    let saved = device
        .token
        .clone()
        .allowing_unbound()
        .activate(&key.parts(), PIN, PIN)
        .unwrap();
    assert!(!saved.is_bound());
    assert_eq!(json(&device.bytes())["format_version"], FORMAT_VERSION);
    assert!(!is_bound(&device.token));
    assert_eq!(device.token.sign(PIN, CODE).unwrap(), expected(&key, CODE));
}

#[test]
fn a_locked_keystore_refuses_activation_even_when_unbound_is_allowed() {
    let key = ActivationKey::generate();
    let device = Device::new();
    device.keystore.fail_with(Some(KeystoreError::Locked));
    let token = device.token.clone().allowing_unbound();
    assert_eq!(
        token.activate(&key.parts(), PIN, PIN).unwrap_err(),
        TokenError::Keystore(KeystoreError::Locked)
    );
    assert!(!device.vault().exists());
}

/// An unbound vault of `key` under [`PIN`] in `device`, written while no
/// keystore ran.
fn unbound_in(device: &Device, key: &ActivationKey) {
    device.keystore.fail_with(Some(KeystoreError::NoKeystore));
    device
        .token
        .clone()
        .allowing_unbound()
        .activate(&key.parts(), PIN, PIN)
        .unwrap();
    device.keystore.fail_with(None);
}

#[test]
fn bind_seals_an_unbound_vault_in_place_and_leaves_no_unbound_copy() {
    let key = ActivationKey::generate();
    let device = Device::new();
    unbound_in(&device, &key);
    let unbound = device.bytes();
    let previous = File::open(device.vault()).unwrap();

    let saved = device.token.bind().unwrap().expect("it was unbound");

    assert!(saved.is_bound());
    assert!(is_bound(&device.token));
    assert_eq!(
        json(&device.bytes())["format_version"],
        BOUND_FORMAT_VERSION
    );
    assert_eq!(device.token.sign(PIN, CODE).unwrap(), expected(&key, CODE));
    assert_eq!(device.names(), only_vault_and_lock());
    let mut left = Vec::new();
    (&previous).read_to_end(&mut left).unwrap();
    if cfg!(unix) {
        assert_eq!(
            left,
            vec![0; unbound.len()],
            "the unbound bytes are overwritten"
        );
    }
    // Binding again changes nothing.
    let bound = device.bytes();
    assert!(device.token.bind().unwrap().is_none());
    assert_eq!(device.bytes(), bound);
    assert_eq!(device.keystore.ids().len(), 1);
}

#[test]
fn bind_without_a_keystore_fails_and_leaves_the_vault_unbound() {
    let key = ActivationKey::generate();
    let device = Device::new();
    unbound_in(&device, &key);
    let before = device.bytes();
    device.keystore.fail_with(Some(KeystoreError::NoKeystore));
    assert_eq!(
        device.token.bind().unwrap_err(),
        TokenError::Keystore(KeystoreError::NoKeystore)
    );
    assert_eq!(device.bytes(), before);
    device.keystore.fail_with(None);
    assert!(device.keystore.ids().is_empty());
}

#[test]
fn a_pin_change_binds_an_unbound_vault_when_a_keystore_runs() {
    let key = ActivationKey::generate();
    let device = Device::new();
    unbound_in(&device, &key);

    let saved = device.token.change_pin(PIN, OTHER_PIN, OTHER_PIN).unwrap();

    assert!(saved.is_bound());
    assert!(is_bound(&device.token));
    assert_eq!(
        device.token.sign(OTHER_PIN, CODE).unwrap(),
        expected(&key, CODE)
    );
    assert_eq!(device.names(), only_vault_and_lock());
}

#[test]
fn a_pin_change_without_a_keystore_keeps_an_unbound_vault_unbound() {
    let key = ActivationKey::generate();
    let device = Device::new();
    unbound_in(&device, &key);
    device.keystore.fail_with(Some(KeystoreError::NoKeystore));

    let saved = device.token.change_pin(PIN, OTHER_PIN, OTHER_PIN).unwrap();

    assert!(!saved.is_bound());
    assert_eq!(json(&device.bytes())["format_version"], FORMAT_VERSION);
    assert_eq!(
        device.token.sign(OTHER_PIN, CODE).unwrap(),
        expected(&key, CODE)
    );
}

#[test]
fn a_pin_change_on_a_bound_vault_keeps_its_entry_and_reseals_with_a_fresh_nonce() {
    let key = ActivationKey::generate();
    let device = Device::activated(&key);
    let before = json(&device.bytes());

    device.token.change_pin(PIN, OTHER_PIN, OTHER_PIN).unwrap();

    let after = json(&device.bytes());
    assert_eq!(after["vault_id"], before["vault_id"]);
    assert_ne!(after["nonce"], before["nonce"]);
    assert_eq!(device.keystore.ids().len(), 1);
    assert_eq!(
        device.token.sign(OTHER_PIN, CODE).unwrap(),
        expected(&key, CODE)
    );
}

#[test]
fn delete_removes_the_keystore_entry_too() {
    let key = ActivationKey::generate();
    let device = Device::activated(&key);
    assert_eq!(device.keystore.ids().len(), 1);
    device.token.delete().unwrap();
    assert!(device.keystore.ids().is_empty());
    assert!(!device.vault().exists());
    // With the keystore locked the file still goes (the entry stays, a key
    // that opens nothing without it).
    let device = Device::activated(&key);
    device.keystore.fail_with(Some(KeystoreError::Locked));
    device.token.delete().unwrap();
    assert!(!device.vault().exists());
}

#[test]
fn every_pin_gives_a_normal_looking_response_on_a_bound_vault() {
    let key = ActivationKey::generate();
    let device = Device::activated(&key);
    let right = expected(&key, CODE);
    let mut seen = BTreeSet::new();
    for n in 0..300 {
        let pin = format!("{:04}", (n * 37 + 11) % 10_000);
        let response = device.token.sign(&pin, CODE).unwrap();
        assert_eq!(response.as_str().len(), 8, "{pin}");
        assert!(
            response.as_str().bytes().all(|b| b.is_ascii_digit()),
            "{pin}"
        );
        if pin != PIN {
            assert_ne!(response, right, "{pin}");
        }
        seen.insert(response.as_str().to_owned());
    }
    // Wrong PINs give scattered responses, not one "error" value.
    assert!(seen.len() > 290, "{} distinct", seen.len());
    // A PIN change with a wrong current PIN goes on and reseals a vault that
    // opens as well as any: the seal says nothing about the PIN.
    device
        .token
        .change_pin(WRONG_PIN, OTHER_PIN, OTHER_PIN)
        .unwrap();
    let response = device.token.sign(OTHER_PIN, CODE).unwrap();
    assert_eq!(response.as_str().len(), 8);
    assert_ne!(response, right);
}

#[test]
fn an_altered_seal_or_another_key_in_the_entry_is_damage_not_a_pin_matter() {
    let key = ActivationKey::generate();
    let device = Device::activated(&key);
    let mut file = json(&device.bytes());
    let id = file["vault_id"].as_str().unwrap().to_owned();
    let sealed = file["sealed"].as_str().unwrap().to_owned();
    let flipped = format!(
        "{}{}",
        if sealed.starts_with('0') { '1' } else { '0' },
        &sealed[1..]
    );
    file["sealed"] = flipped.into();
    let good = device.bytes();
    std::fs::write(device.vault(), serde_json::to_vec(&file).unwrap()).unwrap();
    let damaged = |error: TokenError| {
        matches!(
            error,
            TokenError::Damaged {
                reason: DamageReason::BadSeal,
                ..
            }
        )
    };
    assert!(damaged(device.token.sign(PIN, CODE).unwrap_err()));
    std::fs::write(device.vault(), &good).unwrap();
    device.keystore.replace_with_another_key(&id);
    assert!(damaged(device.token.sign(PIN, CODE).unwrap_err()));
    assert!(damaged(device.token.status().unwrap_err()));
}
