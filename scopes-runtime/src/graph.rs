//! The static dependency graph: nodes, their compile-time descriptions, and the table of
//! scope unions the compiler evaluates for each handler.
//!
//! `#[secured]` and `#[dependency]` each emit a marker type implementing [`Node`], whose
//! [`NodeInfo`] names its own scopes and its children. From a handler's `NodeInfo` the
//! compiler builds, in a `const`, the scope union of every path of the handler's tree
//! ([`Handler::ROOT`], in preorder: the handler, then each child's subtree in order). A
//! request walks that table with a [`Path`] (a `&'static` slice and two flags): resolving a
//! child narrows the slice by an offset the compiler computed ([`child_offset`]), and
//! [`Path::scopes`] copies two `&'static` references out of it.
//!
//! The dependencies themselves are not generic over the path: each `#[dependency]`'s
//! resolver is compiled once, however many handlers use it, which keeps the generated code
//! (and the build time) proportional to what the user wrote.
//!
//! # Room to grow
//! The representation is chosen so that the next features are additions, not rewrites:
//! - *A scope registry checked at compile time*: the `OAuth2PasswordBearer` catalogue as a
//!   `const`, and one more `const _: () = assert!(..)` per node comparing [`NodeInfo::own`]
//!   with it; the macros only gain a `scheme = ..` key.
//! - *`any(..)` / `all(..)` expressions*: [`NodeInfo::own`] becomes one variant of a scope
//!   expression; unions of plain sets stay as they are, and the check helper evaluates the
//!   expression instead of a subset test.
//! - *Router-level security*: a scope declared on a `web::scope` is one more set unioned
//!   into the root of [`unions`]; nothing below changes.
//! - *Every route secured or explicitly public*: [`NodeInfo::routes`] already records what
//!   the route macros register, so a test can compare the app's routes with the handlers'.

use core::marker::PhantomData;

use crate::scope_set::{ScopeSet, ScopeStr, str_eq};
use crate::security::SecurityScopes;

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
    /// Whether the node takes an extractor that may run code reading the request (any but
    /// actix-web's `Data`, `Path`, `Query`, `Json` and `Form`, e.g. `HttpRequest`): code the
    /// compiler cannot see, which may read what a dependency shares through the request's
    /// extensions. (Taking one of those five for actix-web's costs at most a token verified
    /// twice in a request, should an error handler configured for it read the token too.)
    pub opaque: bool,
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
    /// Where a request for this handler starts: its row of the table of the scope unions of
    /// every path of its tree, in preorder (`PathTable::<Self, { tree_len(Self::INFO) }>::ROOT`,
    /// written by `#[secured]`).
    const ROOT: Path;
    /// Whether some dependency occurs twice in the tree, so results must be cached per request.
    const NEEDS_CACHE: bool = Self::ROOT.caches();
}

/// Where a dependency is being resolved: the row of its path in its handler's table
/// ([`Handler::ROOT`]), followed by the rows of its subtree.
#[derive(Debug, Clone, Copy)]
pub struct Path {
    rows: &'static [SecurityScopes],
    cache: bool,
    opaque: bool,
}

impl Path {
    /// The handler `H` itself.
    pub const fn root<H: Handler>() -> Self {
        H::ROOT
    }

    /// The path to the child whose subtree starts `offset` rows below this node
    /// ([`child_offset`], computed by the compiler). Past the table's end (only for an
    /// offset that is not the compiler's), an empty path.
    #[doc(hidden)]
    pub const fn child(self, offset: usize) -> Self {
        let rows = match self.rows.split_at_checked(offset) {
            Some((_, rows)) => rows,
            None => &[],
        };
        Self { rows, ..self }
    }

    /// The union of the scopes along this path, handler first (none for an empty path).
    pub const fn scopes(self) -> SecurityScopes {
        match self.rows.first() {
            Some(row) => *row,
            None => SecurityScopes::NONE,
        }
    }

    /// Whether dependency results are cached for this request (see [`Handler::NEEDS_CACHE`]).
    pub const fn caches(self) -> bool {
        self.cache
    }

    /// Whether some node of the handler's tree is [`NodeInfo::opaque`]: a result shared
    /// through the request's extensions may then be read by code the compiler cannot see.
    pub const fn opaque(self) -> bool {
        self.opaque
    }
}

/// The table of a handler `H` whose tree has `N` nodes (`N` = [`tree_len`] of `H::INFO`,
/// given by the macro: array lengths cannot depend on a generic parameter).
pub struct PathTable<H, const N: usize>(PhantomData<fn() -> H>);

impl<H: Node, const N: usize> PathTable<H, N> {
    const UNIONS: &'static Unions<N> = &unions(H::INFO);
    /// `H`'s [`Handler::ROOT`].
    pub const ROOT: Path = Path {
        rows: &rows(Self::UNIONS),
        cache: Self::UNIONS.repeated,
        opaque: Self::UNIONS.opaque,
    };
}

/// The scope union of every path of a tree, in preorder, whether a node occurs twice and
/// whether some node is [`NodeInfo::opaque`].
pub struct Unions<const N: usize> {
    rows: [PathUnion; N],
    repeated: bool,
    opaque: bool,
}

/// The scope union of one path: the set, its space-joined form, the node's identity and
/// the row of its parent.
#[derive(Debug, Clone, Copy)]
struct PathUnion {
    set: ScopeSet,
    joined: ScopeStr,
    node: &'static str,
    opaque: bool,
    parent: usize,
}

impl PathUnion {
    const EMPTY: Self = Self {
        set: ScopeSet::EMPTY,
        joined: ScopeSet::EMPTY.join(),
        node: "",
        opaque: false,
        parent: 0,
    };

    /// Appends `scope` to the set and to its joined form, unless the set holds it already.
    const fn push(&mut self, scope: &'static str) {
        if self.set.contains(scope) {
            return;
        }
        if !self.set.is_empty() {
            self.joined.push(b' ');
        }
        self.set.insert_new(scope);
        self.joined.push_str(scope);
    }
}

/// The [`Unions`] of the tree under `node`.
pub const fn unions<const N: usize>(node: &NodeInfo) -> Unions<N> {
    let mut rows = [PathUnion::EMPTY; N];
    let filled = fill(node, 0, &mut rows, 0);
    assert!(filled == N, "scopes: a path table of the wrong length");
    let mut repeated = false;
    let mut opaque = false;
    let mut i = 1;
    while i < N && !repeated {
        let mut j = 0;
        while j < i && !repeated {
            repeated = str_eq(rows[i].node, rows[j].node);
            j += 1;
        }
        i += 1;
    }
    let mut i = 0;
    while i < N && !opaque {
        opaque = rows[i].opaque;
        i += 1;
    }
    Unions {
        rows,
        repeated,
        opaque,
    }
}

const fn fill(node: &NodeInfo, parent: usize, rows: &mut [PathUnion], at: usize) -> usize {
    // The parent's union, and its joined form, extended by this node's own scopes (built in
    // place: a row is large, and copies cost the evaluator). A root's parent is its own row,
    // empty so far.
    if at != parent {
        rows[at] = rows[parent];
    }
    let row = &mut rows[at];
    row.node = node.path;
    row.opaque = node.opaque;
    row.parent = parent;
    let own = node.own.len();
    let mut i = 0;
    while i < own {
        row.push(node.own[i]);
        i += 1;
    }
    let mut next = at + 1;
    let children = node.children.len();
    let mut c = 0;
    while c < children {
        next = fill(node.children[c], at, rows, next);
        c += 1;
    }
    next
}

/// `SecurityScopes` reading each row of `unions`. A row that adds no scope to its parent's
/// reuses the parent's, and a one-scope row's string is that scope: the compiler then
/// checks fewer joined strings for UTF-8.
const fn rows<const N: usize>(unions: &'static Unions<N>) -> [SecurityScopes; N] {
    let mut rows = [SecurityScopes::NONE; N];
    let mut i = 0;
    while i < N {
        let row = &unions.rows[i];
        let len = row.set.len();
        rows[i] = if i > 0 && len == unions.rows[row.parent].set.len() {
            rows[row.parent]
        } else {
            let scopes = row.set.as_slice();
            let text = match len {
                0 => "",
                1 => scopes[0],
                _ => row.joined.as_str(),
            };
            SecurityScopes::new(scopes, text)
        };
        i += 1;
    }
    rows
}

/// How many nodes the tree under `node` has, `node` included (a node reached twice counts
/// twice).
///
/// Evaluation fails past [`MAX_TREE_NODES`].
pub const fn tree_len(node: &NodeInfo) -> usize {
    let mut len = 1;
    let children = node.children.len();
    let mut c = 0;
    while c < children {
        len += tree_len(node.children[c]);
        c += 1;
    }
    assert!(
        len <= MAX_TREE_NODES,
        "scopes: a handler's dependency tree has more than MAX_TREE_NODES (256) nodes"
    );
    len
}

/// How many rows below `node`'s own the subtree of its child `child` starts, in a preorder
/// table of `node`'s tree.
pub const fn child_offset(node: &NodeInfo, child: usize) -> usize {
    let mut offset = 1;
    let mut c = 0;
    while c < child {
        offset += tree_len(node.children[c]);
        c += 1;
    }
    offset
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
