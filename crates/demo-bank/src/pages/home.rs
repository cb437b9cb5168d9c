//! `GET /`: sign-up and sign-in with MobiPass for a visitor; for a customer, the steps of the demo
//! (envelope, second channel, activating the app, paying) and the
//! contact-centre card.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;

use super::{Chrome, render};
use crate::AppState;
use crate::guard::Visitor;

#[derive(Template)]
#[template(path = "home.html")]
pub(super) struct HomePage {
    pub(super) c: Chrome,
    pub(super) credential_id: Option<String>,
    pub(super) name: String,
    pub(super) error: Option<String>,
    pub(super) signin_id: String,
    pub(super) signin_error: Option<String>,
}

impl HomePage {
    /// The sign-up and sign-in forms, as typed, with their errors.
    pub(super) fn signed_out(
        c: Chrome,
        name: String,
        error: Option<String>,
        signin_id: String,
        signin_error: Option<String>,
    ) -> Self {
        Self {
            c,
            credential_id: None,
            name,
            error,
            signin_id,
            signin_error,
        }
    }
}

/// `GET /`.
pub async fn show(State(state): State<AppState>, visitor: Visitor) -> Response {
    let c = Chrome::of(&state, &visitor, "/");
    render(
        StatusCode::OK,
        &HomePage {
            c,
            credential_id: visitor.customer.map(|c| c.credential_id),
            name: String::new(),
            error: None,
            signin_id: String::new(),
            signin_error: None,
        },
    )
}
