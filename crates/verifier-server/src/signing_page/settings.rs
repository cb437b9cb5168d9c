//! The signing sessions' settings (`signing_return_urls`,
//! `signing_return_secret_file`, `public_url`) and the signed return.
//!
//! The return form is what a bank's backend trusts: it carries
//! `hex(HMAC-SHA256(secret, "<session_id>.<outcome>.<time>"))`, so the
//! bank can tell a form this server rendered from one a payer typed. The
//! secret is read once at start, kept zeroized, and never printed.

use std::path::Path;
use std::sync::Arc;

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use zeroize::Zeroizing;

/// Shortest return secret, in bytes.
pub const MIN_RETURN_SECRET_LEN: usize = 32;

/// What the API and the page need to run signing sessions.
#[derive(Clone, Default)]
pub struct SigningSettings {
    /// Where page URLs start (`public_url`, no trailing slash).
    pub public_url: String,
    /// The allowed `return_url`s, compared exactly; empty: sessions are off.
    pub return_urls: Vec<String>,
    /// The HMAC secret of the return form.
    secret: Option<Arc<Zeroizing<Vec<u8>>>>,
    /// Cookies get `Secure` (an `https://` public URL).
    pub secure_cookies: bool,
}

impl std::fmt::Debug for SigningSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningSettings")
            .field("public_url", &self.public_url)
            .field("return_urls", &self.return_urls)
            .field("secret", &self.secret.as_ref().map(|_| "[redacted]"))
            .finish()
    }
}

/// Why the signing settings are refused.
#[derive(Debug, thiserror::Error)]
pub enum SigningConfigError {
    /// A return URL is not one a payer's browser should be sent to.
    #[error("signing_return_urls entry {0:?}: {1}")]
    ReturnUrl(String, &'static str),
    /// The secret file is unreadable, too short or readable by others.
    #[error("signing_return_secret_file {0}: {1}")]
    Secret(String, String),
    /// Return URLs without a secret, or the other way round.
    #[error("{0}")]
    Incomplete(&'static str),
}

impl SigningSettings {
    /// Validated settings: every return URL is `https://` (or `http://` to
    /// a loopback address) without user info, query or fragment; the
    /// secret file holds at least [`MIN_RETURN_SECRET_LEN`] bytes and is
    /// readable by its owner only.
    pub fn new(
        public_url: &str,
        return_urls: &[String],
        secret_file: Option<&Path>,
    ) -> Result<Self, SigningConfigError> {
        for url in return_urls {
            check_return_url(url)?;
        }
        let secret = match (return_urls.is_empty(), secret_file) {
            (true, None) => None,
            (false, Some(path)) => Some(Arc::new(read_secret(path)?)),
            (false, None) => {
                return Err(SigningConfigError::Incomplete(
                    "signing_return_urls needs signing_return_secret_file (the return form's HMAC secret)",
                ));
            }
            (true, Some(_)) => {
                return Err(SigningConfigError::Incomplete(
                    "signing_return_secret_file is set but signing_return_urls is empty: list the banks' return URLs",
                ));
            }
        };
        Ok(Self {
            public_url: public_url.trim_end_matches('/').to_owned(),
            return_urls: return_urls.to_vec(),
            secret,
            secure_cookies: public_url.starts_with("https://"),
        })
    }

    /// Settings with a secret given directly (tests, embedding).
    pub fn with_secret(public_url: &str, return_urls: &[String], secret: &[u8]) -> Self {
        Self {
            public_url: public_url.trim_end_matches('/').to_owned(),
            return_urls: return_urls.to_vec(),
            secret: Some(Arc::new(Zeroizing::new(secret.to_vec()))),
            secure_cookies: public_url.starts_with("https://"),
        }
    }

    /// Whether `url` is on the allow-list (exactly).
    pub fn allows(&self, url: &str) -> bool {
        self.secret.is_some() && self.return_urls.iter().any(|allowed| allowed == url)
    }

    /// The return form's `signature` for these fields, if a secret is set.
    pub fn sign_return(&self, session_id: &str, outcome: &str, time: u64) -> Option<String> {
        self.secret
            .as_ref()
            .map(|secret| return_signature(secret, session_id, outcome, time))
    }
}

/// `hex(HMAC-SHA256(secret, "<session_id>.<outcome>.<time>"))`.
pub fn return_signature(secret: &[u8], session_id: &str, outcome: &str, time: u64) -> String {
    let mut mac =
        <Hmac<Sha256> as KeyInit>::new_from_slice(secret).expect("HMAC takes keys of any length");
    mac.update(format!("{session_id}.{outcome}.{time}").as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

fn check_return_url(url: &str) -> Result<(), SigningConfigError> {
    let refuse = |why| SigningConfigError::ReturnUrl(url.to_owned(), why);
    if url.contains(['?', '#']) {
        return Err(refuse("a return URL has no query or fragment"));
    }
    // It goes into the page's CSP (`form-action`) as it is.
    if url.contains([';', ',', '\'', '"', '*']) || url.chars().any(char::is_whitespace) {
        return Err(refuse("a return URL has no ; , ' \" * or white space"));
    }
    if url.len() > mobipass_verifier::signing::MAX_RETURN_URL_LEN {
        return Err(refuse("too long"));
    }
    let uri: axum::http::Uri = url.parse().map_err(|_| refuse("not a URL"))?;
    let host = uri.host().ok_or_else(|| refuse("no host"))?;
    if uri.authority().is_some_and(|a| a.as_str().contains('@')) {
        return Err(refuse("credentials in the URL are not accepted"));
    }
    match uri.scheme_str().unwrap_or_default() {
        "https" => Ok(()),
        "http" if is_loopback(host) => Ok(()),
        "http" => Err(refuse(
            "plain http is accepted only to a loopback address; use https",
        )),
        _ => Err(refuse("the scheme is https (or http to loopback)")),
    }
}

fn is_loopback(host: &str) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    bare.eq_ignore_ascii_case("localhost")
        || bare
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

fn read_secret(path: &Path) -> Result<Zeroizing<Vec<u8>>, SigningConfigError> {
    let shown = path.display().to_string();
    let cannot =
        |e: std::io::Error| SigningConfigError::Secret(shown.clone(), e.kind().to_string());
    let mut bytes = Zeroizing::new(std::fs::read(path).map_err(cannot)?);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path)
            .map_err(cannot)?
            .permissions()
            .mode();
        if mode & 0o077 != 0 {
            return Err(SigningConfigError::Secret(
                shown,
                format!(
                    "is readable by others (mode {:o}); chmod 600 it",
                    mode & 0o777
                ),
            ));
        }
    }
    // A trailing newline from `echo` or an editor is not part of the secret.
    while bytes.last().is_some_and(|b| b.is_ascii_whitespace()) {
        bytes.pop();
    }
    if bytes.len() < MIN_RETURN_SECRET_LEN {
        return Err(SigningConfigError::Secret(
            shown,
            format!("the secret must be at least {MIN_RETURN_SECRET_LEN} bytes"),
        ));
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret_file(dir: &Path, text: &str, mode: u32) -> std::path::PathBuf {
        let path = dir.join("return.secret");
        std::fs::write(&path, text).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
        }
        path
    }

    #[test]
    fn return_urls_must_be_https_or_loopback_http_without_query() {
        let dir = tempfile::tempdir().unwrap();
        let secret = secret_file(dir.path(), &"s".repeat(32), 0o600);
        for good in [
            "http://127.0.0.1:8441/signed",
            "http://localhost/x",
            "https://bank.example/signed",
        ] {
            SigningSettings::new("http://v", &[good.to_owned()], Some(&secret)).unwrap();
        }
        for bad in [
            "http://bank.example/signed",
            "https://bank.example/signed?x=1",
            "https://bank.example/signed#top",
            "https://bank.example/a;b",
            "https://bank.example/a b",
            "https://user@bank.example/",
            "ftp://bank.example/",
            "/signed",
        ] {
            let error = SigningSettings::new("http://v", &[bad.to_owned()], Some(&secret));
            assert!(error.is_err(), "{bad} was accepted");
        }
    }

    #[test]
    fn the_secret_is_long_enough_private_and_goes_with_the_urls() {
        let dir = tempfile::tempdir().unwrap();
        let urls = ["http://127.0.0.1:8441/signed".to_owned()];
        let short = secret_file(dir.path(), &"s".repeat(31), 0o600);
        let error = SigningSettings::new("http://v", &urls, Some(&short)).unwrap_err();
        assert!(error.to_string().contains("at least 32 bytes"), "{error}");
        #[cfg(unix)]
        {
            let open = secret_file(dir.path(), &"s".repeat(40), 0o644);
            let error = SigningSettings::new("http://v", &urls, Some(&open)).unwrap_err();
            assert!(error.to_string().contains("readable by others"), "{error}");
        }
        let good = secret_file(dir.path(), &format!("{}\n", "s".repeat(32)), 0o600);
        let settings = SigningSettings::new("http://v/", &urls, Some(&good)).unwrap();
        assert!(settings.allows(&urls[0]));
        assert!(!settings.allows("http://127.0.0.1:8441/signed/"));
        assert_eq!(settings.public_url, "http://v");
        assert!(!format!("{settings:?}").contains("ssss"));
        assert!(SigningSettings::new("http://v", &urls, None).is_err());
        assert!(SigningSettings::new("http://v", &[], Some(&good)).is_err());
        let off = SigningSettings::new("http://v", &[], None).unwrap();
        assert!(!off.allows(&urls[0]));
    }

    #[test]
    fn the_return_signature_is_hmac_sha256_of_the_dotted_fields() {
        // Python: hmac.new(b"Jefe", b"s1.accepted.1700000000", "sha256").hexdigest()
        assert_eq!(
            return_signature(b"Jefe", "s1", "accepted", 1_700_000_000),
            "4d802335b64b28264e12ed3a16c01a14811823953d6345b174076904e96e7dfd"
        );
    }
}
