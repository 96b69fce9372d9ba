//! `#[secured]`: the handler becomes a wrapper of the same name that resolves its
//! parameters, then runs the user's code; its `Node` and `Handler` impls.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};

use super::graph::{declared_checks, marker, node_impl, resolution, table_root, use_sites};
use super::inline::{can_inline, inner_fn, is_lint};
use super::openapi::{documented, is_utoipa_path};
use super::private;
use crate::model::{Node, NodeKind};

/// A `#[secured]` handler: a wrapper of the same name, whose one argument is the runtime's
/// `Resolution` (the request and its body, extracted at once), resolves the parameters in order
/// (decorator dependencies first), then runs the user's fn, moved inside it (or, when that
/// cannot change its meaning, just its body: see [`can_inline`]). Route macros below
/// `#[secured]` then see the wrapper.
pub(super) fn expand(node: &Node) -> TokenStream {
    let func = &node.func;
    let name = &func.sig.ident;
    let vis = &func.vis;
    let p = private();
    // The handler's marker type is named like it: the unit struct a route macro below makes,
    // or, without one, a type of our own.
    let marker = (!node.route_macro).then(|| marker(func));
    let node_impl = node_impl(node, &quote!(#name));
    let declared = declared_checks(node, &quote!(#name));
    let use_sites = use_sites(node);
    let (stmts, args) = resolution(node, &quote!(#name));
    let root = table_root(name);

    // The user's return type, as written (`impl Responder` included): handlers returning
    // the same type share actix-web's code for it.
    let responder = match &func.sig.output {
        syn::ReturnType::Type(_, ty) => quote!(#ty),
        syn::ReturnType::Default => quote!(()),
    };
    // `#[utoipa::path]` documents a hidden copy of the user's signature instead (see
    // [`documented`]): the wrapper's would hide the handler's parameters.
    let outer_attrs = func
        .attrs
        .iter()
        .filter(|attr| !is_lint(attr) && !is_utoipa_path(attr));
    let documented = documented(node);
    let call = if can_inline(func) {
        // The body runs in the wrapper, its parameters bound by `let`: one future per handler
        // instead of two, which is less code to compile. (The `Ok` after a body that never
        // ends, such as an endless `loop`, is unreachable: allowed.)
        let binds = func
            .sig
            .inputs
            .iter()
            .zip(&args)
            .map(|(input, arg)| match input {
                syn::FnArg::Typed(param) => {
                    let (pat, ty) = (&param.pat, &param.ty);
                    quote!(let #pat: #ty = #arg;)
                }
                syn::FnArg::Receiver(_) => TokenStream::new(),
            });
        let block = &func.block;
        quote! {
            #(#binds)*
            let __scopes_output = #block;
            #[allow(unreachable_code)]
            return ::core::result::Result::Ok(__scopes_output);
        }
    } else {
        let inner = inner_fn(func);
        quote! {
            #inner
            ::core::result::Result::Ok(#name(#(#args),*).await)
        }
    };
    // A tree that requires scopes where no dependency could check them (none takes
    // `SecurityScopes`, none is `Authorized`): refused here, on the handler's first scope
    // (or its name), rather than by every request.
    let span = node
        .scopes
        .first()
        .map_or_else(|| name.span(), |scope| scope.lit.span());
    let checkable = quote_spanned! {span=>
        const _: () = ::core::assert!(
            <#name as #p::Handler>::BROKEN || <#name as #p::Handler>::CHECKABLE,
            ::core::concat!(
                "`", ::core::stringify!(#name), "` requires scopes that no dependency in its ",
                "tree can check: take `Security<scopes_runtime::Authorized>` (it checks them), ",
                "or `SecurityScopes` in a dependency that passes them to `require_scopes`, ",
                "below the nodes that name them (a dependency checks the scopes of its path)",
            ),
        );
    };
    // A `#[public]` handler whose dependencies require scopes would be documented as open
    // and refuse everyone without them.
    let open = (node.kind == NodeKind::Public).then(|| {
        quote_spanned! {name.span()=>
            const _: () = ::core::assert!(
                <#name as #p::Handler>::BROKEN || <#name as #p::Handler>::REQUIRED_SCOPES.is_empty(),
                ::core::concat!(
                    "`", ::core::stringify!(#name), "` is `#[public]`, but its dependencies ",
                    "require scopes: mark it `#[secured]`",
                ),
            );
        }
    });
    let placement = (!node.route_macro).then(|| {
        quote! {
            const _: () = #p::assert_secured_fn(&self::#name);
        }
    });

    quote! {
        #(#outer_attrs)*
        #vis async fn #name(
            mut __scopes_cx: #p::Resolution,
        ) -> ::core::result::Result<#responder, #p::actix_web::Error> {
            let __scopes_path = <#name as #p::Handler>::ROOT;
            let __scopes_cx = &mut __scopes_cx;
            // Security dependencies were resolved and verified first (`resolve_handler`);
            // these statements run the remaining extractors and the body.
            #(#stmts)*
            #call
        }

        #marker

        #node_impl

        impl #p::Handler for #name {
            const ROOT: #p::GraphPath = #root;
        }

        #placement

        #checkable

        #open

        #declared

        #use_sites

        #documented
    }
}
