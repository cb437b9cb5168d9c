//! Signing in with MobiPass: a plain signature instead of a password. The
//! customer types the credential id; the bank creates a plain signing
//! session ("Sign in to ...") and sends the browser to the signing page,
//! and an accepted return opens a session.
//!
//! The session opens only in the browser that asked: `POST /sign-in` sets a
//! random nonce in the HttpOnly `bank_login` cookie (the books keep its
//! SHA-256), and `GET /sign-in/done` (where [`super::signed`] sends the
//! browser after booking the return) needs it. The return itself is a
//! cross-site POST in a real deployment, which carries no `SameSite=Lax`
//! cookie, hence the GET. Each accepted sign-in opens one session, once.

use axum::Form;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::home::HomePage;
use super::{Chrome, message, render, verifier_down};
use crate::AppState;
use crate::guard::{SESSION_COOKIE, Visitor, cookie, set_cookie};
use crate::state::{Payment, PaymentState, nonce_key, now_unix, random_token};
use crate::verifier_api::NewSession;

/// The cookie that ties a sign-in to the browser that started it.
pub const LOGIN_COOKIE: &str = "bank_login";
/// How long a sign-in may take (the signing session expires sooner).
const LOGIN_MAX_AGE: u64 = 3600;

/// The sign-in form.
#[derive(Deserialize)]
pub struct SignInForm {
    #[serde(default)]
    credential_id: String,
}

/// `POST /sign-in`.
pub async fn start(
    State(state): State<AppState>,
    visitor: Visitor,
    Form(form): Form<SignInForm>,
) -> Response {
    let c = Chrome::of(&state, &visitor, "/");
    let id = form.credential_id.trim().to_owned();
    let Some(customer) = state.bank.customer(&id) else {
        let error = Some(c.t("signin-unknown"));
        return render(
            StatusCode::UNPROCESSABLE_ENTITY,
            &HomePage::signed_out(c, String::new(), None, id, error),
        );
    };
    let description = c.t1("signin-description", "bank", &state.bank_name);
    let new = NewSession {
        credential_id: &customer.credential_id,
        description: &description,
        requester: &state.bank_name,
        return_url: &state.return_url,
        amount_minor: None,
        payee: None,
    };
    let created = match state.api.create_session(&new).await {
        Ok(created) => created,
        Err(error) => {
            let id = match error.code() {
                Some("activation_code_needed") => "transfer-needs-code",
                Some("activation_expired") => "transfer-code-expired",
                Some("credential_blocked") => "transfer-blocked",
                Some("credential_revoked") => "transfer-revoked",
                _ => return verifier_down(c, &error),
            };
            let text = c.t(id);
            return message(
                c,
                StatusCode::CONFLICT,
                "signin-title",
                text,
                "signin-refused",
                true,
            );
        }
    };
    let nonce = random_token();
    state.bank.add_payment(Payment {
        session_id: created.session_id.clone(),
        credential_id: customer.credential_id,
        payee_name: String::new(),
        account: String::new(),
        amount_minor: 0,
        linked: false,
        created: now_unix(),
        state: PaymentState::Pending,
        sign_in: true,
        nonce: Some(nonce_key(&nonce)),
    });
    let mut response = Redirect::to(&created.url).into_response();
    response.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(
            LOGIN_COOKIE,
            &nonce,
            state.secure_cookies,
            Some(LOGIN_MAX_AGE),
        ),
    );
    response
}

/// `GET /sign-in/done?session=...`.
#[derive(Deserialize)]
pub struct DoneQuery {
    #[serde(default)]
    session: String,
}

/// `GET /sign-in/done`: open the session, or say why not.
pub async fn done(
    State(state): State<AppState>,
    visitor: Visitor,
    query: Result<Query<DoneQuery>, axum::extract::rejection::QueryRejection>,
    headers: axum::http::HeaderMap,
) -> Response {
    let c = Chrome::of(&state, &visitor, "/");
    let session = query.map(|Query(q)| q.session).unwrap_or_default();
    let nonce = cookie(&headers, LOGIN_COOKIE).unwrap_or_default();
    if let Some(token) = state.bank.login(&session, nonce) {
        let mut response = Redirect::to("/").into_response();
        let headers = response.headers_mut();
        headers.append(
            header::SET_COOKIE,
            set_cookie(SESSION_COOKIE, &token, state.secure_cookies, None),
        );
        headers.append(
            header::SET_COOKIE,
            set_cookie(LOGIN_COOKIE, "", state.secure_cookies, Some(0)),
        );
        return response;
    }
    let (id, help) = match state.bank.payment(&session).map(|p| p.state) {
        Some(PaymentState::Blocked) => ("outcome-blocked", true),
        Some(PaymentState::Expired) => ("signin-expired", false),
        _ => ("signin-failed", false),
    };
    let text = c.t(id);
    message(
        c,
        StatusCode::FORBIDDEN,
        "signin-title",
        text,
        "signin-refused",
        help,
    )
}
