//! `required_scopes!(handler)` and `handler_info!(handler)`: compile-time facts about a
//! `#[secured]` handler, read from its marker type (named like the handler).

use proc_macro2::TokenStream;
use quote::quote_spanned;
use syn::spanned::Spanned;

/// `required_scopes!(handler)`: `<handler as Handler>::REQUIRED_SCOPES`.
pub(crate) fn required_scopes(input: TokenStream) -> syn::Result<TokenStream> {
    let path = handler_path(input)?;
    Ok(quote_spanned! {path.span()=>
        <#path as ::scopes_runtime::__private::Handler>::REQUIRED_SCOPES
    })
}

/// `handler_info!(handler)`: `<handler as Node>::INFO`, checked to be a handler.
pub(crate) fn handler_info(input: TokenStream) -> syn::Result<TokenStream> {
    let path = handler_path(input)?;
    Ok(quote_spanned! {path.span()=>
        ::scopes_runtime::__private::handler_info::<#path>()
    })
}

fn handler_path(input: TokenStream) -> syn::Result<syn::Path> {
    syn::parse2(input).map_err(|error| {
        syn::Error::new(error.span(), "expected the path of a `#[secured]` handler")
    })
}
