//! The transfer form. A valid transfer becomes a signing session on the
//! verifier (`POST /v1/signing-sessions`, bank key) and the browser goes to
//! its one-time page; the payment waits in the books for the signed return
//! (see [`super::signed`]).
//!
//! "Linked" (the default) binds amount and account into the signature, as
//! PSD2 asks for payments; "plain" signs only the document code, as a bank
//! would for a sign-in or a standing order confirmed by other means.

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::{Chrome, message, render, sign_up_first, verifier_down};
use crate::AppState;
use crate::guard::Visitor;
use crate::state::{Payment, PaymentState, now_unix};
use crate::verifier_api::NewSession;

/// The form as typed (shown again on a refusal).
#[derive(Deserialize, Default, Clone)]
pub struct TransferForm {
    #[serde(default)]
    payee_name: String,
    #[serde(default)]
    account: String,
    #[serde(default)]
    amount: String,
    #[serde(default)]
    kind: String,
}

#[derive(Template)]
#[template(path = "transfer.html")]
struct TransferPage {
    c: Chrome,
    form: TransferForm,
    plain: bool,
    errors: Vec<String>,
}

/// `GET /transfer`.
pub async fn form(State(state): State<AppState>, visitor: Visitor) -> Response {
    if visitor.customer.is_none() {
        return sign_up_first();
    }
    let c = Chrome::of(&state, &visitor, "/transfer");
    render(
        StatusCode::OK,
        &TransferPage {
            c,
            form: TransferForm::default(),
            plain: false,
            errors: Vec::new(),
        },
    )
}

/// An account the API takes: up to 34 characters of letters, digits,
/// spaces and dashes, with at least one digit (its last 8 are signed).
pub fn valid_account(account: &str) -> bool {
    let account = account.trim();
    (1..=34).contains(&account.len())
        && account.bytes().any(|b| b.is_ascii_digit())
        && account
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b' ' || b == b'-')
}

/// `POST /transfer`.
pub async fn submit(
    State(state): State<AppState>,
    visitor: Visitor,
    Form(form): Form<TransferForm>,
) -> Response {
    let Some(customer) = visitor.customer.clone() else {
        return sign_up_first();
    };
    let c = Chrome::of(&state, &visitor, "/transfer");
    let plain = form.kind == "plain";
    let mut errors = Vec::new();
    let payee_name = super::signup::clean_name(&form.payee_name);
    if payee_name.is_none() {
        errors.push(c.t("transfer-payee-invalid"));
    }
    if !valid_account(&form.account) {
        errors.push(c.t("transfer-account-invalid"));
    }
    let amount = crate::money::parse(&form.amount).filter(|m| *m > 0);
    if amount.is_none() {
        errors.push(c.t("transfer-amount-invalid"));
    }
    let (Some(payee_name), Some(amount), true) = (payee_name, amount, errors.is_empty()) else {
        return render(
            StatusCode::UNPROCESSABLE_ENTITY,
            &TransferPage {
                c,
                form,
                plain,
                errors,
            },
        );
    };
    let account = form.account.trim().to_owned();
    let description = c.t1("transfer-description", "payee", &payee_name);
    let description = match plain {
        // A plain signature does not bind the amount: the page must still say it.
        true => format!(
            "{description}, {}",
            crate::money::format_in(amount, visitor.lang)
        ),
        false => description,
    };
    let new = NewSession {
        credential_id: &customer.credential_id,
        description: &description,
        requester: &state.bank_name,
        return_url: &state.return_url,
        amount_minor: (!plain).then_some(amount),
        payee: (!plain).then_some(account.as_str()),
    };
    let created = match state.api.create_session(&new).await {
        Ok(created) => created,
        Err(error) => {
            let id = match error.code() {
                Some("activation_code_needed") => "transfer-needs-code",
                Some("activation_expired") => "transfer-code-expired",
                Some("credential_blocked") => "transfer-blocked",
                Some("credential_revoked") => "transfer-revoked",
                Some("return_url_not_allowed") => {
                    tracing::error!(return_url = %state.return_url, "demo bank: the verifier's signing_return_urls lacks this bank's /signed");
                    "transfer-not-allowed"
                }
                _ => return verifier_down(c, &error),
            };
            let text = c.t(id);
            return message(
                c,
                StatusCode::CONFLICT,
                "transfer-title",
                text,
                "transfer-refused",
                true,
            );
        }
    };
    state.bank.add_payment(Payment {
        session_id: created.session_id.clone(),
        credential_id: customer.credential_id,
        payee_name,
        account,
        amount_minor: amount,
        linked: !plain,
        created: now_unix(),
        state: PaymentState::Pending,
        sign_in: false,
        nonce: None,
    });
    tracing::info!(session = %created.session_id, linked = !plain, "demo bank: a payment went to signing");
    Redirect::to(&created.url).into_response()
}

#[cfg(test)]
mod tests {
    #[test]
    fn accounts_need_a_digit_and_plain_characters() {
        assert!(super::valid_account("KZ86 125K ZT50 0410 0100"));
        assert!(super::valid_account("40817-810"));
        assert!(!super::valid_account("Electronic Store"));
        assert!(!super::valid_account(""));
        assert!(!super::valid_account("1234<script>"));
        assert!(!super::valid_account(&"1".repeat(35)));
    }
}
