//! The table of scope unions the compiler evaluates for each handler, and [`GraphPath`],
//! a request's position in it.
//!
//! The code in this file and in `scope_set.rs` is written for the compiler's const
//! evaluator, which pays per function call far more than per loop step: fields are read
//! once and strings compared in loops rather than through accessor calls. Nowhere else in
//! the crate is written this way.

use core::marker::PhantomData;

use super::part::{Part, Text};
use super::requirement::{Alts, Requirement};
use super::scope_set::{MAX_SCOPES, ScopeSet, str_eq};
use super::{Node, NodeInfo, SecurityScopes};

// A row's `mask` has a bit for each scope of its tree's union.
const _: () = assert!(super::scope_set::MAX_SCOPES <= u32::BITS as usize);

/// How many nodes one handler's dependency tree may have (each path counted separately).
pub const MAX_TREE_NODES: usize = 256;

/// Where a dependency is being resolved: the row of its path in its handler's table (the
/// scopes along the path), followed by the rows of its subtree, and what the handler's whole
/// tree requires.
///
/// Semver-exempt: named by the code the macros generate, and by `Dependency::resolve`.
#[derive(Debug, Clone, Copy)]
pub struct GraphPath {
    rows: &'static [SecurityScopes],
    tree: &'static Tree,
}

/// What a handler's whole tree requires, and how its requests resolve it.
#[derive(Debug)]
struct Tree {
    requirement: Requirement,
    required: Part<&'static str>,
    caches: bool,
    reads_extensions: bool,
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
        self.tree.caches
    }

    /// Whether the dependencies that can check scopes (they take `SecurityScopes`, or are
    /// `Authorized`; none under an optional dependency) sit on paths that together hold one
    /// alternative of the handler's requirement: otherwise no request could ever pass.
    pub const fn checkable(self) -> bool {
        self.tree.checkable
    }

    /// What the handler's whole tree requires: every node's scopes, each in its own form
    /// ([`Handler::REQUIREMENT`](super::Handler::REQUIREMENT)).
    pub const fn requirement(self) -> Requirement {
        self.tree.requirement
    }

    /// The scopes of every non-optional node of the handler's tree, handler first, depth
    /// first, no repeats ([`Handler::REQUIRED_SCOPES`](super::Handler::REQUIRED_SCOPES)).
    pub const fn required_scopes(self) -> &'static [&'static str] {
        self.tree.required.get()
    }

    /// Whether some node of the handler's tree takes an extractor that may read the
    /// request's extensions ([`NodeInfo::reads_extensions`]): a value that a dependency keeps
    /// only for its one reader must then be put there too.
    pub const fn reads_extensions(self) -> bool {
        self.tree.reads_extensions
    }
}

/// The working table of a handler `H` whose tree has `N` nodes, and the sizes of the
/// storage its [`ScopeTable`] keeps.
///
/// Semver-exempt: named by the code the macros generate.
pub struct Layout<H, const N: usize>(PhantomData<fn() -> H>);

impl<H: Node, const N: usize> Layout<H, N> {
    const TABLE: &'static Table<N> = &table(H::INFO);
    /// How many scope names, joined bytes and alternative masks the handler's rows hold.
    pub const SIZES: Sizes = sizes(Self::TABLE);
}

/// The sizes of a [`ScopeTable`]'s storage (see [`Layout::SIZES`]).
///
/// Semver-exempt: named by the code the macros generate.
#[derive(Debug, Clone, Copy)]
pub struct Sizes {
    /// The tree's scope names, then the required ones, then each row's own list.
    pub names: usize,
    /// The rows' space-joined scope strings.
    pub bytes: usize,
    /// The alternatives: the tree's requirement's, then each row's.
    pub masks: usize,
}

/// The table of a handler `H` whose tree has `N` nodes, its storage exactly as large as
/// its contents (`S`, `B`, `M`: [`Layout::SIZES`]), so that a build carries no unused
/// capacity. `N` = [`tree_len`] of `H::INFO` and the sizes are given by the macro, as array
/// lengths cannot depend on a generic parameter.
///
/// Semver-exempt: named by the code the macros generate.
pub struct ScopeTable<H, const N: usize, const S: usize, const B: usize, const M: usize>(
    PhantomData<fn() -> H>,
);

impl<H: Node, const N: usize, const S: usize, const B: usize, const M: usize>
    ScopeTable<H, N, S, B, M>
{
    const TABLE: &'static Table<N> = Layout::<H, N>::TABLE;
    const STORAGE: &'static Storage<S, B, M> = &storage(Self::TABLE);
    const NAMES: &'static [&'static str; S] = &Self::STORAGE.names;
    const TEXT: &'static str = match core::str::from_utf8(&Self::STORAGE.bytes) {
        Ok(text) => text,
        // Only whole `str`s and ASCII spaces were copied.
        Err(_) => "",
    };
    const MASKS: &'static [u32; M] = &Self::STORAGE.masks;
    const ROWS: &'static [SecurityScopes; N] =
        &security_scopes(Self::TABLE, Self::NAMES, Self::TEXT, Self::MASKS);
    const TREE: &'static Tree = &Tree {
        requirement: Requirement::new(
            Part::new(Self::MASKS, 0, Self::TABLE.sums.required.len),
            Part::new(Self::NAMES, 0, Self::TABLE.sums.tree.len),
        ),
        required: Part::new(
            Self::NAMES,
            Self::TABLE.sums.tree.len,
            Self::TABLE.sums.required_len,
        ),
        caches: Self::TABLE.repeated,
        reads_extensions: Self::TABLE.reads_extensions,
        checkable: Self::TABLE.sums.required.admits(Self::TABLE.sums.checkable),
    };
    /// The first row of `H`'s table: the handler itself.
    pub const ROOT: GraphPath = GraphPath {
        rows: Self::ROWS,
        tree: Self::TREE,
    };
}

/// The rows of a tree's table, in preorder, what filling them added up, whether a node
/// occurs twice and whether some node reads the request.
struct Table<const N: usize> {
    rows: [Row; N],
    sums: Sums,
    repeated: bool,
    reads_extensions: bool,
}

/// What filling a table adds up over the whole tree.
struct Sums {
    /// The tree's scopes, in preorder (what the masks' bits name).
    tree: ScopeSet,
    /// The tree's requirement: every non-optional node's, joined.
    required: Alts,
    /// The scopes of the non-optional nodes, in preorder: bits of `tree`.
    required_order: [u8; MAX_SCOPES],
    required_len: usize,
    /// The union of the masks of the paths to the dependencies that can check scopes.
    checkable: u32,
}

impl Sums {
    /// Adds the tree's scope `bit` to the required ones, unless they hold it.
    const fn require(&mut self, bit: usize) {
        let mut i = 0;
        while i < self.required_len {
            if self.required_order[i] as usize == bit {
                return;
            }
            i += 1;
        }
        self.required_order[self.required_len] = bit as u8;
        self.required_len += 1;
    }
}

/// The row of one path: its scope union (in order, as bits of the tree's scopes), its
/// requirement, the node's identity and the row of its parent.
#[derive(Debug, Clone, Copy)]
struct Row {
    /// The union, in order: bits of `Table::tree`.
    order: [u8; MAX_SCOPES],
    len: usize,
    /// Bit `i`: the row holds the `i`-th scope of the whole tree (`Table::tree`, the
    /// requirement's `names`: optional subtrees' scopes included).
    mask: u32,
    /// The path's requirement: the product of its nodes'.
    alts: Alts,
    node: &'static str,
    reads_extensions: bool,
    parent: usize,
    /// The row adds nothing to its parent's (no scope, the same alternatives), so it shares
    /// its parent's `SecurityScopes`.
    shared: bool,
}

impl Row {
    const EMPTY: Self = Self {
        order: [0; MAX_SCOPES],
        len: 0,
        mask: 0,
        alts: Alts::ONE,
        node: "",
        reads_extensions: false,
        parent: 0,
        shared: false,
    };

    /// Appends `scope` to the union, unless it holds it already, and to `tree` (the union
    /// of the rows so far) likewise; returns its bit.
    const fn push(&mut self, scope: &'static str, tree: &mut ScopeSet) -> usize {
        let bit = match tree.position(scope) {
            Some(bit) => bit,
            None => {
                tree.insert_new(scope);
                tree.len() - 1
            }
        };
        if self.mask & (1 << bit) == 0 {
            self.mask |= 1 << bit;
            self.order[self.len] = bit as u8;
            self.len += 1;
        }
        bit
    }

    /// The length of the row's space-joined scopes.
    const fn joined_len(&self, tree: &ScopeSet) -> usize {
        let mut len = if self.len > 0 { self.len - 1 } else { 0 };
        let mut i = 0;
        while i < self.len {
            len += tree.items[self.order[i] as usize].len();
            i += 1;
        }
        len
    }
}

/// The table of the tree under `node`.
const fn table<const N: usize>(node: &NodeInfo) -> Table<N> {
    let mut rows = [Row::EMPTY; N];
    // Filled in preorder, the union of the rows is the tree's union.
    let mut sums = Sums {
        tree: ScopeSet::EMPTY,
        required: Alts::ONE,
        required_order: [0; MAX_SCOPES],
        required_len: 0,
        checkable: 0,
    };
    let filled = fill(node, 0, &mut rows, 0, &mut sums, false);
    assert!(filled == N, "scopes: a scope table of the wrong length");
    let mut repeated = false;
    let mut i = 1;
    while i < N && !repeated {
        let mut j = 0;
        while j < i && !repeated {
            repeated = str_eq(rows[i].node, rows[j].node);
            j += 1;
        }
        i += 1;
    }
    let mut reads_extensions = false;
    let mut i = 0;
    while i < N && !reads_extensions {
        reads_extensions = rows[i].reads_extensions;
        i += 1;
    }
    Table {
        rows,
        sums,
        repeated,
        reads_extensions,
    }
}

/// Fills the rows of the subtree of `node` from row `at`, below the row `parent`, adding
/// to `sums` (its requirement only unless the subtree is `optional`); returns the row after
/// it.
const fn fill(
    node: &NodeInfo,
    parent: usize,
    rows: &mut [Row],
    at: usize,
    sums: &mut Sums,
    optional: bool,
) -> usize {
    // The parent's union extended by this node's own scopes (built in place: copies cost
    // the evaluator). A root's parent is its own row, empty so far.
    if at != parent {
        rows[at] = rows[parent];
    }
    let row = &mut rows[at];
    let (inherited, inherited_alts) = (row.len, row.alts);
    row.node = node.path;
    row.reads_extensions = node.reads_extensions;
    row.parent = parent;
    let mut own_mask = 0;
    let own = node.own_scopes.len();
    let mut i = 0;
    while i < own {
        let bit = row.push(node.own_scopes[i], &mut sums.tree);
        own_mask |= 1 << bit;
        if !optional {
            sums.require(bit);
        }
        i += 1;
    }
    // The node's own requirement (its scopes are all in `tree` now), joined to the path's:
    // for a plain list, one alternative of them all, joined in place.
    let own = if node.alternatives.is_empty() {
        None
    } else {
        Some(own_alts(node, &sums.tree))
    };
    join(&mut row.alts, &own, own_mask);
    row.shared = at != parent && row.len == inherited && row.alts.eq(&inherited_alts);
    if !optional {
        join(&mut sums.required, &own, own_mask);
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

/// Joins a node's own requirement to `alts`: its `any(..)` alternatives (`own`), or for a
/// plain list (`None`) one alternative of its scopes (`mask`), joined in place.
const fn join(alts: &mut Alts, own: &Option<Alts>, mask: u32) {
    match own {
        Some(own) => *alts = alts.and(own),
        None => alts.and_mask(mask),
    }
}

/// The requirement of the own scopes of `node`, which has an `any(..)` expression: the
/// alternatives it was normalised to (its scopes are all in `tree`).
const fn own_alts(node: &NodeInfo, tree: &ScopeSet) -> Alts {
    let mut alts = Alts::NONE;
    let mut a = 0;
    while a < node.alternatives.len() {
        alts.or(mask_of(node.alternatives[a], tree));
        a += 1;
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

/// The storage `table`'s rows need. A row that adds nothing to its parent's shares its
/// storage, and a one-scope row's string is that scope: the compiler then checks fewer
/// joined strings for UTF-8.
const fn sizes<const N: usize>(table: &Table<N>) -> Sizes {
    let mut sizes = Sizes {
        names: table.sums.tree.len + table.sums.required_len,
        bytes: 0,
        masks: table.sums.required.len,
    };
    let mut i = 0;
    while i < N {
        let row = &table.rows[i];
        if !row.shared {
            sizes.names += row.len;
            if row.len > 1 {
                sizes.bytes += row.joined_len(&table.sums.tree);
            }
            sizes.masks += row.alts.len;
        }
        i += 1;
    }
    sizes
}

/// A table's storage, laid out as [`sizes`] counts it.
struct Storage<const S: usize, const B: usize, const M: usize> {
    /// The tree's scopes, the required ones, then each unshared row's.
    names: [&'static str; S],
    /// The space-joined scopes of each unshared row with more than one.
    bytes: [u8; B],
    /// The alternatives of the tree's requirement, then of each unshared row.
    masks: [u32; M],
}

/// The storage of `table`, in one walk of its rows.
const fn storage<const N: usize, const S: usize, const B: usize, const M: usize>(
    table: &Table<N>,
) -> Storage<S, B, M> {
    let mut out = Storage {
        names: [""; S],
        bytes: [0; B],
        masks: [0; M],
    };
    let tree = &table.sums.tree;
    let required = &table.sums.required;
    let (mut name_at, mut byte_at, mut mask_at) = (0, 0, 0);
    while name_at < tree.len {
        out.names[name_at] = tree.items[name_at];
        name_at += 1;
    }
    let mut i = 0;
    while i < table.sums.required_len {
        out.names[name_at] = tree.items[table.sums.required_order[i] as usize];
        name_at += 1;
        i += 1;
    }
    while mask_at < required.len {
        out.masks[mask_at] = required.masks[mask_at];
        mask_at += 1;
    }
    let mut r = 0;
    while r < N {
        let row = &table.rows[r];
        r += 1;
        if row.shared {
            continue;
        }
        let mut i = 0;
        while i < row.len {
            let name = tree.items[row.order[i] as usize];
            out.names[name_at] = name;
            name_at += 1;
            if row.len > 1 {
                if i > 0 {
                    out.bytes[byte_at] = b' ';
                    byte_at += 1;
                }
                let name = name.as_bytes();
                let mut k = 0;
                while k < name.len() {
                    out.bytes[byte_at] = name[k];
                    byte_at += 1;
                    k += 1;
                }
            }
            i += 1;
        }
        let mut i = 0;
        while i < row.alts.len {
            out.masks[mask_at] = row.alts.masks[i];
            mask_at += 1;
            i += 1;
        }
    }
    assert!(
        name_at == S && byte_at == B && mask_at == M,
        "scopes: a scope table of the wrong size"
    );
    out
}

/// The `SecurityScopes` of each row of `table`, parts of the storage `names`, `text` and
/// `masks` (laid out as [`sizes`] counts).
const fn security_scopes<const N: usize>(
    table: &Table<N>,
    names: &'static [&'static str],
    text: &'static str,
    masks: &'static [u32],
) -> [SecurityScopes; N] {
    let mut rows = [SecurityScopes::NONE; N];
    let tree = Part::new(names, 0, table.sums.tree.len);
    let mut name_at = table.sums.tree.len + table.sums.required_len;
    let mut text_at = 0;
    let mut mask_at = table.sums.required.len;
    let mut r = 0;
    while r < N {
        let row = &table.rows[r];
        rows[r] = if row.shared {
            rows[row.parent]
        } else {
            let scopes = Part::new(names, name_at, row.len);
            let joined = match row.len {
                0 => Text::whole(""),
                1 => Text::whole(table.sums.tree.items[row.order[0] as usize]),
                _ => {
                    let len = row.joined_len(&table.sums.tree);
                    text_at += len;
                    Text::new(text, text_at - len, len)
                }
            };
            name_at += row.len;
            let requirement = Requirement::new(Part::new(masks, mask_at, row.alts.len), tree);
            mask_at += row.alts.len;
            SecurityScopes::new(scopes, joined).with_requirement(row.mask, requirement)
        };
        r += 1;
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
