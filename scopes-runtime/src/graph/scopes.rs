//! [`SecurityScopes`]: one row of a handler's table, as a dependency receives it.

use core::fmt;

/// The scopes required along the path from the handler to the dependency that receives
/// this, handler first, without repeats (FastAPI's `SecurityScopes`).
///
/// Both views are `&'static` data computed by the compiler; taking one costs a copy of two
/// references.
///
/// ```
/// use scopes_runtime::{dependency, SecurityScopes};
///
/// #[dependency]
/// async fn check(scopes: SecurityScopes) -> &'static str {
///     // Under `#[secured(scopes = ["items"])]` and a `#[dependency(scopes = ["me"])]`
///     // parent, this is `["items", "me"]` and `"items me"`.
///     scopes.scope_str()
/// }
/// ```
#[derive(Clone, Copy)]
pub struct SecurityScopes {
    scopes: &'static [&'static str],
    scope_str: &'static str,
    /// Which of the handler's required scopes these are, one bit each (bit `i`: the `i`-th
    /// of `Handler::REQUIRED_SCOPES`): what a successful check of them records.
    mask: u32,
}

impl SecurityScopes {
    /// No scope.
    pub(crate) const NONE: Self = Self::new(&[], "");

    pub(crate) const fn new(scopes: &'static [&'static str], scope_str: &'static str) -> Self {
        Self {
            scopes,
            scope_str,
            mask: 0,
        }
    }

    /// The same scopes, as the bits `mask` of their handler's required scopes.
    pub(crate) const fn with_mask(self, mask: u32) -> Self {
        Self { mask, ..self }
    }

    /// Which of the handler's required scopes these are (what a successful check records).
    #[cfg_attr(not(feature = "oauth2"), allow(dead_code))]
    pub(crate) const fn mask(&self) -> u32 {
        self.mask
    }

    /// The scopes, in order (FastAPI's `security_scopes.scopes`).
    pub const fn scopes(&self) -> &'static [&'static str] {
        self.scopes
    }

    /// The scopes joined by spaces (FastAPI's `security_scopes.scope_str`), as RFC 6750's
    /// `scope` attribute writes them.
    pub const fn scope_str(&self) -> &'static str {
        self.scope_str
    }

    /// Whether no scope is required.
    pub const fn is_empty(&self) -> bool {
        self.scopes.is_empty()
    }

    /// The required scopes that `granted` lacks, in order.
    pub fn missing<'g, S: AsRef<str>>(
        &self,
        granted: &'g [S],
    ) -> impl Iterator<Item = &'static str> + use<'g, S> {
        self.scopes
            .iter()
            .copied()
            .filter(move |s| !granted.iter().any(|g| g.as_ref() == *s))
    }

    /// Whether `granted` holds every required scope.
    pub fn is_satisfied_by<S: AsRef<str>>(&self, granted: &[S]) -> bool {
        self.missing(granted).next().is_none()
    }
}

/// Equal when they hold the same scopes in the same order.
impl PartialEq for SecurityScopes {
    fn eq(&self, other: &Self) -> bool {
        self.scopes == other.scopes
    }
}

impl Eq for SecurityScopes {}

impl fmt::Debug for SecurityScopes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("SecurityScopes").field(&self.scopes).finish()
    }
}
