//! The one middleware every console request passes: security headers,
//! cookies, the session, the language and the CSRF check.
//!
//! - The session cookie carries a 256-bit random token; the library stores
//!   only its SHA-256 and looks it up again on every request, so an idle,
//!   too old, signed-out or disabled operator's session ends at the next
//!   click. An ended session's cookie is cleared.
//! - Every POST must carry a `csrf` form field equal (constant-time) to the
//!   page's token: SHA-256 of a domain label and the session token for a
//!   signed-in operator, or the random `mp_pre` cookie before sign-in
//!   (double submit). Both cookies are `SameSite=Strict`, so a cross-site
//!   form carries neither. A POST without the right token changes nothing.
//! - Every response gets the same headers: a CSP without inline script or
//!   style, no framing, no referrer, no sniffing, no caching.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, Request};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use mobipass_verifier::{ConsoleSession, SessionToken};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use super::ConsoleState;
use super::i18n::Lang;

/// The session cookie.
pub const SESSION_COOKIE: &str = "mp_session";
/// The pre-sign-in CSRF cookie.
pub const PRE_COOKIE: &str = "mp_pre";
/// The language cookie.
pub const LANG_COOKIE: &str = "mp_lang";
/// Largest console form body.
pub const FORM_LIMIT: usize = 16 * 1024;

/// The Content-Security-Policy of every console response.
pub const CSP: &str = "default-src 'self'; frame-ancestors 'none'; form-action 'self'";

/// Who is asking, as the guard resolved it; handlers read it.
#[derive(Clone)]
pub struct Visitor {
    /// The live session, if any.
    pub session: Option<ConsoleSession>,
    /// The session token (for sign-out); never shown or logged.
    pub token: Option<std::sync::Arc<SessionToken>>,
    /// The CSRF token to put into this page's forms.
    pub csrf: String,
    /// The page language.
    pub lang: Lang,
    /// Where the request came from (for sign-in throttling).
    pub client: IpAddr,
    /// A session cookie came but named no live session.
    pub session_ended: bool,
}

/// The token derived for a session's forms; not derivable from what the
/// database holds (the token's plain SHA-256).
pub fn csrf_for(token: &SessionToken) -> String {
    let mut digest = Sha256::new();
    digest.update(b"mobipass console csrf\0");
    digest.update(token.as_str().as_bytes());
    hex::encode(digest.finalize())
}

fn random_hex() -> String {
    let mut bytes = Zeroizing::new([0u8; 32]);
    getrandom::fill(&mut *bytes).expect("the OS random source failed");
    hex::encode(*bytes)
}

/// The value of cookie `name` in the request's `Cookie` headers.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value)
}

/// A `Set-Cookie` value for the console's path.
pub fn set_cookie(
    name: &str,
    value: &str,
    secure: bool,
    http_only: bool,
    max_age: Option<u64>,
) -> HeaderValue {
    let mut text = format!("{name}={value}; Path=/console; SameSite=Strict");
    if http_only {
        text.push_str("; HttpOnly");
    }
    if secure {
        text.push_str("; Secure");
    }
    if let Some(seconds) = max_age {
        text.push_str(&format!("; Max-Age={seconds}"));
    }
    HeaderValue::from_str(&text).expect("cookie values are ASCII")
}

/// Adds the console's security headers to a response.
pub fn secure_headers(headers: &mut HeaderMap) {
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
}

/// The form field `csrf` of an urlencoded body.
fn form_csrf(body: &[u8]) -> Option<Zeroizing<String>> {
    form_urlencoded::parse(body)
        .find(|(key, _)| key == "csrf")
        .map(|(_, value)| Zeroizing::new(value.into_owned()))
}

/// The middleware (see the module documentation).
pub async fn guard(state: ConsoleState, request: Request, next: Next) -> Response {
    let mut response = guarded(state, request, next).await;
    secure_headers(response.headers_mut());
    response
}

async fn guarded(state: ConsoleState, request: Request, next: Next) -> Response {
    let (mut parts, body) = request.into_parts();
    let client = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |info| info.0.ip());
    let lang = cookie(&parts.headers, LANG_COOKIE)
        .and_then(Lang::from_code)
        .or_else(|| {
            parts
                .headers
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .and_then(Lang::from_accept_language)
        })
        .unwrap_or(Lang::English);
    let presented = cookie(&parts.headers, SESSION_COOKIE);
    let token = presented.and_then(SessionToken::from_cookie);
    let session = match &token {
        Some(token) => match state.verifier.console_session(token, state.policy).await {
            Ok(session) => session,
            Err(error) => {
                tracing::error!(%error, "console: the session lookup failed");
                return super::pages::failure(lang, &error).into_response();
            }
        },
        None => None,
    };
    let session_ended = presented.is_some() && session.is_none();
    let (csrf, new_pre) = match (&session, &token) {
        (Some(_), Some(token)) => (csrf_for(token), None),
        _ => match cookie(&parts.headers, PRE_COOKIE)
            .filter(|v| v.len() == 64 && v.bytes().all(|b| b.is_ascii_hexdigit()))
        {
            Some(pre) => (pre.to_owned(), None),
            None => {
                let fresh = random_hex();
                (fresh.clone(), Some(fresh))
            }
        },
    };
    let token = match &session {
        Some(_) => token.map(std::sync::Arc::new),
        None => None,
    };
    let body = if parts.method == Method::POST {
        let bytes: Bytes = match axum::body::to_bytes(body, FORM_LIMIT).await {
            Ok(bytes) => bytes,
            Err(_) => {
                return (StatusCode::PAYLOAD_TOO_LARGE, "form too large").into_response();
            }
        };
        let sent = form_csrf(&bytes);
        let valid = new_pre.is_none()
            && sent
                .as_ref()
                .is_some_and(|sent| bool::from(sent.as_bytes().ct_eq(csrf.as_bytes())));
        if !valid {
            tracing::warn!(path = %parts.uri.path(), "console: a POST without a valid CSRF token was refused");
            return super::pages::csrf_refused(lang).into_response();
        }
        Body::from(bytes)
    } else {
        body
    };
    parts.extensions.insert(Visitor {
        session,
        token,
        csrf,
        lang,
        client,
        session_ended,
    });
    let mut response = next.run(Request::from_parts(parts, body)).await;
    let headers = response.headers_mut();
    if let Some(pre) = new_pre {
        headers.append(
            header::SET_COOKIE,
            set_cookie(PRE_COOKIE, &pre, state.secure_cookies, true, None),
        );
    }
    if session_ended {
        headers.append(
            header::SET_COOKIE,
            set_cookie(SESSION_COOKIE, "", state.secure_cookies, true, Some(0)),
        );
    }
    response
}
