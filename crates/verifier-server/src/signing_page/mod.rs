//! The hosted signing page: what a payer's browser sees between the bank's
//! "pay" button and the bank's return page (issue 14).
//!
//! Flow: the bank creates a session through the API
//! (`crate::http::signing`) and sends the browser to `/sign/<token>`. That
//! first GET exchanges the one-time token for a browser key in an HttpOnly
//! cookie scoped to `/sign/s/<session_id>` and redirects there, so the
//! token leaves the address bar and history at once and a second GET of the
//! link is refused. The page shows the request and the document code and
//! takes the signature value ([`page`]); on a final outcome it carries the
//! signed return form ([`settings`]) that a static script submits.
//!
//! Every response gets the console's security headers with a stricter CSP:
//! nothing but this server's stylesheet and script, and forms only to this
//! page and the session's return URL. The POST carries a CSRF token derived
//! from the browser key; a POST without it is refused before anything is
//! judged. Words come from the console's Fluent catalogues (`pay-*` ids).
//! Nothing here logs a token, a browser key or a signature value.

pub mod page;
mod settings;

use std::sync::Arc;

use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderValue, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use mobipass_verifier::Verifier;

pub use settings::{MIN_RETURN_SECRET_LEN, SigningConfigError, SigningSettings, return_signature};

/// The CSP of every signing page without a return form (see [`page_csp`]).
pub const CSP: &str = "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; \
                       form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// The CSP of a page whose return form posts to `return_url` (validated at
/// start: no characters that could end a CSP directive).
pub fn page_csp(return_url: &str) -> String {
    CSP.replace(
        "form-action 'self'",
        &format!("form-action 'self' {return_url}"),
    )
}

/// What the page's handlers share.
#[derive(Clone)]
pub struct PageState {
    /// The library.
    pub verifier: Verifier,
    /// Return secret, cookies.
    pub settings: Arc<SigningSettings>,
    /// The service's metrics: the page's verifications count like the API's.
    pub metrics: Arc<crate::http::metrics::Metrics>,
}

/// The page's router (full paths under `/sign`), with its headers.
pub fn router(
    verifier: Verifier,
    settings: SigningSettings,
    metrics: Arc<crate::http::metrics::Metrics>,
) -> Router {
    let state = PageState {
        verifier,
        settings: Arc::new(settings),
        metrics,
    };
    Router::new()
        .route("/sign/static/signing.css", get(stylesheet))
        .route("/sign/static/return.js", get(return_script))
        .route("/sign/s/{session_id}", get(page::show).post(page::submit))
        .route("/sign/{token}", get(page::open_link))
        .layer(middleware::from_fn(headers))
        .with_state(state)
}

async fn headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    let csp = headers.remove(header::CONTENT_SECURITY_POLICY);
    crate::console::guard::secure_headers(headers);
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        csp.unwrap_or(HeaderValue::from_static(CSP)),
    );
    response
}

async fn stylesheet() -> Response {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8")],
        include_str!("signing.css"),
    )
        .into_response()
}

/// Submits the return form; the form's button does it without scripts.
async fn return_script() -> Response {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        include_str!("return.js"),
    )
        .into_response()
}
