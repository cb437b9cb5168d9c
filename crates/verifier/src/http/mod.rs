//! HTTP service (issue 6).

/// Options of `mobipass-verifier serve`.
#[derive(Debug, Clone, clap::Args)]
pub struct ServeArgs {}

/// Runs the HTTP service.
pub async fn serve(_args: ServeArgs) -> Result<(), crate::VerifierError> {
    Err(crate::VerifierError::InvalidInput(
        "the HTTP service is not built yet".into(),
    ))
}
