//! `GET /statement`: the customer's accepted payments, and, after a return
//! from the signing page (`?done=<session>`), what became of that payment.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use super::{Chrome, render, sign_up_first};
use crate::AppState;
use crate::guard::Visitor;
use crate::state::PaymentState;

/// The query.
#[derive(Deserialize)]
pub struct StatementQuery {
    #[serde(default)]
    done: Option<String>,
}

/// One row as shown.
pub struct Row {
    when: String,
    payee_name: String,
    account: String,
    amount: String,
    amount_minor: u64,
    linked: bool,
}

#[derive(Template)]
#[template(path = "statement.html")]
struct StatementPage {
    c: Chrome,
    rows: Vec<Row>,
    /// `data-outcome` and the words for it.
    outcome: Option<(&'static str, String)>,
    accepted: bool,
    blocked: bool,
}

fn shown_unix(unix: u64) -> String {
    let time = std::time::UNIX_EPOCH + std::time::Duration::from_secs(unix);
    super::sms::shown_time(&humantime::format_rfc3339_seconds(time).to_string())
}

/// `GET /statement`.
pub async fn show(
    State(state): State<AppState>,
    visitor: Visitor,
    query: Result<Query<StatementQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let Some(customer) = visitor.customer.clone() else {
        return sign_up_first();
    };
    let c = Chrome::of(&state, &visitor, "/statement");
    let outcome = query
        .ok()
        .and_then(|Query(q)| q.done)
        .and_then(|id| state.bank.payment(&id))
        .filter(|p| p.credential_id == customer.credential_id)
        .and_then(|p| match p.state {
            PaymentState::Accepted => Some("accepted"),
            PaymentState::Blocked => Some("blocked"),
            PaymentState::Expired => Some("expired"),
            PaymentState::Pending => None,
        });
    let rows = state
        .bank
        .statement(&customer.credential_id)
        .into_iter()
        .map(|p| Row {
            when: shown_unix(p.created),
            payee_name: p.payee_name,
            account: p.account,
            amount: crate::money::format_in(p.amount_minor, visitor.lang),
            amount_minor: p.amount_minor,
            linked: p.linked,
        })
        .collect();
    let accepted = outcome == Some("accepted");
    let blocked = outcome == Some("blocked");
    let outcome = outcome.map(|o| (o, c.t(&format!("outcome-{o}"))));
    render(
        StatusCode::OK,
        &StatementPage {
            c,
            rows,
            outcome,
            accepted,
            blocked,
        },
    )
}
