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

/// How many bytes the space-joined form of one union can take.
pub(crate) const MAX_SCOPE_STR: usize = 1024;

/// An ordered set of scopes, kept in first-insertion order, built at compile time.
#[derive(Debug, Clone, Copy)]
pub struct ScopeSet {
    pub(super) items: [&'static str; MAX_SCOPES],
    pub(super) len: usize,
}

impl ScopeSet {
    /// The empty set.
    pub const EMPTY: Self = Self {
        items: [""; MAX_SCOPES],
        len: 0,
    };

    /// The set of `scopes`, in order, repeats dropped.
    ///
    /// Evaluation fails (at compile time, in a `const`) past [`MAX_SCOPES`] scopes.
    pub const fn from_slice(scopes: &[&'static str]) -> Self {
        let mut set = Self::EMPTY;
        let mut i = 0;
        while i < scopes.len() {
            set.insert(scopes[i]);
            i += 1;
        }
        set
    }

    /// This set followed by the members of `other` it does not already hold.
    pub const fn union(&self, other: &Self) -> Self {
        let mut set = *self;
        let mut i = 0;
        while i < other.len {
            set.insert(other.items[i]);
            i += 1;
        }
        set
    }

    /// Appends `scope` unless it is already a member. (In place: the compiler's const
    /// evaluator copies a whole set on every by-value call.)
    pub(crate) const fn insert(&mut self, scope: &'static str) {
        if !self.contains(scope) {
            self.insert_new(scope);
        }
    }

    /// Appends `scope`, which the caller found is not a member.
    pub(crate) const fn insert_new(&mut self, scope: &'static str) {
        assert!(
            self.len < MAX_SCOPES,
            "scopes: more than MAX_SCOPES (32) distinct scopes in one union"
        );
        self.items[self.len] = scope;
        self.len += 1;
    }

    /// Whether `scope` is a member.
    pub const fn contains(&self, scope: &str) -> bool {
        self.position(scope).is_some()
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
    pub const fn len(&self) -> usize {
        self.len
    }

    /// Whether the set is empty.
    pub const fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The scopes, in order. A `&'static ScopeSet` (a `const` reference) gives a `'static` slice.
    pub const fn as_slice(&self) -> &[&'static str] {
        self.items.split_at(self.len).0
    }

    /// The scopes joined by single spaces, as RFC 6749 writes a `scope` value.
    pub const fn join(&self) -> ScopeStr {
        let mut out = ScopeStr {
            buf: [0; MAX_SCOPE_STR],
            len: 0,
        };
        let mut i = 0;
        while i < self.len {
            if i > 0 {
                out.push(b' ');
            }
            out.push_str(self.items[i]);
            i += 1;
        }
        out
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

/// The space-joined form of a [`ScopeSet`], in a fixed buffer built at compile time.
#[doc(hidden)]
#[derive(Debug, Clone, Copy)]
pub struct ScopeStr {
    buf: [u8; MAX_SCOPE_STR],
    len: usize,
}

impl ScopeStr {
    /// Appends the bytes of `s`, in a loop: for a scope's few bytes the const evaluator is
    /// faster at that than at the calls a copy between slices takes.
    pub(crate) const fn push_str(&mut self, s: &str) {
        let bytes = s.as_bytes();
        let n = bytes.len();
        assert!(
            n <= MAX_SCOPE_STR - self.len,
            "scopes: a scope union is longer than MAX_SCOPE_STR (1024) bytes"
        );
        let mut i = 0;
        while i < n {
            self.buf[self.len + i] = bytes[i];
            i += 1;
        }
        self.len += n;
    }

    pub(crate) const fn push(&mut self, byte: u8) {
        assert!(
            self.len < MAX_SCOPE_STR,
            "scopes: a scope union is longer than MAX_SCOPE_STR (1024) bytes"
        );
        self.buf[self.len] = byte;
        self.len += 1;
    }

    /// The joined scopes. A `&'static ScopeStr` (a `const` reference) gives a `&'static str`.
    pub const fn as_str(&self) -> &str {
        match core::str::from_utf8(self.buf.split_at(self.len).0) {
            Ok(s) => s,
            // Only whole `str`s and ASCII spaces are ever pushed.
            Err(_) => "",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn union_keeps_first_occurrence_order() {
        const A: ScopeSet = ScopeSet::from_slice(&["items", "me", "items"]);
        const B: ScopeSet = A.union(&ScopeSet::from_slice(&["admin", "me"]));
        assert_eq!(B.as_slice(), ["items", "me", "admin"]);
        assert_eq!(B.join().as_str(), "items me admin");
        assert_eq!(ScopeSet::EMPTY.join().as_str(), "");
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
