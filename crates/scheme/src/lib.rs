//! The MobiPass scheme, version 1: everything the app and the verifier must
//! agree on bit for bit, and nothing else.
//!
//! This crate is pure: no files, no clock, no network. The only randomness it
//! touches is where a caller asks for something new ([`ActivationKey::generate`],
//! [`Envelope::generate`], [`ActivationCode::generate`], [`Salt::generate`],
//! [`DocumentCode::generate`]), so that every other result is a function of
//! its inputs and can be checked against published vectors.
//!
//! The pieces, bottom up (each module imports only the ones above it):
//! - [`ocra`]: a complete RFC 6287 implementation (all suites, not only ours);
//! - `secret`: the 36-digit secret value ([`ActivationKey`]) and its arithmetic;
//! - [`derive`](mod@derive): the OCRA key `K` derived from a secret;
//! - [`activation`]: the four-part envelope key with Damm check digits, and
//!   the two kinds of envelope ([`EnvelopeKind`]) the check digits tell apart;
//! - [`code`]: the activation code of a two-channel credential;
//! - [`activated`]: the activated secret `S2` (section 2b);
//! - [`envelope`]: reading an envelope of either kind;
//! - [`question`]: document codes and the plain and linked OCRA questions;
//! - [`pin`] and [`camouflage`]: the PIN rules and the mask that hides the key
//!   under a PIN without ever being able to tell a right PIN from a wrong one.

pub mod activated;
pub mod activation;
pub mod camouflage;
pub mod code;
mod damm;
pub mod derive;
pub mod envelope;
pub mod ocra;
pub mod pin;
pub mod question;
pub mod response;
mod secret;

pub use activated::{ActivationError, activated_secret, two_channel_secret};
pub use activation::{ActivationKey, EnvelopeKind, KeyError};
pub use camouflage::{CamouflageError, KdfParams, Mask, Salt, mask, unmask};
pub use code::{ActivationCode, CodeError};
pub use derive::OcraKey;
pub use envelope::{Envelope, EnvelopeError};
pub use pin::{Pin, PinError};
pub use question::{Amount, Challenge, DocumentCode, Payee, QuestionError};
pub use response::Response;
pub use secret::SECRET_DIGITS;

/// The scheme version these rules implement; stored with vaults and seeds.
pub const SCHEME_VERSION: u32 = 1;
