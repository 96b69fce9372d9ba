//! Declared scopes: an app's scopes, named once with their descriptions ([`scopes!`]), and
//! the compile-time check that every scope a node of the graph names is one of them.
//!
//! The declaration is a node of the graph (a dependency that does nothing), placed in the
//! tree where the scopes are checked, usually as a decorator of the token-checking
//! dependency: `#[dependency(dependencies = [Scopes])] async fn get_current_user(..)`. Every
//! node above it, in any module or crate, then has it in its subtree, and each scope literal
//! of theirs is checked against it by a `const` spanned on the literal: a typo is
//! "scope `notes:raed` is not declared: did you mean `notes:read`?". A tree without a
//! declaration is not checked (FastAPI's string literals, as they are).
//!
//! Written for the const evaluator, as `table.rs` is.
//!
//! [`scopes!`]: crate::scopes!

use super::NodeInfo;
use super::scope_set::str_eq;

/// The longest message [`Declared`] writes; longer ones are cut.
const MESSAGE_LEN: usize = 512;

/// The outcome of checking one scope literal against the declaration in its node's subtree:
/// the compile error's message, if the scope is not declared.
///
/// Semver-exempt: named by the code the macros generate.
#[doc(hidden)]
pub struct Declared {
    buf: [u8; MESSAGE_LEN],
    len: usize,
}

impl Declared {
    /// Checks `scope`, named by `node`, against the first declaration in `node`'s subtree.
    pub const fn check(node: &NodeInfo, scope: &str) -> Self {
        let mut out = Self {
            buf: [0; MESSAGE_LEN],
            len: 0,
        };
        if node.tree_is_broken() {
            return out;
        }
        let Some(declaration) = find(node) else {
            return out;
        };
        let scopes = declaration.declares;
        let mut i = 0;
        while i < scopes.len() {
            if str_eq(scopes[i].0, scope) {
                return out;
            }
            i += 1;
        }
        out.push("scope `");
        out.push(scope);
        out.push("` is not declared");
        // The closest declared scope, if it is close enough to be a typo.
        let mut best = usize::MAX;
        let mut best_at = 0;
        let mut i = 0;
        while i < scopes.len() {
            let d = distance(scopes[i].0.as_bytes(), scope.as_bytes());
            if d < best {
                best = d;
                best_at = i;
            }
            i += 1;
        }
        if best <= 2 || best * 3 <= scope.len() {
            out.push(": did you mean `");
            out.push(scopes[best_at].0);
            out.push("`?");
        }
        out.push(" (`");
        out.push(declaration.name);
        out.push("` declares ");
        let mut i = 0;
        while i < scopes.len() {
            if i > 0 {
                out.push(", ");
            }
            out.push("`");
            out.push(scopes[i].0);
            out.push("`");
            i += 1;
        }
        if scopes.is_empty() {
            out.push("none");
        }
        out.push(")");
        out
    }

    /// The message, if the scope is not declared.
    pub const fn message(&'static self) -> Option<&'static str> {
        if self.len == 0 {
            return None;
        }
        match core::str::from_utf8(self.buf.split_at(self.len).0) {
            Ok(message) => Some(message),
            Err(_) => Some("scope not declared"),
        }
    }

    /// Appends `s`, as much of it as fits (on a character boundary).
    const fn push(&mut self, s: &str) {
        let bytes = s.as_bytes();
        let mut i = 0;
        while i < bytes.len() && self.len < MESSAGE_LEN {
            // Stop before a character that would not fit whole.
            let width = match bytes[i] {
                b if b < 0x80 => 1,
                b if b >= 0xF0 => 4,
                b if b >= 0xE0 => 3,
                _ => 2,
            };
            if self.len + width > MESSAGE_LEN {
                return;
            }
            let mut k = 0;
            while k < width && i < bytes.len() {
                self.buf[self.len] = bytes[i];
                self.len += 1;
                i += 1;
                k += 1;
            }
        }
    }
}

/// The first node of `node`'s subtree (itself included, in preorder) that declares scopes.
const fn find(node: &NodeInfo) -> Option<&NodeInfo> {
    if !node.declares.is_empty() {
        return Some(node);
    }
    let mut c = 0;
    while c < node.children.len() {
        if let Some(found) = find(node.children[c]) {
            return Some(found);
        }
        c += 1;
    }
    None
}

/// The edit distance between two scopes (insertions, deletions, substitutions; scopes are
/// short: the first 64 bytes of each are compared).
const fn distance(a: &[u8], b: &[u8]) -> usize {
    const MAX: usize = 64;
    let n = if a.len() < MAX { a.len() } else { MAX };
    let m = if b.len() < MAX { b.len() } else { MAX };
    let mut prev = [0usize; MAX + 1];
    let mut cur = [0usize; MAX + 1];
    let mut j = 0;
    while j <= m {
        prev[j] = j;
        j += 1;
    }
    let mut i = 1;
    while i <= n {
        cur[0] = i;
        let mut j = 1;
        while j <= m {
            let cost = if a[i - 1] == b[j - 1] { 0 } else { 1 };
            let mut best = prev[j - 1] + cost;
            if prev[j] + 1 < best {
                best = prev[j] + 1;
            }
            if cur[j - 1] + 1 < best {
                best = cur[j - 1] + 1;
            }
            cur[j] = best;
            j += 1;
        }
        prev = cur;
        i += 1;
    }
    prev[m]
}

/// `Ok` when every scope of a declaration is a valid scope token, and none is declared twice;
/// otherwise what is wrong, for the compile error.
#[doc(hidden)]
pub const fn declaration_error(scopes: &[(&str, &str)]) -> Option<&'static str> {
    let mut i = 0;
    while i < scopes.len() {
        if super::check_scope_token(scopes[i].0).is_err() {
            return Some("scopes!: a declared scope is not a valid RFC 6749 scope token");
        }
        let mut j = 0;
        while j < i {
            if str_eq(scopes[i].0, scopes[j].0) {
                return Some("scopes!: a scope is declared twice");
            }
            j += 1;
        }
        i += 1;
    }
    None
}

/// Declares an app's scopes once, with their descriptions: the catalogue of its
/// `OAuth2PasswordBearer` (and so of its OpenAPI document),
/// and the list every scope literal of the graph is checked against at compile time.
///
/// It defines a type, a dependency that does nothing, to place in the tree where scopes are
/// checked (usually as a decorator of the token-checking dependency). Every `#[secured]` or
/// `#[dependency]` with the declaration in its subtree, in any module or crate, has each of
/// its scope literals (in `any(..)` / `all(..)` too) checked against it: an undeclared one is
/// a compile error on that literal, naming the closest declared scope and listing them all.
///
/// # Examples
/// ```
/// use scopes_runtime::{dependency, scopes, secured, Security, SecurityScopes};
///
/// scopes! {
///     /// The notes API's scopes.
///     pub NotesScopes {
///         "notes:read" => "Read notes.",
///         "notes:write" => "Write notes.",
///     }
/// }
///
/// // With the `oauth2` feature this is typically `token: Security<Authorized>`.
/// #[dependency(dependencies = [NotesScopes])]
/// async fn current_user(scopes: SecurityScopes) -> Result<String, actix_web::Error> {
///     scopes.check(&["notes:read"]).map_err(|_| actix_web::error::ErrorForbidden("scope"))?;
///     Ok("alice".to_owned())
/// }
///
/// #[secured(scopes = ["notes:read"])]
/// async fn read_notes(user: Security<current_user>) -> String {
///     user.into_inner()
/// }
///
/// # fn main() {
/// assert_eq!(NotesScopes::ALL[0], ("notes:read", "Read notes."));
/// # }
/// ```
///
/// A typo does not compile: "scope `notes:raed` is not declared: did you mean
/// `notes:read`? (`NotesScopes` declares `notes:read`, `notes:write`)", on the literal.
///
/// ```compile_fail
/// # use scopes_runtime::{dependency, scopes, secured, Security, SecurityScopes};
/// # scopes! { pub NotesScopes { "notes:read" => "Read notes." } }
/// # #[dependency(dependencies = [NotesScopes])]
/// # async fn current_user(scopes: SecurityScopes) -> String { scopes.scope_str().to_owned() }
/// #[secured(scopes = ["notes:raed"])]
/// async fn read_notes(user: Security<current_user>) -> String {
///     user.into_inner()
/// }
/// # fn main() {}
/// ```
///
/// # Grammar
/// ```text
/// scopes! { (#[attr])* vis Name { ("scope" => "description"),* } }
/// ```
///
/// # Semantics
/// - `Name::ALL` is the `&'static [(&str, &str)]` of the scopes and their descriptions, in
///   order: give it to `OAuth2PasswordBearer::new`.
/// - Each scope must be a valid RFC 6749 scope token, declared once.
/// - The check applies to the nodes that have the declaration in their subtree; a tree
///   without one is not checked (FastAPI's plain string literals).
/// - [`Services::unused_scopes`](crate::services::Services::unused_scopes) lists the declared
///   scopes no listed route requires: advertised for nothing.
#[macro_export]
macro_rules! scopes {
    ($(#[$meta:meta])* $vis:vis $name:ident { $($scope:literal => $description:literal),* $(,)? }) => {
        $(#[$meta])*
        $vis enum $name {}

        impl $name {
            /// The declared scopes and their descriptions, in order.
            $vis const ALL: &'static [(&'static str, &'static str)] = &[$(($scope, $description)),*];
        }

        const _: () = if let ::core::option::Option::Some(error) =
            $crate::__private::declaration_error($name::ALL)
        {
            ::core::panic!("{}", error)
        };

        impl $crate::__private::Node for $name {
            const INFO: &'static $crate::__private::NodeInfo = &$crate::__private::NodeInfo::leaf(
                ::core::stringify!($name),
                ::core::concat!(::core::module_path!(), "::", ::core::stringify!($name)),
            )
            .declaring($name::ALL);
        }

        impl $crate::__private::Dependency for $name {
            type Output = ();

            fn resolve(
                _: $crate::__private::GraphPath,
                _: &mut $crate::__private::Resolution,
            ) -> impl ::core::future::Future<
                Output = ::core::result::Result<
                    $crate::__private::Security<Self>,
                    $crate::__private::actix_web::Error,
                >,
            > {
                ::core::future::ready(::core::result::Result::Ok($crate::__private::unit()))
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::distance;

    #[test]
    fn typos_are_close() {
        assert_eq!(distance(b"notes:read", b"notes:raed"), 2);
        assert_eq!(distance(b"items", b"item"), 1);
        assert_eq!(distance(b"admin", b"admin"), 0);
        assert_eq!(distance(b"", b"abc"), 3);
    }
}
