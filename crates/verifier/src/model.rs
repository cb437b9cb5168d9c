//! The values the verifier hands back: outcomes, statuses, challenges and
//! audit events. All are `Serialize` for a backend that embeds the library;
//! none holds a secret. The HTTP service does not send them as they are: its
//! wire types (`mobipass-verifier-server`, `http/body.rs`) are built from
//! them, so a change here cannot silently change what bank backends parse.

use std::time::SystemTime;

use serde::Serialize;

use mobipass_scheme::{ActivationCode, EnvelopeKind};
use zeroize::Zeroizing;

use crate::ids::{ChallengeId, CredentialId};

/// Timestamps as RFC 3339 text in UTC with milliseconds.
mod rfc3339 {
    use std::time::SystemTime;

    use serde::Serializer;

    pub(crate) fn serialize<S: Serializer>(time: &SystemTime, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&humantime::format_rfc3339_millis(*time))
    }
}

mod rfc3339_opt {
    use std::time::SystemTime;

    use serde::Serializer;

    pub(crate) fn serialize<S: Serializer>(
        time: &Option<SystemTime>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        match time {
            Some(time) => s.collect_str(&humantime::format_rfc3339_millis(*time)),
            None => s.serialize_none(),
        }
    }
}

/// Life cycle of a credential.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// Issued; no response accepted yet (the envelope may still be in the post).
    Issued,
    /// At least one response accepted.
    Active,
    /// Too many wrong responses, or blocked by an operator. Refuses every
    /// response until unblocked.
    Blocked,
    /// Permanently withdrawn.
    Revoked,
}

impl State {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Issued => "issued",
            Self::Active => "active",
            Self::Blocked => "blocked",
            Self::Revoked => "revoked",
        }
    }

    pub(crate) fn from_stored(text: &str) -> Result<Self, crate::VerifierError> {
        match text {
            "issued" => Ok(Self::Issued),
            "active" => Ok(Self::Active),
            "blocked" => Ok(Self::Blocked),
            "revoked" => Ok(Self::Revoked),
            _ => Err(crate::VerifierError::Storage(format!(
                "unknown credential state {text:?} in the database"
            ))),
        }
    }
}

/// A verification's outcome, and whether this very response blocked the
/// credential: the moment to tell the customer (and to count a block once,
/// however many guesses arrive after it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verified {
    /// What the caller reports.
    pub outcome: Outcome,
    /// This wrong response reached the failure limit. `false` when the
    /// credential was blocked before (the outcome is `Blocked` either way).
    pub blocked_now: bool,
    /// This wrong response reached the failure limit and took a step of the
    /// temporary-lock ladder (the outcome is `Locked`).
    pub locked_now: bool,
}

/// The result of one verification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    /// The response is right: the challenge is used up and the failure count reset.
    Accepted,
    /// The response is wrong; this many more wrong responses are allowed
    /// before the credential blocks.
    Rejected {
        /// Wrong responses left before the block.
        attempts_left: u8,
        /// The next wrong response blocks the credential permanently (no
        /// temporary lock is left on its ladder): the moment to warn the payer.
        final_attempt: bool,
    },
    /// The credential is locked for a while (it reached its failure limit
    /// and its policy has a temporary lock for this step). The response was
    /// not evaluated; after `retry_after_secs` the credential gets its
    /// attempts back.
    Locked {
        /// Seconds until responses are evaluated again (rounded up).
        retry_after_secs: u64,
    },
    /// The credential is blocked (by this wrong response, an earlier one, or an
    /// operator). The response was not accepted, right or wrong.
    Blocked,
    /// The credential is revoked. The response was not evaluated.
    Revoked,
    /// The challenge has expired. The response was not evaluated and counts
    /// as no failure.
    Expired,
    /// The challenge was already answered correctly once. The response was not
    /// evaluated and counts as no failure.
    AlreadyUsed,
    /// No such challenge for this credential (never created, created for
    /// another credential, dropped by a reissue, or purged long after it
    /// expired). Not evaluated, no failure.
    UnknownChallenge,
    /// The two-channel credential's activation code expired before any
    /// response confirmed it. Not evaluated, no failure; a new activation
    /// code is needed.
    ActivationExpired,
}

impl Outcome {
    /// A stable snake_case name, as in JSON and the audit log.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Accepted => "accepted",
            Self::Rejected { .. } => "rejected",
            Self::Locked { .. } => "locked",
            Self::Blocked => "blocked",
            Self::Revoked => "revoked",
            Self::Expired => "expired",
            Self::AlreadyUsed => "already_used",
            Self::UnknownChallenge => "unknown_challenge",
            Self::ActivationExpired => "activation_expired",
        }
    }
}

/// Serialises an [`EnvelopeKind`] as its stable name.
mod kind_name {
    use mobipass_scheme::EnvelopeKind;
    use serde::Serializer;

    pub(crate) fn serialize<S: Serializer>(kind: &EnvelopeKind, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(kind.name())
    }
}

/// A credential's current state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CredentialStatus {
    /// The credential.
    pub id: CredentialId,
    /// Envelope only, or envelope + activation code (`two_channel`).
    #[serde(with = "kind_name")]
    pub kind: EnvelopeKind,
    /// Its state.
    pub state: State,
    /// Two-channel: whether an activation code must be issued before any
    /// challenge (none since issue or reissue).
    pub activation_code_needed: bool,
    /// Two-channel: until when the activation code issued last can be
    /// confirmed by an accepted response; `None` once confirmed (or never
    /// issued). In the past: expired unconfirmed, a new code is needed.
    #[serde(with = "rfc3339_opt", skip_serializing_if = "Option::is_none")]
    pub activation_expires_at: Option<SystemTime>,
    /// Consecutive wrong responses.
    pub failures: u8,
    /// Wrong responses that lock or block it.
    pub limit: u8,
    /// Its ladder of temporary locks, in minutes (empty: the limit blocks).
    pub temporary_lock_minutes: Vec<u32>,
    /// Temporary locks taken since the last accepted response or unblock.
    pub lock_step: u8,
    /// While temporarily locked: until when.
    #[serde(skip_serializing_if = "Option::is_none", with = "rfc3339_opt")]
    pub locked_until: Option<SystemTime>,
    /// 1 at issue, +1 per reissue and per activation code (each seals a new K).
    pub key_version: u32,
    /// When it was first issued.
    #[serde(with = "rfc3339")]
    pub created: SystemTime,
    /// When it last changed.
    #[serde(with = "rfc3339")]
    pub updated: SystemTime,
}

/// A challenge to show the customer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IssuedChallenge {
    /// Pass back to `verify` with the customer's response.
    pub id: ChallengeId,
    /// The 6-digit document code the customer types into MobiPass.
    pub code: String,
    /// For a linked signature: the amount in minor units.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amount_minor: Option<u64>,
    /// For a linked signature: the 8 payee digits that enter the question.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payee: Option<String>,
    /// After this, `verify` answers `Expired`.
    #[serde(with = "rfc3339")]
    pub expires_at: SystemTime,
}

/// An activation code for a two-channel credential, to pass to the customer
/// through a second channel. Returned once: only the key derived from it is
/// stored. No `Debug` of the digits, no `Serialize`.
pub struct IssuedActivationCode {
    /// The code (8 digits; zeroized on drop).
    pub code: ActivationCode,
    /// After this, an unconfirmed activation is refused (`ActivationExpired`).
    pub expires_at: SystemTime,
}

impl IssuedActivationCode {
    /// The 8 digits, as the customer types them.
    pub fn digits(&self) -> Zeroizing<String> {
        self.code.digits()
    }

    /// The digits as shown: `1234 5678`.
    pub fn grouped(&self) -> Zeroizing<String> {
        self.code.grouped()
    }
}

impl std::fmt::Debug for IssuedActivationCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuedActivationCode")
            .field("code", &self.code)
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// One line of the append-only audit log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditEvent {
    /// Position in the log (increasing).
    pub seq: i64,
    /// When.
    #[serde(with = "rfc3339")]
    pub at: SystemTime,
    /// Who: an operator, an API key name, or `service`.
    pub actor: String,
    /// What: `issued`, `reissued`, `activation_code`, `activated`,
    /// `challenge`, `verify`, `blocked`, `unblocked`, `revoked`,
    /// `master_key_rotated`, `purge_challenges`, `signing_session`
    /// (`session ID: created`, `link opened`, `accepted`, `blocked`,
    /// `expired`; never a token).
    pub action: String,
    /// Which credential, if any.
    pub credential: Option<String>,
    /// For `verify`: `accepted` or `rejected` when the response was
    /// evaluated (the guesses the failure limit counts), else why it was
    /// refused unseen (`blocked`, `locked`, `revoked`, `expired`,
    /// `already_used`, `unknown_challenge`, `activation_expired`, or `repeated`: the same wrong
    /// response to the same challenge again, counted once). For `blocked`:
    /// the operator's reason, or `failure limit reached: N wrong responses
    /// in a row` right after the `rejected` that reached the limit. For
    /// `locked` (a temporary lock): `failure limit reached: ...; locked for
    /// M minutes (step k of n)`.
    /// For `issued` and `reissued`: the kind (`envelope_only`,
    /// `two_channel`), after the key version for `reissued`. For
    /// `activation_code`: when it expires (and `re-activation` when the
    /// credential was active), never its digits.
    pub detail: String,
}
