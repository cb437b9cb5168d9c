//! The "second channel": a page that plays the customer's phone. The bank
//! asks the verifier for an activation code (`POST /v1/credentials/{id}/
//! activation-code`, bank key) and shows it here, apart from the envelope,
//! as an SMS would bring it. The code is in this one POST's answer only
//! (`no-store`; reloading asks again, which replaces the code).

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use zeroize::Zeroizing;

use super::{Chrome, message, render, sign_up_first, verifier_down};
use crate::AppState;
use crate::guard::Visitor;

#[derive(Template)]
#[template(path = "sms.html")]
struct SmsPage {
    c: Chrome,
    code: Option<Zeroizing<String>>,
    expires_at: String,
}

/// `GET /sms`: the phone, before the code is sent.
pub async fn show(State(state): State<AppState>, visitor: Visitor) -> Response {
    if visitor.customer.is_none() {
        return sign_up_first();
    }
    let c = Chrome::of(&state, &visitor, "/sms");
    render(
        StatusCode::OK,
        &SmsPage {
            c,
            code: None,
            expires_at: String::new(),
        },
    )
}

/// `POST /sms`: send a (new) activation code.
pub async fn send(State(state): State<AppState>, visitor: Visitor) -> Response {
    let Some(customer) = visitor.customer.clone() else {
        return sign_up_first();
    };
    let c = Chrome::of(&state, &visitor, "/sms");
    match state.api.activation_code(&customer.credential_id).await {
        Ok(code) => render(
            StatusCode::OK,
            &SmsPage {
                c,
                code: Some(code.grouped),
                expires_at: shown_time(&code.expires_at),
            },
        ),
        Err(error) => {
            let id = match error.code() {
                Some("credential_blocked") => "sms-blocked",
                Some("credential_revoked") => "sms-revoked",
                Some("not_two_channel") => "sms-not-needed",
                _ => return verifier_down(c, &error),
            };
            let text = c.t(id);
            message(
                c,
                StatusCode::CONFLICT,
                "sms-title",
                text,
                "sms-refused",
                true,
            )
        }
    }
}

/// `2026-12-01T11:40:00Z` as `2026-12-01 11:40 UTC` (other forms as sent).
pub fn shown_time(rfc3339: &str) -> String {
    match (
        rfc3339.get(..10),
        rfc3339.get(11..16),
        rfc3339.ends_with('Z'),
    ) {
        (Some(date), Some(time), true) if rfc3339.as_bytes().get(10) == Some(&b'T') => {
            format!("{date} {time} UTC")
        }
        _ => rfc3339.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn api_times_are_shown_to_the_minute() {
        assert_eq!(
            super::shown_time("2026-12-01T11:40:27Z"),
            "2026-12-01 11:40 UTC"
        );
        assert_eq!(super::shown_time("soon"), "soon");
    }
}
