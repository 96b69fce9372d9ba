//! Per-request resolution: the [`Dependency`] trait that `#[dependency]` implements, the
//! values handlers receive ([`Security`], [`Depends`]), and what a request carries from node
//! to node while its handler's dependencies are resolved (the request, its body and the
//! per-request cache of results).
//!
//! It reads the compile-time [`graph`](crate::graph) and nothing of the OAuth2 machinery.

mod cache;
mod checks;
mod children;
mod extractor;
mod resolution;
mod value;

use core::future::Future;
use std::any::{Any, TypeId};
use std::rc::Rc;

use actix_web::Error;

use crate::graph::{GraphPath, Node};
#[doc(hidden)]
pub use checks::{Checks, During, UncheckedScopes};
#[doc(hidden)]
pub use children::{Child, Children, Opt, Rest, resolve_handler};
pub use extractor::Extractor;
#[doc(hidden)]
pub use extractor::{ExtractParam, NotAnExtractor, Param};
#[doc(hidden)]
pub use resolution::Resolution;
pub use value::{Depends, Resolved, ResolvedByTheGraph, Security};

/// An async function marked `#[dependency]`, usable as `Security<f>` or `Depends<f>`.
///
/// Implemented by the macro on a hidden marker type named like the function, and by the
/// runtime's `VerifiedToken`; not meant to be implemented by hand: [`resolve`](Self::resolve)
/// names semver-exempt internals.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a dependency",
    label = "not a `#[dependency]`",
    note = "add `#[dependency]` to the async fn `{Self}` to use it in `Security<..>`, `Depends<..>` or `dependencies = [..]`"
)]
pub trait Dependency: Node + Sized {
    /// What the dependency gives its users: its return type, or `T` for a `Result<T, E>`.
    type Output: 'static;

    /// Runs the dependency at `path` (from the handler down to and including this
    /// dependency), its own dependencies first, unless the request's cache holds its result.
    /// Called by the code `#[secured]` and `#[dependency]` generate; semver-exempt.
    #[doc(hidden)]
    fn resolve(
        path: GraphPath,
        cx: &mut Resolution,
    ) -> impl Future<Output = Result<Security<Self>, Error>>;
}

/// The result of the dependency `node` (the `TypeId` of its marker type: unlike its path,
/// unique) at `path` if this request computed it already (only for handlers whose tree
/// reaches a dependency twice: [`GraphPath::caches`]). Generic over the value's type only, so it
/// is compiled once per type.
#[inline]
#[doc(hidden)]
pub fn cached<T: 'static>(node: TypeId, path: GraphPath, cx: &Resolution) -> Option<Resolved<T>> {
    if !path.caches() {
        return None;
    }
    let hit = cx.cache().get(node, path.scopes())?;
    hit.downcast::<T>().ok().map(Resolved::shared)
}

/// The result `value` of the dependency `node` at `path`, kept in the request's cache when
/// the handler needs one.
#[inline]
#[doc(hidden)]
pub fn store<T: 'static>(
    node: TypeId,
    path: GraphPath,
    cx: &mut Resolution,
    value: T,
) -> Resolved<T> {
    if !path.caches() {
        return Resolved::owned(value);
    }
    let value = Rc::new(value);
    cx.cache_mut()
        .insert(node, path.scopes(), Rc::clone(&value) as Rc<dyn Any>);
    Resolved::shared(value)
}
