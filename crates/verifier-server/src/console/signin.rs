//! Sign-in, sign-out and the language switch.
//!
//! The sign-in form answers one message for a wrong name, a wrong password
//! and a disabled operator; a locked account or address gets its own (the
//! lock is no secret, and the agent must know to wait or call a supervisor).

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use mobipass_verifier::SignIn;
use serde::Deserialize;
use zeroize::Zeroizing;

use super::ConsoleState;
use super::guard::{self, LANG_COOKIE, SESSION_COOKIE, Visitor};
use super::i18n::Lang;
use super::pages::{self, Chrome};

#[derive(Template)]
#[template(path = "signin.html")]
struct SignInPage {
    c: Chrome,
    error: Option<String>,
    notice: Option<String>,
}

/// Query of `GET /console/`.
#[derive(Debug, Default, Deserialize)]
pub struct HomeQuery {
    /// Set when the session had ended.
    pub ended: Option<String>,
}

/// The sign-in page.
pub fn page(
    visitor: &Visitor,
    status: StatusCode,
    error: Option<&str>,
    query: &HomeQuery,
) -> Response {
    let c = Chrome::of(visitor, "/console/");
    let notice = (query.ended.is_some() || visitor.session_ended).then(|| c.t("signin-ended"));
    let page = SignInPage {
        error: error.map(|id| c.t(id)),
        notice,
        c,
    };
    pages::render(status, &page)
}

/// The sign-in form. The password is wiped when the form is dropped and
/// never reaches a log (the form type has no `Debug`).
#[derive(Deserialize)]
pub struct SignInForm {
    name: String,
    password: Zeroizing<String>,
}

/// `POST /console/sign-in`.
pub async fn sign_in(
    State(state): State<ConsoleState>,
    visitor: Visitor,
    Form(form): Form<SignInForm>,
) -> Response {
    let answer = state
        .verifier
        .console_sign_in(&form.name, &form.password, visitor.client)
        .await;
    let none = HomeQuery::default();
    match answer {
        Ok(SignIn::Accepted { token, session }) => {
            // Signing in again replaces the browser's session: the old one
            // ends rather than lingering until it goes idle.
            if let Some(old) = &visitor.token
                && let Err(error) = state.verifier.console_sign_out(old).await
            {
                return pages::error(&Chrome::of(&visitor, "/console/"), &error);
            }
            tracing::info!(operator = %session.operator, "console: signed in");
            let cookie = guard::set_cookie(
                SESSION_COOKIE,
                token.as_str(),
                state.secure_cookies,
                true,
                None,
            );
            ([(header::SET_COOKIE, cookie)], Redirect::to("/console/")).into_response()
        }
        Ok(SignIn::Refused) => page(
            &visitor,
            StatusCode::UNAUTHORIZED,
            Some("signin-refused"),
            &none,
        ),
        Ok(SignIn::Locked) => page(
            &visitor,
            StatusCode::TOO_MANY_REQUESTS,
            Some("signin-locked"),
            &none,
        ),
        Err(error) => pages::error(&Chrome::of(&visitor, "/console/"), &error),
    }
}

/// `POST /console/sign-out`: the session ends in the database, the cookie goes.
pub async fn sign_out(State(state): State<ConsoleState>, visitor: Visitor) -> Response {
    if let Some(token) = &visitor.token
        && let Err(error) = state.verifier.console_sign_out(token).await
    {
        return pages::error(&Chrome::of(&visitor, "/console/"), &error);
    }
    let cookie = guard::set_cookie(SESSION_COOKIE, "", state.secure_cookies, true, Some(0));
    ([(header::SET_COOKIE, cookie)], Redirect::to("/console/")).into_response()
}

/// The language switch.
#[derive(Debug, Deserialize)]
pub struct LangForm {
    lang: String,
    back: Option<String>,
}

/// `POST /console/lang`: remembers the language for a year, back to the page.
pub async fn switch_language(
    State(state): State<ConsoleState>,
    Form(form): Form<LangForm>,
) -> Response {
    let Some(lang) = Lang::from_code(&form.lang) else {
        return (StatusCode::UNPROCESSABLE_ENTITY, "unknown language").into_response();
    };
    // Only back into the console: never an open redirect.
    let back = form
        .back
        .filter(|b| b.starts_with("/console/") && !b.contains("//") && !b.contains('\\'))
        .unwrap_or_else(|| "/console/".into());
    let cookie = guard::set_cookie(
        LANG_COOKIE,
        lang.code(),
        state.secure_cookies,
        false,
        Some(365 * 24 * 3600),
    );
    ([(header::SET_COOKIE, cookie)], Redirect::to(&back)).into_response()
}
