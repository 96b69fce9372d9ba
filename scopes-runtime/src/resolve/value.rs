//! What handlers and dependencies receive: [`Security`] and [`Depends`], both a
//! [`Resolved`] value.

use core::fmt;
use core::ops::Deref;
use std::rc::Rc;

use super::Dependency;

/// The output of the dependency `D`, resolved for this handler (FastAPI's `Security(dep)`).
///
/// The scopes that `D` and everything below it see are the union of the scopes declared
/// along the path from the handler down; they come from the `#[secured]` and `#[dependency]`
/// attributes, never from the use site, so no scope is ever written twice.
///
/// ```
/// use scopes_runtime::{dependency, Security};
///
/// #[derive(Clone)]
/// struct User(String);
///
/// #[dependency]
/// async fn current_user() -> User {
///     User("johndoe".into())
/// }
///
/// #[dependency(scopes = ["me"])]
/// async fn active_user(user: Security<current_user>) -> User {
///     // `Security<D>` derefs to `D`'s output; `into_inner` takes it out.
///     assert_eq!(user.0, "johndoe");
///     user.into_inner()
/// }
/// ```
///
/// It names the value's type, [`Resolved`]`<D::Output>`: the code that holds, shares and
/// hands out values is compiled once per value type, however many dependencies give it.
pub type Security<D> = Resolved<<D as Dependency>::Output>;

/// A dependency's value, as [`Security<D>`] hands it to its user: owned, or shared with the
/// other users in this request when the request's cache holds it.
///
/// Dependencies that give the same type give the same `Resolved<T>`:
///
/// ```
/// use scopes_runtime::resolve::Resolved;
/// use scopes_runtime::{dependency, Security};
///
/// #[dependency]
/// async fn user_id() -> u64 {
///     7
/// }
///
/// #[dependency]
/// async fn checked(id: Security<user_id>) -> u64 {
///     let same: &Resolved<u64> = &id;
///     **same
/// }
/// ```
pub struct Resolved<T> {
    value: Held<T>,
}

/// `Security<D>` under FastAPI's other name. Scopes are declared on `#[dependency]` nodes, so
/// the two are the same type; `Depends` reads better where no scope is involved.
pub type Depends<D> = Security<D>;

enum Held<T> {
    Owned(T),
    Shared(Rc<T>),
}

impl<T> Resolved<T> {
    pub(crate) fn owned(value: T) -> Self {
        Self {
            value: Held::Owned(value),
        }
    }

    pub(crate) fn shared(value: Rc<T>) -> Self {
        Self {
            value: Held::Shared(value),
        }
    }

    /// The dependency's output, when no other user in this request shares it (always, unless
    /// the handler's tree reaches the dependency twice); otherwise `self` back. For outputs
    /// that cannot be cloned.
    pub fn try_into_inner(self) -> Result<T, Self> {
        match self.value {
            Held::Owned(value) => Ok(value),
            Held::Shared(value) => Rc::try_unwrap(value).map_err(Self::shared),
        }
    }

    /// The dependency's output. Moves it out, or clones it when the request's cache holds it
    /// for another user too.
    pub fn into_inner(self) -> T
    where
        T: Clone,
    {
        match self.value {
            Held::Owned(value) => value,
            Held::Shared(value) => Rc::unwrap_or_clone(value),
        }
    }
}

impl<T> Deref for Resolved<T> {
    type Target = T;

    fn deref(&self) -> &T {
        match &self.value {
            Held::Owned(value) => value,
            Held::Shared(value) => value,
        }
    }
}

/// Why a handler outside the graph cannot take `Security<..>`: the value is resolved by the
/// graph, which only `#[secured]`, `#[public]` and `#[dependency]` build. Implemented by no
/// type, so that actix-web's `FromRequest` bound names it, and its message, instead of its
/// own "`Resolved<..>: FromRequest` is not satisfied".
#[diagnostic::on_unimplemented(
    message = "`Security<..>` and `Depends<..>` are resolved by the graph: this handler is not part of it",
    label = "a dependency of a handler that is not marked",
    note = "add `#[secured]` (or `#[public]`) above the route macro of this handler, or `#[dependency]` to this fn"
)]
pub trait ResolvedByTheGraph: sealed::Never {}

mod sealed {
    /// Implemented by no type.
    pub trait Never {}
}

/// Never used: no type is [`ResolvedByTheGraph`]. (Answers a 500 rather than panic, should
/// that ever change.)
impl<T: ResolvedByTheGraph + 'static> actix_web::FromRequest for Resolved<T> {
    type Error = actix_web::Error;
    type Future = core::future::Ready<Result<Self, actix_web::Error>>;

    fn from_request(_: &actix_web::HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        core::future::ready(Err(actix_web::error::ErrorInternalServerError(
            "Internal Server Error",
        )))
    }
}

impl<T: fmt::Debug> fmt::Debug for Resolved<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Security").field(&**self).finish()
    }
}
