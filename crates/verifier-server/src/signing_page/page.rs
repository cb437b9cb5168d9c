//! The page's three handlers and its view: open the one-time link, show the
//! session, take a signature value. The library decides every outcome; the
//! handlers only map it to what the payer reads and to the return form.

use std::time::{SystemTime, UNIX_EPOCH};

use askama::Template;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use mobipass_verifier::{
    Actor, Outcome, SessionState, SigningOutcome, SigningSecret, SigningSession, SigningSessionId,
    VerifierError,
};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use super::PageState;
use crate::console::guard::cookie;
use crate::console::i18n::Lang;

/// The browser-key cookie (scoped to one session's page).
pub const BROWSER_COOKIE: &str = "mp_sign";
/// The language cookie (scoped to `/sign`).
pub const LANG_COOKIE: &str = "mp_lang";
/// Largest form body.
const FORM_LIMIT: usize = 4096;

/// The CSRF token of a session's form: SHA-256 of a domain label and the
/// browser key, so only the browser holding the cookie can send it.
pub fn csrf_for(browser: &SigningSecret) -> String {
    let mut digest = Sha256::new();
    digest.update(b"mobipass signing csrf\0");
    digest.update(browser.as_str().as_bytes());
    hex::encode(digest.finalize())
}

/// `?lang=xx` on a page.
#[derive(Debug, serde::Deserialize)]
pub struct LangQuery {
    lang: Option<String>,
}

/// The page's words and where they are: language and the page's own path.
struct Here {
    lang: Lang,
    path: String,
    /// The language was chosen by `?lang=`: remember it.
    chosen: bool,
}

impl Here {
    fn of(headers: &HeaderMap, query: Option<&str>, path: String) -> Self {
        let chosen = query.and_then(Lang::from_code);
        let lang = chosen
            .or_else(|| cookie(headers, LANG_COOKIE).and_then(Lang::from_code))
            .or_else(|| {
                headers
                    .get(header::ACCEPT_LANGUAGE)
                    .and_then(|v| v.to_str().ok())
                    .and_then(Lang::from_accept_language)
            })
            .unwrap_or(Lang::English);
        Self {
            lang,
            path,
            chosen: chosen.is_some(),
        }
    }
}

/// What the template shows of a session (never a store row).
struct SessionView {
    requester: String,
    description: String,
    amount: Option<String>,
    payee: Option<String>,
    code: String,
    code_head: String,
    code_tail: String,
}

struct ResultView {
    outcome: &'static str,
    title: String,
    text: String,
}

struct ReturnForm {
    action: String,
    session_id: String,
    outcome: &'static str,
    time: u64,
    signature: String,
}

struct View {
    lang: Lang,
    here: String,
    session: Option<SessionView>,
    form: bool,
    csrf: String,
    result: Option<ResultView>,
    attempts_left: Option<u8>,
    final_attempt: bool,
    back: Option<ReturnForm>,
}

impl View {
    fn t(&self, id: &str) -> String {
        self.lang.t(id)
    }

    fn langs(&self) -> Vec<(&'static str, &'static str, bool)> {
        Lang::ALL
            .into_iter()
            .map(|l| (l.code(), l.own_name(), l == self.lang))
            .collect()
    }
}

#[derive(Template)]
#[template(path = "sign.html")]
struct SignPage {
    v: View,
}

/// What happened to the value just sent, while the session stays pending.
enum Notice {
    Rejected {
        attempts_left: u8,
        final_attempt: bool,
    },
    InvalidFormat,
    Locked {
        retry_after_secs: u64,
    },
    CsrfRefused,
}

/// `1234.50` in the page language's notation (the bank's currency is not
/// known here, so no symbol): `1,234.50` in English, `1 234,50` otherwise.
pub fn format_amount(minor: u64, lang: Lang) -> String {
    let (group, decimal) = match lang {
        Lang::English => (',', '.'),
        Lang::Russian | Lang::Kazakh => ('\u{a0}', ','),
    };
    let units = (minor / 100).to_string();
    let mut grouped = String::new();
    for (i, digit) in units.chars().enumerate() {
        if i > 0 && (units.len() - i).is_multiple_of(3) {
            grouped.push(group);
        }
        grouped.push(digit);
    }
    format!("{grouped}{decimal}{:02}", minor % 100)
}

fn session_view(session: &SigningSession, lang: Lang) -> SessionView {
    let code = session.document_code.clone();
    let split = code.len() / 2;
    SessionView {
        requester: session.requester.clone(),
        description: session.description.clone(),
        amount: session.amount_minor.map(|minor| format_amount(minor, lang)),
        payee: session.payee.clone(),
        code_head: code[..split].to_owned(),
        code_tail: code[split..].to_owned(),
        code,
    }
}

fn render(status: StatusCode, view: View, here: &Here, csp: Option<String>) -> Response {
    match (SignPage { v: view }).render() {
        Ok(html) => {
            let mut response = (status, Html(html)).into_response();
            if let Some(csp) = csp.and_then(|text| HeaderValue::from_str(&text).ok()) {
                response
                    .headers_mut()
                    .insert(header::CONTENT_SECURITY_POLICY, csp);
            }
            if here.chosen {
                let value = format!(
                    "{LANG_COOKIE}={}; Path=/sign; SameSite=Lax; Max-Age=31536000",
                    here.lang.code()
                );
                if let Ok(value) = HeaderValue::from_str(&value) {
                    response.headers_mut().append(header::SET_COOKIE, value);
                }
            }
            response
        }
        Err(error) => {
            tracing::error!(%error, "signing page: the template failed to render");
            (StatusCode::INTERNAL_SERVER_ERROR, "page error").into_response()
        }
    }
}

/// A page that says one thing, without a session.
fn message(status: StatusCode, here: &Here, outcome: &'static str, id: &str) -> Response {
    let lang = here.lang;
    let view = View {
        lang,
        here: here.path.clone(),
        session: None,
        form: false,
        csrf: String::new(),
        result: Some(ResultView {
            outcome,
            title: lang.t(&format!("{id}-title")),
            text: lang.t(id),
        }),
        attempts_left: None,
        final_attempt: false,
        back: None,
    };
    render(status, view, here, None)
}

fn link_used(here: &Here) -> Response {
    message(StatusCode::GONE, here, "link-used", "pay-link-used")
}

fn failure(here: &Here, error: &VerifierError) -> Response {
    tracing::error!(%error, "signing page: the library failed");
    message(StatusCode::SERVICE_UNAVAILABLE, here, "error", "pay-error")
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// The page for `session` as it is now, with `notice` about the value
/// just sent while it is pending.
fn session_page(
    state: &PageState,
    here: &Here,
    session: &SigningSession,
    browser: &SigningSecret,
    notice: Option<Notice>,
) -> Response {
    let lang = here.lang;
    let mut view = View {
        lang,
        here: here.path.clone(),
        session: Some(session_view(session, lang)),
        form: !session.state.is_final(),
        csrf: csrf_for(browser),
        result: None,
        attempts_left: None,
        final_attempt: false,
        back: None,
    };
    let mut status = StatusCode::OK;
    let mut csp = None;
    if session.state.is_final() {
        let outcome = session.state.as_str();
        let id = format!("pay-{outcome}");
        view.result = Some(ResultView {
            outcome,
            title: lang.t(&format!("{id}-title")),
            text: lang.t(&id),
        });
        let session_id = session.id.to_string();
        let time = unix_now();
        if let Some(signature) = state.settings.sign_return(&session_id, outcome, time) {
            csp = Some(super::page_csp(&session.return_url));
            view.back = Some(ReturnForm {
                action: session.return_url.clone(),
                session_id,
                outcome,
                time,
                signature,
            });
        }
    } else if let Some(notice) = notice {
        let (outcome, id, text) = match notice {
            Notice::Rejected {
                attempts_left,
                final_attempt,
            } => {
                view.attempts_left = Some(attempts_left);
                view.final_attempt = final_attempt;
                ("rejected", "pay-rejected", lang.t("pay-rejected"))
            }
            Notice::InvalidFormat => (
                "invalid-format",
                "pay-invalid-format",
                lang.t("pay-invalid-format"),
            ),
            Notice::Locked { retry_after_secs } => {
                let mut args = fluent_bundle::FluentArgs::new();
                args.set("minutes", retry_after_secs.div_ceil(60).max(1));
                (
                    "locked",
                    "pay-locked",
                    lang.format("pay-locked", Some(&args)),
                )
            }
            Notice::CsrfRefused => {
                status = StatusCode::FORBIDDEN;
                ("csrf-refused", "pay-csrf", lang.t("pay-csrf"))
            }
        };
        view.result = Some(ResultView {
            outcome,
            title: lang.t(&format!("{id}-title")),
            text,
        });
    }
    render(status, view, here, csp)
}

/// `GET /sign/{token}`: exchanges the one-time token for the browser-key
/// cookie and redirects to the token-less page; a used or unknown token is
/// refused (410, `link-used`).
pub async fn open_link(
    State(state): State<PageState>,
    Path(token): Path<Zeroizing<String>>,
    headers: HeaderMap,
) -> Response {
    let here = Here::of(&headers, None, "/sign/".into());
    let Some(token) = SigningSecret::parse(&token) else {
        return link_used(&here);
    };
    match state.verifier.open_signing_link(&token).await {
        Ok(Some((id, browser))) => {
            let path = format!("/sign/s/{id}");
            let mut value = format!(
                "{BROWSER_COOKIE}={}; Path={path}; HttpOnly; SameSite=Lax",
                browser.as_str()
            );
            if state.settings.secure_cookies {
                value.push_str("; Secure");
            }
            let value = Zeroizing::new(value);
            let mut response =
                (StatusCode::SEE_OTHER, [(header::LOCATION, path.as_str())]).into_response();
            match HeaderValue::from_str(&value) {
                Ok(cookie) => {
                    response.headers_mut().insert(header::SET_COOKIE, cookie);
                    tracing::info!(session = %id, "signing page: a link was opened");
                    response
                }
                Err(_) => (StatusCode::INTERNAL_SERVER_ERROR, "cookie error").into_response(),
            }
        }
        Ok(None) => {
            tracing::warn!("signing page: a used or unknown link was refused");
            link_used(&here)
        }
        Err(error) => failure(&here, &error),
    }
}

/// The session whose page this is, if the request holds its browser key.
async fn own_session(
    state: &PageState,
    headers: &HeaderMap,
    id: &SigningSessionId,
) -> Result<Option<(SigningSession, SigningSecret)>, VerifierError> {
    let Some(browser) = cookie(headers, BROWSER_COOKIE).and_then(SigningSecret::parse) else {
        return Ok(None);
    };
    Ok(state
        .verifier
        .signing_session_for(id, &browser)
        .await?
        .map(|session| (session, browser)))
}

/// `GET /sign/s/{session_id}`: the page as the session is now.
pub async fn show(
    State(state): State<PageState>,
    Path(id): Path<String>,
    Query(query): Query<LangQuery>,
    headers: HeaderMap,
) -> Response {
    let here = Here::of(&headers, query.lang.as_deref(), format!("/sign/s/{id}"));
    let Ok(id) = id.parse::<SigningSessionId>() else {
        return link_used(&here);
    };
    match own_session(&state, &headers, &id).await {
        Ok(Some((session, browser))) => session_page(&state, &here, &session, &browser, None),
        Ok(None) => link_used(&here),
        Err(error) => failure(&here, &error),
    }
}

/// `POST /sign/s/{session_id}`: a signature value. Refused unjudged without
/// the form's CSRF token; a value that is not 8 digits is never counted.
pub async fn submit(
    State(state): State<PageState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let here = Here::of(&headers, None, format!("/sign/s/{id}"));
    let Ok(id) = id.parse::<SigningSessionId>() else {
        return link_used(&here);
    };
    let Ok(bytes) = axum::body::to_bytes(body, FORM_LIMIT).await else {
        return (StatusCode::PAYLOAD_TOO_LARGE, "form too large").into_response();
    };
    let (session, browser) = match own_session(&state, &headers, &id).await {
        Ok(Some(found)) => found,
        Ok(None) => return link_used(&here),
        Err(error) => return failure(&here, &error),
    };
    let mut csrf = None;
    let mut value = Zeroizing::new(String::new());
    for (key, field) in form_urlencoded::parse(&bytes) {
        match &*key {
            "csrf" => csrf = Some(Zeroizing::new(field.into_owned())),
            "value" => value = Zeroizing::new(field.into_owned()),
            _ => {}
        }
    }
    let expected = csrf_for(&browser);
    let valid = csrf
        .as_ref()
        .is_some_and(|sent| bool::from(sent.as_bytes().ct_eq(expected.as_bytes())));
    if !valid {
        tracing::warn!(session = %id, "signing page: a POST without a valid CSRF token was refused");
        return session_page(&state, &here, &session, &browser, Some(Notice::CsrfRefused));
    }
    let actor = Actor::new("signing-page").unwrap_or_else(|_| Actor::service());
    let started = std::time::Instant::now();
    let judged = state
        .verifier
        .sign_in_session(&id, &browser, value.trim(), &actor)
        .await;
    if let Ok(Some(SigningOutcome::Judged(verified))) = &judged {
        state
            .metrics
            .verification(verified.outcome.as_str(), started.elapsed());
        if verified.blocked_now {
            state.metrics.blocked_by_failures();
        }
    }
    let notice = match judged {
        Ok(None) => return link_used(&here),
        Ok(Some(outcome)) => match outcome.outcome() {
            Some(Outcome::Rejected {
                attempts_left,
                final_attempt,
            }) => Some(Notice::Rejected {
                attempts_left,
                final_attempt,
            }),
            Some(Outcome::Locked { retry_after_secs }) => Some(Notice::Locked { retry_after_secs }),
            _ => None,
        },
        Err(VerifierError::InvalidInput(_)) => Some(Notice::InvalidFormat),
        Err(error) => return failure(&here, &error),
    };
    match state.verifier.signing_session_for(&id, &browser).await {
        Ok(Some(now)) => {
            if now.state != SessionState::Pending {
                tracing::info!(session = %id, state = now.state.as_str(), "signing page: a session ended");
            }
            session_page(&state, &here, &now, &browser, notice)
        }
        Ok(None) => link_used(&here),
        Err(error) => failure(&here, &error),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_grouped_in_the_page_language() {
        assert_eq!(format_amount(1250, Lang::English), "12.50");
        assert_eq!(format_amount(123_456_789, Lang::English), "1,234,567.89");
        assert_eq!(format_amount(5, Lang::English), "0.05");
        assert_eq!(
            format_amount(123_456_789, Lang::Russian),
            "1\u{a0}234\u{a0}567,89"
        );
        assert_eq!(format_amount(100_000, Lang::Kazakh), "1\u{a0}000,00");
    }
}
