//! `POST /signed`: the payer's browser back from the verifier's signing
//! page with the signed return. Authenticated by its HMAC, not by the
//! customer's cookie or a CSRF token (the verifier's page made the form).
//!
//! Order: the signature and the five-minute window ([`crate::signed_return`]);
//! a payment of ours waiting on that session (a second return of the same
//! session is a replay and is refused); the verifier's own word
//! (`GET /v1/signing-sessions/{id}` must report the same final state, for
//! the same credential, amount and account); only then is the payment
//! booked, once. Then the browser goes to the statement.

use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

use super::{Chrome, message, verifier_down};
use crate::AppState;
use crate::guard::Visitor;
use crate::signed_return::{self, ReturnForm};
use crate::state::{Payment, PaymentState, SettleError, now_unix};
use crate::verifier_api::SessionInfo;

fn refused(c: Chrome, status: StatusCode, id: &str, why: &str) -> Response {
    tracing::warn!(why, "demo bank: a signing return was refused");
    let text = c.t(id);
    message(c, status, "return-title", text, "return-refused", false)
}

/// The digits a linked signature binds: the account's last 8 digits,
/// left-padded with zeros (the verifier may report the account as sent or
/// as these digits).
fn signed_digits(account: &str) -> String {
    let digits: String = account.chars().filter(char::is_ascii_digit).collect();
    let tail = &digits[digits.len().saturating_sub(8)..];
    format!("{tail:0>8}")
}

/// The verifier's record agrees with the return and with the payment.
fn agrees(info: &SessionInfo, payment: &Payment, outcome: &str) -> bool {
    let linked_matches = match payment.linked {
        true => {
            info.linked
                && info.amount_minor == Some(payment.amount_minor)
                && info
                    .payee
                    .as_deref()
                    .is_some_and(|p| signed_digits(p) == signed_digits(&payment.account))
        }
        false => !info.linked,
    };
    info.state == outcome
        && info.session_id == payment.session_id
        && info.credential_id == payment.credential_id
        && linked_matches
}

/// `POST /signed`.
pub async fn back(
    State(state): State<AppState>,
    visitor: Visitor,
    form: Result<Form<ReturnForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    let c = Chrome::of(&state, &visitor, "/");
    let form = form.map(|Form(f)| f).unwrap_or_default();
    let checked = match signed_return::check(&state.return_secret, &form, now_unix()) {
        Ok(checked) => checked,
        Err(refusal) => {
            return refused(
                c,
                StatusCode::BAD_REQUEST,
                "return-invalid",
                &refusal.to_string(),
            );
        }
    };
    let Some(payment) = state.bank.payment(&checked.session_id) else {
        return refused(
            c,
            StatusCode::BAD_REQUEST,
            "return-invalid",
            "no such payment",
        );
    };
    if payment.state != PaymentState::Pending {
        return refused(c, StatusCode::CONFLICT, "return-replayed", "already booked");
    }
    let info = match state.api.session(&checked.session_id).await {
        Ok(info) => info,
        Err(error) => return verifier_down(c, &error),
    };
    if !agrees(&info, &payment, checked.outcome.as_str()) {
        return refused(
            c,
            StatusCode::BAD_REQUEST,
            "return-invalid",
            "the verifier reports otherwise",
        );
    }
    match state.bank.settle(&checked.session_id, checked.outcome) {
        Ok(_) => {}
        Err(SettleError::AlreadySettled) => {
            return refused(c, StatusCode::CONFLICT, "return-replayed", "already booked");
        }
        Err(SettleError::Unknown) => {
            return refused(
                c,
                StatusCode::BAD_REQUEST,
                "return-invalid",
                "no such payment",
            );
        }
    }
    tracing::info!(session = %checked.session_id, outcome = checked.outcome.as_str(), "demo bank: a signing return was booked");
    let next = match payment.sign_in {
        true => format!("/sign-in/done?session={}", checked.session_id),
        false => format!("/statement?done={}", checked.session_id),
    };
    Redirect::to(&next).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn payment(linked: bool) -> Payment {
        Payment {
            session_id: "s1".into(),
            credential_id: "alice-1".into(),
            payee_name: "Shop".into(),
            account: "KZ12 3456".into(),
            amount_minor: 1250,
            linked,
            created: 0,
            state: PaymentState::Pending,
            sign_in: false,
            nonce: None,
        }
    }

    fn info(state: &str, linked: bool) -> SessionInfo {
        SessionInfo {
            session_id: "s1".into(),
            credential_id: "alice-1".into(),
            state: state.into(),
            linked,
            amount_minor: linked.then_some(1250),
            payee: linked.then(|| "KZ12 3456".into()),
        }
    }

    #[test]
    fn the_verifier_must_report_the_same_outcome_and_payment() {
        assert!(agrees(&info("accepted", true), &payment(true), "accepted"));
        assert!(agrees(
            &info("accepted", false),
            &payment(false),
            "accepted"
        ));
        assert!(!agrees(&info("pending", true), &payment(true), "accepted"));
        assert!(!agrees(&info("blocked", true), &payment(true), "accepted"));
        assert!(!agrees(
            &info("accepted", false),
            &payment(true),
            "accepted"
        ));
        let mut other = info("accepted", true);
        other.amount_minor = Some(125_000);
        assert!(!agrees(&other, &payment(true), "accepted"));
        let mut digits = info("accepted", true);
        digits.payee = Some("00123456".into());
        assert!(
            agrees(&digits, &payment(true), "accepted"),
            "the signed digits count"
        );
        digits.payee = Some("00123457".into());
        assert!(!agrees(&digits, &payment(true), "accepted"));
        let mut other = info("accepted", true);
        other.credential_id = "bob-1".into();
        assert!(!agrees(&other, &payment(true), "accepted"));
    }
}
