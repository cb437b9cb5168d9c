//! PKCS#11 URIs (RFC 7512) naming the master key: `pkcs11:token=T;object=O`
//! with an optional `id=` (percent-encoded bytes).
//!
//! Only the path attributes that select a token and a key are understood;
//! other standard path attributes (`manufacturer`, `model`, `serial`,
//! `library-*`, `slot-*`) are refused rather than silently ignored, since a
//! URI that seems to pin a token but does not is worse than an error. The
//! PIN never travels in the URI (`pin-value`, `pin-source` are refused): it
//! comes from `pkcs11_pin_file` or `MOBIPASS_PKCS11_PIN`. `type=secret-key`
//! is accepted (it is what the key is). Query attributes other than the PIN
//! ones (`module-name`, `module-path`) are refused too: the module comes from
//! `pkcs11_module`.

use std::fmt;

use crate::error::VerifierError;

/// A parsed `pkcs11:` URI: the token's label, the key's label and maybe its id.
#[derive(Clone, PartialEq, Eq)]
pub struct Pkcs11Uri {
    /// `CKA_LABEL` of the token (`token=`).
    pub token: String,
    /// `CKA_LABEL` of the key object (`object=`).
    pub object: String,
    /// `CKA_ID` of the key object (`id=`), if given.
    pub id: Option<Vec<u8>>,
}

impl fmt::Debug for Pkcs11Uri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self}")
    }
}

impl fmt::Display for Pkcs11Uri {
    /// The canonical form, percent-encoding anything but unreserved characters.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "pkcs11:token={};object={}",
            encode(self.token.as_bytes()),
            encode(self.object.as_bytes())
        )?;
        if let Some(id) = &self.id {
            write!(f, ";id={}", encode_all(id))?;
        }
        Ok(())
    }
}

fn invalid(message: impl Into<String>) -> VerifierError {
    VerifierError::InvalidInput(format!("PKCS#11 URI: {}", message.into()))
}

impl std::str::FromStr for Pkcs11Uri {
    type Err = VerifierError;

    fn from_str(text: &str) -> Result<Self, VerifierError> {
        let rest = text
            .strip_prefix("pkcs11:")
            .ok_or_else(|| invalid("it starts with pkcs11: (pkcs11:token=...;object=...)"))?;
        let (path, query) = match rest.split_once('?') {
            Some((path, query)) => (path, Some(query)),
            None => (rest, None),
        };
        if let Some(pair) = query.and_then(|q| q.split('&').find(|p| !p.is_empty())) {
            let name = pair.split_once('=').map_or(pair, |(name, _)| name);
            return Err(match name {
                "pin-value" | "pin-source" => invalid(
                    "the PIN never goes in the URI; use pkcs11_pin_file or MOBIPASS_PKCS11_PIN",
                ),
                _ => invalid(format!(
                    "query attribute {name:?} is not supported (the module comes from pkcs11_module)"
                )),
            });
        }
        let (mut token, mut object, mut id) = (None, None, None);
        for pair in path.split(';').filter(|p| !p.is_empty()) {
            let (name, value) = pair
                .split_once('=')
                .ok_or_else(|| invalid(format!("{pair:?} is not name=value")))?;
            let slot = match name {
                "token" => &mut token,
                "object" => &mut object,
                "id" => &mut id,
                "type" if value == "secret-key" => continue,
                "type" => return Err(invalid("the master key is type=secret-key")),
                "pin-value" | "pin-source" => {
                    return Err(invalid(
                        "the PIN never goes in the URI; use pkcs11_pin_file or MOBIPASS_PKCS11_PIN",
                    ));
                }
                other => {
                    return Err(invalid(format!(
                        "attribute {other:?} is not supported (token, object, id, type)"
                    )));
                }
            };
            if slot.is_some() {
                return Err(invalid(format!("{name} is given twice")));
            }
            *slot = Some(decode(value)?);
        }
        let text_of = |bytes: Vec<u8>, name: &str| {
            String::from_utf8(bytes).map_err(|_| invalid(format!("{name} is not UTF-8")))
        };
        let token = text_of(token.ok_or_else(|| invalid("token= is missing"))?, "token")?;
        let object = text_of(
            object.ok_or_else(|| invalid("object= is missing"))?,
            "object",
        )?;
        if token.is_empty() || object.is_empty() {
            return Err(invalid("token and object must not be empty"));
        }
        // A token label is at most 32 bytes (CK_TOKEN_INFO pads it with spaces).
        if token.len() > 32 {
            return Err(invalid("a token label is at most 32 bytes"));
        }
        Ok(Self { token, object, id })
    }
}

/// Percent-decoding (RFC 3986): `%XX` becomes the byte, anything else stays.
fn decode(value: &str) -> Result<Vec<u8>, VerifierError> {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let pair = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or_else(|| invalid("a % is followed by two hex digits"))?;
            out.push(pair);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    Ok(out)
}

fn encode(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|&b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn encode_all(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("%{b:02X}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Pkcs11Uri, VerifierError> {
        text.parse()
    }

    #[test]
    fn token_object_and_id_are_read_and_percent_decoded() {
        let uri = parse("pkcs11:token=Bank%20HSM;object=mobipass-master;id=%01%A2").unwrap();
        assert_eq!(uri.token, "Bank HSM");
        assert_eq!(uri.object, "mobipass-master");
        assert_eq!(uri.id, Some(vec![0x01, 0xa2]));
        let plain = parse("pkcs11:object=k;type=secret-key;token=t").unwrap();
        assert_eq!((plain.token.as_str(), plain.object.as_str()), ("t", "k"));
        assert_eq!(plain.id, None);
    }

    #[test]
    fn display_round_trips() {
        for text in [
            "pkcs11:token=Bank%20HSM;object=a%3Bb;id=%00%FF",
            "pkcs11:token=t;object=k",
        ] {
            let uri = parse(text).unwrap();
            assert_eq!(uri.to_string(), text);
            assert_eq!(parse(&uri.to_string()).unwrap(), uri);
        }
    }

    #[test]
    fn malformed_or_unsupported_uris_are_refused_with_the_reason() {
        for (text, reason) in [
            ("token=t;object=k", "starts with pkcs11:"),
            ("pkcs11:object=k", "token= is missing"),
            ("pkcs11:token=t", "object= is missing"),
            ("pkcs11:token=t;token=u;object=k", "twice"),
            ("pkcs11:token=t;object=k;serial=1", "serial"),
            ("pkcs11:token=t;object=%4", "two hex digits"),
            ("pkcs11:token=t;object=%zz", "two hex digits"),
            ("pkcs11:token=t;object=k;type=private", "secret-key"),
            ("pkcs11:token=;object=k", "empty"),
            ("pkcs11:token=t;object=k;flag", "name=value"),
            ("pkcs11:token=t;object=%FF", "UTF-8"),
            ("pkcs11:token=t;object=k?module-path=/x.so", "pkcs11_module"),
        ] {
            let message = parse(text).unwrap_err().to_string();
            assert!(message.contains(reason), "{text}: {message}");
        }
    }

    #[test]
    fn a_pin_in_the_uri_is_refused_without_echoing_it() {
        for text in [
            "pkcs11:token=t;object=k?pin-value=123456",
            "pkcs11:token=t;object=k;pin-value=123456",
            "pkcs11:token=t;object=k?pin-source=file:/pin",
        ] {
            let message = parse(text).unwrap_err().to_string();
            assert!(message.contains("pkcs11_pin_file"), "{message}");
            assert!(!message.contains("123456"), "{message}");
        }
    }
}
