//! A node's children (its decorator dependencies, then its dependency parameters), resolved
//! in order by code the runtime compiles once per list of children, not by code the macros
//! write out in every handler: a handler's wrapper awaits one future, whatever its number of
//! dependencies, and handlers with the same dependencies share that future's code.

use core::future::Future;
use core::marker::PhantomData;
use core::pin::pin;

use actix_web::Error;

use super::{Checks, Dependency, Resolution, Security};
use crate::graph::{GraphPath, Requirement, tree_len};

/// One child of a node: a dependency (`Security<D>`), an optional one (`Option<Security<D>>`:
/// [`Opt`]) or more children ([`Rest`]).
///
/// Semver-exempt: named by the code the macros generate.
pub trait Child {
    /// What the node receives.
    type Value;
    /// How many rows of the node's table the child's subtree takes.
    const ROWS: usize;

    /// Resolves the child whose subtree starts `at` rows below `parent`.
    fn resolve(
        parent: GraphPath,
        at: usize,
        cx: &mut Resolution,
    ) -> impl Future<Output = Result<Self::Value, Error>>;
}

impl<D: Dependency> Child for D {
    type Value = Security<D>;
    const ROWS: usize = tree_len(D::INFO);

    fn resolve(
        parent: GraphPath,
        at: usize,
        cx: &mut Resolution,
    ) -> impl Future<Output = Result<Security<D>, Error>> {
        D::resolve(parent.child(at), cx)
    }
}

/// `Option<Security<D>>`: `None` where `D` refuses the request with a client error
/// (FastAPI's `auto_error=False`); a server failure stays an error.
///
/// Semver-exempt: named by the code the macros generate.
pub struct Opt<D>(PhantomData<fn() -> D>);

impl<D: Dependency> Child for Opt<D> {
    type Value = Option<Security<D>>;
    const ROWS: usize = tree_len(D::INFO);

    async fn resolve(
        parent: GraphPath,
        at: usize,
        cx: &mut Resolution,
    ) -> Result<Option<Security<D>>, Error> {
        match D::resolve(parent.child(at), cx).await {
            Ok(value) => Ok(Some(value)),
            Err(error) if error.as_response_error().status_code().is_client_error() => Ok(None),
            Err(error) => Err(error),
        }
    }
}

/// The children after the eleventh, as one: a node may have any number of them.
///
/// Semver-exempt: named by the code the macros generate.
pub struct Rest<C>(PhantomData<fn() -> C>);

impl<C: Children> Child for Rest<C> {
    type Value = C::Values;
    const ROWS: usize = C::ROWS;

    fn resolve(
        parent: GraphPath,
        at: usize,
        cx: &mut Resolution,
    ) -> impl Future<Output = Result<C::Values, Error>> {
        C::resolve(parent, at, cx)
    }
}

/// A node's children, a tuple of [`Child`]ren, resolved one after the other.
///
/// Semver-exempt: named by the code the macros generate.
pub trait Children {
    /// The children's values, a tuple.
    type Values;
    /// How many rows of the node's table the children's subtrees take.
    const ROWS: usize;

    /// Resolves the children, whose subtrees start `at` rows below `parent`, in order.
    fn resolve(
        parent: GraphPath,
        at: usize,
        cx: &mut Resolution,
    ) -> impl Future<Output = Result<Self::Values, Error>>;
}

macro_rules! children {
    ($($child:ident $value:ident),*) => {
        impl<$($child: Child),*> Children for ($($child,)*) {
            type Values = ($($child::Value,)*);
            const ROWS: usize = 0 $(+ $child::ROWS)*;

            #[allow(unused_variables, unused_mut, unused_assignments, clippy::unused_async)]
            async fn resolve(
                parent: GraphPath,
                at: usize,
                cx: &mut Resolution,
            ) -> Result<Self::Values, Error> {
                let mut at = at;
                $(
                    let $value = $child::resolve(parent, at, cx).await?;
                    at += $child::ROWS;
                )*
                Ok(($($value,)*))
            }
        }
    };
}

children!();
children!(A a);
children!(A a, B b);
children!(A a, B b, C c);
children!(A a, B b, C c, D d);
children!(A a, B b, C c, D d, E e);
children!(A a, B b, C c, D d, E e, F f);
children!(A a, B b, C c, D d, E e, F f, G g);
children!(A a, B b, C c, D d, E e, F f, G g, H h);
children!(A a, B b, C c, D d, E e, F f, G g, H h, I i);
children!(A a, B b, C c, D d, E e, F f, G g, H h, I i, J j);
children!(A a, B b, C c, D d, E e, F f, G g, H h, I i, J j, K k);
children!(A a, B b, C c, D d, E e, F f, G g, H h, I i, J j, K k, L l);

/// The children of the handler whose table starts at `root`, resolved while recording the
/// scope checks made in them; `Ok` only when those checks satisfy the handler's
/// `requirement` (otherwise the refusal of [`Checks::verify`], which names `handler`).
/// Generic over the children only: handlers with the same dependencies share its code.
///
/// Semver-exempt: called by the code `#[secured]` generates.
pub async fn resolve_handler<C: Children>(
    root: GraphPath,
    requirement: Requirement,
    handler: &'static str,
    cx: &mut Resolution,
) -> Result<C::Values, Error> {
    let checks = Checks::new(requirement);
    let values = checks.during(pin!(C::resolve(root, 1, cx))).await?;
    checks.verify(requirement, handler)?;
    Ok(values)
}
