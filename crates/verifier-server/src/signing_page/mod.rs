//! The hosted signing page (`/sign/...`) for signing sessions; its
//! settings and the signed return live in [`settings`].

mod settings;

pub use settings::{MIN_RETURN_SECRET_LEN, SigningConfigError, SigningSettings, return_signature};

/// The page's router (the page itself follows in the next commit).
pub fn router(_verifier: mobipass_verifier::Verifier, _settings: SigningSettings) -> axum::Router {
    axum::Router::new()
}
