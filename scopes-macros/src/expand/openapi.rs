//! `#[utoipa::path]` below `#[secured]`: documented from the function the user wrote, not
//! from the wrapper.
//!
//! Below `#[secured]`, utoipa would read the wrapper, whose one parameter is the hidden
//! `Resolution`: the handler's path parameters, query and body would be lost. So the
//! attribute is taken off the wrapper and put on a hidden copy of the user's signature
//! (its extractors only: `Security<..>`, `Option<Security<..>>` and `SecurityScopes` are not
//! request parameters), with the path and method of the route macro and the handler's
//! name as the operation id, implementing utoipa's `Path` for the type utoipa would have
//! made (`__path_<handler>`). The document is then the one utoipa gives with the attribute
//! above `#[secured]`.
//!
//! Only what utoipa is not told already is added: `impl_for`, `operation_id`, `path` and
//! the method(s) given by the user win.

use proc_macro2::{Ident, TokenStream, TokenTree};
use quote::{format_ident, quote};
use syn::{Attribute, Meta};

use crate::model::{Node, ParamKind};

/// Whether `attr` is `#[utoipa::path(..)]` (or `#[::utoipa::path(..)]`).
pub(super) fn is_utoipa_path(attr: &Attribute) -> bool {
    let segments: Vec<_> = attr.path().segments.iter().map(|s| &s.ident).collect();
    matches!(segments.as_slice(), [utoipa, path] if *utoipa == "utoipa" && *path == "path")
}

/// The hidden copy of the signature that carries the handler's `#[utoipa::path]`, and the
/// type it documents; nothing when there is no such attribute below `#[secured]`.
pub(super) fn documented(node: &Node) -> TokenStream {
    let func = &node.func;
    let Some(attr) = func.attrs.iter().find(|attr| is_utoipa_path(attr)) else {
        return TokenStream::new();
    };
    let name = &func.sig.ident;
    let vis = &func.vis;
    let user_args = match &attr.meta {
        Meta::List(list) => list.tokens.clone(),
        _ => TokenStream::new(),
    };
    let given = given_keys(&user_args);
    let has = |key: &str| given.iter().any(|given| given == key);

    let mut args = Vec::new();
    let path_type = format_ident!("__path_{}", name);
    let own_type = !has("impl_for");
    if own_type {
        args.push(quote!(impl_for = #path_type));
    }
    if !has("operation_id") {
        let id = name.to_string();
        args.push(quote!(operation_id = #id));
    }
    // utoipa documents one path per function: the first route's, with every method the
    // route macros give it (as utoipa reads a route macro above the function).
    if let Some(first) = node.routes.first() {
        const METHODS: &[&str] = &[
            "get", "post", "put", "delete", "options", "head", "patch", "trace",
        ];
        if !has("method") && !METHODS.iter().any(|method| has(method)) {
            let methods: Vec<Ident> = node
                .routes
                .iter()
                .filter(|route| route.path.value() == first.path.value())
                .map(|route| route.method.to_lowercase())
                .filter(|method| METHODS.contains(&method.as_str()))
                .map(|method| format_ident!("{}", method))
                .collect();
            if !methods.is_empty() {
                args.push(quote!(method(#(#methods),*)));
            }
        }
        if !has("path") {
            let path = &first.path;
            args.push(quote!(path = #path));
        }
    }
    if !user_args.is_empty() {
        args.push(user_args);
    }

    let copy = format_ident!("__scopes_openapi_{}", name);
    let params = func
        .sig
        .inputs
        .iter()
        .zip(&node.params)
        .filter(|(_, param)| matches!(param.kind, ParamKind::Extractor { .. }))
        .map(|(input, _)| match input {
            syn::FnArg::Typed(typed) => {
                let (pat, ty) = (&typed.pat, &typed.ty);
                quote!(#pat: #ty)
            }
            syn::FnArg::Receiver(_) => TokenStream::new(),
        });
    // Doc comments give the summary and description, `#[deprecated]` the flag.
    let docs = func
        .attrs
        .iter()
        .filter(|attr| attr.path().is_ident("doc") || attr.path().is_ident("deprecated"));
    let attr_path = attr.path();
    let path_struct = own_type.then(|| {
        quote! {
            #[doc(hidden)]
            #[allow(non_camel_case_types)]
            #[derive(Clone)]
            #vis struct #path_type;
        }
    });
    quote! {
        #(#docs)*
        #[#attr_path(#(#args),*)]
        #[doc(hidden)]
        #[allow(dead_code, unused_variables, unused_mut, non_snake_case, deprecated)]
        fn #copy(#(#params),*) {}

        #path_struct
    }
}

/// The keys of utoipa's arguments given at the top level of `args` (`path = ..`, `get`,
/// `method(..)`, `impl_for = ..`, ..): the first identifier of each comma-separated item.
fn given_keys(args: &TokenStream) -> Vec<String> {
    let mut keys = Vec::new();
    let mut at_start = true;
    for token in args.clone() {
        match token {
            TokenTree::Punct(punct) if punct.as_char() == ',' => at_start = true,
            TokenTree::Ident(ident) if at_start => {
                keys.push(ident.to_string());
                at_start = false;
            }
            _ => at_start = false,
        }
    }
    keys
}
