//! MobiPass, the desktop authenticator: app core and front ends.
//!
//! Layers, top to bottom (arrows only point down):
//! - [`gui`] and [`cli`]: the two front ends, holding no crypto and no file logic;
//! - [`token`]: the app core, one vault file and the operations on it;
//! - `mobipass_scheme`: the pure scheme shared with the bank's verifier.

pub mod cli;
pub mod gui;
pub mod token;
