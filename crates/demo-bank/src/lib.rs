//! The MobiPass demo bank: an internet bank that plays a real bank's
//! backend against the verifier, only through the verifier's HTTP API.
//!
//! A customer signs up (the bank issues a two-channel credential and shows
//! the printable envelope once), gets the activation code on a "second
//! channel" page, activates the desktop app with both, and pays: the bank
//! creates a signing session, sends the browser to the verifier's hosted
//! signing page, and books the payment when the browser comes back with the
//! signed return, which it checks (HMAC, time, replay) and confirms with the
//! API. docs/INTEGRATION.md describes the same calls for bank developers.
//!
//! Shape: [`verifier_api`] is the HTTP client (the only way to the
//! verifier); [`signed_return`] checks the return; [`state`] the bank's own
//! books; [`guard`] the middleware (headers, session, CSRF, language);
//! [`pages`] one module per page; [`embedded`] starts a verifier in this
//! process when none is named.

pub mod embedded;
pub mod guard;
pub mod i18n;
pub mod money;
pub mod pages;
pub mod signed_return;
pub mod state;
pub mod verifier_api;

use std::sync::Arc;

use axum::Router;
use axum::extract::Request;
use axum::http::HeaderValue;
use axum::middleware::{self, Next};
use axum::routing::{get, post};
use zeroize::Zeroizing;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    /// The bank's own books.
    pub bank: state::Bank,
    /// The verifier's API with the bank's keys.
    pub api: verifier_api::VerifierApi,
    /// The signing return's HMAC secret.
    pub return_secret: Arc<Zeroizing<Vec<u8>>>,
    /// This bank's `/signed` URL, as on the verifier's allow-list.
    pub return_url: Arc<str>,
    /// Shown on pages, envelopes and the signing page.
    pub bank_name: Arc<str>,
    /// The contact-centre console (`<verifier>/console/`).
    pub console_url: Arc<str>,
    /// The console operator the demo made, to name on the help card.
    pub operator_name: Option<Arc<str>>,
    /// The Content-Security-Policy header.
    pub csp: HeaderValue,
    /// Cookies get `Secure` (the bank is served over https).
    pub secure_cookies: bool,
}

/// Settings for [`AppState::new`].
pub struct Setup {
    /// The verifier's API.
    pub api: verifier_api::VerifierApi,
    /// The signing return's HMAC secret.
    pub return_secret: Zeroizing<Vec<u8>>,
    /// This bank's base URL (`http://127.0.0.1:8441`).
    pub public_url: String,
    /// The bank's name.
    pub bank_name: String,
    /// The console operator to name, if known.
    pub operator_name: Option<String>,
    /// The bank's books (in memory, or kept in a file).
    pub books: state::Bank,
}

impl AppState {
    /// The state for a bank at `setup.public_url`.
    pub fn new(setup: Setup) -> Self {
        let verifier = setup.api.base().to_owned();
        let public_url = setup.public_url.trim_end_matches('/');
        Self {
            bank: setup.books,
            return_secret: Arc::new(setup.return_secret),
            return_url: format!("{public_url}{}", guard::RETURN_PATH).into(),
            bank_name: setup.bank_name.into(),
            console_url: format!("{verifier}/console/").into(),
            operator_name: setup.operator_name.map(Into::into),
            csp: guard::csp(&origin(&verifier)),
            secure_cookies: public_url.starts_with("https://"),
            api: setup.api,
        }
    }
}

/// `scheme://host:port` of a URL (its first three `/`-separated pieces).
fn origin(url: &str) -> String {
    url.splitn(4, '/').take(3).collect::<Vec<_>>().join("/")
}

/// The bank's routes behind its guard.
pub fn router(state: AppState) -> Router {
    let guard_state = state.clone();
    Router::new()
        .route("/", get(pages::home::show))
        .route("/sign-up", post(pages::signup::sign_up))
        .route("/sign-out", post(pages::signup::sign_out))
        .route("/sign-in", post(pages::signin::start))
        .route("/sign-in/done", get(pages::signin::done))
        .route("/lang", post(pages::switch_language))
        .route("/sms", get(pages::sms::show).post(pages::sms::send))
        .route(
            "/transfer",
            get(pages::transfer::form).post(pages::transfer::submit),
        )
        .route(guard::RETURN_PATH, post(pages::signed::back))
        .route("/statement", get(pages::statement::show))
        .route("/static/bank.css", get(pages::stylesheet))
        .fallback(pages::not_found)
        .layer(middleware::from_fn(move |request: Request, next: Next| {
            guard::guard(guard_state.clone(), request, next)
        }))
        .with_state(state)
}

#[cfg(test)]
mod tests {
    #[test]
    fn origin_keeps_scheme_host_and_port() {
        assert_eq!(
            super::origin("http://127.0.0.1:8440"),
            "http://127.0.0.1:8440"
        );
        assert_eq!(
            super::origin("https://v.bank.example/x/y"),
            "https://v.bank.example"
        );
    }
}
