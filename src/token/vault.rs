//! The vault file's content: a small versioned JSON document.
//!
//! It holds exactly what unmasking needs and what a person may want to see:
//! format and scheme versions, the envelope's kind, the Argon2id parameters
//! and salt, the 36-digit mask `M`, created and updated. Nothing in it depends
//! on the key, the activation code or the PIN except `M`, so it can never
//! confirm a PIN or code guess (no tag, no checksum, no key-check value); the
//! kind is printed on the envelope itself (its check digits), so recording it
//! tells nothing about the secret. Unknown fields are refused rather than
//! carried along, so a file with extra content is reported instead of trusted.
//!
//! `envelope_kind` came with two-channel activation. It is optional on
//! reading: a vault written before it is envelope-only, as every envelope
//! was then.

use std::time::SystemTime;

use mobipass_scheme::camouflage::SALT_LEN;
use mobipass_scheme::{EnvelopeKind, KdfParams, Mask, SCHEME_VERSION, Salt};
use serde::{Deserialize, Serialize};
use zeroize::{Zeroize, Zeroizing};

use super::error::DamageReason;

/// The vault format this code reads and writes.
pub const FORMAT_VERSION: u32 = 1;
/// Buffer size for writing a vault, well above its real size.
const JSON_CAPACITY: usize = 1024;
/// The only key-derivation algorithm of format 1.
const ALGORITHM: &str = "argon2id";

/// One activated credential, as kept in memory.
pub(crate) struct Vault {
    pub(crate) kind: EnvelopeKind,
    pub(crate) kdf: KdfParams,
    pub(crate) salt: Salt,
    pub(crate) mask: Mask,
    pub(crate) created: SystemTime,
    pub(crate) updated: SystemTime,
}

/// The JSON shape on disk, field for field.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct VaultFile {
    format_version: u32,
    scheme_version: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    envelope_kind: Option<String>,
    kdf: KdfFile,
    mask: String,
    created: String,
    updated: String,
}

impl Drop for VaultFile {
    fn drop(&mut self) {
        self.mask.zeroize();
    }
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct KdfFile {
    algorithm: String,
    memory_kib: u32,
    iterations: u32,
    parallelism: u32,
    salt: String,
}

/// Read first, so a file of a newer format is recognised as such even when the
/// rest of its shape is unknown to this version.
#[derive(Deserialize)]
struct Header {
    format_version: u32,
}

impl Vault {
    /// The file's bytes: pretty JSON ending in a newline, so a person looking at
    /// the file can see that it holds nothing but the mask and its parameters.
    pub(crate) fn to_json(&self) -> Zeroizing<Vec<u8>> {
        let file = VaultFile {
            format_version: FORMAT_VERSION,
            scheme_version: SCHEME_VERSION,
            envelope_kind: Some(self.kind.name().to_owned()),
            kdf: KdfFile {
                algorithm: ALGORITHM.to_owned(),
                memory_kib: self.kdf.memory_kib,
                iterations: self.kdf.iterations,
                parallelism: self.kdf.parallelism,
                salt: hex::encode(self.salt.as_bytes()),
            },
            mask: self.mask.to_digits().to_string(),
            created: humantime::format_rfc3339_seconds(self.created).to_string(),
            updated: humantime::format_rfc3339_seconds(self.updated).to_string(),
        };
        // About 400 bytes: room enough that the buffer never grows, which
        // would leave copies of the mask in freed memory.
        let mut bytes = Zeroizing::new(Vec::with_capacity(JSON_CAPACITY));
        serde_json::to_writer_pretty(&mut *bytes, &file).expect("the vault always serialises");
        bytes.push(b'\n');
        bytes
    }

    /// Reads a vault file's bytes, saying precisely what is wrong when it can't.
    pub(crate) fn from_json(bytes: &[u8]) -> Result<Self, DamageReason> {
        if format_of(bytes)? != FORMAT_VERSION {
            return Err(DamageReason::Foreign);
        }
        let file: VaultFile = serde_json::from_slice(bytes).map_err(classify)?;
        if file.scheme_version != SCHEME_VERSION {
            return Err(DamageReason::UnknownScheme {
                found: file.scheme_version,
            });
        }
        let kind = match file.envelope_kind.as_deref() {
            None => EnvelopeKind::EnvelopeOnly,
            Some(name) => EnvelopeKind::from_name(name).ok_or(DamageReason::BadKind)?,
        };
        if file.kdf.algorithm != ALGORITHM {
            return Err(DamageReason::BadKdf);
        }
        let kdf = KdfParams {
            memory_kib: file.kdf.memory_kib,
            iterations: file.kdf.iterations,
            parallelism: file.kdf.parallelism,
        };
        // The scheme's own check, so `status` and `sign` agree on what is damaged.
        kdf.validate().map_err(|_| DamageReason::BadKdf)?;
        let salt: [u8; SALT_LEN] = hex::decode(&file.kdf.salt)
            .ok()
            .and_then(|bytes| bytes.try_into().ok())
            .ok_or(DamageReason::BadSalt)?;
        let mask = Mask::from_digits(&file.mask).map_err(|_| DamageReason::BadMask)?;
        let date = |text: &str| humantime::parse_rfc3339(text).map_err(|_| DamageReason::BadDate);
        Ok(Self {
            kind,
            kdf,
            salt: Salt::from_bytes(salt),
            mask,
            created: date(&file.created)?,
            updated: date(&file.updated)?,
        })
    }
}

/// The format version of a vault file (1 unbound, 2 bound), refusing an empty
/// file, a file that is not ours and one of a newer format.
pub(crate) fn format_of(bytes: &[u8]) -> Result<u32, DamageReason> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(DamageReason::Empty);
    }
    let header: Header = serde_json::from_slice(bytes).map_err(classify)?;
    match header.format_version {
        found if found > super::sealed::BOUND_FORMAT_VERSION => {
            Err(DamageReason::NewerFormat { found })
        }
        0 => Err(DamageReason::Foreign),
        found => Ok(found),
    }
}

fn classify(error: serde_json::Error) -> DamageReason {
    match error.classify() {
        serde_json::error::Category::Eof => DamageReason::Truncated,
        _ => DamageReason::Foreign,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Vault {
        Vault {
            kind: EnvelopeKind::TwoChannel,
            kdf: KdfParams::DEFAULT,
            salt: Salt::from_bytes([7; SALT_LEN]),
            mask: Mask::from_digits("123456789012345678901234567890123456").unwrap(),
            created: humantime::parse_rfc3339("2026-01-02T03:04:05Z").unwrap(),
            updated: humantime::parse_rfc3339("2026-02-03T04:05:06Z").unwrap(),
        }
    }

    #[test]
    fn the_written_json_fits_its_buffer_without_growing() {
        let json = sample().to_json();
        assert!(json.len() * 2 < JSON_CAPACITY, "{} bytes", json.len());
        assert_eq!(json.capacity(), JSON_CAPACITY);
    }

    #[test]
    fn a_written_vault_reads_back_the_same() {
        let json = sample().to_json();
        let back = Vault::from_json(&json).unwrap();
        assert_eq!(back.kind, EnvelopeKind::TwoChannel);
        assert_eq!(back.kdf, KdfParams::DEFAULT);
        assert_eq!(back.salt, Salt::from_bytes([7; SALT_LEN]));
        assert_eq!(back.mask, sample().mask);
        assert_eq!(back.created, sample().created);
        assert_eq!(back.updated, sample().updated);
    }

    #[test]
    fn the_file_holds_only_versions_kind_kdf_mask_and_dates() {
        let json = sample().to_json();
        let value: serde_json::Value = serde_json::from_slice(&json).unwrap();
        let mut keys: Vec<&str> = value
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        keys.sort_unstable();
        assert_eq!(
            keys,
            [
                "created",
                "envelope_kind",
                "format_version",
                "kdf",
                "mask",
                "scheme_version",
                "updated"
            ]
        );
        let mut kdf_keys: Vec<&str> = value["kdf"]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        kdf_keys.sort_unstable();
        assert_eq!(
            kdf_keys,
            [
                "algorithm",
                "iterations",
                "memory_kib",
                "parallelism",
                "salt"
            ]
        );
    }

    #[test]
    fn both_kinds_are_written_by_name_and_a_vault_without_one_is_envelope_only() {
        for kind in EnvelopeKind::ALL {
            let vault = Vault { kind, ..sample() };
            let json = vault.to_json();
            let value: serde_json::Value = serde_json::from_slice(&json).unwrap();
            assert_eq!(value["envelope_kind"], kind.name());
            assert_eq!(Vault::from_json(&json).unwrap().kind, kind);
        }
        // As written before two-channel activation existed.
        let good = String::from_utf8(sample().to_json().to_vec()).unwrap();
        let old = good.replace("  \"envelope_kind\": \"two_channel\",\n", "");
        assert!(!old.contains("envelope_kind"), "{old}");
        assert_eq!(
            Vault::from_json(old.as_bytes()).unwrap().kind,
            EnvelopeKind::EnvelopeOnly
        );
    }

    #[test]
    fn every_kind_of_damage_is_named() {
        let good = String::from_utf8(sample().to_json().to_vec()).unwrap();
        let cases: Vec<(String, DamageReason)> = vec![
            (String::new(), DamageReason::Empty),
            ("  \n".into(), DamageReason::Empty),
            (good[..good.len() / 2].to_owned(), DamageReason::Truncated),
            ("{\"accounts\": []}".into(), DamageReason::Foreign),
            ("not json at all".into(), DamageReason::Foreign),
            (
                good.replace("\"format_version\": 1", "\"format_version\": 9"),
                DamageReason::NewerFormat { found: 9 },
            ),
            (
                good.replace("\"format_version\": 1", "\"format_version\": 0"),
                DamageReason::Foreign,
            ),
            (
                good.replace("\"scheme_version\": 1", "\"scheme_version\": 2"),
                DamageReason::UnknownScheme { found: 2 },
            ),
            (good.replace("argon2id", "scrypt"), DamageReason::BadKdf),
            (
                good.replace("\"iterations\": 2", "\"iterations\": 0"),
                DamageReason::BadKdf,
            ),
            (
                good.replace("two_channel", "three_channel"),
                DamageReason::BadKind,
            ),
            (good.replace("\"two_channel\"", "2"), DamageReason::Foreign),
            (
                good.replace(&hex::encode([7; SALT_LEN]), "0707"),
                DamageReason::BadSalt,
            ),
            (
                good.replace("123456789012345678901234567890123456", "12345"),
                DamageReason::BadMask,
            ),
            (
                good.replace("2026-01-02T03:04:05Z", "yesterday"),
                DamageReason::BadDate,
            ),
            (
                good.replacen('{', "{\"pin_check\": \"ab\",", 1),
                DamageReason::Foreign,
            ),
        ];
        for (text, reason) in cases {
            assert_eq!(
                Vault::from_json(text.as_bytes()).err(),
                Some(reason),
                "{text}"
            );
        }
    }
}
