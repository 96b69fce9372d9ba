//! [`ScopeSet`]: an ordered set of scopes that `const fn`s can build.
//!
//! The scope unions of the dependency graph are computed by the compiler with these
//! functions, so that a request never builds a set: it reads a `&'static` one. Written for
//! the const evaluator, as `table.rs` is.

/// `a == b` for two byte strings, written out where it is used: the compiler's const
/// evaluator is slow per function call, far less per loop step, and these comparisons are
/// most of what it does for a handler's table of scope unions.
macro_rules! bytes_eq {
    ($a:expr, $b:expr) => {{
        let (a, b): (&[u8], &[u8]) = ($a, $b);
        // From the end: the paths and scopes compared share prefixes (`crate::module::`,
        // `items:`) more often than endings, and the evaluator pays for every step.
        let mut k = a.len();
        let mut same = k == b.len();
        while same && k > 0 {
            k -= 1;
            same = a[k] == b[k];
        }
        same
    }};
}

/// How many distinct scopes one union can hold.
pub(crate) const MAX_SCOPES: usize = 32;

/// An ordered set of scopes, kept in first-insertion order, built at compile time.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ScopeSet {
    pub(super) items: [&'static str; MAX_SCOPES],
    pub(super) len: usize,
}

impl ScopeSet {
    /// The empty set.
    pub(crate) const EMPTY: Self = Self {
        items: [""; MAX_SCOPES],
        len: 0,
    };

    /// Appends `scope`, which the caller found is not a member.
    pub(crate) const fn insert_new(&mut self, scope: &'static str) {
        assert!(
            self.len < MAX_SCOPES,
            "scopes: more than MAX_SCOPES (32) distinct scopes in one union"
        );
        self.items[self.len] = scope;
        self.len += 1;
    }

    /// Where `scope` is in the set, if it is a member.
    pub(crate) const fn position(&self, scope: &str) -> Option<usize> {
        let scope = scope.as_bytes();
        let mut i = 0;
        while i < self.len {
            if bytes_eq!(self.items[i].as_bytes(), scope) {
                return Some(i);
            }
            i += 1;
        }
        None
    }

    /// The number of scopes.
    pub(crate) const fn len(&self) -> usize {
        self.len
    }
}

/// Whether two scope slices hold the same scopes, in any order (FastAPI compares sorted sets).
pub(crate) const fn same_scopes(a: &[&str], b: &[&str]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        let mut found = false;
        let mut j = 0;
        while j < b.len() {
            if str_eq(a[i], b[j]) {
                found = true;
            }
            j += 1;
        }
        if !found {
            return false;
        }
        i += 1;
    }
    true
}

/// Whether two scope slices are equal, element by element, in order. Usable in `const`
/// (see also [`assert_required_scopes!`](crate::assert_required_scopes)).
///
/// ```
/// use scopes_runtime::graph::scopes_eq;
/// const _: () = assert!(scopes_eq(&["items", "me"], &["items", "me"]));
/// const _: () = assert!(!scopes_eq(&["me", "items"], &["items", "me"]));
/// ```
pub const fn scopes_eq(a: &[&str], b: &[&str]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if !str_eq(a[i], b[i]) {
            return false;
        }
        i += 1;
    }
    true
}

/// `a == b` for `str`, usable in `const`.
pub(crate) const fn str_eq(a: &str, b: &str) -> bool {
    bytes_eq!(a.as_bytes(), b.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn members_keep_their_first_position() {
        let mut set = ScopeSet::EMPTY;
        set.insert_new("items");
        set.insert_new("me");
        assert_eq!(
            (set.position("items"), set.position("me")),
            (Some(0), Some(1))
        );
        assert_eq!((set.position("item"), set.len()), (None, 2));
    }

    #[test]
    fn set_comparisons() {
        assert!(same_scopes(&["a", "b"], &["b", "a"]));
        assert!(!same_scopes(&["a", "b"], &["a", "c"]));
        assert!(!same_scopes(&["a"], &["a", "b"]));
        assert!(scopes_eq(&["a", "b"], &["a", "b"]));
        assert!(!scopes_eq(&["a", "b"], &["b", "a"]));
    }
}
