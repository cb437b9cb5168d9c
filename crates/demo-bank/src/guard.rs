//! The one middleware every request passes: security headers, the language,
//! the customer's session and the CSRF check.
//!
//! - The session cookie `bank_session` carries a 256-bit random token (the
//!   books keep only its SHA-256). It is `SameSite=Lax`, not `Strict`: the
//!   payer comes back from the verifier's page (another site in a real
//!   deployment) and the statement must open signed in. Cookie names differ
//!   from the console's and the signing page's: on one host, cookies are
//!   shared across ports.
//! - Every POST carries a `csrf` field equal (constant-time) to the page's
//!   token: SHA-256 of a label and the session token when signed in, else
//!   the random `bank_pre` cookie (double submit). The one exception is
//!   `POST /signed`, which the verifier's page sends and whose HMAC is its
//!   authentication (see [`crate::signed_return`]).
//! - Every response gets the same headers: a CSP without inline script or
//!   style (forms may go to the bank and, through the redirect to the
//!   signing page, to the verifier), no framing, no referrer (the signing
//!   page's URL carries its one-time token), no sniffing, no caching.

use axum::body::{Body, Bytes};
use axum::extract::{FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use crate::AppState;
use crate::i18n::Lang;
use crate::state::{Customer, random_token};

/// The customer's session cookie.
pub const SESSION_COOKIE: &str = "bank_session";
/// The CSRF cookie before sign-up.
pub const PRE_COOKIE: &str = "bank_pre";
/// The language cookie.
pub const LANG_COOKIE: &str = "bank_lang";
/// Largest form body.
pub const FORM_LIMIT: usize = 16 * 1024;
/// The path that is authenticated by its HMAC instead of a CSRF token.
pub const RETURN_PATH: &str = "/signed";

/// Who is asking, as the guard resolved it; handlers read it.
#[derive(Clone)]
pub struct Visitor {
    /// The signed-in customer.
    pub customer: Option<Customer>,
    /// The session token (for sign-out); never shown or logged.
    pub token: Option<std::sync::Arc<Zeroizing<String>>>,
    /// The CSRF token for this page's forms.
    pub csrf: String,
    /// The page language.
    pub lang: Lang,
}

impl<S: Send + Sync> FromRequestParts<S> for Visitor {
    type Rejection = Response;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Response> {
        parts
            .extensions
            .get::<Visitor>()
            .cloned()
            .ok_or_else(|| StatusCode::INTERNAL_SERVER_ERROR.into_response())
    }
}

/// The CSRF token of a signed-in session; the books cannot derive it (they
/// hold the token's plain SHA-256).
pub fn csrf_for(token: &str) -> String {
    let mut digest = Sha256::new();
    digest.update(b"mobipass demo bank csrf\0");
    digest.update(token.as_bytes());
    hex::encode(digest.finalize())
}

/// The value of cookie `name`.
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

/// A `Set-Cookie` value (HttpOnly, `SameSite=Lax`, whole site).
pub fn set_cookie(name: &str, value: &str, secure: bool, max_age: Option<u64>) -> HeaderValue {
    let mut text = format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax");
    if secure {
        text.push_str("; Secure");
    }
    if let Some(seconds) = max_age {
        text.push_str(&format!("; Max-Age={seconds}"));
    }
    HeaderValue::from_str(&text).expect("cookie values are ASCII")
}

/// The Content-Security-Policy: only this origin, forms to this origin and
/// the verifier's (a form's redirect target counts for `form-action`).
pub fn csp(verifier_origin: &str) -> HeaderValue {
    HeaderValue::from_str(&format!(
        "default-src 'self'; frame-ancestors 'none'; form-action 'self' {verifier_origin}"
    ))
    .unwrap_or_else(|_| {
        HeaderValue::from_static("default-src 'self'; frame-ancestors 'none'; form-action 'self'")
    })
}

fn secure_headers(headers: &mut HeaderMap, csp: HeaderValue) {
    headers.insert(header::CONTENT_SECURITY_POLICY, csp);
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

fn form_csrf(body: &[u8]) -> Option<Zeroizing<String>> {
    form_urlencoded::parse(body)
        .find(|(key, _)| key == "csrf")
        .map(|(_, value)| Zeroizing::new(value.into_owned()))
}

/// The middleware (see the module documentation).
pub async fn guard(state: AppState, request: Request, next: Next) -> Response {
    let mut response = guarded(&state, request, next).await;
    secure_headers(response.headers_mut(), state.csp.clone());
    response
}

async fn guarded(state: &AppState, request: Request, next: Next) -> Response {
    let (mut parts, body) = request.into_parts();
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
    let presented = cookie(&parts.headers, SESSION_COOKIE).map(|t| Zeroizing::new(t.to_owned()));
    let customer = presented.as_ref().and_then(|t| state.bank.customer_for(t));
    let (csrf, new_pre) = match (&customer, &presented) {
        (Some(_), Some(token)) => (csrf_for(token), None),
        _ => match cookie(&parts.headers, PRE_COOKIE)
            .filter(|v| v.len() == 64 && v.bytes().all(|b| b.is_ascii_hexdigit()))
        {
            Some(pre) => (pre.to_owned(), None),
            None => {
                let fresh = random_token();
                (fresh.as_str().to_owned(), Some(fresh))
            }
        },
    };
    let body = if parts.method == Method::POST {
        let bytes: Bytes = match axum::body::to_bytes(body, FORM_LIMIT).await {
            Ok(bytes) => bytes,
            Err(_) => return (StatusCode::PAYLOAD_TOO_LARGE, "form too large").into_response(),
        };
        if parts.uri.path() != RETURN_PATH {
            let sent = form_csrf(&bytes);
            let valid = new_pre.is_none()
                && sent
                    .as_ref()
                    .is_some_and(|sent| bool::from(sent.as_bytes().ct_eq(csrf.as_bytes())));
            if !valid {
                tracing::warn!(path = %parts.uri.path(), "demo bank: a POST without a valid CSRF token was refused");
                return crate::pages::csrf_refused(lang);
            }
        }
        Body::from(bytes)
    } else {
        body
    };
    let token = match &customer {
        Some(_) => presented.map(std::sync::Arc::new),
        None => None,
    };
    parts.extensions.insert(Visitor {
        customer,
        token,
        csrf,
        lang,
    });
    let mut response = next.run(Request::from_parts(parts, body)).await;
    if let Some(pre) = new_pre {
        response.headers_mut().append(
            header::SET_COOKIE,
            set_cookie(PRE_COOKIE, &pre, state.secure_cookies, None),
        );
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_csrf_field_is_found_among_other_fields() {
        assert_eq!(
            form_csrf(b"name=Alice&csrf=abc%20d")
                .as_deref()
                .map(String::as_str),
            Some("abc d")
        );
        assert!(form_csrf(b"name=Alice").is_none());
        assert!(form_csrf(b"").is_none());
    }

    #[test]
    fn session_tokens_give_distinct_csrf_tokens() {
        assert_ne!(csrf_for("a"), csrf_for("b"));
        assert_eq!(csrf_for("a").len(), 64);
    }
}
