//! Code generation: from the validated [`Node`](crate::model::Node) model, or, when
//! validation failed, the [`fallback`] that keeps the rest of the crate quiet.
//!
//! - [`dependency`]: a `#[dependency]`'s marker type and its `Node`/`Dependency` impls;
//! - [`handler`]: a `#[secured]` handler's wrapper and its `Node`/`Handler` impls;
//! - [`graph`]: what both share: the node's compile-time description and the statements
//!   that resolve its parameters;
//! - [`inline`]: whether a handler's body may run in its wrapper;
//! - [`openapi`]: `#[utoipa::path]` below `#[secured]`, moved to the user's signature;
//! - [`fallback`]: what is emitted next to the errors.

mod dependency;
mod fallback;
mod graph;
mod handler;
mod inline;
mod openapi;

use proc_macro2::TokenStream;
use quote::quote;
use syn::ItemFn;

use crate::errors::Errors;
use crate::model::{Node, NodeKind};
use crate::{attr, debug};

/// Expands `#[secured]` or `#[dependency]` on `item`: parse the arguments, validate them
/// with the function into the model, generate. On validation errors, the errors (every one
/// of them) and the [`fallback`] items; when `item` is not even a function, the item as it
/// is and the error.
pub(crate) fn attribute(kind: NodeKind, args: TokenStream, item: TokenStream) -> TokenStream {
    let func: ItemFn = match syn::parse2(item.clone()) {
        Ok(func) => func,
        Err(error) => {
            let error = syn::Error::new(
                error.span(),
                format!("`{}` expects an `async fn`", kind.attribute()),
            );
            let mut item = item;
            item.extend(error.into_compile_error());
            return item;
        }
    };
    let name = func.sig.ident.to_string();
    let mut errors = Errors::default();
    let args = attr::parse(args, &mut errors);
    let expanded = match Node::from_fn(kind, args, func, errors) {
        Ok(node) => match kind {
            NodeKind::Handler | NodeKind::Public => handler::expand(&node),
            NodeKind::Dependency => dependency::expand(&node),
        },
        Err((error, func)) => {
            let mut expanded = fallback::expand(kind, &func);
            expanded.extend(error.into_compile_error());
            expanded
        }
    };
    debug::maybe_print(&name, &expanded);
    expanded
}

/// The path every expansion names the runtime's hidden items by.
fn private() -> TokenStream {
    quote!(::scopes_runtime::__private)
}
