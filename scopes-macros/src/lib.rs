//! Procedural macros of `scopes`: `#[secured]`, `#[public]`, `#[dependency]`,
//! `required_scopes!` and `handler_info!`.
//!
//! Use them through `scopes-runtime`, which re-exports them with their documentation; the
//! expansions name `::scopes_runtime` and do not work without it.
//!
//! Each attribute goes through the same stages, one module each:
//! 1. `attr` parses the arguments (`scopes = [..], dependencies = [..]`);
//! 2. `validate` checks them with the function and builds the typed `model` (closed
//!    types only: expansion never unwraps), collecting every error in `errors`;
//! 3. `expand` generates the code from the model, or, on errors, the errors and a
//!    fallback that keeps the rest of the user's crate compiling quietly (one error per
//!    mistake).
//!
//! `route` reads the actix-web route macros below `#[secured]`; `required` and `services`
//! hold the function-like macros; `scope_token` is the runtime's scope grammar (a link to its file).
#![forbid(unsafe_code)]
#![deny(unreachable_pub)]

mod attr;
mod debug;
mod errors;
mod expand;
mod group;
mod model;
mod required;
mod route;
mod scope_expr;
// A symbolic link to the runtime's `graph/scope_token.rs`: the one definition of a scope
// token, which `cargo package` copies in as a file.
#[allow(dead_code, unreachable_pub)]
mod scope_token;
mod services;
mod validate;

use proc_macro::TokenStream;

use model::NodeKind;

/// Marks an actix-web handler as secured; see `scopes_runtime::secured`.
#[proc_macro_attribute]
pub fn secured(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::attribute(NodeKind::Handler, args.into(), item.into()).into()
}

/// Marks an actix-web handler as open on purpose; see `scopes_runtime::public`.
#[proc_macro_attribute]
pub fn public(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::attribute(NodeKind::Public, args.into(), item.into()).into()
}

/// Security shared by the handlers of an inline module; see `scopes_runtime::group`.
#[proc_macro_attribute]
pub fn group(args: TokenStream, item: TokenStream) -> TokenStream {
    group::group(args.into(), item.into()).into()
}

/// Marks an async fn as a dependency; see `scopes_runtime::dependency`.
#[proc_macro_attribute]
pub fn dependency(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::attribute(NodeKind::Dependency, args.into(), item.into()).into()
}

/// A handler's total required scopes, as a `const`; see `scopes_runtime::required_scopes`.
#[proc_macro]
pub fn required_scopes(input: TokenStream) -> TokenStream {
    required::required_scopes(input.into())
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

/// An app's handlers, listed once; see `scopes_runtime::services`.
#[proc_macro]
pub fn services(input: TokenStream) -> TokenStream {
    services::services(input.into())
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

/// A handler's compile-time description; see `scopes_runtime::handler_info`.
#[proc_macro]
pub fn handler_info(input: TokenStream) -> TokenStream {
    required::handler_info(input.into())
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}
