//! Whether a `#[secured]` handler's body can run inside its wrapper instead of in a
//! function of its own.
//!
//! Inlining saves one future per handler, which is less code to compile: it exists for the
//! compile-time goal (a crate of many handlers builds in about the time of the same
//! handlers written by hand). It is a syntactic judgement, so it is conservative: anything
//! it cannot see through (an unknown macro, a lint attribute, a pattern parameter) keeps
//! the body in its own function. `tests/ui/pass/handler-bodies.rs` holds the cases.

use syn::{Attribute, ItemFn};

/// Whether the handler's body can run in the wrapper with the same meaning as in its own
/// function: no lint attributes (they would not cover the parameters' bindings), parameters
/// that are plain names without attributes (so nothing is dropped in another order), and a
/// body with no `return` or `?` of its own (they would leave the wrapper) and no macros but
/// a few well-known ones (anything else may expand to `return`, or never end).
pub(super) fn can_inline(func: &ItemFn) -> bool {
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
        .all(|attr| !is_lint(attr) && matches!(attr.style, syn::AttrStyle::Outer))
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

/// The user's fn as it runs inside its wrapper when its body is not inlined: private, and
/// with only its lint attributes (the others are the wrapper's).
pub(super) fn inner_fn(func: &ItemFn) -> ItemFn {
    let mut inner = func.clone();
    inner.attrs.retain(is_lint);
    inner.vis = syn::Visibility::Inherited;
    inner
}

pub(super) fn is_lint(attr: &Attribute) -> bool {
    ["allow", "warn", "deny", "forbid", "expect"]
        .iter()
        .any(|lint| attr.path().is_ident(lint))
}
