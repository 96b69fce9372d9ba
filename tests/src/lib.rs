//! Cross-crate and UI tests of the scopes workspace live in `tests/`.
//!
//! This library is the "other crate" of the cross-crate cases: a declaration of scopes and
//! the dependency that carries it, used by `ui/` cases and integration tests as an app crate
//! would use a shared auth crate.

use scopes_runtime::{Authorized, Security, dependency, scopes};

scopes! {
    /// The scopes of a shared auth crate.
    pub SharedScopes {
        "reports:read" => "Read reports.",
        "reports:export" => "Export reports.",
    }
}

/// The shared crate's user: a verified token with every scope of its path checked, under
/// the shared declaration.
#[dependency(dependencies = [SharedScopes])]
pub async fn shared_user(token: Security<Authorized>) -> String {
    token.sub().to_owned()
}
