//! The table of scope unions the compiler evaluates for each handler, and [`GraphPath`],
//! a request's position in it.
//!
//! The code in this file and in `scope_set.rs` is written for the compiler's const
//! evaluator, which pays per function call far more than per loop step: fields are read
//! once and strings compared in loops rather than through accessor calls. Nowhere else in
//! the crate is written this way.

use core::marker::PhantomData;

use super::requirement::{Alts, Requirement};
use super::scope_set::{ScopeSet, ScopeStr, str_eq};
use super::{Node, NodeInfo, SecurityScopes};

// A row's `mask` has a bit for each scope of its tree's union.
const _: () = assert!(super::scope_set::MAX_SCOPES <= u32::BITS as usize);

/// How many nodes one handler's dependency tree may have (each path counted separately).
pub const MAX_TREE_NODES: usize = 256;

/// Where a dependency is being resolved: the row of its path in its handler's table (the
/// scopes along the path), followed by the rows of its subtree.
///
/// Semver-exempt: named by the code the macros generate, and by `Dependency::resolve`.
#[derive(Debug, Clone, Copy)]
pub struct GraphPath {
    rows: &'static [SecurityScopes],
    caches: bool,
    reads_extensions: bool,
    requirement: Requirement,
    checkable: bool,
}

impl GraphPath {
    /// The path to the child whose subtree starts `offset` rows below this node
    /// ([`child_offset`], computed by the compiler). Past the table's end (only for an
    /// offset that is not the compiler's), an empty path.
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

    /// Whether dependency results are cached for this request: the handler's tree reaches
    /// some node twice ([`Handler::NEEDS_CACHE`](super::Handler::NEEDS_CACHE)).
    pub const fn caches(self) -> bool {
        self.caches
    }

    /// Whether the dependencies that can check scopes (they take `SecurityScopes`, or are
    /// `Authorized`; none under an optional dependency) sit on paths that together hold one
    /// alternative of the handler's requirement: otherwise no request could ever pass.
    pub const fn checkable(self) -> bool {
        self.checkable
    }

    /// What the handler's whole tree requires: every node's scopes, each in its own form
    /// ([`Handler::REQUIREMENT`](super::Handler::REQUIREMENT)).
    pub const fn requirement(self) -> Requirement {
        self.requirement
    }

    /// Whether some node of the handler's tree takes an extractor that may read the
    /// request's extensions ([`NodeInfo::reads_extensions`]): a value that a dependency keeps
    /// only for its one reader must then be put there too.
    pub const fn reads_extensions(self) -> bool {
        self.reads_extensions
    }
}

/// The table of a handler `H` whose tree has `N` nodes (`N` = [`tree_len`] of `H::INFO`,
/// given by the macro: array lengths cannot depend on a generic parameter).
pub struct ScopeTable<H, const N: usize>(PhantomData<fn() -> H>);

impl<H: Node, const N: usize> ScopeTable<H, N> {
    const TABLE: &'static Table<N> = &table(H::INFO);
    /// The first row of `H`'s table: the handler itself.
    pub const ROOT: GraphPath = GraphPath {
        rows: &security_scopes(Self::TABLE),
        caches: Self::TABLE.repeated,
        reads_extensions: Self::TABLE.reads_extensions,
        requirement: Requirement::new(Self::TABLE.required.as_slice(), Self::TABLE.tree.as_slice()),
        checkable: Self::TABLE.required.admits(Self::TABLE.checkable),
    };
}

/// The rows of a tree's table, in preorder, the tree's scopes (bit `i` of a mask is the
/// `i`-th) and requirement, whether a node occurs twice and whether some node reads the
/// request.
struct Table<const N: usize> {
    rows: [Row; N],
    tree: ScopeSet,
    required: Alts,
    /// The scopes of the paths of the dependencies that can check them.
    checkable: u32,
    repeated: bool,
    reads_extensions: bool,
}

/// The row of one path: the scope union, its space-joined form, which of the tree's
/// scopes it holds, the node's identity and the row of its parent.
#[derive(Debug, Clone, Copy)]
struct Row {
    set: ScopeSet,
    joined: ScopeStr,
    /// Bit `i`: the row holds the `i`-th scope of the whole tree (`Table::tree`, the
    /// requirement's `names`: optional subtrees' scopes included).
    mask: u32,
    /// The path's requirement: the product of its nodes'.
    alts: Alts,
    node: &'static str,
    reads_extensions: bool,
    parent: usize,
}

impl Row {
    const EMPTY: Self = Self {
        set: ScopeSet::EMPTY,
        joined: ScopeSet::EMPTY.join(),
        mask: 0,
        alts: Alts::ONE,
        node: "",
        reads_extensions: false,
        parent: 0,
    };

    /// Appends `scope` to the set and to its joined form, unless the set holds it already;
    /// `tree` is the union of the rows so far, which it joins too.
    const fn push(&mut self, scope: &'static str, tree: &mut ScopeSet) {
        if self.set.contains(scope) {
            return;
        }
        if !self.set.is_empty() {
            self.joined.push(b' ');
        }
        self.set.insert_new(scope);
        self.joined.push_str(scope);
        let bit = match tree.position(scope) {
            Some(bit) => bit,
            None => {
                tree.insert_new(scope);
                tree.len() - 1
            }
        };
        self.mask |= 1 << bit;
    }
}

/// The table of the tree under `node`.
const fn table<const N: usize>(node: &NodeInfo) -> Table<N> {
    let mut rows = [Row::EMPTY; N];
    // Filled in preorder, the union of the rows is the tree's union: the handler's required
    // scopes, in their order.
    let mut tree = ScopeSet::EMPTY;
    let mut required = Alts::ONE;
    let mut sums = Sums {
        tree: &mut tree,
        required: &mut required,
        checkable: 0,
    };
    let filled = fill(node, 0, &mut rows, 0, &mut sums, false);
    let checkable = sums.checkable;
    assert!(filled == N, "scopes: a scope table of the wrong length");
    let mut repeated = false;
    let mut reads_extensions = false;
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
    while i < N && !reads_extensions {
        reads_extensions = rows[i].reads_extensions;
        i += 1;
    }
    Table {
        rows,
        tree,
        required,
        checkable,
        repeated,
        reads_extensions,
    }
}

/// What filling a table adds up over the whole tree.
struct Sums<'a> {
    /// The tree's scopes, in preorder (what the masks' bits name).
    tree: &'a mut ScopeSet,
    /// The tree's requirement: every non-optional node's, joined.
    required: &'a mut Alts,
    /// The union of the masks of the paths to the dependencies that can check scopes.
    checkable: u32,
}

/// Fills the rows of the subtree of `node` from row `at`, below the row `parent`, adding
/// to `sums` (its requirement only unless the subtree is `optional`); returns the row after
/// it.
const fn fill(
    node: &NodeInfo,
    parent: usize,
    rows: &mut [Row],
    at: usize,
    sums: &mut Sums<'_>,
    optional: bool,
) -> usize {
    // The parent's union, and its joined form, extended by this node's own scopes (built in
    // place: a row is large, and copies cost the evaluator). A root's parent is its own row,
    // empty so far.
    if at != parent {
        rows[at] = rows[parent];
    }
    let row = &mut rows[at];
    row.node = node.path;
    row.reads_extensions = node.reads_extensions;
    row.parent = parent;
    let own = node.own_scopes.len();
    let mut i = 0;
    while i < own {
        row.push(node.own_scopes[i], sums.tree);
        i += 1;
    }
    // The node's own requirement (its scopes are all in `tree` now), joined to the path's.
    let own = own_alts(node, sums.tree);
    row.alts = row.alts.and(&own);
    if !optional {
        *sums.required = sums.required.and(&own);
        // A check in the handler's own body does not count: it runs after the refusal.
        if at != 0 && node.checks_scopes {
            sums.checkable |= row.mask;
        }
    }
    let mut next = at + 1;
    let children = node.children.len();
    let mut c = 0;
    while c < children {
        // An optional child's requirement is its own path's, not the handler's.
        let optional = optional || node.is_optional(c);
        next = fill(node.children[c], at, rows, next, sums, optional);
        c += 1;
    }
    next
}

/// The requirement of `node`'s own scopes, as masks over `tree`: one alternative of them
/// all, or the alternatives its `any(..)` expression was normalised to.
const fn own_alts(node: &NodeInfo, tree: &ScopeSet) -> Alts {
    let mut alts = Alts::NONE;
    if node.alternatives.is_empty() {
        alts.or(mask_of(node.own_scopes, tree));
    } else {
        let mut a = 0;
        while a < node.alternatives.len() {
            alts.or(mask_of(node.alternatives[a], tree));
            a += 1;
        }
    }
    alts
}

/// The bits of `scopes` in `tree`, which holds them all.
const fn mask_of(scopes: &[&str], tree: &ScopeSet) -> u32 {
    let mut mask = 0;
    let mut i = 0;
    while i < scopes.len() {
        if let Some(bit) = tree.position(scopes[i]) {
            mask |= 1 << bit;
        }
        i += 1;
    }
    mask
}

/// The `SecurityScopes` of each row of `table`. A row that adds nothing to its parent's
/// (no scope, no alternative) reuses the parent's, and a one-scope row's string is that
/// scope: the compiler then checks fewer joined strings for UTF-8.
const fn security_scopes<const N: usize>(table: &'static Table<N>) -> [SecurityScopes; N] {
    let mut rows = [SecurityScopes::NONE; N];
    let names = table.tree.as_slice();
    let mut i = 0;
    while i < N {
        let row = &table.rows[i];
        let len = row.set.len();
        let parent = &table.rows[row.parent];
        rows[i] = if i > 0 && len == parent.set.len() && row.alts.eq(&parent.alts) {
            rows[row.parent]
        } else {
            let scopes = row.set.as_slice();
            let text = match len {
                0 => "",
                1 => scopes[0],
                _ => row.joined.as_str(),
            };
            let requirement = Requirement::new(row.alts.as_slice(), names);
            SecurityScopes::new(scopes, text).with_requirement(row.mask, requirement)
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
pub(crate) const fn tree_union(node: &NodeInfo, acc: ScopeSet) -> ScopeSet {
    let mut acc = acc.union(&ScopeSet::from_slice(node.own_scopes));
    let mut i = 0;
    while i < node.children.len() {
        if !node.is_optional(i) {
            acc = tree_union(node.children[i], acc);
        }
        i += 1;
    }
    acc
}
