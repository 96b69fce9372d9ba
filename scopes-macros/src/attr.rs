//! Parsing of the attribute arguments: `scopes = ["a", any("b", "c"), ..],
//! dependencies = [f, ..]`.
//!
//! Every argument is first read as `key = expr`, so that one mistake does not hide the next;
//! the keys and values are then checked one by one, each error on its own token.

use proc_macro2::TokenStream;
use syn::parse::Parser;
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{Expr, LitStr, MetaNameValue, Token};

use crate::errors::Errors;
use crate::scope_expr;

/// The attribute keys (serde's `symbol.rs`).
pub(crate) const SCOPES: &str = "scopes";
pub(crate) const DEPENDENCIES: &str = "dependencies";
/// What a `#[group]` adds to the handlers inside it: the group's node, run first. Not
/// written by users.
pub(crate) const GROUP: &str = "__group";

/// What the attribute says, before the scopes are checked.
#[derive(Default)]
pub(crate) struct Args {
    /// The string literals of `scopes = [..]`, unchecked, in order (those inside `any(..)`
    /// and `all(..)` included).
    pub(crate) scopes: Vec<LitStr>,
    /// The disjunctive normal form of `scopes = [..]` when it holds an `any(..)` or
    /// `all(..)`; empty for a plain list.
    pub(crate) alternatives: Vec<Vec<String>>,
    /// The paths of `dependencies = [..]`.
    pub(crate) dependencies: Vec<syn::Path>,
}

/// Reads `args` (the tokens inside `#[secured(..)]` / `#[dependency(..)]`), pushing an error
/// on each offending token: an unknown or repeated key, a value that is not a list, a scope
/// that is not a string literal, a dependency that is not a path. What it could read is
/// returned either way, so validation goes on and reports its own errors too.
pub(crate) fn parse(args: TokenStream, errors: &mut Errors) -> Args {
    let mut out = Args::default();
    let pairs = match Punctuated::<MetaNameValue, Token![,]>::parse_terminated.parse2(args) {
        Ok(pairs) => pairs,
        Err(error) => {
            errors.push(syn::Error::new(
                error.span(),
                format!(
                    "{error}; expected `{SCOPES} = [\"scope\", ..]` or `{DEPENDENCIES} = [dependency, ..]`"
                ),
            ));
            return out;
        }
    };

    let mut seen_scopes = false;
    let mut seen_dependencies = false;
    for pair in pairs {
        let key = &pair.path;
        if key.is_ident(SCOPES) {
            if std::mem::replace(&mut seen_scopes, true) {
                errors.spanned(key, format!("duplicate attribute key `{SCOPES}`"));
            }
            let list = elements(&pair.value, SCOPES, errors);
            let (literals, alternatives) = scope_expr::parse_list(list, pair.value.span(), errors);
            out.scopes.extend(literals);
            out.alternatives = alternatives;
        } else if key.is_ident(GROUP) {
            match &pair.value {
                Expr::Path(path) if path.qself.is_none() => {
                    out.dependencies.insert(0, path.path.clone())
                }
                other => errors.spanned(other, "expected the path of a group's node"),
            }
        } else if key.is_ident(DEPENDENCIES) {
            if std::mem::replace(&mut seen_dependencies, true) {
                errors.spanned(key, format!("duplicate attribute key `{DEPENDENCIES}`"));
            }
            for element in elements(&pair.value, DEPENDENCIES, errors) {
                match element {
                    Expr::Path(path) if path.qself.is_none() => {
                        out.dependencies.push(path.path.clone())
                    }
                    other => errors.spanned(
                        other,
                        "expected the path of a `#[dependency]` fn, like `verify_key`",
                    ),
                }
            }
        } else {
            errors.spanned(
                key,
                format!(
                    "unknown attribute key `{}`: expected `{SCOPES}` or `{DEPENDENCIES}`",
                    quote::ToTokens::to_token_stream(key)
                ),
            );
        }
    }
    out
}

/// The elements of `[a, b, ..]`, or an error on a value that is not an array.
fn elements<'a>(value: &'a Expr, key: &str, errors: &mut Errors) -> Vec<&'a Expr> {
    let array = match value {
        Expr::Array(array) => Some(array),
        other => {
            errors.spanned(other, format!("expected a list: `{key} = [..]`"));
            None
        }
    };
    array
        .into_iter()
        .flat_map(|array| array.elems.iter())
        .collect()
}
