//! What webhook endpoints and signing return URLs share: a URL this
//! service sends data (or a payer's browser) to, and the HMAC secret file
//! that goes with it. One rule for both, so they cannot drift apart.

use std::path::Path;

use axum::http::Uri;
use zeroize::Zeroizing;

/// `url` parsed, if it is `https://`, or `http://` to a loopback address,
/// with a host and without user info; else why not.
pub(crate) fn https_or_loopback(url: &str) -> Result<Uri, &'static str> {
    let uri: Uri = url.parse().map_err(|_| "not a URL")?;
    let host = uri.host().ok_or("no host")?;
    if uri.authority().is_some_and(|a| a.as_str().contains('@')) {
        return Err("credentials in the URL are not accepted");
    }
    match uri.scheme_str() {
        Some("https") => Ok(uri),
        Some("http") if is_loopback(host) => Ok(uri),
        Some("http") => Err("plain http is accepted only to a loopback address; use https"),
        _ => Err("the scheme is https (or http to loopback)"),
    }
}

fn is_loopback(host: &str) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    bare.eq_ignore_ascii_case("localhost")
        || bare
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// The secret in `path`, trailing white space removed (a newline from
/// `echo` or an editor is not part of it), at least `min_len` bytes; with
/// `owner_only`, refused if group or others may read the file. The error
/// says why, without the secret.
pub(crate) fn read_secret(
    path: &Path,
    min_len: usize,
    owner_only: bool,
) -> Result<Zeroizing<Vec<u8>>, String> {
    let mut bytes = Zeroizing::new(std::fs::read(path).map_err(|e| e.kind().to_string())?);
    #[cfg(unix)]
    if owner_only {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path)
            .map_err(|e| e.kind().to_string())?
            .permissions()
            .mode();
        if mode & 0o077 != 0 {
            return Err(format!(
                "is readable by others (mode {:o}); chmod 600 it",
                mode & 0o777
            ));
        }
    }
    #[cfg(not(unix))]
    let _ = owner_only;
    while bytes.last().is_some_and(|b| b.is_ascii_whitespace()) {
        bytes.pop();
    }
    if bytes.len() < min_len {
        return Err(format!("the secret must be at least {min_len} bytes"));
    }
    Ok(bytes)
}
