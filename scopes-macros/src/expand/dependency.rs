//! `#[dependency]`: the user's fn, a marker type named like it, and its `Node` and
//! `Dependency` impls.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

use super::graph::{declared_checks, marker, node_impl, resolution, resolve_fn, use_sites};
use super::private;
use crate::model::{Node, Output};

/// A `#[dependency]`: the user's fn untouched, a marker type of the same name (types and
/// functions live in different namespaces), and its `Node` and `Dependency` impls.
pub(super) fn expand(node: &Node) -> TokenStream {
    let func = &node.func;
    let name = &func.sig.ident;
    let node_impl = node_impl(node, &quote!(#name));
    let declared = declared_checks(node, &quote!(#name));
    let use_sites = use_sites(node);
    let (stmts, args) = resolution(node, &quote!(#name));
    let p = private();
    let call = quote!(#name(#(#args),*).await);
    // The value the dependency gives, its error (if any) returned as the response.
    let (output, value, not_a_result) = match &node.output {
        Output::Unit => (
            quote!(
                type Output = ();
            ),
            call,
            None,
        ),
        Output::Plain(ty) => (
            quote_spanned!(ty.span()=> type Output = #ty;),
            call,
            // A `Result` under another name would be taken for a value and its `Err`
            // ignored: refuse it, on the user's type.
            Some(quote_spanned! {ty.span()=>
                const _: () = <#ty as #p::SpellOutResult<_>>::CHECKED;
            }),
        ),
        Output::Fallible(ty) => (
            quote_spanned!(ty.span()=> type Output = <#ty as #p::Fallible>::Ok;),
            {
                // The call spanned on the return type: an error type that is not an HTTP
                // error is reported there.
                let mut name = name.clone();
                name.set_span(ty.span());
                quote_spanned!(ty.span()=> #p::fallible(#name(#(#args),*).await)?)
            },
            None,
        ),
    };
    let marker = marker(func);
    let resolve = resolve_fn(quote! {
                async move {
                    if let ::core::option::Option::Some(__scopes_hit) =
                        #p::cached(::core::any::TypeId::of::<Self>(), __scopes_path, __scopes_cx)
                    {
                        return ::core::result::Result::Ok(__scopes_hit);
                    }
                    #(#stmts)*
                    let __scopes_value = #value;
                    ::core::result::Result::Ok(#p::store(
                        ::core::any::TypeId::of::<Self>(),
                        __scopes_path,
                        __scopes_cx,
                        __scopes_value,
                    ))
                }
    });
    quote! {
        #func

        #marker

        #not_a_result

        #node_impl

        #declared

        #use_sites

        // Evaluated here, so that a dependency cycle is reported where it is declared (a
        // handler's description is evaluated with its table of scopes).
        const _: &#p::NodeInfo = <#name as #p::Node>::INFO;

        impl #p::Dependency for #name {
            #output

            #resolve
        }
    }
}
