//! The static dependency graph: nodes, their compile-time descriptions, and the path
//! contexts whose scope unions the compiler evaluates.
//!
//! `#[secured]` and `#[dependency]` each emit a marker type implementing [`Node`]. A path
//! from a handler down to a dependency is a *type*: [`Root<H>`] for the handler `H`, then one
//! [`With<Parent, Node>`] layer per dependency. Every [`Context`] carries the union of the
//! scopes along its path as associated `const`s, so a request only reads `&'static` data.
//!
//! # Room to grow
//! The representation is chosen so that the next features are additions, not rewrites:
//! - *A scope registry checked at compile time*: the `OAuth2PasswordBearer` catalogue as a
//!   `const`, and one more `const _: () = assert!(..)` per node comparing [`Node::OWN`] with
//!   it; the macros only gain a `scheme = ..` key.
//! - *`any(..)` / `all(..)` expressions*: [`NodeInfo::own`] becomes one variant of a scope
//!   expression; unions of plain sets stay as they are, and the check helper evaluates the
//!   expression instead of a subset test.
//! - *Router-level security*: a scope declared on a `web::scope` is one more context layer
//!   between [`Root`] and the handler, `With<Router, Handler>`; nothing below changes.
//! - *Every route secured or explicitly public*: [`NodeInfo::routes`] already records what
//!   the route macros register, so a test can compare the app's routes with the handlers'.

use core::marker::PhantomData;

use crate::scope_set::{ScopeSet, ScopeStr, str_eq};

/// How many nodes one handler's dependency tree may have (each path counted separately).
pub const MAX_TREE_NODES: usize = 256;

/// What the compiler knows about one node of the graph, as a `const`.
#[derive(Debug)]
pub struct NodeInfo {
    /// The function's name, e.g. `get_current_user`.
    pub name: &'static str,
    /// The function's full path, e.g. `demo_app::auth::get_current_user`; the node's identity.
    pub path: &'static str,
    /// Whether the node is a handler (`#[secured]`) or a dependency (`#[dependency]`).
    pub kind: NodeKind,
    /// The scopes declared on this node itself, in declaration order.
    pub own: &'static [&'static str],
    /// The dependencies this node uses: decorator dependencies first, then parameters, in order.
    pub children: &'static [&'static NodeInfo],
    /// Which of `children` are decorator dependencies (their values are discarded).
    pub decorators: usize,
    /// The routes the handler is registered under by an actix-web route macro.
    pub routes: &'static [Route],
}

/// The kind of a graph node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeKind {
    /// A handler, marked `#[secured]`.
    Handler,
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
}

/// A node of the dependency graph: a `#[secured]` handler or a `#[dependency]`.
///
/// Implemented by the macros on hidden marker types; not meant to be implemented by hand.
pub trait Node: 'static {
    /// The node's own scopes.
    const OWN: ScopeSet;
    /// The node's description, its children included.
    const INFO: &'static NodeInfo;
}

/// A `#[secured]` handler's node, with what the compiler derives from its whole tree.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a `#[secured]` handler",
    label = "not marked `#[secured]`",
    note = "put `#[secured]` (above any route macro) on the handler"
)]
pub trait Handler: Node {
    /// Every scope required anywhere in the handler's tree, handler first, no repeats.
    const REQUIRED: &'static ScopeSet = &tree_union(Self::INFO, ScopeSet::EMPTY);
    /// [`Self::REQUIRED`] as a slice.
    const REQUIRED_SCOPES: &'static [&'static str] = Self::REQUIRED.as_slice();
    /// Whether some dependency occurs twice in the tree, so results must be cached per request.
    const NEEDS_CACHE: bool = has_repeated_node(Self::INFO);
}

/// A path from a handler down to a node, with the scope union along it.
pub trait Context: 'static {
    /// The union of the scopes declared on every node of the path, handler first.
    const SET: &'static ScopeSet;
    /// [`Self::SET`] as a slice.
    const SCOPES: &'static [&'static str] = Self::SET.as_slice();
    /// [`Self::SET`] joined by spaces.
    const SCOPE_STR: &'static str;
    /// Whether dependency results are cached for this request (see [`Handler::NEEDS_CACHE`]).
    const CACHE: bool;
}

/// The context of a handler `H` itself.
pub struct Root<H>(PhantomData<fn() -> H>);

/// The context `P` extended by the node `N`.
pub struct With<P, N>(PhantomData<fn() -> (P, N)>);

impl<H: Handler> Root<H> {
    const JOINED: &'static ScopeStr = &H::OWN.join();
}

impl<H: Handler> Context for Root<H> {
    const SET: &'static ScopeSet = &H::OWN;
    const SCOPE_STR: &'static str = Self::JOINED.as_str();
    const CACHE: bool = H::NEEDS_CACHE;
}

impl<P: Context, N: Node> With<P, N> {
    const UNION: &'static ScopeSet = &P::SET.union(&N::OWN);
    const JOINED: &'static ScopeStr = &Self::UNION.join();
}

impl<P: Context, N: Node> Context for With<P, N> {
    const SET: &'static ScopeSet = Self::UNION;
    const SCOPE_STR: &'static str = Self::JOINED.as_str();
    const CACHE: bool = P::CACHE;
}

/// The union of the scopes of every node of the tree under `node`, depth first, in order.
pub const fn tree_union(node: &NodeInfo, acc: ScopeSet) -> ScopeSet {
    let mut acc = acc.union(&ScopeSet::from_slice(node.own));
    let mut i = 0;
    while i < node.children.len() {
        acc = tree_union(node.children[i], acc);
        i += 1;
    }
    acc
}

/// Whether some node occurs more than once in the tree under `node`.
pub const fn has_repeated_node(node: &NodeInfo) -> bool {
    let mut seen: [&str; MAX_TREE_NODES] = [""; MAX_TREE_NODES];
    let (_, repeated) = collect(node, &mut seen, 0);
    repeated
}

const fn collect(
    node: &NodeInfo,
    seen: &mut [&'static str; MAX_TREE_NODES],
    len: usize,
) -> (usize, bool) {
    let mut i = 0;
    while i < len {
        if str_eq(seen[i], node.path) {
            return (len, true);
        }
        i += 1;
    }
    assert!(
        len < MAX_TREE_NODES,
        "scopes: a handler's dependency tree has more than MAX_TREE_NODES (256) nodes"
    );
    seen[len] = node.path;
    let mut len = len + 1;
    let mut c = 0;
    while c < node.children.len() {
        let (new_len, repeated) = collect(node.children[c], seen, len);
        if repeated {
            return (new_len, true);
        }
        len = new_len;
        c += 1;
    }
    (len, false)
}
