//! `GET /`: sign-up for a visitor; for a customer, the steps of the demo
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
        },
    )
}
