//! The contact-centre console: server-rendered HTML pages under `/console/`
//! for the people who block, unblock and re-issue customers' MobiPass.
//!
//! Shape (one module per page, each with its handlers, form types and
//! askama template side by side): [`signin`] (sign-in, sign-out, language),
//! [`find`] (home: find a credential, issue), [`credential`] (a
//! credential's page and the agent's and supervisor's actions on it),
//! [`envelope`] (issue/reissue and the printable envelope), [`audit`] (the
//! audit log with filters and CSV). [`guard`] is the one middleware for
//! sessions, CSRF and security headers; [`pages`] the shared chrome and
//! error pages; [`i18n`] the Fluent catalogues.
//!
//! Nothing here decides anything about a credential or an operator: every
//! action is one library call with the operator's `console:NAME` as the
//! audit actor. These routes are HTML, not API: they live in their own
//! router, merged into the service's app, and stay out of the OpenAPI
//! document and the API's route table.

pub mod audit;
pub mod credential;
pub mod envelope;
pub mod find;
pub mod guard;
pub mod i18n;
pub mod pages;
pub mod signin;

use std::time::Duration;

use axum::Router;
use axum::extract::{FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use mobipass_verifier::{ConsoleSession, Role, SessionPolicy, Verifier};

use self::guard::Visitor;

/// Console settings from the service's configuration file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsoleSettings {
    /// Cookies get `Secure` (set when `public_url` starts with `https://`).
    pub secure_cookies: bool,
    /// Idle and absolute session limits.
    pub policy: SessionPolicy,
    /// The bank's name, printed on envelopes.
    pub bank_name: String,
}

impl Default for ConsoleSettings {
    fn default() -> Self {
        Self {
            secure_cookies: false,
            policy: SessionPolicy::default(),
            bank_name: "MobiPass Bank".into(),
        }
    }
}

/// Default idle timeout of a console session.
pub const DEFAULT_IDLE: Duration = Duration::from_secs(15 * 60);
/// Default absolute limit of a console session.
pub const DEFAULT_ABSOLUTE: Duration = Duration::from_secs(8 * 3600);

/// What every console handler can reach.
#[derive(Clone)]
pub struct ConsoleState {
    /// The library.
    pub verifier: Verifier,
    /// Session limits.
    pub policy: SessionPolicy,
    /// `Secure` cookies.
    pub secure_cookies: bool,
    /// For envelopes.
    pub bank_name: std::sync::Arc<str>,
}

/// The console's router (full paths under `/console`), with its guard.
pub fn router(verifier: Verifier, settings: ConsoleSettings) -> Router {
    let state = ConsoleState {
        verifier,
        policy: settings.policy,
        secure_cookies: settings.secure_cookies,
        bank_name: settings.bank_name.into(),
    };
    let guard_state = state.clone();
    Router::new()
        .route("/console", get(|| async { Redirect::to("/console/") }))
        .route("/console/", get(find::home))
        .route("/console/sign-in", post(signin::sign_in))
        .route("/console/sign-out", post(signin::sign_out))
        .route("/console/lang", post(signin::switch_language))
        .route("/console/find", get(find::find))
        .route(
            "/console/issue",
            get(envelope::issue_form).post(envelope::issue),
        )
        .route("/console/credentials/{id}", get(credential::show))
        .route("/console/credentials/{id}/block", post(credential::block))
        .route(
            "/console/credentials/{id}/unblock",
            post(credential::unblock),
        )
        .route(
            "/console/credentials/{id}/revoke",
            get(credential::confirm_revoke).post(credential::revoke),
        )
        .route(
            "/console/credentials/{id}/activation-code",
            get(credential::activation_code_again).post(credential::activation_code),
        )
        .route("/console/credentials/{id}/reissue", post(envelope::reissue))
        .route("/console/audit", get(audit::page))
        .route("/console/audit.csv", get(audit::csv))
        .route("/console/static/console.css", get(stylesheet))
        .route("/console/static/countdown.js", get(countdown_script))
        .route("/console/{*rest}", get(not_found).post(not_found))
        .layer(middleware::from_fn(move |request: Request, next: Next| {
            guard::guard(guard_state.clone(), request, next)
        }))
        .with_state(state)
}

/// The one stylesheet (no inline styles: the CSP forbids them).
async fn stylesheet() -> Response {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8")],
        include_str!("console.css"),
    )
        .into_response()
}

/// The one script: counts an activation code's validity down. Pages work
/// without it (they say until when); the CSP allows only same-origin files.
async fn countdown_script() -> Response {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        include_str!("countdown.js"),
    )
        .into_response()
}

async fn not_found(visitor: Visitor) -> Response {
    pages::message(
        &pages::Chrome::of(&visitor, "/console/"),
        StatusCode::NOT_FOUND,
        "error-not-found",
    )
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

/// A signed-in operator (agent or supervisor); anyone else is sent to sign in.
pub struct Signed {
    /// The request's visitor.
    pub visitor: Visitor,
    /// The session.
    pub session: ConsoleSession,
}

impl<S: Send + Sync> FromRequestParts<S> for Signed {
    type Rejection = Response;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Response> {
        let visitor = Visitor::from_request_parts(parts, state).await?;
        match visitor.session.clone() {
            Some(session) => Ok(Self { visitor, session }),
            None => {
                let to = if visitor.session_ended {
                    "/console/?ended=1"
                } else {
                    "/console/"
                };
                Err(Redirect::to(to).into_response())
            }
        }
    }
}

/// A signed-in supervisor; an agent gets the 403 page and nothing happens.
pub struct Supervisor(pub Signed);

impl<S: Send + Sync> FromRequestParts<S> for Supervisor {
    type Rejection = Response;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Response> {
        let signed = Signed::from_request_parts(parts, state).await?;
        if signed.session.role != Role::Supervisor {
            tracing::warn!(operator = %signed.session.operator, path = %parts.uri.path(), "console: an agent was refused a supervisor page");
            return Err(pages::message(
                &pages::Chrome::signed(&signed, parts.uri.path()),
                StatusCode::FORBIDDEN,
                "error-forbidden",
            ));
        }
        Ok(Self(signed))
    }
}
