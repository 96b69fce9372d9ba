//! The [`Dependency`] trait that `#[dependency]` implements, and how a dependency is resolved.

use core::future::Future;
use std::rc::Rc;

use actix_web::{Error, HttpRequest, dev::Payload};

use crate::cache::Cache;
use crate::graph::{Node, Path};
use crate::security::Security;

/// An async function marked `#[dependency]`, usable as `Security<f>` or `Depends<f>`.
///
/// Implemented by the macro on a hidden marker type named like the function, and by the
/// runtime's [`VerifiedToken`](crate::VerifiedToken); not meant to be implemented by hand.
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
    /// Called by the code `#[secured]` and `#[dependency]` generate.
    #[doc(hidden)]
    fn resolve(
        path: Path,
        req: &HttpRequest,
        payload: &mut Payload,
        cache: &mut Cache,
    ) -> impl Future<Output = Result<Security<Self>, Error>>;
}

/// `D`'s result at `path` if this request computed it already (only for handlers whose tree
/// reaches a dependency twice: [`Path::caches`]).
pub fn cached<D: Dependency>(path: Path, cache: &Cache) -> Option<Security<D>> {
    if !path.caches() {
        return None;
    }
    cache.get::<D>(path.scopes().scopes()).map(Security::shared)
}

/// `D`'s result at `path`, kept in the request's cache when the handler needs one.
pub fn store<D: Dependency>(path: Path, cache: &mut Cache, value: D::Output) -> Security<D> {
    if !path.caches() {
        return Security::owned(value);
    }
    let value = Rc::new(value);
    cache.insert::<D>(path.scopes().scopes(), Rc::clone(&value));
    Security::shared(value)
}
