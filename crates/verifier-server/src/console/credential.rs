//! A credential's page and the actions on it: block (agent, no identity
//! check), unblock (agent, only with the identity check recorded), revoke
//! (supervisor, after a confirmation page).
//!
//! Each POST is one library call with `console:NAME` as actor, then a
//! redirect back to the page (so a reload repeats nothing).

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use mobipass_verifier::{
    CredentialId, CredentialStatus, EnvelopeKind, State as CredentialState, VerifierError,
};
use serde::Deserialize;
use zeroize::Zeroizing;

use super::pages::{self, Chrome};
use super::{ConsoleState, Signed, Supervisor};

/// Audit events shown on a credential's page.
const RECENT_EVENTS: usize = 20;

/// The reasons an agent picks from when blocking; the audit records the
/// English label (the log is the bank's, in one language) plus the note.
pub const BLOCK_REASONS: [(&str, &str); 5] = [
    ("lost_device", "lost device"),
    ("stolen_device", "stolen device"),
    ("customer_request", "customer request"),
    ("suspected_fraud", "suspected fraud"),
    ("other", "other"),
];

/// The page's URL.
pub fn path(id: &CredentialId) -> String {
    format!("/console/credentials/{id}")
}

/// One audit line as shown.
pub struct EventView {
    /// When (UTC, to the second).
    pub at: String,
    /// Who.
    pub actor: String,
    /// What.
    pub action: String,
    /// Which credential (empty for none).
    pub credential: String,
    /// Detail.
    pub detail: String,
}

/// A time as shown on pages and in CSV.
pub fn when(at: std::time::SystemTime) -> String {
    humantime::format_rfc3339_seconds(at)
        .to_string()
        .replace('T', " ")
        .replace('Z', " UTC")
}

impl EventView {
    /// From the library's event.
    pub fn of(event: &mobipass_verifier::AuditEvent) -> Self {
        Self {
            at: when(event.at),
            actor: event.actor.clone(),
            action: event.action.clone(),
            credential: event.credential.clone().unwrap_or_default(),
            detail: event.detail.clone(),
        }
    }
}

#[derive(Template)]
#[template(path = "credential.html")]
struct CredentialPage {
    c: Chrome,
    id: String,
    state: &'static str,
    state_label: String,
    kind: &'static str,
    kind_label: String,
    activation: Option<String>,
    two_channel: bool,
    failures: u8,
    limit: u8,
    key_version: u32,
    created: String,
    locked_until: Option<String>,
    last_activity: String,
    events: Vec<EventView>,
    done: Option<String>,
    error: Option<String>,
    reasons: Vec<(&'static str, String)>,
    blocked: bool,
    revoked: bool,
}

/// `?done=` after an action.
#[derive(Debug, Default, Deserialize)]
pub struct Done {
    done: Option<String>,
}

/// The id in the path, or the 404 page (a `Response` is large, but this
/// error is returned once per request, straight to the client).
#[allow(clippy::result_large_err)]
fn parse_id(c: &Chrome, text: &str) -> Result<CredentialId, Response> {
    CredentialId::new(text)
        .map_err(|_| pages::message(c, StatusCode::NOT_FOUND, "error-unknown-credential"))
}

async fn render_page(
    state: &ConsoleState,
    c: Chrome,
    id: &CredentialId,
    done: Option<&str>,
    error: Option<(StatusCode, &str)>,
) -> Response {
    let status: CredentialStatus = match state.verifier.status(id).await {
        Ok(status) => status,
        Err(error) => return pages::error(&c, &error),
    };
    let events = match state.verifier.audit(Some(id), RECENT_EVENTS).await {
        Ok(events) => events,
        Err(error) => return pages::error(&c, &error),
    };
    let last = events
        .first()
        .map_or(status.updated, |e| e.at.max(status.updated));
    let done = done
        .filter(|d| matches!(*d, "blocked" | "unblocked" | "revoked"))
        .map(|d| c.t(&format!("done-{d}")));
    let two_channel = status.kind == EnvelopeKind::TwoChannel;
    let activation = two_channel.then(|| activation_text(&c, &status)).flatten();
    let page = CredentialPage {
        id: id.to_string(),
        state: status.state.as_str(),
        state_label: c.t(&format!("state-{}", status.state.as_str())),
        kind: status.kind.name(),
        kind_label: c.t(kind_label(status.kind)),
        activation,
        two_channel,
        failures: status.failures,
        limit: status.limit,
        key_version: status.key_version,
        created: when(status.created),
        locked_until: status
            .locked_until
            .filter(|until| *until > std::time::SystemTime::now())
            .map(when),
        last_activity: when(last),
        events: events.iter().map(EventView::of).collect(),
        done,
        error: error.map(|(_, id)| c.t(id)),
        reasons: BLOCK_REASONS
            .iter()
            .map(|(code, _)| (*code, c.t(&format!("reason-{}", code.replace('_', "-")))))
            .collect(),
        blocked: status.state == CredentialState::Blocked,
        revoked: status.state == CredentialState::Revoked,
        c,
    };
    pages::render(error.map_or(StatusCode::OK, |(s, _)| s), &page)
}

/// The message id naming a credential's kind.
pub fn kind_label(kind: EnvelopeKind) -> &'static str {
    match kind {
        EnvelopeKind::EnvelopeOnly => "kind-envelope-only",
        EnvelopeKind::TwoChannel => "kind-two-channel",
    }
}

/// Where a two-channel credential's activation stands, as the library says
/// (`None` once confirmed).
fn activation_text(c: &Chrome, status: &CredentialStatus) -> Option<String> {
    if status.state == CredentialState::Revoked {
        return None;
    }
    if status.activation_code_needed {
        return Some(c.t("activation-needed"));
    }
    let until = status.activation_expires_at?;
    Some(if until > std::time::SystemTime::now() {
        format!("{} {}", c.t("activation-pending"), when(until))
    } else {
        c.t("activation-expired-status")
    })
}

/// `GET /console/credentials/{id}`.
pub async fn show(
    State(state): State<ConsoleState>,
    signed: Signed,
    Path(id): Path<String>,
    Query(done): Query<Done>,
) -> Response {
    let c = Chrome::signed(&signed, &format!("/console/credentials/{id}"));
    let id = match parse_id(&c, &id) {
        Ok(id) => id,
        Err(response) => return response,
    };
    render_page(&state, c, &id, done.done.as_deref(), None).await
}

/// The block form.
#[derive(Debug, Deserialize)]
pub struct BlockForm {
    reason: String,
    #[serde(default)]
    note: String,
}

/// `POST /console/credentials/{id}/block`.
pub async fn block(
    State(state): State<ConsoleState>,
    signed: Signed,
    Path(id): Path<String>,
    Form(form): Form<BlockForm>,
) -> Response {
    let c = Chrome::signed(&signed, &format!("/console/credentials/{id}"));
    let id = match parse_id(&c, &id) {
        Ok(id) => id,
        Err(response) => return response,
    };
    let Some((_, label)) = BLOCK_REASONS.iter().find(|(code, _)| *code == form.reason) else {
        return render_page(
            &state,
            c,
            &id,
            None,
            Some((StatusCode::UNPROCESSABLE_ENTITY, "block-reason-missing")),
        )
        .await;
    };
    let note = form.note.trim();
    let reason = if note.is_empty() {
        (*label).to_owned()
    } else {
        format!("{label}: {note}")
    };
    match state
        .verifier
        .block(&id, &reason, &signed.session.actor())
        .await
    {
        Ok(()) => Redirect::to(&format!("{}?done=blocked", path(&id))).into_response(),
        Err(mobipass_verifier::VerifierError::InvalidInput(_)) => {
            render_page(
                &state,
                c,
                &id,
                None,
                Some((StatusCode::UNPROCESSABLE_ENTITY, "block-note-invalid")),
            )
            .await
        }
        Err(error) => pages::error(&c, &error),
    }
}

/// The unblock form: how the identity was checked (required).
#[derive(Debug, Deserialize)]
pub struct UnblockForm {
    #[serde(default)]
    identity: String,
}

/// `POST /console/credentials/{id}/unblock`.
pub async fn unblock(
    State(state): State<ConsoleState>,
    signed: Signed,
    Path(id): Path<String>,
    Form(form): Form<UnblockForm>,
) -> Response {
    let c = Chrome::signed(&signed, &format!("/console/credentials/{id}"));
    let id = match parse_id(&c, &id) {
        Ok(id) => id,
        Err(response) => return response,
    };
    match state
        .verifier
        .unblock_after_identity_check(&id, &form.identity, &signed.session.actor())
        .await
    {
        Ok(()) => Redirect::to(&format!("{}?done=unblocked", path(&id))).into_response(),
        Err(mobipass_verifier::VerifierError::InvalidInput(_)) => {
            render_page(
                &state,
                c,
                &id,
                None,
                Some((StatusCode::UNPROCESSABLE_ENTITY, "unblock-identity-missing")),
            )
            .await
        }
        Err(error) => pages::error(&c, &error),
    }
}

#[derive(Template)]
#[template(path = "revoke.html")]
struct RevokePage {
    c: Chrome,
    id: String,
}

/// `GET /console/credentials/{id}/revoke`: asks first.
pub async fn confirm_revoke(
    State(state): State<ConsoleState>,
    Supervisor(signed): Supervisor,
    Path(id): Path<String>,
) -> Response {
    let c = Chrome::signed(&signed, &format!("/console/credentials/{id}/revoke"));
    let id = match parse_id(&c, &id) {
        Ok(id) => id,
        Err(response) => return response,
    };
    if let Err(error) = state.verifier.status(&id).await {
        return pages::error(&c, &error);
    }
    pages::render(
        StatusCode::OK,
        &RevokePage {
            c,
            id: id.to_string(),
        },
    )
}

/// The confirmation.
#[derive(Debug, Deserialize)]
pub struct RevokeForm {
    #[serde(default)]
    confirm: String,
}

/// `POST /console/credentials/{id}/revoke`: only with `confirm=yes`.
pub async fn revoke(
    State(state): State<ConsoleState>,
    Supervisor(signed): Supervisor,
    Path(id): Path<String>,
    Form(form): Form<RevokeForm>,
) -> Response {
    let c = Chrome::signed(&signed, &format!("/console/credentials/{id}"));
    let id = match parse_id(&c, &id) {
        Ok(id) => id,
        Err(response) => return response,
    };
    if form.confirm != "yes" {
        return Redirect::to(&path(&id)).into_response();
    }
    match state.verifier.revoke(&id, &signed.session.actor()).await {
        Ok(()) => Redirect::to(&format!("{}?done=revoked", path(&id))).into_response(),
        Err(error) => pages::error(&c, &error),
    }
}

#[derive(Template)]
#[template(path = "activation.html")]
struct ActivationPage<'a> {
    c: Chrome,
    id: String,
    code: &'a str,
    until_time: String,
    until_full: String,
    seconds_left: u64,
}

/// `POST /console/credentials/{id}/activation-code`: a new activation code
/// from the library, answered with the one page that shows it (`no-store`,
/// never in a URL, log or audit row; a reload is a GET, which has no code).
pub async fn activation_code(
    State(state): State<ConsoleState>,
    signed: Signed,
    Path(id): Path<String>,
) -> Response {
    let c = Chrome::signed(&signed, &format!("/console/credentials/{id}"));
    let id = match parse_id(&c, &id) {
        Ok(id) => id,
        Err(response) => return response,
    };
    let issued = match state
        .verifier
        .activation_code(&id, &signed.session.actor())
        .await
    {
        Ok(issued) => issued,
        Err(error) => {
            let refusal = match error {
                VerifierError::NotTwoChannel => "activation-not-two-channel",
                VerifierError::Blocked => "activation-blocked",
                VerifierError::Revoked => "activation-revoked",
                error => return pages::error(&c, &error),
            };
            return render_page(&state, c, &id, None, Some((StatusCode::CONFLICT, refusal))).await;
        }
    };
    let code = issued.grouped();
    let full = when(issued.expires_at);
    let seconds_left = issued
        .expires_at
        .duration_since(std::time::SystemTime::now())
        .map_or(0, |left| left.as_secs());
    let page = ActivationPage {
        id: id.to_string(),
        code: code.as_str(),
        until_time: full[11..19].to_owned(),
        until_full: full,
        seconds_left,
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

/// `GET /console/credentials/{id}/activation-code` (a reload of the code
/// page): the code was shown once; back to the credential.
pub async fn activation_code_again(Path(id): Path<String>) -> Response {
    match CredentialId::new(id) {
        Ok(id) => Redirect::to(&path(&id)).into_response(),
        Err(_) => Redirect::to("/console/").into_response(),
    }
}
