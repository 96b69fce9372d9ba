//! Comparing a token's granted scopes with the [`SecurityScopes`] a route requires.

use crate::error::AuthError;
use crate::security::SecurityScopes;

/// `Ok` when `granted` holds every scope of `required`; otherwise "Not enough permissions"
/// ([`AuthError::insufficient_scope`], tutorial style) naming `required` in
/// `WWW-Authenticate` and listing the missing scopes in
/// [`AuthError::missing_scopes`].
///
/// Scopes compare exactly (case-sensitive), as RFC 6749 section 3.3 says.
///
/// ```
/// use scopes_runtime::{dependency, require_scopes, AuthError, SecurityScopes};
///
/// #[dependency]
/// async fn check(required: SecurityScopes) -> Result<(), AuthError> {
///     let granted = ["me".to_owned()];
///     require_scopes(required, &granted)
/// }
/// ```
pub fn require_scopes<S: AsRef<str>>(
    required: SecurityScopes,
    granted: &[S],
) -> Result<(), AuthError> {
    let missing: Vec<&'static str> = required.missing(granted).collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(AuthError::insufficient_scope(missing).with_scopes(required))
    }
}
