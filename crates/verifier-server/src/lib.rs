//! The `mobipass-verifier` binary's two faces over the `mobipass-verifier`
//! library: the operator CLI ([`cli`]) and the JSON HTTP service ([`http`]).
//!
//! They live apart from the library so that a bank embedding
//! [`mobipass_verifier::Verifier`] compiles no web server, no CLI parser and
//! no config-file format. Nothing here makes a decision about a credential:
//! both faces validate input, call the library and render what it answers.

pub mod cli;
pub mod console;
pub mod http;
pub mod logging;
pub mod master_key;
pub mod signing_page;
pub mod webhooks;
