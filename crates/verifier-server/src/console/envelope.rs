//! Issue and reissue (supervisor), answered with the printable envelope:
//! the four key parts, the credential id and the bank's name, laid out for
//! `@media print`. The parts exist only in this one response (`no-store`);
//! reloading it does not reissue (the form was a POST), and no page, log or
//! audit row shows them again.

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use mobipass_verifier::{CredentialId, Envelope};
use serde::Deserialize;
use zeroize::Zeroizing;

use super::pages::{self, Chrome};
use super::{ConsoleState, Supervisor};

#[derive(Template)]
#[template(path = "issue.html")]
struct IssuePage {
    c: Chrome,
    id: String,
    error: Option<String>,
}

/// `GET /console/issue`.
pub async fn issue_form(Supervisor(signed): Supervisor) -> Response {
    let c = Chrome::signed(&signed, "/console/issue");
    pages::render(
        StatusCode::OK,
        &IssuePage {
            c,
            id: String::new(),
            error: None,
        },
    )
}

/// The issue form.
#[derive(Debug, Deserialize)]
pub struct IssueForm {
    id: String,
}

#[derive(Template)]
#[template(path = "envelope.html")]
struct EnvelopePage<'a> {
    c: Chrome,
    bank: &'a str,
    id: String,
    what: String,
    parts: Vec<Zeroizing<String>>,
    date: String,
    kind: &'static str,
    kind_label: String,
    two_channel: bool,
}

fn envelope(
    state: &ConsoleState,
    c: Chrome,
    id: &CredentialId,
    key: &Envelope,
    what: &str,
) -> Response {
    let parts = key
        .parts()
        .iter()
        .map(|part| Zeroizing::new(format!("{} {}", &part[..5], &part[5..])))
        .collect();
    let page = EnvelopePage {
        what: c.t(what),
        bank: &state.bank_name,
        id: id.to_string(),
        parts,
        date: super::credential::when(std::time::SystemTime::now())[..10].to_owned(),
        kind: key.kind().name(),
        kind_label: c.t(super::credential::kind_label(key.kind())),
        two_channel: key.kind() == mobipass_verifier::EnvelopeKind::TwoChannel,
        c,
    };
    match page.render() {
        Ok(html) => {
            let html = Zeroizing::new(html);
            (StatusCode::OK, Html(html.as_str().to_owned())).into_response()
        }
        Err(_) => (StatusCode::INTERNAL_SERVER_ERROR, "page error").into_response(),
    }
}

/// `POST /console/issue`.
pub async fn issue(
    State(state): State<ConsoleState>,
    Supervisor(signed): Supervisor,
    Form(form): Form<IssueForm>,
) -> Response {
    let c = Chrome::signed(&signed, "/console/issue");
    let typed = form.id.trim().to_owned();
    let Ok(id) = CredentialId::new(typed.clone()) else {
        let error = Some(c.t("find-invalid"));
        return pages::render(
            StatusCode::UNPROCESSABLE_ENTITY,
            &IssuePage {
                c,
                id: typed,
                error,
            },
        );
    };
    match state.verifier.issue(&id, &signed.session.actor()).await {
        Ok(key) => envelope(&state, c, &id, &key, "envelope-issued"),
        Err(mobipass_verifier::VerifierError::AlreadyExists) => {
            let error = Some(c.t("error-already-exists"));
            pages::render(
                StatusCode::CONFLICT,
                &IssuePage {
                    c,
                    id: typed,
                    error,
                },
            )
        }
        Err(error) => pages::error(&c, &error),
    }
}

/// `POST /console/credentials/{id}/reissue`.
pub async fn reissue(
    State(state): State<ConsoleState>,
    Supervisor(signed): Supervisor,
    Path(id): Path<String>,
) -> Response {
    let c = Chrome::signed(&signed, &format!("/console/credentials/{id}"));
    let Ok(id) = CredentialId::new(id) else {
        return pages::message(&c, StatusCode::NOT_FOUND, "error-unknown-credential");
    };
    match state.verifier.reissue(&id, &signed.session.actor()).await {
        Ok(key) => envelope(&state, c, &id, &key, "envelope-reissued"),
        Err(error) => pages::error(&c, &error),
    }
}
