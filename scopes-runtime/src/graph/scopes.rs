//! [`SecurityScopes`]: one row of a handler's table, as a dependency receives it.

use core::fmt;

use super::part::{Part, Text};
use super::requirement::{Alternative, Requirement};

/// The scopes required along the path from the handler to the dependency that receives
/// this, handler first, without repeats (FastAPI's `SecurityScopes`), and the
/// [`Requirement`] they form: one alternative for plain scope lists, more where
/// `any(..)` was written.
///
/// Every view is `&'static` data computed by the compiler; taking one costs a copy of a few
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
    scopes: Part<&'static str>,
    scope_str: Text,
    /// Which of the handler's tree's scopes `scopes` are, one bit each (bit `i`: the `i`-th
    /// of the requirement's `names`).
    mask: u32,
    requirement: Requirement,
}

impl SecurityScopes {
    /// No scope.
    pub(crate) const NONE: Self = Self::new(Part::whole(&[]), Text::whole(""));

    pub(crate) const fn new(scopes: Part<&'static str>, scope_str: Text) -> Self {
        Self {
            scopes,
            scope_str,
            mask: 0,
            requirement: Requirement::NONE,
        }
    }

    /// The same scopes, as the bits `mask` of their handler's scopes, forming `requirement`.
    pub(crate) const fn with_requirement(self, mask: u32, requirement: Requirement) -> Self {
        Self {
            mask,
            requirement,
            ..self
        }
    }

    /// Every scope named along the path, in order (FastAPI's `security_scopes.scopes`): with
    /// one alternative, exactly what is required; with several, all they mention.
    pub const fn scopes(&self) -> &'static [&'static str] {
        self.scopes.get()
    }

    /// [`Self::scopes`] joined by spaces (FastAPI's `security_scopes.scope_str`), as RFC
    /// 6750's `scope` attribute writes them.
    pub const fn scope_str(&self) -> &'static str {
        self.scope_str.get()
    }

    /// The requirement: its alternatives, any one of which admits a request.
    pub const fn requirement(&self) -> Requirement {
        self.requirement
    }

    /// Whether no scope is required.
    pub const fn is_empty(&self) -> bool {
        self.scopes.len() == 0
    }

    /// The bits of the handler's scopes that `granted` holds among these.
    pub(crate) fn granted_bits<S: AsRef<str>>(&self, granted: &[S]) -> u32 {
        self.requirement.granted(self.mask, granted)
    }

    /// The alternative that `granted` comes closest to (the one needing the fewest scopes
    /// it lacks, the first of those), and the scopes of it that `granted` lacks.
    pub fn closest<S: AsRef<str>>(&self, granted: &[S]) -> (Alternative, Alternative) {
        self.requirement.closest(self.granted_bits(granted))
    }

    /// The scopes that `granted` lacks for the [closest](Self::closest) alternative, in
    /// order: none when it satisfies the requirement.
    pub fn missing<S: AsRef<str>>(
        &self,
        granted: &[S],
    ) -> impl Iterator<Item = &'static str> + use<S> {
        let (_, missing) = self.closest(granted);
        missing.iter()
    }

    /// Whether `granted` satisfies some alternative.
    pub fn is_satisfied_by<S: AsRef<str>>(&self, granted: &[S]) -> bool {
        self.requirement.admits(self.granted_bits(granted))
    }
}

/// Equal when they hold the same scopes in the same order and the same requirement.
impl PartialEq for SecurityScopes {
    fn eq(&self, other: &Self) -> bool {
        self.scopes() == other.scopes() && self.requirement.same_as(&other.requirement)
    }
}

impl Eq for SecurityScopes {}

impl fmt::Debug for SecurityScopes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.requirement.alternatives().len() > 1 {
            f.debug_tuple("SecurityScopes")
                .field(&self.requirement)
                .finish()
        } else {
            f.debug_tuple("SecurityScopes")
                .field(&self.scopes())
                .finish()
        }
    }
}
