//! What the macros' expansions name: not public API, no stability promise. Nothing outside
//! this crate's expansions imports it.

pub use actix_web;

pub use crate::graph::declaration_error;
pub use crate::graph::{
    Declared, GraphPath, Handler, Layout, Node, NodeInfo, NodeKind, Route, ScopeTable,
    child_offset, scopes_eq, tree_len,
};
pub use crate::resolve::{
    Checks, Children, Dependency, ExtractParam, NotAnExtractor, Opt, Param, Resolution, Rest,
    Security, cached, resolve_handler, store,
};

use actix_web::Error;

/// A dependency's return value, as `Ok` or as the error that becomes the response.
#[diagnostic::on_unimplemented(
    message = "a dependency's error type must turn into an actix-web error",
    label = "`{Self}` does not turn into `actix_web::Error`",
    note = "return `Result<T, E>` where `E` implements `actix_web::ResponseError`"
)]
pub trait IntoDepError {
    /// The error as actix-web's.
    fn into_dep_error(self) -> Error;
}

impl<E: Into<Error>> IntoDepError for E {
    fn into_dep_error(self) -> Error {
        self.into()
    }
}

/// The `T` of a dependency returning `Result<T, E>`.
pub trait Fallible {
    /// The success type.
    type Ok;
    /// The error type.
    type Err;
    /// As a plain `Result`.
    fn into_result(self) -> Result<Self::Ok, Self::Err>;
}

impl<T, E> Fallible for Result<T, E> {
    type Ok = T;
    type Err = E;
    fn into_result(self) -> Self {
        self
    }
}

/// A `Result`-returning dependency's value, its error turned into actix-web's.
pub fn fallible<R: Fallible>(ret: R) -> Result<R::Ok, Error>
where
    R::Err: IntoDepError,
{
    ret.into_result().map_err(IntoDepError::into_dep_error)
}

/// The dependency `D` of a `Security<D>` parameter, as the expansion names it: a generic
/// argument, like the user's, so that a `D` that is no type gets the user's error once.
pub type Dep<D> = D;

/// The value of a dependency that gives `()` (a [`scopes!`](crate::scopes!) declaration).
pub fn unit() -> crate::resolve::Resolved<()> {
    crate::resolve::Resolved::owned(())
}

/// Implemented by the wrapper fn `#[secured]` generates, and by nothing a route macro made.
#[diagnostic::on_unimplemented(
    message = "`#[secured]` must be placed above the actix-web route macro",
    label = "this handler was already turned into a route by a route macro",
    note = "write `#[secured(..)]` first and `#[get(..)]` (or `#[post]`, `#[route]`, ..) below it"
)]
pub trait SecuredFn {}

impl<F, R> SecuredFn for F where F: Fn(Resolution) -> R {}

/// Fails to compile, with the message above, when `#[secured]` was placed below a route macro.
pub const fn assert_secured_fn<F: SecuredFn>(_: &F) {}

/// The description of the handler `H`, usable in `const`s.
pub const fn handler_info<H: Handler>() -> &'static NodeInfo {
    H::INFO
}

/// `SpellOutResult<Plain>`: the return type is a plain value.
pub enum Plain {}

/// `SpellOutResult<ResultUnderAnotherName>`: the return type is a `Result` whose name does
/// not end in `Result` (a type alias): write `Result<T, E>` so that its `Err` becomes the
/// response.
#[allow(non_camel_case_types)]
pub enum ResultUnderAnotherName__write_Result_T_E {}

/// Ambiguous (E0283, "type annotations needed") exactly when the type is a `Result`: the
/// check `#[dependency]` emits for return types it reads as plain values.
pub trait SpellOutResult<Kind> {
    /// Evaluated by the check.
    const CHECKED: () = ();
}

impl<T: ?Sized> SpellOutResult<Plain> for T {}

impl<T, E> SpellOutResult<ResultUnderAnotherName__write_Result_T_E> for Result<T, E> {}
