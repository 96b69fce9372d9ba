//! `required_scopes!(path::to::handler)`: the handler's total required scopes.

use proc_macro2::TokenStream;
use quote::quote;

use crate::model::handler_marker;

pub(crate) fn expand(input: TokenStream) -> syn::Result<TokenStream> {
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
    Ok(quote! {
        <#path as ::scopes_runtime::__private::Handler>::REQUIRED_SCOPES
    })
}
