//! What the CLI prints: short text for people, one JSON object for scripts.

use std::io::Write;

use serde::Serialize;

use crate::{ActivationKey, AuditEvent, CredentialId, CredentialStatus, IssuedChallenge, Outcome};

/// `println!` that ignores a closed pipe (`... | head`) instead of panicking.
macro_rules! say {
    ($($arg:tt)*) => {{
        let _ = writeln!(std::io::stdout().lock(), $($arg)*);
    }};
}

fn print_json(value: &impl Serialize) {
    say!(
        "{}",
        serde_json::to_string_pretty(value).expect("plain data serialises")
    );
}

fn time(at: std::time::SystemTime) -> String {
    humantime::format_rfc3339_seconds(at).to_string()
}

/// The activation key as printed on the envelope: four parts of two groups.
pub(crate) fn activation_key(json: bool, id: &CredentialId, key: &ActivationKey, what: &str) {
    let parts = key.parts();
    let grouped: Vec<String> = parts
        .iter()
        .map(|p| format!("{} {}", &p[..5], &p[5..]))
        .collect();
    if json {
        print_json(&serde_json::json!({ "credential": id, "result": what, "parts": grouped }));
        return;
    }
    say!("Credential {id} {what}. Activation key for the envelope (shown only now):");
    say!("");
    for (n, part) in grouped.iter().enumerate() {
        say!("  Part {}:  {part}", n + 1);
    }
    say!("");
}

pub(crate) fn challenge(json: bool, challenge: &IssuedChallenge) {
    if json {
        return print_json(challenge);
    }
    say!("Document code: {}", challenge.code);
    if let (Some(amount), Some(payee)) = (challenge.amount_minor, &challenge.payee) {
        say!("Linked to:     amount {amount} (minor units), payee ...{payee}");
    }
    say!("Challenge id:  {}", challenge.id);
    say!("Expires at:    {}", time(challenge.expires_at));
}

pub(crate) fn outcome(json: bool, outcome: &Outcome) {
    if json {
        return print_json(outcome);
    }
    match outcome {
        Outcome::Accepted => say!("accepted"),
        Outcome::Rejected { attempts_left } => {
            say!("rejected: wrong response, {attempts_left} attempt(s) left before the block")
        }
        Outcome::Blocked => say!(
            "blocked: the credential is blocked; nothing is accepted until an operator unblocks it"
        ),
        Outcome::Revoked => say!("revoked: the credential is revoked"),
        Outcome::Expired => say!("expired: the challenge has expired; create a new one"),
        Outcome::AlreadyUsed => say!("already used: this challenge was already signed"),
        Outcome::UnknownChallenge => {
            say!("unknown challenge: no such challenge for this credential")
        }
    }
}

pub(crate) fn done(json: bool, id: &CredentialId, what: &str) {
    if json {
        return print_json(&serde_json::json!({ "credential": id, "result": what }));
    }
    say!("Credential {id} {what}.");
}

pub(crate) fn status(json: bool, status: &CredentialStatus) {
    if json {
        return print_json(status);
    }
    say!("Credential:  {}", status.id);
    say!("State:       {}", status.state.as_str());
    say!("Failures:    {} of {}", status.failures, status.limit);
    say!("Key version: {}", status.key_version);
    say!("Created:     {}", time(status.created));
    say!("Updated:     {}", time(status.updated));
}

pub(crate) fn audit(json: bool, events: &[AuditEvent]) {
    if json {
        return print_json(&events);
    }
    for event in events {
        say!(
            "{:>6}  {}  {:<20} {:<18} {:<16} {}",
            event.seq,
            time(event.at),
            event.actor,
            event.action,
            event.credential.as_deref().unwrap_or("-"),
            event.detail
        );
    }
}

pub(crate) fn rotated(json: bool, count: usize) {
    if json {
        return print_json(&serde_json::json!({ "result": "rotated", "seeds": count }));
    }
    say!("Master key rotated: {count} seed(s) re-wrapped.");
}
