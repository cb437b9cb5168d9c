//! What a finished save could not promise.
//!
//! Once the new vault has been renamed into place the change has happened:
//! the next `sign` uses it whatever happens afterwards. Reporting a later
//! problem as a failure would tell a person their PIN is unchanged when it is
//! changed, so the steps after the rename (flushing the directory, erasing the
//! previous version) report warnings instead, for the front ends to show.

use std::path::PathBuf;

/// A save that happened, with what could not be done after it. Front ends
/// should show [`Saved::warnings`] next to their success message.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Saved {
    warnings: Vec<SaveWarning>,
    bound: bool,
}

impl Saved {
    /// Problems after the change was made; empty when all went well.
    pub fn warnings(&self) -> &[SaveWarning] {
        &self.warnings
    }

    /// True when the change was flushed to disk and will survive a power cut.
    pub fn is_durable(&self) -> bool {
        !self
            .warnings
            .iter()
            .any(|warning| matches!(warning, SaveWarning::NotDurable { .. }))
    }

    /// True when the vault as saved is bound to this computer's keystore.
    pub fn is_bound(&self) -> bool {
        self.bound
    }

    pub(crate) fn set_bound(&mut self, bound: bool) {
        self.bound = bound;
    }

    pub(crate) fn warn(&mut self, warning: SaveWarning) {
        self.warnings.push(warning);
    }
}

/// Something that went wrong after the vault was replaced. The change stands.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SaveWarning {
    /// The directory could not be flushed, so a power cut in the next moments
    /// may bring the previous version back. The previous version's bytes are
    /// then left as they are, so that such a power cut cannot lose both.
    #[error(
        "the change is made, but it may not survive a power cut: could not flush {}: {kind}",
        path.display()
    )]
    NotDurable {
        /// The directory that could not be flushed.
        path: PathBuf,
        /// What the operating system reported.
        kind: std::io::ErrorKind,
    },
    /// The previous version of the vault could not be overwritten, so its
    /// bytes (the key masked under the previous PIN) may remain in the disk's
    /// free space.
    #[error(
        "the previous version of {} could not be overwritten ({kind}); its bytes may remain on the disk",
        path.display()
    )]
    OldCopyNotErased {
        /// The vault file.
        path: PathBuf,
        /// What the operating system reported.
        kind: std::io::ErrorKind,
    },
}
