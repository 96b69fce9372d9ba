//! What a `#[dependency]` or `#[secured]` whose attribute or signature is invalid still
//! emits next to its errors (thiserror's `fallback`): its marker type and stub impls, so
//! that every `Security<that_dep>`, `handler_info!(that_handler)` and route macro elsewhere
//! keeps compiling quietly, and one mistake gives one error.
//!
//! The stubs never run: the crate does not compile while the errors stand.

use proc_macro2::TokenStream;
use quote::quote;
use syn::{ItemFn, ReturnType, Type};

use super::graph::{NodeInfo, marker, resolve_fn, table_root};
use super::inline::inner_fn;
use super::private;
use crate::model::NodeKind;
use crate::route;
use crate::validate::is_result;

/// The fallback items of a node of `kind` whose model could not be built from `func`.
pub(super) fn expand(kind: NodeKind, func: &ItemFn) -> TokenStream {
    match kind {
        NodeKind::Dependency => dependency(func),
        NodeKind::Handler | NodeKind::Public => handler(func, kind),
    }
}

/// The user's fn as written (its calls keep resolving), the marker (unless a route macro on
/// the fn, already an error, makes a type of that name), an empty `Node` and a `Dependency`
/// giving the declared type.
fn dependency(func: &ItemFn) -> TokenStream {
    let p = private();
    let name = &func.sig.ident;
    let marker = (!func.attrs.iter().any(route::is_route_macro)).then(|| marker(func));
    let node = node_impl(func, NodeKind::Dependency);
    let resolve = resolve_fn(quote!(async move { ::core::unreachable!() }));
    // The declared value type, unless naming it would itself fail (generic parameters,
    // `impl Trait`): `()` then.
    let output = match &func.sig.output {
        ReturnType::Type(_, ty) if func.sig.generics.params.is_empty() && !has_impl(ty) => {
            if is_result(ty) {
                quote!(<#ty as #p::Fallible>::Ok)
            } else {
                quote!(#ty)
            }
        }
        _ => quote!(()),
    };
    quote! {
        #func

        #marker

        #node

        impl #p::Dependency for #name {
            type Output = #output;

            #resolve
        }
    }
}

/// The wrapper's signature (what a route macro below expects), with its attributes and the
/// user's fn inside it (still checked, never called), the marker when no route macro makes
/// one, an empty `Node` and a `Handler`.
fn handler(func: &ItemFn, kind: NodeKind) -> TokenStream {
    let p = private();
    // Only lint attributes on the inner fn: the others (route macros, `#[utoipa::path]`,
    // docs) are the wrapper's, and would otherwise expand, and report, twice.
    let inner = inner_fn(func);
    let (name, vis, attrs) = (&func.sig.ident, &func.vis, &func.attrs);
    let responder = match &func.sig.output {
        ReturnType::Type(_, ty) if !has_impl(ty) => quote!(#ty),
        _ => quote!(#p::actix_web::HttpResponse),
    };
    let marker = (!attrs.iter().any(route::is_route_macro)).then(|| marker(func));
    let node = node_impl(func, kind);
    let root = table_root(name);
    quote! {
        #(#attrs)*
        #vis async fn #name(
            _: #p::Resolution,
        ) -> ::core::result::Result<#responder, #p::actix_web::Error> {
            #[allow(dead_code)]
            #inner
            ::core::unreachable!()
        }

        #marker

        #node

        impl #p::Handler for #name {
            const ROOT: #p::GraphPath = #root;
        }
    }
}

/// A `Node` impl with no scopes and no children (the routes a route macro gives, kept).
fn node_impl(func: &ItemFn, kind: NodeKind) -> TokenStream {
    let marker = &func.sig.ident;
    NodeInfo {
        ident: marker,
        kind,
        own_scopes: TokenStream::new(),
        alternatives: TokenStream::new(),
        children: TokenStream::new(),
        optional: 0,
        decorator_count: 0,
        routes: &route::routes(&func.attrs),
        reads_extensions: false,
        checks_scopes: false,
        broken: true,
    }
    .node_impl(&quote!(#marker))
}

/// Whether `ty` holds an `impl Trait` anywhere.
fn has_impl(ty: &Type) -> bool {
    struct Finder(bool);
    impl<'ast> syn::visit::Visit<'ast> for Finder {
        fn visit_type_impl_trait(&mut self, _: &'ast syn::TypeImplTrait) {
            self.0 = true;
        }
    }
    let mut finder = Finder(false);
    syn::visit::Visit::visit_type(&mut finder, ty);
    finder.0
}
