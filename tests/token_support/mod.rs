//! Shared set-up for the app's behaviour tests: vaults made through the
//! library with tiny Argon2 parameters, so whole flows run in milliseconds.
#![allow(dead_code, missing_docs)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use mobipass::token::Token;
use mobipass_scheme::{ActivationKey, Amount, Challenge, DocumentCode, KdfParams, Payee, Response};

/// Far below the floor: only tests may use it, through the test API.
pub const SMALL: KdfParams = KdfParams {
    memory_kib: 8,
    iterations: 1,
    parallelism: 1,
};
pub const PIN: &str = "3907";
pub const OTHER_PIN: &str = "5284";
pub const WRONG_PIN: &str = "3908";
pub const CODE: &str = "338609";

pub struct Fixture {
    pub dir: tempfile::TempDir,
    pub key: ActivationKey,
    pub token: Token,
}

impl Fixture {
    /// A vault directory with nothing in it yet.
    pub fn empty() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let token = Token::open(dir.path().join("vault.json"))
            .unwrap()
            .with_kdf_params_for_tests(SMALL);
        Self {
            dir,
            key: ActivationKey::generate(),
            token,
        }
    }

    /// An activated vault under [`PIN`].
    pub fn activated() -> Self {
        let fixture = Self::empty();
        fixture
            .token
            .activate(&fixture.key.parts(), PIN, PIN)
            .unwrap();
        fixture
    }

    pub fn vault(&self) -> PathBuf {
        self.dir.path().join("vault.json")
    }

    /// Takes the vault's writer lock, as another running instance would;
    /// held until the returned file is dropped.
    pub fn hold_writer_lock(&self) -> std::fs::File {
        use fs4::fs_std::FileExt;
        let lock = std::fs::File::options()
            .write(true)
            .open(self.dir.path().join("vault.json.lock"))
            .unwrap();
        assert!(
            lock.try_lock_exclusive().unwrap(),
            "the test holds the lock"
        );
        lock
    }

    pub fn vault_bytes(&self) -> Vec<u8> {
        std::fs::read(self.vault()).unwrap()
    }

    pub fn names(&self) -> BTreeSet<String> {
        names_in(self.dir.path())
    }
}

pub fn names_in(dir: &Path) -> BTreeSet<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .collect()
}

/// What the scheme says `key` answers to a plain `code`.
pub fn expected(key: &ActivationKey, code: &str) -> Response {
    Challenge::Plain(DocumentCode::parse(code).unwrap()).respond(&key.ocra_key())
}

/// What the scheme says `key` answers to a linked challenge.
pub fn expected_linked(key: &ActivationKey, code: &str, minor: u64, payee: &str) -> Response {
    Challenge::Linked {
        code: DocumentCode::parse(code).unwrap(),
        amount: Amount::from_minor(minor).unwrap(),
        payee: Payee::parse(payee).unwrap(),
    }
    .respond(&key.ocra_key())
}

/// The kinds of damage a vault file can come to, with their contents.
pub fn damaged_contents(good: &[u8]) -> Vec<(&'static str, Vec<u8>)> {
    vec![
        ("empty", Vec::new()),
        ("truncated", good[..good.len() / 2].to_vec()),
        (
            "foreign JSON",
            br#"{"accounts": [{"name": "bank", "secret": "JBSWY3DP"}]}"#.to_vec(),
        ),
        ("not JSON", b"\x00\x01garbage\xff".to_vec()),
    ]
}
