//! [`Extractor`]: the parameters of handlers and dependencies that are neither dependencies
//! nor `SecurityScopes`, run as actix-web runs them.
//!
//! The expansion extracts a parameter of type `T` with
//! `(&&Param::<T>::NEW).__scopes_extract(cx)` (a name no trait of the user's has):
//! method resolution takes [`ExtractParam`] when `T: FromRequest`, and otherwise
//! [`NotAnExtractor`], whose bound fails with one error at the user's type, in words
//! ("`T` is not an actix-web extractor"), and nothing after it (autoref specialization).

use core::future::{Future, Pending, pending};
use core::marker::PhantomData;

use actix_web::{Error, FromRequest};

use super::Resolution;

/// An actix-web extractor (any `FromRequest` type), as a parameter of a `#[secured]`
/// handler or a `#[dependency]`.
///
/// ```compile_fail
/// use scopes_runtime::dependency;
///
/// struct Config;
///
/// // error: `Config` is not an actix-web extractor
/// #[dependency]
/// async fn settings(config: Config) -> u8 { 0 }
/// ```
///
/// Sealed: it is implemented for every `FromRequest` type, and only for those.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not an actix-web extractor",
    label = "not an actix-web extractor",
    note = "a parameter is an extractor (it implements `actix_web::FromRequest`), `SecurityScopes`, or a `#[dependency]` taken as `Security<dep>` or `Depends<dep>`"
)]
pub trait Extractor: sealed::Sealed {}

#[diagnostic::do_not_recommend]
impl<T: FromRequest> Extractor for T {}

mod sealed {
    /// Implemented by every `FromRequest` type; nameable by no other crate.
    pub trait Sealed {}

    impl<T: actix_web::FromRequest> Sealed for T {}
}

/// The parameter of type `T` being extracted.
#[doc(hidden)]
pub struct Param<T>(PhantomData<fn() -> T>);

impl<T> Param<T> {
    /// The value method resolution starts from.
    pub const NEW: Self = Self(PhantomData);
}

/// Extracts a `FromRequest` parameter (chosen first: it is implemented on `&Param<T>`).
#[doc(hidden)]
pub trait ExtractParam<T> {
    /// Runs `T`'s extractor on the request being resolved.
    fn __scopes_extract(self, cx: &mut Resolution) -> impl Future<Output = Result<T, Error>>;
}

impl<T: FromRequest> ExtractParam<T> for &Param<T> {
    #[inline]
    fn __scopes_extract(self, cx: &mut Resolution) -> impl Future<Output = Result<T, Error>> {
        let (req, payload) = cx.parts();
        let extracted = T::from_request(req, payload);
        async move { extracted.await.map_err(Into::into) }
    }
}

/// Chosen only when `T` is not `FromRequest`: its bound reports the mistake.
#[doc(hidden)]
pub trait NotAnExtractor<T> {
    /// Never compiles: `T` is not an [`Extractor`].
    fn __scopes_extract(self, cx: &mut Resolution) -> Pending<Result<T, Error>>
    where
        T: Extractor;
}

impl<T> NotAnExtractor<T> for Param<T> {
    fn __scopes_extract(self, _: &mut Resolution) -> Pending<Result<T, Error>>
    where
        T: Extractor,
    {
        // Unreachable: every `Extractor` is `FromRequest` (sealed), and for those method
        // resolution takes `ExtractParam`. Never served, should that ever change.
        pending()
    }
}
