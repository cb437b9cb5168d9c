//! The screens, one module each. Every screen owns its state, its
//! `Message`, and (where it leads elsewhere) an outward `Event` that the
//! root turns into a screen change; none of them knows the others.

pub mod activation_code;
pub mod change_pin;
pub mod choose_pin;
pub mod delete;
pub mod help;
pub mod key_parts;
pub mod menu;
pub mod problem;
pub mod review;
pub mod sign;
pub mod welcome;
