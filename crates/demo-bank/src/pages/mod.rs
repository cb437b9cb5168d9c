//! The pages, one module per page: handlers, form types and the askama
//! template side by side. What they share is here: the chrome (language,
//! CSRF token, who is signed in) handed to the layout, the message page,
//! the language switch and the stylesheet.
//!
//! Handlers decide nothing about a credential: the verifier does, and the
//! page shows its answer.

pub mod home;
pub mod signed;
pub mod signin;
pub mod signup;
pub mod sms;
pub mod statement;
pub mod transfer;

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::AppState;
use crate::guard::{LANG_COOKIE, Visitor, set_cookie};
use crate::i18n::Lang;

/// The layout's view: never a secret but the CSRF token.
#[derive(Clone)]
pub struct Chrome {
    /// Page language.
    pub lang: Lang,
    /// The token for this page's forms.
    pub csrf: String,
    /// The signed-in customer's name.
    pub customer: Option<String>,
    /// Where the language switch returns to.
    pub here: String,
    /// The bank's name.
    pub bank: String,
    /// The contact-centre console.
    pub console_url: String,
    /// Its demo operator, if known.
    pub operator: Option<String>,
}

impl Chrome {
    /// For any visitor.
    pub fn of(state: &AppState, visitor: &Visitor, here: &str) -> Self {
        Self {
            lang: visitor.lang,
            csrf: visitor.csrf.clone(),
            customer: visitor.customer.as_ref().map(|c| c.name.clone()),
            here: here.to_owned(),
            bank: state.bank_name.to_string(),
            console_url: state.console_url.to_string(),
            operator: state.operator_name.as_deref().map(str::to_owned),
        }
    }

    /// The text of message `id`.
    pub fn t(&self, id: &str) -> String {
        self.lang.t(id)
    }

    /// Message `id` with one argument.
    pub fn t1(&self, id: &str, name: &'static str, value: &str) -> String {
        self.lang.t1(id, name, value)
    }

    /// The languages for the switch: (code, own name, is current).
    pub fn langs(&self) -> Vec<(&'static str, &'static str, bool)> {
        Lang::ALL
            .into_iter()
            .map(|l| (l.code(), l.own_name(), l == self.lang))
            .collect()
    }
}

/// Renders a template with a status.
pub fn render(status: StatusCode, template: &impl Template) -> Response {
    match template.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(error) => {
            tracing::error!(%error, "demo bank: a template failed to render");
            (StatusCode::INTERNAL_SERVER_ERROR, "page error").into_response()
        }
    }
}

#[derive(Template)]
#[template(path = "message.html")]
struct MessagePage {
    c: Chrome,
    title: String,
    text: String,
    testid: &'static str,
    help: bool,
}

/// A page with one message (refusals, errors). `testid` names it for tests;
/// `help` adds the contact-centre card.
pub fn message(
    c: Chrome,
    status: StatusCode,
    title_id: &str,
    text: String,
    testid: &'static str,
    help: bool,
) -> Response {
    let title = c.t(title_id);
    render(
        status,
        &MessagePage {
            c,
            title,
            text,
            testid,
            help,
        },
    )
}

/// The verifier could not be asked: say so, change nothing.
pub fn verifier_down(c: Chrome, error: &crate::verifier_api::ApiError) -> Response {
    tracing::error!(%error, "demo bank: a verifier call failed");
    let text = c.t("error-verifier");
    message(
        c,
        StatusCode::BAD_GATEWAY,
        "error-title",
        text,
        "error-verifier",
        false,
    )
}

/// A POST without the right CSRF token (before any handler ran).
pub fn csrf_refused(lang: Lang) -> Response {
    let c = Chrome {
        lang,
        csrf: String::new(),
        customer: None,
        here: "/".into(),
        bank: String::new(),
        console_url: String::new(),
        operator: None,
    };
    let text = c.t("error-csrf");
    message(
        c,
        StatusCode::FORBIDDEN,
        "error-title",
        text,
        "error-csrf",
        false,
    )
}

/// Pages that need a signed-in customer send others home.
pub fn sign_up_first() -> Response {
    Redirect::to("/").into_response()
}

/// Any other path.
pub async fn not_found(State(state): State<AppState>, visitor: Visitor) -> Response {
    let c = Chrome::of(&state, &visitor, "/");
    let text = c.t("error-not-found");
    message(
        c,
        StatusCode::NOT_FOUND,
        "error-title",
        text,
        "error-not-found",
        false,
    )
}

/// The language switch's form.
#[derive(Deserialize)]
pub struct LangForm {
    lang: String,
    #[serde(default)]
    back: String,
}

/// `POST /lang`: remember the language, go back to the page.
pub async fn switch_language(
    State(state): State<AppState>,
    Form(form): Form<LangForm>,
) -> Response {
    let lang = Lang::from_code(&form.lang).unwrap_or(Lang::English);
    // Only a path on this site (not `//host`), so the switch is no open redirect.
    let local = form.back.starts_with('/') && !form.back.starts_with("//");
    let back = if local { form.back.as_str() } else { "/" };
    let mut response = Redirect::to(back).into_response();
    response.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(
            LANG_COOKIE,
            lang.code(),
            state.secure_cookies,
            Some(31_536_000),
        ),
    );
    response
}

/// The one stylesheet (the CSP forbids inline styles).
pub async fn stylesheet() -> Response {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8")],
        include_str!("bank.css"),
    )
        .into_response()
}
