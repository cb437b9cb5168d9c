//! `POST /sign-up`: a new customer. The bank picks a credential id from the
//! name, asks the verifier to issue a two-channel credential (operator
//! key), opens the customer's session and answers with the printable
//! envelope, the way the post would bring it. The four parts exist only in
//! this one response (`no-store`); the bank keeps none of them. And
//! `POST /sign-out`.

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use zeroize::Zeroizing;

use super::home::HomePage;
use super::{Chrome, render, verifier_down};
use crate::AppState;
use crate::guard::{SESSION_COOKIE, Visitor, csrf_for, set_cookie};
use crate::state::Customer;

/// The sign-up form.
#[derive(Deserialize)]
pub struct SignUpForm {
    #[serde(default)]
    name: String,
}

#[derive(Template)]
#[template(path = "envelope.html")]
struct EnvelopePage {
    c: Chrome,
    credential_id: String,
    parts: Vec<Zeroizing<String>>,
    two_channel: bool,
}

/// A name as typed, if usable: 1 to 60 characters, no control characters.
pub fn clean_name(typed: &str) -> Option<String> {
    let name = typed.trim();
    let count = name.chars().count();
    ((1..=60).contains(&count) && !name.chars().any(char::is_control)).then(|| name.to_owned())
}

/// The credential id for a name: its ASCII letters and digits (at most 20,
/// lowercased) and six random hex digits, e.g. `alice-3f09a1`.
pub fn credential_id_for(name: &str) -> String {
    let mut stem: String = name
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(20)
        .collect::<String>()
        .to_ascii_lowercase();
    if stem.is_empty() {
        stem.push_str("customer");
    }
    let mut random = [0u8; 3];
    getrandom::fill(&mut random).expect("the OS random source failed");
    format!("{stem}-{}", hex::encode(random))
}

/// Groups a 10-digit part as `12345 67890`.
fn grouped(part: &str) -> Zeroizing<String> {
    let (a, b) = part.split_at(part.len().min(5));
    Zeroizing::new(format!("{a} {b}"))
}

/// `POST /sign-up`.
pub async fn sign_up(
    State(state): State<AppState>,
    visitor: Visitor,
    Form(form): Form<SignUpForm>,
) -> Response {
    let c = Chrome::of(&state, &visitor, "/");
    if visitor.customer.is_some() {
        return Redirect::to("/").into_response();
    }
    let Some(name) = clean_name(&form.name) else {
        let error = Some(c.t("signup-name-invalid"));
        return render(
            StatusCode::UNPROCESSABLE_ENTITY,
            &HomePage::signed_out(c, form.name, error, String::new(), None),
        );
    };
    // A clash of the random suffix is unlikely; one retry makes it rarer still.
    let mut attempt = 0;
    let envelope = loop {
        let id = credential_id_for(&name);
        match state.api.issue(&id).await {
            Ok(envelope) => break envelope,
            Err(error) if error.code() == Some("credential_exists") && attempt == 0 => {
                attempt += 1;
            }
            Err(error) => return verifier_down(c, &error),
        }
    };
    let token = state.bank.add_customer(Customer {
        name: name.clone(),
        credential_id: envelope.credential_id.clone(),
    });
    tracing::info!(credential = %envelope.credential_id, "demo bank: a customer signed up");
    let mut c = c;
    c.customer = Some(name);
    c.csrf = csrf_for(&token);
    let page = EnvelopePage {
        c,
        credential_id: envelope.credential_id.clone(),
        parts: envelope.activation_key.iter().map(|p| grouped(p)).collect(),
        two_channel: envelope.kind == "two_channel",
    };
    let mut response = render(StatusCode::OK, &page);
    response.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(SESSION_COOKIE, &token, state.secure_cookies, None),
    );
    response
}

/// `POST /sign-out`.
pub async fn sign_out(State(state): State<AppState>, visitor: Visitor) -> Response {
    if let Some(token) = &visitor.token {
        state.bank.sign_out(token);
    }
    let mut response = Redirect::to("/").into_response();
    response.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(SESSION_COOKIE, "", state.secure_cookies, Some(0)),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(clean_name("  Alice Smith "), Some("Alice Smith".into()));
        assert_eq!(clean_name("Әлия"), Some("Әлия".into()));
        assert_eq!(clean_name("   "), None);
        assert_eq!(clean_name(&"x".repeat(61)), None);
        assert_eq!(clean_name("a\u{7}b"), None);
    }

    #[test]
    fn credential_ids_come_from_the_name_and_are_valid_api_ids() {
        let id = credential_id_for("Alice Smith!");
        assert!(id.starts_with("alicesmith-"), "{id}");
        assert_eq!(id.len(), "alicesmith-".len() + 6);
        assert!(credential_id_for("Әлия").starts_with("customer-"));
        assert_ne!(credential_id_for("a"), credential_id_for("a"));
        let long = credential_id_for(&"b".repeat(60));
        assert!(long.len() <= 64);
        assert!(long.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'));
    }

    #[test]
    fn parts_are_grouped_in_fives() {
        assert_eq!(grouped("1234567890").as_str(), "12345 67890");
    }
}
