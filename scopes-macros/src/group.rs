//! `#[group(prefix = "/admin", scopes = [..], dependencies = [..])]` on an inline module:
//! security shared by every handler inside, declared once and merged at compile time.
//!
//! The group becomes a node of the graph: a hidden `#[dependency]` with the group's scopes
//! and dependencies (a nested group's node depends on its parent's), which every
//! `#[secured]` handler of the module takes first, as a decorator. So the group's scopes join
//! each handler's union, its OpenAPI security and its checks like any node's. The prefix is
//! written into the route macros' paths, so routes, the gate, the route table and the
//! OpenAPI document all see the full path with nothing to configure. The module gets a
//! `SERVICES` list of its handlers.

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, quote};
use syn::parse::Parser;
use syn::punctuated::Punctuated;
use syn::{Attribute, Expr, ExprLit, Item, ItemMod, Lit, LitStr, Meta, MetaNameValue, Token};

use crate::errors::Errors;
use crate::route;

/// The key of a nested group's parent node: written by the outer group, not by users.
const PARENT: &str = "__parent";

/// Expands `#[group(args)]` on `item`.
pub(crate) fn group(args: TokenStream, item: TokenStream) -> TokenStream {
    let mut errors = Errors::default();
    let mut module: ItemMod = match syn::parse2(item.clone()) {
        Ok(module) => module,
        Err(error) => {
            let error = syn::Error::new(
                error.span(),
                "`#[group]` expects an inline `mod name { .. }`",
            );
            let mut item = item;
            item.extend(error.into_compile_error());
            return item;
        }
    };
    let pairs = match Punctuated::<MetaNameValue, Token![,]>::parse_terminated.parse2(args) {
        Ok(pairs) => pairs,
        Err(error) => {
            errors.push(syn::Error::new(
                error.span(),
                format!("{error}; expected `prefix = \"/path\"`, `scopes = [..]` or `dependencies = [..]`"),
            ));
            Punctuated::new()
        }
    };
    let mut prefix = String::new();
    let mut parent = None;
    let mut node_args = Vec::new();
    let mut deps = Vec::new();
    for pair in pairs {
        if pair.path.is_ident("prefix") {
            match &pair.value {
                Expr::Lit(ExprLit {
                    lit: Lit::Str(lit), ..
                }) if lit.value().is_empty() || lit.value().starts_with('/') => {
                    prefix = lit.value().trim_end_matches('/').to_owned();
                }
                other => errors.spanned(other, "expected a path prefix, like `\"/admin\"`"),
            }
        } else if pair.path.is_ident(PARENT) {
            parent = Some(pair.value);
        } else if pair.path.is_ident("dependencies") {
            // Written where the attribute is, they are named from inside the module.
            match pair.value {
                Expr::Array(array) => {
                    for element in array.elems {
                        deps.push(match element {
                            Expr::Path(path) if path.qself.is_none() => {
                                from_inside(&path.path).into_token_stream()
                            }
                            other => other.into_token_stream(),
                        });
                    }
                }
                other => node_args.push(quote!(dependencies = #other)),
            }
        } else {
            let (key, value) = (&pair.path, &pair.value);
            node_args.push(quote!(#key = #value));
        }
    }
    let Some((_, items)) = &mut module.content else {
        errors.spanned(
            &module.ident,
            "`#[group]` expects an inline `mod name { .. }`, not `mod name;`",
        );
        let mut out = module.into_token_stream();
        if let Err(error) = errors.finish() {
            out.extend(error.into_compile_error());
        }
        return out;
    };

    let mut handlers = Vec::new();
    for item in items.iter_mut() {
        match item {
            Item::Fn(func) => {
                let marked = func.attrs.iter().find_map(marker_kind);
                let Some(kind) = marked else { continue };
                for attr in &mut func.attrs {
                    if route::is_route_macro(attr) {
                        prefix_route(attr, &prefix);
                    } else if kind == Marker::Secured && marker_kind(attr) == Some(Marker::Secured)
                    {
                        join_group(attr);
                    }
                }
                handlers.push(func.sig.ident.clone());
            }
            Item::Mod(inner) => {
                for attr in &mut inner.attrs {
                    if is_group(attr) {
                        nest(attr, &prefix);
                    }
                }
            }
            _ => {}
        }
    }
    // The group's node: the parent group's node first among its dependencies.
    deps.splice(0..0, parent.map(ToTokens::into_token_stream));
    if !deps.is_empty() {
        node_args.push(quote!(dependencies = [#(#deps),*]));
    }
    items.push(syn::parse_quote! {
        #[doc(hidden)]
        #[::scopes_runtime::dependency(#(#node_args),*)]
        async fn __scopes_group() {}
    });
    items.push(syn::parse_quote! {
        /// The group's handlers, listed once (see `scopes_runtime::services!`).
        #[allow(dead_code)]
        pub const SERVICES: ::scopes_runtime::services::Services =
            ::scopes_runtime::services![#(#handlers),*];
    });
    let mut out = module.into_token_stream();
    if let Err(error) = errors.finish() {
        out.extend(error.into_compile_error());
    }
    out
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Marker {
    Secured,
    Public,
}

/// Whether `attr` is `#[secured]` or `#[public]` (bare or as `scopes_runtime::..`).
fn marker_kind(attr: &Attribute) -> Option<Marker> {
    let last = attr.path().segments.last()?;
    match last.ident.to_string().as_str() {
        "secured" => Some(Marker::Secured),
        "public" => Some(Marker::Public),
        _ => None,
    }
}

/// Whether `attr` is `#[group]`.
fn is_group(attr: &Attribute) -> bool {
    attr.path()
        .segments
        .last()
        .is_some_and(|s| s.ident == "group")
}

/// `#[secured(..)]` with the group's node first among its dependencies.
fn join_group(attr: &mut Attribute) {
    let path = attr.path().clone();
    let args = match &attr.meta {
        Meta::List(list) => list.tokens.clone(),
        _ => TokenStream::new(),
    };
    let comma = (!args.is_empty()).then(|| quote!(,));
    *attr = syn::parse_quote!(#[#path(__group = self::__scopes_group #comma #args)]);
}

/// A nested `#[group(..)]`: its prefix under this one's, its node under this one's.
fn nest(attr: &mut Attribute, prefix: &str) {
    let args = match &attr.meta {
        Meta::List(list) => list.tokens.clone(),
        _ => TokenStream::new(),
    };
    let Ok(mut pairs) = Punctuated::<MetaNameValue, Token![,]>::parse_terminated.parse2(args)
    else {
        return;
    };
    let mut had_prefix = false;
    for pair in pairs.iter_mut() {
        if pair.path.is_ident("prefix")
            && let Expr::Lit(ExprLit {
                lit: Lit::Str(lit), ..
            }) = &pair.value
        {
            let joined = LitStr::new(&format!("{prefix}{}", lit.value()), lit.span());
            pair.value = syn::parse_quote!(#joined);
            had_prefix = true;
        }
    }
    if !had_prefix && !prefix.is_empty() {
        let joined = LitStr::new(prefix, Span::call_site());
        pairs.push(syn::parse_quote!(prefix = #joined));
    }
    let parent = syn::Ident::new(PARENT, Span::call_site());
    let pairs = pairs.iter();
    // By its absolute path: the outer group is what made it a group of the runtime's.
    *attr =
        syn::parse_quote!(#[::scopes_runtime::group(#parent = super::__scopes_group, #(#pairs),*)]);
}

/// The route macro `attr` with its path under `prefix`.
fn prefix_route(attr: &mut Attribute, prefix: &str) {
    if prefix.is_empty() {
        return;
    }
    let Meta::List(list) = &mut attr.meta else {
        return;
    };
    let Ok(mut args) = list.parse_args_with(Punctuated::<Expr, Token![,]>::parse_terminated) else {
        return;
    };
    if let Some(Expr::Lit(ExprLit {
        lit: Lit::Str(path),
        ..
    })) = args.first_mut()
    {
        *path = LitStr::new(&format!("{prefix}{}", path.value()), path.span());
        list.tokens = args.into_token_stream();
    }
}

/// `path`, written outside the module, as named from inside it: a single name (an item or
/// an import where the attribute is) and `self::..` / `super::..` are looked up from the
/// parent; longer paths (`crate::..`, a crate's name) stay as written.
fn from_inside(path: &syn::Path) -> syn::Path {
    let first = path.segments.first().map(|s| s.ident.to_string());
    match first.as_deref() {
        _ if path.leading_colon.is_some() => path.clone(),
        Some("self") => {
            let rest = path.segments.iter().skip(1);
            syn::parse_quote!(super::#(#rest)::*)
        }
        Some("super") => syn::parse_quote!(super::#path),
        _ if path.segments.len() == 1 => syn::parse_quote!(super::#path),
        _ => path.clone(),
    }
}
