//! What every console page shares: the chrome (language, CSRF token, who is
//! signed in) handed to the layout, and the message pages (403, 404, errors).

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use mobipass_verifier::{Role, VerifierError};

use super::Signed;
use super::guard::Visitor;
use super::i18n::Lang;

/// The layout's view: never a store row, never a secret but the CSRF token.
#[derive(Clone)]
pub struct Chrome {
    /// Page language.
    pub lang: Lang,
    /// The token for this page's forms.
    pub csrf: String,
    /// The signed-in operator's name.
    pub operator: Option<String>,
    /// The operator is a supervisor.
    pub supervisor: bool,
    /// Where the language switch returns to.
    pub here: String,
}

impl Chrome {
    /// For any visitor.
    pub fn of(visitor: &Visitor, here: &str) -> Self {
        Self {
            lang: visitor.lang,
            csrf: visitor.csrf.clone(),
            operator: visitor
                .session
                .as_ref()
                .map(|s| s.operator.as_str().to_owned()),
            supervisor: visitor
                .session
                .as_ref()
                .is_some_and(|s| s.role == Role::Supervisor),
            here: here.to_owned(),
        }
    }

    /// For a signed-in operator.
    pub fn signed(signed: &Signed, here: &str) -> Self {
        Self::of(&signed.visitor, here)
    }

    /// The text of message `id`.
    pub fn t(&self, id: &str) -> String {
        self.lang.t(id)
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
            tracing::error!(%error, "console: a template failed to render");
            (StatusCode::INTERNAL_SERVER_ERROR, "page error").into_response()
        }
    }
}

#[derive(Template)]
#[template(path = "message.html")]
struct MessagePage<'a> {
    c: &'a Chrome,
    title: String,
    text: String,
    code: u16,
}

/// A page that says one thing (`id` is the message id; `id-title` its title).
pub fn message(chrome: &Chrome, status: StatusCode, id: &str) -> Response {
    let page = MessagePage {
        c: chrome,
        title: chrome.t(&format!("{id}-title")),
        text: chrome.t(id),
        code: status.as_u16(),
    };
    render(status, &page)
}

/// A library error as a page. The library's messages never hold a secret,
/// but storage details are for the log, not the agent.
pub fn error(chrome: &Chrome, error: &VerifierError) -> Response {
    let (status, id) = match error {
        VerifierError::UnknownCredential => (StatusCode::NOT_FOUND, "error-unknown-credential"),
        VerifierError::AlreadyExists => (StatusCode::CONFLICT, "error-already-exists"),
        VerifierError::Blocked => (StatusCode::CONFLICT, "error-blocked"),
        VerifierError::Revoked => (StatusCode::CONFLICT, "error-revoked"),
        VerifierError::InvalidInput(_) => (StatusCode::UNPROCESSABLE_ENTITY, "error-invalid"),
        VerifierError::Busy(_) => (StatusCode::SERVICE_UNAVAILABLE, "error-busy"),
        _ => {
            tracing::error!(%error, "console: the library failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "error-storage")
        }
    };
    message(chrome, status, id)
}

/// An error before any chrome exists (the session lookup failed).
pub fn failure(lang: Lang, error: &VerifierError) -> Response {
    let chrome = Chrome {
        lang,
        csrf: String::new(),
        operator: None,
        supervisor: false,
        here: "/console/".into(),
    };
    self::error(&chrome, error)
}

/// The answer to a POST without the right CSRF token: nothing was done.
pub fn csrf_refused(lang: Lang) -> Response {
    let chrome = Chrome {
        lang,
        csrf: String::new(),
        operator: None,
        supervisor: false,
        here: "/console/".into(),
    };
    message(&chrome, StatusCode::FORBIDDEN, "error-csrf")
}
