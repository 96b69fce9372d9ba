//! `services![h, ..]`: an app's handlers listed once, each checked to be `#[secured]` or
//! `#[public]` on its own name.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::Token;
use syn::parse::Parser;
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;

/// The runtime's `Services` of the listed handlers: their `Endpoint`s (each spanned on the
/// handler's path, so that an unmarked one is refused there) and a registration of each.
pub(crate) fn services(input: TokenStream) -> syn::Result<TokenStream> {
    let handlers = Punctuated::<syn::Path, Token![,]>::parse_terminated
        .parse2(input)
        .map_err(|error| {
            syn::Error::new(
                error.span(),
                "expected the paths of `#[secured]` or `#[public]` handlers, separated by commas",
            )
        })?;
    let rt = quote!(::scopes_runtime);
    let endpoints = handlers
        .iter()
        .map(|handler| quote_spanned!(handler.span()=> #rt::services::Endpoint::of::<#handler>()));
    let registrations = handlers.iter().map(|handler| {
        quote_spanned! {handler.span()=>
            #rt::__private::actix_web::dev::HttpServiceFactory::register(#handler, config);
        }
    });
    Ok(quote! {{
        const __SCOPES_HANDLERS: &[#rt::services::Endpoint] = &[#(#endpoints),*];
        #rt::services::Services::new(__SCOPES_HANDLERS, |config| {
            #(#registrations)*
        })
    }})
}
