//! Home: the sign-in form for a visitor, the search box for an operator.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use mobipass_verifier::{CredentialId, VerifierError};
use serde::Deserialize;

use super::guard::Visitor;
use super::pages::{self, Chrome};
use super::signin::{self, HomeQuery};
use super::{ConsoleState, Signed};

#[derive(Template)]
#[template(path = "find.html")]
struct FindPage {
    c: Chrome,
    id: String,
    error: Option<String>,
}

fn find_page(c: Chrome, status: StatusCode, id: String, error: Option<&str>) -> Response {
    let page = FindPage {
        error: error.map(|e| c.t(e)),
        id,
        c,
    };
    pages::render(status, &page)
}

/// `GET /console/`.
pub async fn home(visitor: Visitor, Query(query): Query<HomeQuery>) -> Response {
    if visitor.session.is_none() {
        return signin::page(&visitor, StatusCode::OK, None, &query);
    }
    find_page(
        Chrome::of(&visitor, "/console/"),
        StatusCode::OK,
        String::new(),
        None,
    )
}

/// `GET /console/find?id=`.
#[derive(Debug, Deserialize)]
pub struct FindQuery {
    id: String,
}

/// `GET /console/find`: to the credential's page if it exists.
pub async fn find(
    State(state): State<ConsoleState>,
    signed: Signed,
    Query(query): Query<FindQuery>,
) -> Response {
    let c = Chrome::signed(&signed, "/console/");
    let typed = query.id.trim().to_owned();
    let Ok(id) = CredentialId::new(typed.clone()) else {
        return find_page(
            c,
            StatusCode::UNPROCESSABLE_ENTITY,
            typed,
            Some("find-invalid"),
        );
    };
    match state.verifier.status(&id).await {
        Ok(_) => Redirect::to(&super::credential::path(&id)).into_response(),
        Err(VerifierError::UnknownCredential) => {
            find_page(c, StatusCode::NOT_FOUND, typed, Some("find-unknown"))
        }
        Err(error) => pages::error(&c, &error),
    }
}
