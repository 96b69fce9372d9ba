//! `required_scopes!(handler)` and `handler_info!(handler)`: compile-time facts about a
//! `#[secured]` handler, found through its hidden marker type.

use proc_macro2::TokenStream;
use quote::quote;

use crate::model::handler_marker;

/// `required_scopes!(handler)`: `<marker as Handler>::REQUIRED_SCOPES`.
pub(crate) fn required_scopes(input: TokenStream) -> syn::Result<TokenStream> {
    let marker = marker(input)?;
    Ok(quote! {
        <#marker as ::scopes_runtime::__private::Handler>::REQUIRED_SCOPES
    })
}

/// `handler_info!(handler)`: `<marker as Node>::INFO`, checked to be a handler.
pub(crate) fn handler_info(input: TokenStream) -> syn::Result<TokenStream> {
    let marker = marker(input)?;
    Ok(quote! {
        ::scopes_runtime::__private::handler_info::<#marker>()
    })
}

/// The path of the hidden marker type of the handler at `input`.
fn marker(input: TokenStream) -> syn::Result<syn::Path> {
    let mut path: syn::Path = syn::parse2(input)?;
    let span = syn::spanned::Spanned::span(&path);
    let last = path
        .segments
        .last_mut()
        .ok_or_else(|| syn::Error::new(span, "expected the path of a `#[secured]` handler"))?;
    if !last.arguments.is_none() {
        return Err(syn::Error::new_spanned(
            &last.arguments,
            "expected the path of a `#[secured]` handler, without generic arguments",
        ));
    }
    let marker = handler_marker(&last.ident);
    last.ident = syn::Ident::new(&marker.to_string(), last.ident.span());
    Ok(path)
}
