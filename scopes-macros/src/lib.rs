//! Procedural macros of `scopes`: `#[secured]`, `#[dependency]`, `required_scopes!` and
//! `handler_info!`.
//!
//! Use them through `scopes-runtime`, which re-exports them with their documentation; the
//! expansions name `::scopes_runtime` and do not work without it.
#![forbid(unsafe_code)]
#![deny(unreachable_pub)]

mod attr;
mod debug;
mod errors;
mod expand;
mod model;
mod required;
mod route;
// A symbolic link to the runtime's `graph/scope_token.rs`: the one definition of a scope
// token, which `cargo package` copies in as a file.
#[allow(dead_code, unreachable_pub)]
mod scope_token;
mod validate;

use proc_macro::TokenStream;

use model::NodeKind;

/// Marks an actix-web handler as secured; see `scopes_runtime::secured`.
#[proc_macro_attribute]
pub fn secured(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::node(NodeKind::Handler, args.into(), item.into()).into()
}

/// Marks an async fn as a dependency; see `scopes_runtime::dependency`.
#[proc_macro_attribute]
pub fn dependency(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::node(NodeKind::Dependency, args.into(), item.into()).into()
}

/// A handler's total required scopes, as a `const`; see `scopes_runtime::required_scopes`.
#[proc_macro]
pub fn required_scopes(input: TokenStream) -> TokenStream {
    required::required_scopes(input.into())
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
