//! Shared set-up for the app's behaviour tests: vaults made through the
//! library with tiny Argon2 parameters, so whole flows run in milliseconds.
#![allow(dead_code, missing_docs)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use mobipass::token::Token;
use mobipass_scheme::{
    ActivationCode, ActivationKey, Amount, Challenge, DocumentCode, Envelope, EnvelopeKind,
    KdfParams, Payee, Response,
};

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
            .without_keystore_for_tests()
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
        // A child process another test thread is spawning may still hold a
        // copy of the lock file's descriptor between fork and exec, for a
        // moment after the fixture's own lock was released: try again briefly.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        while !lock.try_lock_exclusive().unwrap() {
            assert!(
                std::time::Instant::now() < deadline,
                "the test holds the lock"
            );
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        lock
    }

    pub fn vault_bytes(&self) -> Vec<u8> {
        std::fs::read(self.vault()).unwrap()
    }

    pub fn names(&self) -> BTreeSet<String> {
        names_in(self.dir.path())
    }
}

/// A two-channel envelope, its activation code and the activated secret
/// `S2` the scheme computes from them, on a vault of its own.
pub struct TwoChannel {
    pub dir: tempfile::TempDir,
    pub envelope: Envelope,
    pub code: ActivationCode,
    pub s2: ActivationKey,
    pub token: Token,
}

impl TwoChannel {
    /// A vault directory with nothing in it yet.
    pub fn empty() -> Self {
        let envelope = Envelope::generate(EnvelopeKind::TwoChannel);
        Self::empty_for(&envelope, &ActivationCode::generate())
    }

    fn empty_for(envelope: &Envelope, code: &ActivationCode) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let token = Token::open(dir.path().join("vault.json"))
            .unwrap()
            .without_keystore_for_tests()
            .with_kdf_params_for_tests(SMALL);
        Self {
            dir,
            s2: envelope.activated(Some(code)).unwrap(),
            envelope: envelope.clone(),
            code: code.clone(),
            token,
        }
    }

    /// Activated with the right code under [`PIN`].
    pub fn activated() -> Self {
        let envelope = Envelope::generate(EnvelopeKind::TwoChannel);
        Self::activated_as(&envelope, &ActivationCode::generate())
    }

    /// `envelope` activated with `code` under [`PIN`], in a vault of its own.
    pub fn activated_as(envelope: &Envelope, code: &ActivationCode) -> Self {
        let fixture = Self::empty_for(envelope, code);
        fixture
            .token
            .activate_with_code(&envelope.parts(), Some(&code.grouped()), PIN, PIN)
            .unwrap();
        fixture
    }

    pub fn vault(&self) -> PathBuf {
        self.dir.path().join("vault.json")
    }

    pub fn vault_bytes(&self) -> Vec<u8> {
        std::fs::read(self.vault()).unwrap()
    }

    pub fn names(&self) -> BTreeSet<String> {
        names_in(self.dir.path())
    }
}

/// A valid activation code other than `code` (its check digit right).
pub fn other_code(code: &ActivationCode) -> ActivationCode {
    loop {
        let other = ActivationCode::generate();
        if other != *code {
            return other;
        }
    }
}

/// `digits` with the digit at `index` changed: a typo the check digit catches.
pub fn typo_in(digits: &str, index: usize) -> String {
    let mut bytes = digits.as_bytes().to_vec();
    bytes[index] = b'0' + (bytes[index] - b'0' + 1) % 10;
    String::from_utf8(bytes).unwrap()
}

/// `digits` with two different neighbours swapped (caught by the check digit).
pub fn swapped_in(digits: &str) -> String {
    let mut bytes = digits.as_bytes().to_vec();
    let at = (0..bytes.len() - 1)
        .find(|&i| bytes[i] != bytes[i + 1])
        .expect("some neighbours differ");
    bytes.swap(at, at + 1);
    String::from_utf8(bytes).unwrap()
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
