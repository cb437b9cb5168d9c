//! What the CLI prints: short text for people, one JSON object for scripts.

use serde::Serialize;

use crate::{ActivationKey, AuditEvent, CredentialId, CredentialStatus, IssuedChallenge, Outcome};

fn print_json(value: &impl Serialize) {
    println!(
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
    println!("Credential {id} {what}. Activation key for the envelope (shown only now):");
    println!();
    for (n, part) in grouped.iter().enumerate() {
        println!("  Part {}:  {part}", n + 1);
    }
    println!();
}

pub(crate) fn challenge(json: bool, challenge: &IssuedChallenge) {
    if json {
        return print_json(challenge);
    }
    println!("Document code: {}", challenge.code);
    if let (Some(amount), Some(payee)) = (challenge.amount_minor, &challenge.payee) {
        println!("Linked to:     amount {amount} (minor units), payee ...{payee}");
    }
    println!("Challenge id:  {}", challenge.id);
    println!("Expires at:    {}", time(challenge.expires_at));
}

pub(crate) fn outcome(json: bool, outcome: &Outcome) {
    if json {
        return print_json(outcome);
    }
    match outcome {
        Outcome::Accepted => println!("accepted"),
        Outcome::Rejected { attempts_left } => {
            println!("rejected: wrong response, {attempts_left} attempt(s) left before the block")
        }
        Outcome::Blocked => println!(
            "blocked: the credential is blocked; nothing is accepted until an operator unblocks it"
        ),
        Outcome::Revoked => println!("revoked: the credential is revoked"),
        Outcome::Expired => println!("expired: the challenge has expired; create a new one"),
        Outcome::AlreadyUsed => println!("already used: this challenge was already signed"),
        Outcome::UnknownChallenge => {
            println!("unknown challenge: no such challenge for this credential")
        }
    }
}

pub(crate) fn done(json: bool, id: &CredentialId, what: &str) {
    if json {
        return print_json(&serde_json::json!({ "credential": id, "result": what }));
    }
    println!("Credential {id} {what}.");
}

pub(crate) fn status(json: bool, status: &CredentialStatus) {
    if json {
        return print_json(status);
    }
    println!("Credential:  {}", status.id);
    println!("State:       {}", status.state.as_str());
    println!("Failures:    {} of {}", status.failures, status.limit);
    println!("Key version: {}", status.key_version);
    println!("Created:     {}", time(status.created));
    println!("Updated:     {}", time(status.updated));
}

pub(crate) fn audit(json: bool, events: &[AuditEvent]) {
    if json {
        return print_json(&events);
    }
    for event in events {
        println!(
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
    println!("Master key rotated: {count} seed(s) re-wrapped.");
}
