//! The static dependency graph: what the compiler knows about handlers and dependencies.
//!
//! `#[secured]` and `#[dependency]` each emit a hidden marker type implementing [`Node`],
//! whose `const` [`NodeInfo`] names the node's own scopes and its children. From a
//! handler's `NodeInfo` the compiler evaluates, in a `const`, the scope union of every path
//! of the handler's tree (in preorder: the handler, then each child's subtree in order). A
//! request walks that table with offsets the compiler computed, and hands each dependency
//! its [`SecurityScopes`]: two `&'static` references, no allocation.
//!
//! The dependencies themselves are not generic over the path: each `#[dependency]`'s
//! resolver is compiled once, however many handlers use it, which keeps the generated code
//! (and the build time) proportional to what the user wrote.
//!
//! ```
//! use scopes_runtime::graph::{Handler, NodeInfo};
//! use scopes_runtime::{dependency, handler_info, secured, Security, SecurityScopes};
//!
//! #[dependency(scopes = ["me"])]
//! async fn current_user(scopes: SecurityScopes) -> Result<String, actix_web::Error> {
//!     // The app's own authentication grants `me` and `items`.
//!     scopes.check(&["me", "items"]).map_err(|_| actix_web::error::ErrorForbidden("scope"))?;
//!     Ok("johndoe".to_owned())
//! }
//!
//! #[secured(scopes = ["items"])]
//! async fn read_own_items(user: Security<current_user>) -> String {
//!     user.into_inner()
//! }
//!
//! const INFO: &NodeInfo = handler_info!(read_own_items);
//!
//! # fn main() {
//! assert_eq!(INFO.own_scopes, ["items"]);
//! assert_eq!(INFO.children[0].name, "current_user");
//! assert_eq!(<read_own_items as Handler>::REQUIRED_SCOPES, ["items", "me"]);
//! # }
//! ```

mod declared;
mod part;
mod requirement;
mod scope_set;
pub(crate) mod scope_token;
mod scopes;
mod table;

#[doc(hidden)]
pub use declared::{Declared, declaration_error};
pub use requirement::{Alternative, MAX_ALTERNATIVES, Requirement};
pub(crate) use scope_set::same_scopes;
pub use scope_set::scopes_eq;
#[cfg(feature = "oauth2")]
pub(crate) use scope_set::str_eq;
pub use scope_token::{ScopeTokenError, check_scope_token};
pub use scopes::SecurityScopes;
#[doc(hidden)]
pub use table::{GraphPath, Layout, MAX_TREE_NODES, ScopeTable, Sizes, child_offset, tree_len};

/// What the compiler knows about one node of the graph, as a `const`.
///
/// Built by the macros (it cannot be built elsewhere: fields may be added); read it through
/// [`handler_info!`](crate::handler_info) or [`Node::INFO`].
#[derive(Debug)]
#[non_exhaustive]
pub struct NodeInfo {
    /// The function's name, e.g. `get_current_user`.
    pub name: &'static str,
    /// The function's full path, e.g. `demo_app::auth::get_current_user`; the node's identity.
    pub path: &'static str,
    /// Whether the node is a handler (`#[secured]`) or a dependency (`#[dependency]`).
    pub kind: NodeKind,
    /// The scopes declared on this node itself, in declaration order.
    pub own_scopes: &'static [&'static str],
    /// How they combine, when an `any(..)` expression was written: its alternatives, in
    /// disjunctive normal form, any one of which admits a request. Empty for a plain list:
    /// every one of `own_scopes` is needed.
    pub alternatives: &'static [&'static [&'static str]],
    /// The dependencies this node uses: decorator dependencies first, then parameters, in order.
    pub children: &'static [&'static NodeInfo],
    /// Bit `i`: `children[i]` is optional (`Option<Security<..>>`): its refusal gives `None`,
    /// and its scopes are not required.
    pub optional: u64,
    /// How many of `children`, from the first, are `dependencies = [..]`: run for their
    /// checks, their values discarded.
    pub decorator_count: usize,
    /// The routes the handler is registered under by an actix-web route macro.
    pub routes: &'static [Route],
    /// Whether the node takes an extractor that may read the request's extensions (a value
    /// the graph keeps for its one reader must then be put there too): any but actix-web's
    /// `Data`, `Path`, `Query`, `Json` and `Form`.
    pub reads_extensions: bool,
    /// Whether the node can check the scopes of its path: it takes [`SecurityScopes`] (to
    /// hand to `require_scopes`), or it is the runtime's `Authorized`, which checks them.
    pub checks_scopes: bool,
    /// The scopes this node declares, with their descriptions: a declaration made by
    /// [`scopes!`](crate::scopes!), against which every scope named above it is checked.
    /// Empty for every other node.
    pub declares: &'static [(&'static str, &'static str)],
    /// Whether the macro found the node's attribute or signature invalid and emitted a
    /// stand-in (the crate does not compile): checks on its tree then stay quiet.
    broken: bool,
}

impl NodeInfo {
    /// What the macros' expansions call.
    #[doc(hidden)]
    #[allow(clippy::too_many_arguments)]
    pub const fn new(
        name: &'static str,
        path: &'static str,
        kind: NodeKind,
        own_scopes: &'static [&'static str],
        alternatives: &'static [&'static [&'static str]],
        children: &'static [&'static NodeInfo],
        optional: u64,
        decorator_count: usize,
        routes: &'static [Route],
        reads_extensions: bool,
        checks_scopes: bool,
    ) -> Self {
        Self {
            name,
            path,
            kind,
            own_scopes,
            alternatives,
            children,
            optional,
            decorator_count,
            routes,
            reads_extensions,
            checks_scopes,
            declares: &[],
            broken: false,
        }
    }

    /// A dependency written by hand (not by the macros), with no scopes, no children and
    /// no routes, that reads nothing of the request but through the graph.
    #[doc(hidden)]
    pub const fn leaf(name: &'static str, path: &'static str) -> Self {
        Self::new(
            name,
            path,
            NodeKind::Dependency,
            &[],
            &[],
            &[],
            0,
            0,
            &[],
            false,
            false,
        )
    }

    /// The same node, able to check the scopes of its path (the runtime's `Authorized`).
    #[doc(hidden)]
    pub const fn checking(self) -> Self {
        Self {
            checks_scopes: true,
            ..self
        }
    }

    /// The node of a declaration of `scopes`.
    #[doc(hidden)]
    pub const fn declaring(self, scopes: &'static [(&'static str, &'static str)]) -> Self {
        Self {
            declares: scopes,
            ..self
        }
    }

    /// The stand-in of a node whose attribute or signature is invalid.
    #[doc(hidden)]
    pub const fn broken(self) -> Self {
        Self {
            broken: true,
            ..self
        }
    }

    /// Whether `children[child]` is optional.
    pub const fn is_optional(&self, child: usize) -> bool {
        child < 64 && self.optional & (1 << child) != 0
    }

    /// Whether some node of the tree under this one (this one included) is a stand-in.
    #[doc(hidden)]
    pub const fn tree_is_broken(&self) -> bool {
        if self.broken {
            return true;
        }
        let mut c = 0;
        while c < self.children.len() {
            if self.children[c].tree_is_broken() {
                return true;
            }
            c += 1;
        }
        false
    }
}

/// The kind of a graph node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeKind {
    /// A handler, marked `#[secured]`.
    Handler,
    /// A handler open on purpose, marked `#[public]`.
    Public,
    /// A dependency, marked `#[dependency]`.
    Dependency,
}

/// An HTTP method and path that a route macro (`#[get("/path")]`, ...) gave a handler.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Route {
    /// The method in upper case, e.g. `GET`.
    pub method: &'static str,
    /// The path pattern, e.g. `/users/{id}/`.
    pub path: &'static str,
    /// The name of the resource the route macro registers (its `name = ".."`, else the
    /// handler's name), as actix-web's `ResourceMap` knows it.
    pub resource: &'static str,
}

/// A node of the dependency graph: a `#[secured]` handler or a `#[dependency]`.
///
/// Implemented by the macros on hidden marker types; not meant to be implemented by hand.
pub trait Node: 'static {
    /// The node's description, its children included.
    const INFO: &'static NodeInfo;
}

/// A `#[secured]` or `#[public]` handler's node, with what the compiler derives from its
/// whole tree.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is neither a `#[secured]` nor a `#[public]` handler",
    label = "not marked `#[secured]` or `#[public]`",
    note = "put `#[secured]` (or `#[public]`, for a route open on purpose) above the route macro"
)]
pub trait Handler: Node {
    /// Every scope required anywhere in the handler's tree, handler first, depth first, no
    /// repeats (what [`required_scopes!`](crate::required_scopes) gives).
    const REQUIRED_SCOPES: &'static [&'static str] = Self::ROOT.required_scopes();
    /// Whether some dependency occurs twice in the tree, so results are cached per request.
    const NEEDS_CACHE: bool = Self::ROOT.caches();
    #[doc(hidden)]
    /// Whether the tree holds a stand-in for a node the macros refused (see
    /// [`assert_required_scopes!`](crate::assert_required_scopes)).
    const BROKEN: bool = Self::INFO.tree_is_broken();
    /// Whether the handler is open on purpose (`#[public]`); its tree then requires no scope.
    const PUBLIC: bool = matches!(Self::INFO.kind, NodeKind::Public);
    #[doc(hidden)]
    /// Whether the handler may be compiled as far as checking goes: it requires no scope,
    /// or the dependencies of its tree that can check scopes sit on paths that together hold
    /// one alternative of its requirement (see `#[secured]`).
    const CHECKABLE: bool = Self::REQUIRED_SCOPES.is_empty() || Self::ROOT.checkable();
    /// What the handler's tree requires, in disjunctive normal form: with plain scope lists
    /// one alternative, [`Self::REQUIRED_SCOPES`]; with `any(..)`, the alternatives any one of
    /// which admits a request (over the same scopes, in the same order). A request's checks
    /// must satisfy it before the handler's body runs; OpenAPI documents one security
    /// requirement object per alternative.
    const REQUIREMENT: Requirement = Self::ROOT.requirement();
    #[doc(hidden)]
    /// Where a request for this handler starts: the first row of the table of the scope
    /// unions of every path of its tree ([`ScopeTable`]'s, written by `#[secured]`).
    const ROOT: GraphPath;
}

/// Asserts at compile time that a `#[secured]` handler's tree requires exactly these scopes,
/// in this order (handler first, depth first, no repeats): the check a security review
/// reads, kept next to the handler and failing the build when the graph changes.
///
/// # Examples
/// ```
/// use scopes_runtime::{assert_required_scopes, dependency, secured, Security, SecurityScopes};
///
/// #[dependency(scopes = ["me"])]
/// async fn current_user(scopes: SecurityScopes) -> Result<String, actix_web::Error> {
///     scopes.check(&["me", "items"]).map_err(|_| actix_web::error::ErrorForbidden("scope"))?;
///     Ok("johndoe".to_owned())
/// }
///
/// #[secured(scopes = ["items"])]
/// async fn read_own_items(user: Security<current_user>) -> String {
///     user.into_inner()
/// }
///
/// assert_required_scopes!(read_own_items, ["items", "me"]);
/// # fn main() {}
/// ```
///
/// A mismatch is a compile error ("evaluation of constant value failed" with the message
/// "the required scopes of `read_own_items` are not [..]"):
///
/// ```compile_fail
/// # use scopes_runtime::{assert_required_scopes, dependency, secured, SecurityScopes};
/// # #[dependency]
/// # async fn authorize(scopes: SecurityScopes) -> Result<(), actix_web::Error> {
/// #     scopes.check(&["items"]).map_err(|_| actix_web::error::ErrorForbidden("scope"))
/// # }
/// #[secured(scopes = ["items"], dependencies = [authorize])]
/// async fn read_items() -> &'static str { "[]" }
///
/// assert_required_scopes!(read_items, ["items", "me"]);
/// # fn main() {}
/// ```
///
/// # Grammar
/// ```text
/// assert_required_scopes!(path::to::handler, [ "scope", .. ])
/// ```
#[macro_export]
macro_rules! assert_required_scopes {
    ($handler:path, [$($scope:literal),* $(,)?] $(,)?) => {
        const _: () = ::core::assert!(
            // A tree the macros already refused is reported there, not here again.
            <$handler as $crate::__private::Handler>::BROKEN
                || $crate::__private::scopes_eq(
                    $crate::required_scopes!($handler),
                    &[$($scope),*],
                ),
            ::core::concat!(
                "the required scopes of `",
                ::core::stringify!($handler),
                "` are not [",
                ::core::stringify!($($scope),*),
                "]",
            ),
        );
    };
}
