//! The MobiPass scheme, version 1: everything the app and the verifier must
//! agree on bit for bit, and nothing else.
//!
//! This crate is pure: no files, no clock, no network. The only randomness it
//! touches is where a caller asks for something new ([`ActivationKey::generate`],
//! [`Salt::generate`], [`DocumentCode::generate`]), so that every other result is
//! a function of its inputs and can be checked against published vectors.
//!
//! The pieces, bottom up:
//! - [`ocra`]: a complete RFC 6287 implementation (all suites, not only ours);
//! - [`activation`]: the four-part envelope key with Damm check digits;
//! - [`derive`]: the OCRA key `K` derived from the activation key;
//! - [`question`]: document codes and the plain and linked OCRA questions;
//! - [`pin`] and [`camouflage`]: the PIN rules and the mask that hides the key
//!   under a PIN without ever being able to tell a right PIN from a wrong one.

pub mod activation;
pub mod camouflage;
mod damm;
pub mod derive;
pub mod ocra;
pub mod pin;
pub mod question;
pub mod response;

pub use activation::{ActivationKey, KeyError};
pub use camouflage::{CamouflageError, KdfParams, Mask, Salt, mask, unmask};
pub use derive::OcraKey;
pub use pin::{Pin, PinError};
pub use question::{Amount, Challenge, DocumentCode, Payee, QuestionError};
pub use response::Response;

/// The scheme version these rules implement; stored with vaults and seeds.
pub const SCHEME_VERSION: u32 = 1;
