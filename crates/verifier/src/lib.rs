//! The bank side of MobiPass: credentials, challenges and verification with
//! blocking after too many wrong responses.
//!
//! A bank embeds [`Verifier`] in its backend, or runs the `mobipass-verifier`
//! binary (operator CLI and HTTP service, crate `mobipass-verifier-server`).
//! This crate compiles no web server, CLI parser or config-file format, so
//! embedding it costs a backend none of them. The scheme itself (OCRA, activation
//! keys) lives in `mobipass-scheme`; this crate adds what only the bank can do:
//! keep the seeds sealed under a master key, count failures where an attacker
//! cannot reset them, and serialise verifications per credential so that no
//! amount of concurrency ever evaluates more guesses than the limit.
//!
//! Credentials are two-channel by default ([`Verifier::issue`], DESIGN.md
//! 2b): the verifier seals the envelope's secret S, and nothing signs until
//! [`Verifier::activation_code`] derives K from S and a code the customer
//! gets through a second channel; [`Verifier::issue_envelope_only`] makes the
//! older kind the envelope alone activates.
//!
//! Signing sessions ([`Verifier::create_signing_session`], [`signing`])
//! are challenges a hosted payer page shows: the page's verdicts go through
//! the same [`Verifier::verify`] path, recorded for the session in the same
//! transaction.
//!
//! Layers, top down: [`Verifier`] (validation, randomness, clock) ->
//! `store` (one transaction per call; SQLite with a group-committing writer
//! thread, or PostgreSQL with row locks) -> `rules` (the decisions, shared by
//! both stores) and `seal` (AES-256-GCM at rest) -> [`SealingKey`] (the
//! master key: a [`MasterKey`] in memory, or with the `pkcs11` feature a key
//! inside an HSM that never leaves it, `pkcs11::HsmKey`).

pub mod clock;
pub mod config;
pub mod error;
pub mod ids;
pub mod master_key;
pub mod model;
pub mod operators;
pub mod outbox;
pub mod paths;
#[cfg(feature = "pkcs11")]
pub mod pkcs11;
mod rules;
mod seal;
pub mod sealing_key;
pub mod signing;
mod store;
mod verifier;

pub use clock::{Clock, ManualClock, SystemClock};
pub use config::{Config, Policy};
pub use error::{HsmProblem, VerifierError};
pub use ids::{Actor, ChallengeId, CredentialId};
pub use master_key::MasterKey;
pub use model::{
    AuditEvent, CredentialStatus, IssuedActivationCode, IssuedChallenge, Outcome, State, Verified,
};
pub use operators::{
    AuditFilter, ConsoleSession, Operator, OperatorName, Password, Role, SessionPolicy,
    SessionToken, SignIn,
};
pub use outbox::{Delivery, DeliveryInfo, EventType, OutboxCounts};
pub use sealing_key::SealingKey;
pub use signing::{
    IssuedSigningSession, SessionState, SigningOutcome, SigningRequest, SigningSecret,
    SigningSession, SigningSessionId,
};
pub use verifier::{MAX_CLOCK_SKEW, MAX_REASON_LEN, MIN_CHALLENGE_RETENTION, Verifier};

pub use mobipass_scheme::{ActivationCode, ActivationKey, Amount, Envelope, EnvelopeKind, Payee};
