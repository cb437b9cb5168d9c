//! The signed return from the verifier's hosted page: checking the POST the
//! payer's browser brings back to `/signed`.
//!
//! The browser carries it, so the bank trusts none of it until the HMAC
//! (`HMAC-SHA256(secret, "<session_id>.<outcome>.<time>")`, lowercase hex)
//! checks, compared in constant time, and `time` is within five minutes of
//! the bank's clock. That still lets a captured form be replayed inside the
//! window, so the caller also refuses a session it has already settled, and
//! confirms the outcome with `GET /v1/signing-sessions/{id}` before booking.
//! Pure: the caller passes the clock.

use hmac::{KeyInit, Mac};
use sha2::Sha256;

/// How far `time` may be from the bank's clock, either way.
pub const WINDOW_SECS: u64 = 5 * 60;

/// A final outcome the page reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The signature was right.
    Accepted,
    /// Too many wrong values: the credential is blocked.
    Blocked,
    /// The session ran out of time.
    Expired,
}

impl Outcome {
    /// As in the form and the API's `state`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Accepted => "accepted",
            Self::Blocked => "blocked",
            Self::Expired => "expired",
        }
    }

    fn parse(text: &str) -> Option<Self> {
        [Self::Accepted, Self::Blocked, Self::Expired]
            .into_iter()
            .find(|o| o.as_str() == text)
    }
}

/// The form fields as posted.
#[derive(Debug, Default, serde::Deserialize)]
pub struct ReturnForm {
    /// The signing session.
    #[serde(default)]
    pub session_id: String,
    /// `accepted`, `blocked` or `expired`.
    #[serde(default)]
    pub outcome: String,
    /// Unix seconds, decimal.
    #[serde(default)]
    pub time: String,
    /// Lowercase hex HMAC.
    #[serde(default)]
    pub signature: String,
}

/// Why a return is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// A field is missing or malformed.
    #[error("the return is malformed")]
    Malformed,
    /// The HMAC does not match: forged or altered.
    #[error("the return's signature does not match")]
    BadSignature,
    /// `time` is more than five minutes away from now.
    #[error("the return is too old or from the future")]
    OutOfWindow,
}

/// A return whose signature and time checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedReturn {
    /// The signing session.
    pub session_id: String,
    /// What the page reported.
    pub outcome: Outcome,
}

/// The signature the verifier computes for these fields (lowercase hex).
pub fn sign(secret: &[u8], session_id: &str, outcome: &str, time: u64) -> String {
    hex::encode(
        mac(secret, session_id, outcome, time)
            .finalize()
            .into_bytes(),
    )
}

fn mac(secret: &[u8], session_id: &str, outcome: &str, time: u64) -> hmac::Hmac<Sha256> {
    let mut mac = <hmac::Hmac<Sha256> as KeyInit>::new_from_slice(secret)
        .expect("HMAC takes keys of any length");
    mac.update(session_id.as_bytes());
    mac.update(b".");
    mac.update(outcome.as_bytes());
    mac.update(b".");
    mac.update(time.to_string().as_bytes());
    mac
}

/// Checks a posted return at `now` (unix seconds).
pub fn check(secret: &[u8], form: &ReturnForm, now: u64) -> Result<CheckedReturn, Refusal> {
    let session_ok = !form.session_id.is_empty()
        && form.session_id.len() <= 128
        && form
            .session_id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    let outcome = Outcome::parse(&form.outcome).ok_or(Refusal::Malformed)?;
    let time_ok = !form.time.is_empty()
        && form.time.len() <= 20
        && form.time.bytes().all(|b| b.is_ascii_digit());
    let time: u64 = match (session_ok, time_ok) {
        (true, true) => form.time.parse().map_err(|_| Refusal::Malformed)?,
        _ => return Err(Refusal::Malformed),
    };
    let lowercase_hex = form.signature.len() == 64
        && form
            .signature
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    let sent = match lowercase_hex {
        true => hex::decode(&form.signature).map_err(|_| Refusal::Malformed)?,
        false => return Err(Refusal::Malformed),
    };
    // Constant-time comparison (hmac's verify_slice).
    mac(secret, &form.session_id, outcome.as_str(), time)
        .verify_slice(&sent)
        .map_err(|_| Refusal::BadSignature)?;
    if now.abs_diff(time) > WINDOW_SECS {
        return Err(Refusal::OutOfWindow);
    }
    Ok(CheckedReturn {
        session_id: form.session_id.clone(),
        outcome,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef";
    const NOW: u64 = 1_800_000_000;

    fn form(outcome: &str, time: u64) -> ReturnForm {
        ReturnForm {
            session_id: "s1".into(),
            outcome: outcome.into(),
            time: time.to_string(),
            signature: sign(SECRET, "s1", outcome, time),
        }
    }

    #[test]
    fn signature_is_hmac_sha256_of_the_dotted_fields() {
        // Computed with Python's hmac module (docs/INTEGRATION.md's example).
        assert_eq!(
            sign(SECRET, "s1", "accepted", NOW),
            "a0652f32b13ddf551f963860cb9dd5ce5ab588b27b7d60bd4edd6fbbdcc299cf"
        );
    }

    #[test]
    fn a_correct_return_within_the_window_checks() {
        for outcome in [Outcome::Accepted, Outcome::Blocked, Outcome::Expired] {
            let checked = check(SECRET, &form(outcome.as_str(), NOW - 299), NOW).unwrap();
            assert_eq!(checked.outcome, outcome);
            assert_eq!(checked.session_id, "s1");
        }
        assert!(check(SECRET, &form("accepted", NOW + 300), NOW).is_ok());
    }

    #[test]
    fn an_altered_outcome_session_or_time_is_refused() {
        let mut altered = form("blocked", NOW);
        altered.outcome = "accepted".into();
        assert_eq!(check(SECRET, &altered, NOW), Err(Refusal::BadSignature));
        let mut altered = form("accepted", NOW);
        altered.session_id = "s2".into();
        assert_eq!(check(SECRET, &altered, NOW), Err(Refusal::BadSignature));
        let mut altered = form("accepted", NOW);
        altered.time = (NOW + 1).to_string();
        assert_eq!(check(SECRET, &altered, NOW), Err(Refusal::BadSignature));
        let other = b"another secret of thirty-two bytes!";
        assert_eq!(
            check(other, &form("accepted", NOW), NOW),
            Err(Refusal::BadSignature)
        );
    }

    #[test]
    fn a_return_older_or_newer_than_five_minutes_is_refused() {
        assert_eq!(
            check(SECRET, &form("accepted", NOW - 301), NOW),
            Err(Refusal::OutOfWindow)
        );
        assert_eq!(
            check(SECRET, &form("accepted", NOW + 301), NOW),
            Err(Refusal::OutOfWindow)
        );
    }

    #[test]
    fn malformed_fields_are_refused_before_any_hmac() {
        let good = form("accepted", NOW);
        let cases: [fn(&mut ReturnForm); 8] = [
            |f| f.outcome = "rejected".into(),
            |f| f.outcome = String::new(),
            |f| f.session_id = String::new(),
            |f| f.session_id = "a b".into(),
            |f| f.time = "-5".into(),
            |f| f.time = "99999999999999999999999".into(),
            |f| f.signature = f.signature.to_uppercase(),
            |f| f.signature.truncate(63),
        ];
        for (i, change) in cases.iter().enumerate() {
            let mut bad = ReturnForm {
                session_id: good.session_id.clone(),
                outcome: good.outcome.clone(),
                time: good.time.clone(),
                signature: good.signature.clone(),
            };
            change(&mut bad);
            assert_eq!(
                check(SECRET, &bad, NOW),
                Err(Refusal::Malformed),
                "case {i}"
            );
        }
    }
}
