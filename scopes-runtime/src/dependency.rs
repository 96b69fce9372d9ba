//! The [`Dependency`] trait that `#[dependency]` implements, and how a dependency is resolved.

use core::future::Future;
use std::rc::Rc;

use actix_web::{Error, HttpRequest, dev::Payload};

use crate::cache::Cache;
use crate::graph::{Context, Node};
use crate::security::Security;

/// An async function marked `#[dependency]`, usable as `Security<f>` or `Depends<f>`.
///
/// Implemented by the macro on a hidden marker type named like the function; not meant to
/// be implemented by hand.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a dependency",
    label = "not a `#[dependency]`",
    note = "add `#[dependency]` to the async fn `{Self}` to use it in `Security<..>`, `Depends<..>` or `dependencies = [..]`"
)]
pub trait Dependency: Node {
    /// What the dependency gives its users: its return type, or `T` for a `Result<T, E>`.
    type Output: 'static;

    /// Runs the dependency, its own dependencies first, in the context `Ctx` (the path from
    /// the handler down to and including this dependency).
    fn resolve<Ctx: Context>(
        req: &HttpRequest,
        payload: &mut Payload,
        cache: &mut Cache,
    ) -> impl Future<Output = Result<Self::Output, Error>>;
}

/// Resolves `D` in the context `Ctx`, through the request's cache when the handler needs one.
pub async fn resolve<D: Dependency, Ctx: Context>(
    req: &HttpRequest,
    payload: &mut Payload,
    cache: &mut Cache,
) -> Result<Security<D>, Error> {
    if Ctx::CACHE {
        if let Some(value) = cache.get::<D>(Ctx::SCOPES) {
            return Ok(Security::shared(value));
        }
        let value = Rc::new(D::resolve::<Ctx>(req, payload, cache).await?);
        cache.insert::<D>(Ctx::SCOPES, Rc::clone(&value));
        Ok(Security::shared(value))
    } else {
        Ok(Security::owned(
            D::resolve::<Ctx>(req, payload, cache).await?,
        ))
    }
}
