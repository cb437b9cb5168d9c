//! What the CLI prints: short text for people, one JSON object for scripts.
//!
//! Every printer builds its whole text first and writes it with one fallible,
//! flushed write, so the caller learns when nothing reached the reader (a
//! closed pipe, a full disk). That matters most for `issue` and `reissue`:
//! the activation key exists nowhere else, so a lost print must not end in
//! exit status 0.

use std::fmt::Write as _;
use std::io::{self, Write as _};

use serde::Serialize;
use zeroize::Zeroizing;

use crate::http::body::{
    ActivationCodeIssued, AuditEntry, ChallengeCreated, Issued, Status, VerifyResult,
};

use mobipass_verifier::{
    AuditEvent, CredentialId, CredentialStatus, Envelope, EnvelopeKind, IssuedActivationCode,
    IssuedChallenge, Outcome,
};

/// `writeln!` into the text being built (writing to a `String` cannot fail).
macro_rules! say {
    ($out:expr, $($arg:tt)*) => {{
        let _ = writeln!($out, $($arg)*);
    }};
}

/// Writes `text` to stdout and flushes it; an error means the reader did not
/// get it (or not all of it).
fn emit(text: &str) -> io::Result<()> {
    let mut stdout = io::stdout().lock();
    stdout.write_all(text.as_bytes())?;
    stdout.flush()
}

/// A text that exists nowhere else (a new API key): written once, flushed.
pub(crate) fn secret_text(text: &str) -> io::Result<()> {
    emit(text)
}

fn print_json(value: &impl Serialize) -> io::Result<()> {
    let mut text = Zeroizing::new(serde_json::to_string_pretty(value).map_err(io::Error::other)?);
    text.push('\n');
    emit(&text)
}

fn time(at: std::time::SystemTime) -> String {
    humantime::format_rfc3339_seconds(at).to_string()
}

/// The activation key as printed on the envelope: four parts of two groups.
/// `--json` prints the HTTP API's `Issued` body.
pub(crate) fn activation_key(
    json: bool,
    id: &CredentialId,
    key: &Envelope,
    what: &str,
) -> io::Result<()> {
    if json {
        return print_json(&Issued::new(id, key));
    }
    let mut out = Zeroizing::new(String::new());
    say!(
        out,
        "Credential {id} {what} ({}). Activation key for the envelope (shown only now):",
        key.kind().name()
    );
    say!(out, "");
    // The scheme's grouping, one part per line: "12345 67890".
    for (n, part) in key.grouped().split(" - ").enumerate() {
        say!(out, "  Part {}:  {}", n + 1, part);
    }
    say!(out, "");
    if key.kind() == EnvelopeKind::TwoChannel {
        say!(
            out,
            "Two-channel: nothing signs until you issue an activation code (activation-code {id})"
        );
        say!(
            out,
            "and pass it to the customer by another channel than the envelope."
        );
    }
    emit(&out)
}

/// The activation code, grouped, with its expiry. `--json` prints the HTTP
/// API's `ActivationCodeIssued` body.
pub(crate) fn activation_code(
    json: bool,
    id: &CredentialId,
    issued: &IssuedActivationCode,
) -> io::Result<()> {
    if json {
        return print_json(&ActivationCodeIssued::new(issued));
    }
    let mut out = Zeroizing::new(String::new());
    say!(
        out,
        "Activation code for {id} (shown only now): {}",
        issued.grouped().as_str()
    );
    say!(out, "Expires at: {}", time(issued.expires_at));
    emit(&out)
}

/// `--json` prints the HTTP API's `ChallengeCreated` body.
pub(crate) fn challenge(json: bool, challenge: &IssuedChallenge) -> io::Result<()> {
    if json {
        return print_json(&ChallengeCreated::new(challenge));
    }
    let mut out = String::new();
    say!(out, "Document code: {}", challenge.code);
    if let (Some(amount), Some(payee)) = (challenge.amount_minor, &challenge.payee) {
        say!(
            out,
            "Linked to:     amount {amount} (minor units), payee ...{payee}"
        );
    }
    say!(out, "Challenge id:  {}", challenge.id);
    say!(out, "Expires at:    {}", time(challenge.expires_at));
    emit(&out)
}

/// `--json` prints the HTTP API's `VerifyResult` body.
pub(crate) fn outcome(json: bool, outcome: &Outcome) -> io::Result<()> {
    if json {
        return print_json(&VerifyResult::from(*outcome));
    }
    let text = match outcome {
        Outcome::Accepted => "accepted".to_owned(),
        Outcome::Rejected {
            attempts_left,
            final_attempt,
        } => {
            let last = if *final_attempt {
                "; the next wrong response blocks it permanently"
            } else {
                ""
            };
            format!(
                "rejected: wrong response, {attempts_left} attempt(s) left before the block{last}"
            )
        }
        Outcome::Locked { retry_after_secs } => format!(
            "locked: too many wrong responses; responses are evaluated again in {retry_after_secs} s"
        ),
        Outcome::Blocked => {
            "blocked: the credential is blocked; nothing is accepted until an operator unblocks it"
                .to_owned()
        }
        Outcome::Revoked => "revoked: the credential is revoked".to_owned(),
        Outcome::Expired => "expired: the challenge has expired; create a new one".to_owned(),
        Outcome::AlreadyUsed => "already used: this challenge was already signed".to_owned(),
        Outcome::UnknownChallenge => {
            "unknown challenge: no such challenge for this credential".to_owned()
        }
        Outcome::ActivationExpired => {
            "activation expired: the activation code expired unconfirmed; issue a new one"
                .to_owned()
        }
    };
    emit(&format!("{text}\n"))
}

pub(crate) fn done(json: bool, id: &CredentialId, what: &str) -> io::Result<()> {
    if json {
        return print_json(&serde_json::json!({ "credential": id, "result": what }));
    }
    emit(&format!("Credential {id} {what}.\n"))
}

/// `--json` prints the HTTP API's `Status` body.
pub(crate) fn status(json: bool, status: &CredentialStatus) -> io::Result<()> {
    if json {
        return print_json(&Status::from(status));
    }
    let mut out = String::new();
    say!(out, "Credential:  {}", status.id);
    say!(out, "Kind:        {}", status.kind.name());
    say!(out, "State:       {}", status.state.as_str());
    if status.activation_code_needed {
        say!(out, "Activation:  needs an activation code");
    }
    if let Some(expires_at) = status.activation_expires_at {
        say!(
            out,
            "Activation:  code issued, to be confirmed by {}",
            time(expires_at)
        );
    }
    say!(out, "Failures:    {} of {}", status.failures, status.limit);
    if !status.temporary_lock_minutes.is_empty() {
        let ladder: Vec<String> = status
            .temporary_lock_minutes
            .iter()
            .map(|m| format!("{m} min"))
            .collect();
        say!(
            out,
            "Lock ladder: {} (taken: {})",
            ladder.join(", "),
            status.lock_step
        );
    }
    if let Some(until) = status.locked_until {
        say!(out, "Locked until: {}", time(until));
    }
    say!(out, "Key version: {}", status.key_version);
    say!(out, "Created:     {}", time(status.created));
    say!(out, "Updated:     {}", time(status.updated));
    emit(&out)
}

pub(crate) fn failed_deliveries(
    json: bool,
    deliveries: &[mobipass_verifier::DeliveryInfo],
) -> io::Result<()> {
    if json {
        return print_json(&deliveries);
    }
    let mut out = String::new();
    if deliveries.is_empty() {
        say!(out, "No failed webhook deliveries.");
    }
    for d in deliveries {
        say!(
            out,
            "{:>6}  {}  {:<22} {:<16} {} attempt(s), last: {}  -> {}",
            d.seq,
            d.event_id,
            d.event_type,
            d.credential_id,
            d.attempts,
            d.last_error.as_deref().unwrap_or("-"),
            d.endpoint
        );
    }
    emit(&out)
}

pub(crate) fn redelivered(json: bool, count: u64) -> io::Result<()> {
    if json {
        return print_json(&serde_json::json!({ "redelivered": count }));
    }
    emit(&format!("{count} deliveries put back in line.\n"))
}

/// `--json` prints the HTTP API's audit entries (as a JSON array).
pub(crate) fn audit(json: bool, events: &[AuditEvent]) -> io::Result<()> {
    if json {
        let entries: Vec<AuditEntry> = events.iter().map(AuditEntry::from).collect();
        return print_json(&entries);
    }
    let mut out = String::new();
    for event in events {
        say!(
            out,
            "{:>6}  {}  {:<20} {:<18} {:<16} {}",
            event.seq,
            time(event.at),
            event.actor,
            event.action,
            event.credential.as_deref().unwrap_or("-"),
            event.detail
        );
    }
    emit(&out)
}

/// The key itself is never printed: only where it is and its fingerprint,
/// which `status`-like checks on other nodes can compare.
pub(crate) fn master_key_created(
    json: bool,
    file: &std::path::Path,
    fingerprint: &str,
) -> io::Result<()> {
    if json {
        return print_json(&serde_json::json!({
            "result": "created",
            "file": file,
            "fingerprint": fingerprint,
        }));
    }
    emit(&format!(
        "Master key written to {} (mode 0600), fingerprint {fingerprint}.\n\
         Keep a copy offline; every node needs this same file.\n",
        file.display()
    ))
}

pub(crate) fn hsm_key_created(json: bool, uri: &str, fingerprint: &str) -> io::Result<()> {
    if json {
        return print_json(&serde_json::json!({
            "result": "created",
            "uri": uri,
            "fingerprint": fingerprint,
        }));
    }
    emit(&format!(
        "Master key generated in the token as {uri} (sensitive, never extractable), \
         fingerprint {fingerprint}.\n\
         Back it up the HSM's way (its own key backup or cluster); nothing else holds it.\n"
    ))
}

pub(crate) fn rotated(json: bool, count: usize) -> io::Result<()> {
    if json {
        return print_json(&serde_json::json!({ "result": "rotated", "seeds": count }));
    }
    emit(&format!(
        "Master key rotated: {count} seed(s) re-wrapped.\n"
    ))
}

pub(crate) fn purged(json: bool, count: u64) -> io::Result<()> {
    if json {
        return print_json(&serde_json::json!({ "result": "purged", "challenges": count }));
    }
    emit(&format!("{count} expired challenge(s) deleted.\n"))
}

/// `operator add|disable|passwd`.
pub(crate) fn operator_done(
    json: bool,
    name: &mobipass_verifier::OperatorName,
    what: &str,
) -> io::Result<()> {
    if json {
        return print_json(&serde_json::json!({ "operator": name.as_str(), "result": what }));
    }
    emit(&format!("Operator {name} {}.\n", what.replace('_', " ")))
}

/// `operator list`.
pub(crate) fn operators(json: bool, operators: &[mobipass_verifier::Operator]) -> io::Result<()> {
    if json {
        let list: Vec<_> = operators
            .iter()
            .map(|o| {
                serde_json::json!({
                    "name": o.name.as_str(),
                    "role": o.role.as_str(),
                    "disabled": o.disabled,
                    "created": time(o.created),
                })
            })
            .collect();
        return print_json(&list);
    }
    let mut out = String::new();
    if operators.is_empty() {
        say!(
            out,
            "No operators (add one with `operator add NAME --role agent`)."
        );
    }
    for o in operators {
        let state = if o.disabled { "disabled" } else { "active" };
        say!(
            out,
            "{:<24} {:<10} {:<8} since {}",
            o.name.as_str(),
            o.role.as_str(),
            state,
            time(o.created)
        );
    }
    emit(&out)
}
