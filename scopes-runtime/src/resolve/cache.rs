//! The per-request cache of dependency results (FastAPI's `use_cache`).
//!
//! A dependency reached twice in one request under the same scope union runs once. The
//! cache lives on the handler's stack, and is only written when the compiler found that the
//! handler's tree holds some dependency more than once ([`Handler::NEEDS_CACHE`]): other
//! handlers never allocate for it.
//!
//! [`Handler::NEEDS_CACHE`]: crate::graph::Handler::NEEDS_CACHE

use core::any::{Any, TypeId};
use std::rc::Rc;

use crate::graph::{SecurityScopes, same_scopes};

/// The same union: the same scopes in any order (FastAPI compares sorted sets), the same
/// alternatives.
fn same_union(a: SecurityScopes, b: SecurityScopes) -> bool {
    same_scopes(a.scopes(), b.scopes()) && a.requirement().same_as(&b.requirement())
}

/// Results of the dependencies already resolved in this request, keyed by node (the
/// `TypeId` of its marker type) and union. Not generic: compiled once.
#[derive(Default)]
pub(crate) struct Cache {
    entries: Vec<Entry>,
}

struct Entry {
    node: TypeId,
    scopes: SecurityScopes,
    value: Rc<dyn Any>,
}

impl Cache {
    /// An empty cache; allocates nothing.
    pub(crate) const fn new() -> Self {
        Self {
            entries: Vec::new(),
        }
    }

    /// The result of the dependency `node` under `scopes`, if it was resolved already in
    /// this request.
    pub(crate) fn get(&self, node: TypeId, scopes: SecurityScopes) -> Option<Rc<dyn Any>> {
        self.entries
            .iter()
            .find(|e| e.node == node && same_union(e.scopes, scopes))
            .map(|e| Rc::clone(&e.value))
    }

    /// Records the result of the dependency `node` under `scopes`.
    pub(crate) fn insert(&mut self, node: TypeId, scopes: SecurityScopes, value: Rc<dyn Any>) {
        self.entries.push(Entry {
            node,
            scopes,
            value,
        });
    }
}

impl core::fmt::Debug for Cache {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Cache")
            .field("entries", &self.entries.len())
            .finish()
    }
}
