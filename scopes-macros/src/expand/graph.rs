//! What a handler's and a dependency's expansions share: the node's compile-time
//! description (its `Node` impl) and the statements that resolve its parameters.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::ItemFn;
use syn::spanned::Spanned;

use super::private;
use crate::model::{Node, NodeKind, ParamKind};
use crate::route::Route;

/// The `Node` impl: own scopes and the compile-time description of the node.
pub(super) fn node_impl(node: &Node, marker: &TokenStream) -> TokenStream {
    let p = private();
    let scopes = node.scopes.iter().map(|scope| &scope.lit);
    let children: Vec<(syn::Path, bool)> = node
        .decorators
        .iter()
        .map(|dep| (dep.clone(), false))
        .chain(node.params.iter().filter_map(|param| match &param.kind {
            ParamKind::Dependency(_) => Some((child_path(param)?, false)),
            ParamKind::OptionalDependency(_) => Some((child_path(param)?, true)),
            _ => None,
        }))
        .collect();
    // Bit `i`: the `i`-th child is optional (at most 64 children, which no node has).
    let optional = children
        .iter()
        .enumerate()
        .filter(|(i, (_, optional))| *optional && *i < 64)
        .fold(0u64, |mask, (i, _)| mask | 1 << i);
    let children = children
        .iter()
        .map(|(dep, _)| quote_spanned!(dep.span()=> <#dep as #p::Node>::INFO));
    let info = NodeInfo {
        ident: &node.func.sig.ident,
        kind: node.kind,
        own_scopes: quote!(#(#scopes),*),
        alternatives: {
            let alternatives = node.alternatives.iter().map(|alternative| {
                let scopes = alternative.iter();
                quote!(&[#(#scopes),*])
            });
            quote!(#(#alternatives),*)
        },
        children: quote!(#(#children),*),
        optional,
        decorator_count: node.decorators.len(),
        routes: &node.routes,
        reads_extensions: node.reads_extensions(),
        checks_scopes: node.takes_scopes(),
        broken: false,
    };
    info.node_impl(marker)
}

/// The node a dependency parameter resolves: its dependency, or the use-site node in front
/// of it when the parameter has `#[scopes(..)]`.
fn child_path(param: &crate::model::Param) -> Option<syn::Path> {
    let dep = match &param.kind {
        ParamKind::Dependency(dep) | ParamKind::OptionalDependency(dep) => dep,
        _ => return None,
    };
    Some(match &param.use_site {
        Some(site) => {
            let mut marker = site.marker.clone();
            marker.set_span(dep.span());
            syn::Path::from(marker)
        }
        None => dependency_type(dep),
    })
}

/// The dependency of a `Security<dep>` parameter as the generated code names it:
/// `__private::Dep<dep>`, which is `dep`. Named in a generic argument, as in the user's
/// `Security<dep>`, a `dep` that is a plain fn gets the same error at the same place as
/// there, which rustc reports once, rather than a second one of another kind.
fn dependency_type(dep: &syn::Path) -> syn::Path {
    syn::parse_quote_spanned!(dep.span()=> ::scopes_runtime::__private::Dep<#dep>)
}

/// The use-site nodes of the node's `#[scopes(..)]` parameters: each a hidden marker with
/// those scopes and the parameter's dependency as its one child, resolving the dependency
/// below it (FastAPI's `Security(dep, scopes=[..])`).
pub(super) fn use_sites(node: &Node) -> TokenStream {
    let p = private();
    let sites = node.params.iter().filter_map(|param| {
        let site = param.use_site.as_ref()?;
        let (ParamKind::Dependency(dep) | ParamKind::OptionalDependency(dep)) = &param.kind else {
            return None;
        };
        let marker = &site.marker;
        let scopes = site.scopes.iter().map(|scope| &scope.lit);
        let alternatives = site.alternatives.iter().map(|alternative| {
            let scopes = alternative.iter();
            quote!(&[#(#scopes),*])
        });
        let name = marker.to_string();
        let checks = site
            .scopes
            .iter()
            .map(|scope| declared_check(&scope.lit, &quote!(#marker)));
        let dep = dependency_type(dep);
        let resolve = resolve_fn(quote! {
            <#dep as #p::Dependency>::resolve(#p::GraphPath::child(__scopes_path, 1), __scopes_cx)
        });
        Some(quote_spanned! {dep.span()=>
            #[doc(hidden)]
            #[allow(non_camel_case_types)]
            enum #marker {}

            impl #p::Node for #marker {
                const INFO: &'static #p::NodeInfo = &#p::NodeInfo::new(
                    "Security",
                    ::core::concat!(::core::module_path!(), "::", #name),
                    #p::NodeKind::Dependency,
                    &[#(#scopes),*],
                    &[#(#alternatives),*],
                    &[<#dep as #p::Node>::INFO],
                    0,
                    0,
                    &[],
                    false,
                    false,
                );
            }

            impl #p::Dependency for #marker {
                type Output = <#dep as #p::Dependency>::Output;

                #resolve
            }

            #(#checks)*
        })
    });
    quote!(#(#sites)*)
}

/// `Dependency::resolve` with `body`, which reads `__scopes_path` and `__scopes_cx` (or
/// not: the fallback's never runs) and is a future of the dependency's `Security<Self>`.
pub(super) fn resolve_fn(body: TokenStream) -> TokenStream {
    let p = private();
    quote! {
        #[allow(clippy::manual_async_fn, unused_variables)]
        fn resolve(
            __scopes_path: #p::GraphPath,
            __scopes_cx: &mut #p::Resolution,
        ) -> impl ::core::future::Future<
            Output = ::core::result::Result<#p::Security<Self>, #p::actix_web::Error>,
        > {
            #body
        }
    }
}

/// For each of the node's scope literals, a `const` spanned on it that fails when a
/// declaration (`scopes!`) in the node's subtree does not declare it: "scope `x` is not
/// declared: did you mean `y`?".
pub(super) fn declared_checks(node: &Node, marker: &TokenStream) -> TokenStream {
    let checks = node
        .scopes
        .iter()
        .map(|scope| declared_check(&scope.lit, marker));
    quote!(#(#checks)*)
}

/// The `const` checking `lit` against the declaration in the subtree of `marker`.
fn declared_check(lit: &syn::LitStr, marker: &TokenStream) -> TokenStream {
    let p = private();
    quote_spanned! {lit.span()=>
        const _: () = {
            const CHECK: &#p::Declared =
                &#p::Declared::check(<#marker as #p::Node>::INFO, #lit);
            if let ::core::option::Option::Some(message) = CHECK.message() {
                ::core::panic!("{}", message)
            }
        };
    }
}

/// The parts of a node's `NodeInfo` that differ from node to node.
pub(super) struct NodeInfo<'a> {
    /// The function's name (its raw `r#` prefix dropped in the description).
    pub(super) ident: &'a syn::Ident,
    /// Handler or dependency.
    pub(super) kind: NodeKind,
    /// The own scopes' literals, comma-separated.
    pub(super) own_scopes: TokenStream,
    /// The alternatives of their `any(..)` expression (`&["a"], &["b", "c"]`), or nothing
    /// for a plain list.
    pub(super) alternatives: TokenStream,
    /// The children's `INFO`s, comma-separated.
    pub(super) children: TokenStream,
    /// Bit `i`: the `i`-th child is optional (`Option<Security<..>>`).
    pub(super) optional: u64,
    /// How many of the children, from the first, are `dependencies = [..]`.
    pub(super) decorator_count: usize,
    /// The routes of the route macros below.
    pub(super) routes: &'a [Route],
    /// Whether the node takes an extractor that may read the request's extensions.
    pub(super) reads_extensions: bool,
    /// Whether the node takes `SecurityScopes`.
    pub(super) checks_scopes: bool,
    /// Whether this is the fallback's stand-in for a node the macro refused.
    pub(super) broken: bool,
}

impl NodeInfo<'_> {
    /// `impl Node for marker` with this description.
    pub(super) fn node_impl(&self, marker: &TokenStream) -> TokenStream {
        let p = private();
        let name = self.ident.to_string();
        let name = name.trim_start_matches("r#");
        let kind = match self.kind {
            NodeKind::Handler => quote!(Handler),
            NodeKind::Public => quote!(Public),
            NodeKind::Dependency => quote!(Dependency),
        };
        let fn_name = self.ident.to_string();
        let routes = self.routes.iter().map(|route| {
            let (method, path) = (&route.method, &route.path);
            let resource = route.name.as_deref().unwrap_or(&fn_name);
            quote!(#p::Route { method: #method, path: #path, resource: #resource })
        });
        let Self {
            own_scopes,
            alternatives,
            children,
            optional,
            decorator_count,
            reads_extensions,
            checks_scopes,
            ..
        } = self;
        let broken = self.broken.then(|| quote!(.broken()));
        quote! {
            impl #p::Node for #marker {
                const INFO: &'static #p::NodeInfo = &#p::NodeInfo::new(
                    #name,
                    ::core::concat!(::core::module_path!(), "::", #name),
                    #p::NodeKind::#kind,
                    &[#own_scopes],
                    &[#alternatives],
                    &[#children],
                    #optional,
                    #decorator_count,
                    &[#(#routes),*],
                    #reads_extensions,
                    #checks_scopes,
                )#broken;
            }
        }
    }
}

/// The hidden marker type named like the fn `func` (types and functions live in different
/// namespaces), for a node that no route macro gives a type of that name.
pub(super) fn marker(func: &ItemFn) -> TokenStream {
    let (vis, name) = (&func.vis, &func.sig.ident);
    quote_spanned! {name.span()=>
        #[doc(hidden)]
        #[allow(non_camel_case_types)]
        #vis enum #name {}
    }
}

/// Statements resolving the node's decorator dependencies and parameters at
/// `__scopes_path` (the path to the node `marker`), and the names of the parameters'
/// values, in order. The dependencies (decorators first) are resolved by one call to the
/// runtime, generic over their list only (`Children`), so this code is compiled once per
/// list; a handler's (`resolve_handler`) also records the scope checks made in them and
/// refuses the request when they do not cover the handler's requirement.
pub(super) fn resolution(node: &Node, marker: &TokenStream) -> (Vec<TokenStream>, Vec<syn::Ident>) {
    let p = private();
    // The children, in `NodeInfo::children` order: decorators, then dependency parameters;
    // each with the pattern its value is bound to.
    let mut children: Vec<(TokenStream, TokenStream)> = node
        .decorators
        .iter()
        .map(|dep| (quote_spanned!(dep.span()=> #dep), quote!(_)))
        .collect();
    // Dependencies first, in order, then the other parameters: an anonymous caller is
    // refused before anything reads or validates its input (FastAPI's order too).
    let mut args = Vec::new();
    let mut others = Vec::new();
    for (i, param) in node.params.iter().enumerate() {
        let arg = format_ident!("__scopes_arg{}", i);
        args.push(arg.clone());
        match child_path(param) {
            Some(dep) => {
                let ty = if matches!(param.kind, ParamKind::OptionalDependency(_)) {
                    quote_spanned!(dep.span()=> #p::Opt<#dep>)
                } else {
                    quote_spanned!(dep.span()=> #dep)
                };
                children.push((ty, quote!(#arg)));
            }
            None => others.push((arg, param)),
        }
    }
    let mut stmts = Vec::new();
    let (types, patterns) = children_tuple(&children);
    if node.kind.is_handler() {
        stmts.push(quote! {
            let #patterns = #p::resolve_handler::<#types>(
                <#marker as #p::Handler>::ROOT,
                <#marker as #p::Handler>::REQUIREMENT,
                <#marker as #p::Node>::INFO.path,
                __scopes_cx,
            )
            .await?;
        });
    } else if !children.is_empty() {
        stmts.push(quote! {
            let #patterns =
                <#types as #p::Children>::resolve(__scopes_path, 1, __scopes_cx).await?;
        });
    }
    for (arg, param) in others {
        let ty = &param.ty;
        let (value, span) = match &param.kind {
            ParamKind::Dependency(_) | ParamKind::OptionalDependency(_) => continue,
            ParamKind::SecurityScopes => (quote!(#p::GraphPath::scopes(__scopes_path)), ty.span()),
            ParamKind::Extractor { .. } => (
                // Spanned at the user's type: a type that is not an extractor gets one
                // error there ("`T` is not an actix-web extractor"; see the runtime's
                // `resolve::Extractor`).
                quote_spanned! {ty.span()=>
                    {
                        #[allow(unused_imports)]
                        use #p::{ExtractParam as _, NotAnExtractor as _};
                        (&&#p::Param::<#ty>::NEW).__scopes_extract(__scopes_cx).await?
                    }
                },
                ty.span(),
            ),
        };
        stmts.push(quote_spanned!(span=> let #arg = #value;));
    }
    (stmts, args)
}

/// The runtime's `Children` tuple of `children` (types and patterns): flat up to twelve, the
/// runtime's largest tuple, the twelfth a `Rest` of the others beyond.
fn children_tuple(children: &[(TokenStream, TokenStream)]) -> (TokenStream, TokenStream) {
    const FLAT: usize = 12;
    let p = private();
    let (head, rest) = if children.len() > FLAT {
        children.split_at(FLAT - 1)
    } else {
        (children, &[][..])
    };
    let mut types: Vec<TokenStream> = head.iter().map(|(ty, _)| ty.clone()).collect();
    let mut patterns: Vec<TokenStream> = head.iter().map(|(_, pat)| pat.clone()).collect();
    if !rest.is_empty() {
        let (ty, pat) = children_tuple(rest);
        types.push(quote!(#p::Rest<#ty>));
        patterns.push(pat);
    }
    (quote!((#(#types,)*)), quote!((#(#patterns,)*)))
}

/// The first row of the table of the handler `name`'s tree (its `Handler::ROOT`): the
/// runtime's `ScopeTable`, sized by the tree's node count and its `Layout`'s sizes, which
/// the compiler computes (array lengths cannot depend on a generic parameter).
pub(super) fn table_root(name: &syn::Ident) -> TokenStream {
    let p = private();
    let len = quote!({ #p::tree_len(<#name as #p::Node>::INFO) });
    let size = |field: TokenStream| quote!({ #p::Layout::<#name, #len>::SIZES.#field });
    let (names, bytes, masks) = (
        size(quote!(names)),
        size(quote!(bytes)),
        size(quote!(masks)),
    );
    quote!(#p::ScopeTable::<#name, #len, #names, #bytes, #masks>::ROOT)
}
