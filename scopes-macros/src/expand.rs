//! Code generation from the validated model.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Attribute, ItemFn};

use crate::errors::Errors;
use crate::model::{Node, NodeKind, Output, ParamKind};
use crate::{attr, debug, validate};

/// Expands `#[secured]` or `#[dependency]`. On error, the original item is emitted next to
/// the errors so the rest of the crate and rust-analyzer keep working.
pub(crate) fn node(kind: NodeKind, args: TokenStream, item: TokenStream) -> TokenStream {
    let func: ItemFn = match syn::parse2(item.clone()) {
        Ok(func) => func,
        Err(error) => {
            let error = syn::Error::new(
                error.span(),
                format!("`{}` expects an `async fn`", kind.attribute()),
            );
            return input_and_compile_error(item, error);
        }
    };
    let name = func.sig.ident.to_string();
    let mut errors = Errors::default();
    let args = attr::parse(args, &mut errors);
    let expanded = match validate::node(kind, args, func, errors) {
        Ok(node) => match kind {
            NodeKind::Handler => handler(&node),
            NodeKind::Dependency => dependency(&node),
        },
        Err(error) => input_and_compile_error(item, error),
    };
    debug::maybe_print(&name, &expanded);
    expanded
}

fn input_and_compile_error(mut item: TokenStream, error: syn::Error) -> TokenStream {
    item.extend(error.into_compile_error());
    item
}

/// A `#[dependency]`: the user's fn untouched, a marker type of the same name (types and
/// functions live in different namespaces), and its `Node` and `Dependency` impls.
fn dependency(node: &Node) -> TokenStream {
    let func = &node.func;
    let name = &func.sig.ident;
    let vis = &func.vis;
    let node_impl = node_impl(node, &quote!(#name));
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
    let marker = quote_spanned! {name.span()=>
        #[doc(hidden)]
        #[allow(non_camel_case_types)]
        #vis enum #name {}
    };
    quote! {
        #func

        #marker

        #not_a_result

        #node_impl

        // Evaluated here, so that a dependency cycle is reported where it is declared (a
        // handler's description is evaluated with its table of scopes).
        const _: &#p::NodeInfo = <#name as #p::Node>::INFO;

        impl #p::Dependency for #name {
            #output

            #[allow(clippy::manual_async_fn)]
            fn resolve(
                __scopes_path: #p::GraphPath,
                __scopes_cx: &mut #p::Resolution,
            ) -> impl ::core::future::Future<
                Output = ::core::result::Result<#p::Security<Self>, #p::actix_web::Error>,
            > {
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
            }
        }
    }
}

/// A `#[secured]` handler: a wrapper of the same name, whose one argument is the runtime's
/// `Context` (the request and its body, extracted at once), resolves the parameters in order
/// (decorator dependencies first), then runs the user's fn, moved inside it (or, when that
/// cannot change its meaning, just its body: see [`can_inline`]). Route macros below
/// `#[secured]` then see the wrapper.
fn handler(node: &Node) -> TokenStream {
    let func = &node.func;
    let name = &func.sig.ident;
    let vis = &func.vis;
    let p = private();
    // The handler's marker type is named like it: the unit struct a route macro below makes,
    // or, without one, a type of our own (functions and types live in different namespaces).
    let marker = (!node.route_macro).then(|| {
        quote! {
            #[doc(hidden)]
            #[allow(non_camel_case_types)]
            #vis enum #name {}
        }
    });
    let node_impl = node_impl(node, &quote!(#name));
    let (stmts, args) = resolution(node, &quote!(#name));

    // The user's return type, as written (`impl Responder` included): handlers returning
    // the same type share actix-web's code for it.
    let responder = match &func.sig.output {
        syn::ReturnType::Type(_, ty) => quote!(#ty),
        syn::ReturnType::Default => quote!(()),
    };
    let (lints, outer_attrs): (Vec<&Attribute>, Vec<&Attribute>) =
        func.attrs.iter().partition(|attr| is_lint(attr));
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
        let mut inner = func.clone();
        inner.attrs = lints.iter().map(|attr| (*attr).clone()).collect();
        inner.vis = syn::Visibility::Inherited;
        quote! {
            #inner
            ::core::result::Result::Ok(#name(#(#args),*).await)
        }
    };
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
            #(#stmts)*
            #call
        }

        #marker

        #node_impl

        impl #p::Handler for #name {
            const ROOT: #p::GraphPath = #p::ScopeTable::<
                #name,
                { #p::tree_len(<#name as #p::Node>::INFO) },
            >::ROOT;
        }

        #placement
    }
}

/// The `Node` impl: own scopes and the compile-time description of the node.
fn node_impl(node: &Node, marker: &TokenStream) -> TokenStream {
    let p = private();
    let name = node.func.sig.ident.to_string();
    let name = name.trim_start_matches("r#");
    let kind = match node.kind {
        NodeKind::Handler => quote!(Handler),
        NodeKind::Dependency => quote!(Dependency),
    };
    let scopes: Vec<_> = node.scopes.iter().map(|scope| &scope.lit).collect();
    let children = node
        .decorators
        .iter()
        .chain(node.params.iter().filter_map(|param| match &param.kind {
            ParamKind::Dependency(dep) => Some(dep),
            _ => None,
        }));
    let children = children.map(|dep| quote_spanned!(dep.span()=> <#dep as #p::Node>::INFO));
    let decorators = node.decorators.len();
    let opaque = node.opaque();
    let routes = node.routes.iter().map(|route| {
        let method = &route.method;
        let path = &route.path;
        quote!(#p::Route { method: #method, path: #path })
    });
    quote! {
        impl #p::Node for #marker {
            const INFO: &'static #p::NodeInfo = &#p::NodeInfo {
                name: #name,
                path: ::core::concat!(::core::module_path!(), "::", #name),
                kind: #p::NodeKind::#kind,
                own_scopes: &[#(#scopes),*],
                children: &[#(#children),*],
                decorator_count: #decorators,
                routes: &[#(#routes),*],
                reads_request: #opaque,
            };
        }


    }
}

/// Statements resolving the node's decorator dependencies and parameters at
/// `__scopes_path` (the path to the node `marker`), and the names of the parameters'
/// values, in order.
fn resolution(node: &Node, marker: &TokenStream) -> (Vec<TokenStream>, Vec<syn::Ident>) {
    let p = private();
    // The children, in `NodeInfo::children` order: decorators, then dependency parameters.
    let mut child = 0usize;
    let mut resolve = |dep: &syn::Path| {
        let index = child;
        child += 1;
        // The first child's subtree starts right below its parent; the others' after their
        // elder siblings' subtrees, whose sizes the compiler knows.
        let offset = if index == 0 {
            quote!(1)
        } else {
            quote!(const { #p::child_offset(<#marker as #p::Node>::INFO, #index) })
        };
        let path = quote!(#p::GraphPath::child(__scopes_path, #offset));
        quote_spanned! {dep.span()=>
            <#dep as #p::Dependency>::resolve(
                #path, __scopes_cx,
            ).await?
        }
    };
    let mut stmts = Vec::new();
    for dep in &node.decorators {
        let value = resolve(dep);
        stmts.push(quote_spanned!(dep.span()=> let _ = #value;));
    }
    let mut args = Vec::new();
    for (i, param) in node.params.iter().enumerate() {
        let arg = format_ident!("__scopes_arg{}", i);
        let ty = &param.ty;
        let (value, span) = match &param.kind {
            ParamKind::Dependency(dep) => (resolve(dep), dep.span()),
            ParamKind::SecurityScopes => (quote!(#p::GraphPath::scopes(__scopes_path)), ty.span()),
            ParamKind::Extractor { .. } => (
                quote_spanned! {ty.span()=>
                    #p::extract::<#ty>(__scopes_cx).await?
                },
                ty.span(),
            ),
        };
        stmts.push(quote_spanned!(span=> let #arg = #value;));
        args.push(arg);
    }
    (stmts, args)
}

/// Whether the handler's body can run in the wrapper with the same meaning as in its own
/// function: no lint attributes (they would not cover the parameters' bindings), parameters
/// that are plain names without attributes (so nothing is dropped in another order), and a
/// body with no `return` or `?` of its own (they would leave the wrapper) and no macros but
/// a few well-known ones (anything else may expand to `return`, or never end).
fn can_inline(func: &ItemFn) -> bool {
    let plain_params = func.sig.inputs.iter().all(|input| match input {
        syn::FnArg::Typed(param) => {
            param.attrs.is_empty()
                && matches!(&*param.pat, syn::Pat::Ident(ident)
                    if ident.by_ref.is_none() && ident.subpat.is_none())
        }
        syn::FnArg::Receiver(_) => false,
    });
    func.attrs
        .iter()
        .all(|attr| !is_lint(attr) && attr.style == syn::AttrStyle::Outer)
        && plain_params
        && !leaves_early(&func.block)
}

/// Whether `body` may leave its function early: a `return` or a `?` of its own (not one
/// inside a closure, an async block or a nested item), or a macro call that is not one of a
/// few known not to (whose tokens hold neither).
fn leaves_early(body: &syn::Block) -> bool {
    const KNOWN: &[&str] = &[
        "format",
        "vec",
        "json",
        "concat",
        "stringify",
        "matches",
        "println",
        "eprintln",
        "trace",
        "debug",
        "info",
        "warn",
        "error",
    ];
    struct Finder(bool);
    impl<'ast> syn::visit::Visit<'ast> for Finder {
        fn visit_expr_return(&mut self, _: &'ast syn::ExprReturn) {
            self.0 = true;
        }
        fn visit_expr_try(&mut self, _: &'ast syn::ExprTry) {
            self.0 = true;
        }
        fn visit_macro(&mut self, mac: &'ast syn::Macro) {
            let known = mac
                .path
                .segments
                .last()
                .is_some_and(|last| KNOWN.iter().any(|name| last.ident == name));
            let tokens = mac.tokens.to_string();
            self.0 |= !known || tokens.contains("return") || tokens.contains('?');
        }
        fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
        fn visit_expr_async(&mut self, _: &'ast syn::ExprAsync) {}
        fn visit_item(&mut self, _: &'ast syn::Item) {}
    }
    let mut finder = Finder(false);
    syn::visit::Visit::visit_block(&mut finder, body);
    finder.0
}

fn is_lint(attr: &Attribute) -> bool {
    ["allow", "warn", "deny", "forbid", "expect"]
        .iter()
        .any(|lint| attr.path().is_ident(lint))
}

fn private() -> TokenStream {
    quote!(::scopes_runtime::__private)
}
