//! The audit log (supervisor): filters by credential, operator (actor),
//! action and time range, and the same selection as CSV.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use mobipass_verifier::{AuditFilter, CredentialId};
use serde::Deserialize;

use super::credential::EventView;
use super::pages::{self, Chrome};
use super::{ConsoleState, Supervisor};

/// Rows on the page; the CSV export takes more.
const PAGE_ROWS: usize = 200;
const CSV_ROWS: usize = 10_000;

/// The filter form (every field optional; dates are UTC days, inclusive).
#[derive(Debug, Default, Deserialize)]
pub struct AuditQuery {
    #[serde(default)]
    credential: String,
    #[serde(default)]
    actor: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
}

fn day(text: &str, plus_one: bool) -> Result<Option<std::time::SystemTime>, ()> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let start = humantime::parse_rfc3339_weak(&format!("{text} 00:00:00")).map_err(|_| ())?;
    Ok(Some(if plus_one {
        start + std::time::Duration::from_secs(24 * 3600)
    } else {
        start
    }))
}

fn some(text: &str) -> Option<String> {
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_owned())
}

impl AuditQuery {
    fn filter(&self, limit: usize) -> Result<AuditFilter, &'static str> {
        let credential = match some(&self.credential) {
            Some(id) => Some(CredentialId::new(id).map_err(|_| "find-invalid")?),
            None => None,
        };
        Ok(AuditFilter {
            credential,
            actor: some(&self.actor),
            action: some(&self.action),
            from: day(&self.from, false).map_err(|_| "audit-bad-date")?,
            to: day(&self.to, true).map_err(|_| "audit-bad-date")?,
            limit,
        })
    }

    fn query_string(&self) -> String {
        form_urlencoded::Serializer::new(String::new())
            .append_pair("credential", &self.credential)
            .append_pair("actor", &self.actor)
            .append_pair("action", &self.action)
            .append_pair("from", &self.from)
            .append_pair("to", &self.to)
            .finish()
    }
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    c: Chrome,
    q: AuditQuery,
    csv: String,
    events: Vec<EventView>,
    error: Option<String>,
}

/// `GET /console/audit`.
pub async fn page(
    State(state): State<ConsoleState>,
    Supervisor(signed): Supervisor,
    Query(q): Query<AuditQuery>,
) -> Response {
    let c = Chrome::signed(&signed, &format!("/console/audit?{}", q.query_string()));
    let csv = format!("/console/audit.csv?{}", q.query_string());
    let filter = match q.filter(PAGE_ROWS) {
        Ok(filter) => filter,
        Err(id) => {
            let error = Some(c.t(id));
            return pages::render(
                StatusCode::UNPROCESSABLE_ENTITY,
                &AuditPage {
                    c,
                    q,
                    csv,
                    events: Vec::new(),
                    error,
                },
            );
        }
    };
    match state.verifier.audit_filtered(&filter).await {
        Ok(events) => {
            let events = events.iter().map(EventView::of).collect();
            pages::render(
                StatusCode::OK,
                &AuditPage {
                    c,
                    q,
                    csv,
                    events,
                    error: None,
                },
            )
        }
        Err(error) => pages::error(&c, &error),
    }
}

/// One CSV field, quoted, with formula triggers defused (a spreadsheet
/// must not run `=...` from an audit detail).
fn field(text: &str) -> String {
    let defused = if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_owned()
    };
    format!("\"{}\"", defused.replace('"', "\"\""))
}

/// `GET /console/audit.csv`.
pub async fn csv(
    State(state): State<ConsoleState>,
    Supervisor(signed): Supervisor,
    Query(q): Query<AuditQuery>,
) -> Response {
    let c = Chrome::signed(&signed, "/console/audit");
    let filter = match q.filter(CSV_ROWS) {
        Ok(filter) => filter,
        Err(_) => return pages::message(&c, StatusCode::UNPROCESSABLE_ENTITY, "error-invalid"),
    };
    let events = match state.verifier.audit_filtered(&filter).await {
        Ok(events) => events,
        Err(error) => return pages::error(&c, &error),
    };
    let mut out = String::from("seq,at,actor,action,credential,detail\r\n");
    for event in &events {
        out.push_str(&format!(
            "{},{},{},{},{},{}\r\n",
            event.seq,
            field(&humantime::format_rfc3339_seconds(event.at).to_string()),
            field(&event.actor),
            field(&event.action),
            field(event.credential.as_deref().unwrap_or("")),
            field(&event.detail),
        ));
    }
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"mobipass-audit.csv\"",
            ),
        ],
        out,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_are_quoted_and_formulas_defused() {
        assert_eq!(field("plain"), "\"plain\"");
        assert_eq!(field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(field("=HYPERLINK(1)"), "\"'=HYPERLINK(1)\"");
        assert_eq!(field("-1+1"), "\"'-1+1\"");
    }

    #[test]
    fn dates_are_whole_utc_days_and_the_end_day_is_included() {
        let from = day("2026-01-02", false).unwrap().unwrap();
        let to = day("2026-01-02", true).unwrap().unwrap();
        assert_eq!(to.duration_since(from).unwrap().as_secs(), 24 * 3600);
        assert!(day("yesterday", false).is_err());
        assert_eq!(day(" ", false), Ok(None));
    }
}
