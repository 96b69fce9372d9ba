//! Scope expressions: `scopes = ["me", any("items:read", "items:admin"), all(..)]`. The list
//! needs all of its elements, `any(..)` one of its arguments, `all(..)` all of them; they
//! nest. Each node's expression is normalised here to disjunctive normal form (the runtime
//! joins the nodes' forms along each path at compile time).

use proc_macro2::Span;
use syn::{Expr, ExprCall, ExprLit, Lit, LitStr};

use crate::errors::Errors;

/// How many alternatives one node's expression may have once normalised (the runtime's
/// `MAX_ALTERNATIVES`).
pub(crate) const MAX_ALTERNATIVES: usize = 16;

/// One element of a scope expression.
pub(crate) enum ScopeExpr {
    /// A scope literal.
    Scope(LitStr),
    /// `any(..)`: one of them.
    Any(Vec<ScopeExpr>),
    /// `all(..)`: all of them.
    All(Vec<ScopeExpr>),
}

impl ScopeExpr {
    /// Reads one element of `scopes = [..]`, pushing an error on each token that is not a
    /// scope literal, `any(..)` or `all(..)`, and on an empty `any()` / `all()`.
    pub(crate) fn parse(expr: &Expr, errors: &mut Errors) -> Option<Self> {
        match expr {
            Expr::Lit(ExprLit {
                lit: Lit::Str(lit), ..
            }) => Some(Self::Scope(lit.clone())),
            Expr::Call(ExprCall { func, args, .. }) => {
                let name = match &**func {
                    Expr::Path(path) if path.path.is_ident("any") => "any",
                    Expr::Path(path) if path.path.is_ident("all") => "all",
                    other => {
                        errors.spanned(
                            other,
                            "expected `any(..)` or `all(..)`, like `any(\"items:read\", \"items:admin\")`",
                        );
                        return None;
                    }
                };
                if args.is_empty() {
                    errors.spanned(
                        expr,
                        if name == "any" {
                            "an empty `any()` admits nobody: name at least one scope"
                        } else {
                            "an empty `all()` says nothing: name at least one scope, or remove it"
                        },
                    );
                    return None;
                }
                let parts: Vec<_> = args.iter().map(|arg| Self::parse(arg, errors)).collect();
                let parts = parts.into_iter().collect::<Option<Vec<_>>>()?;
                Some(if name == "any" {
                    Self::Any(parts)
                } else {
                    Self::All(parts)
                })
            }
            other => {
                errors.spanned(
                    other,
                    "expected a string literal scope, like `\"items\"`, or `any(..)` / `all(..)`",
                );
                None
            }
        }
    }

    /// Whether the element is a plain scope literal.
    pub(crate) fn is_scope(&self) -> bool {
        matches!(self, Self::Scope(_))
    }

    /// Its scope literals, in order.
    pub(crate) fn literals<'a>(&'a self, out: &mut Vec<&'a LitStr>) {
        match self {
            Self::Scope(lit) => out.push(lit),
            Self::Any(parts) | Self::All(parts) => {
                for part in parts {
                    part.literals(out);
                }
            }
        }
    }

    /// Its disjunctive normal form: alternatives, each the scopes it needs, none containing
    /// another (`a | a b` is `a`); `None` when a product along the way has more than
    /// [`MAX_ALTERNATIVES`] (a scope written twice could make it shrink again, but such a
    /// list is refused anyway).
    fn dnf(&self) -> Option<Vec<Vec<String>>> {
        match self {
            Self::Scope(lit) => Some(vec![vec![lit.value()]]),
            Self::Any(parts) => {
                let mut out = Vec::new();
                for part in parts {
                    for alternative in part.dnf()? {
                        or(&mut out, alternative);
                    }
                }
                Some(out)
            }
            Self::All(parts) => and(parts.iter().map(Self::dnf)),
        }
    }
}

/// Reads a scope list (the elements of `scopes = [..]` or of `#[scopes(..)]`, spanned at
/// `list`): its literals, in order, and its disjunctive normal form ([`normalise`]).
pub(crate) fn parse_list<'a>(
    elements: impl IntoIterator<Item = &'a Expr>,
    list: Span,
    errors: &mut Errors,
) -> (Vec<LitStr>, Vec<Vec<String>>) {
    let parsed: Vec<ScopeExpr> = elements
        .into_iter()
        .filter_map(|element| ScopeExpr::parse(element, errors))
        .collect();
    let mut literals = Vec::new();
    for element in &parsed {
        element.literals(&mut literals);
    }
    let literals = literals.into_iter().cloned().collect();
    (literals, normalise(&parsed, list, errors))
}

/// The disjunctive normal form of the list `elements` (all of them), or an error on the
/// list when it has more than [`MAX_ALTERNATIVES`] alternatives. Empty when every element
/// is a plain scope: the runtime reads that as one alternative of them all.
pub(crate) fn normalise(
    elements: &[ScopeExpr],
    list: Span,
    errors: &mut Errors,
) -> Vec<Vec<String>> {
    if elements.iter().all(ScopeExpr::is_scope) {
        return Vec::new();
    }
    match and(elements.iter().map(ScopeExpr::dnf)) {
        Some(dnf) if dnf.len() <= MAX_ALTERNATIVES => dnf,
        _ => {
            errors.push(syn::Error::new(
                list,
                format!(
                    "these scopes have more than {MAX_ALTERNATIVES} alternatives once expanded \
                     (every choice of each `any(..)` is one); at most {MAX_ALTERNATIVES} are supported"
                ),
            ));
            Vec::new()
        }
    }
}

/// Every alternative of each form, combined: the product; `None` once it has more than
/// [`MAX_ALTERNATIVES`] (it is refused then, so it need not grow further), or when a form
/// is `None`.
fn and(forms: impl Iterator<Item = Option<Vec<Vec<String>>>>) -> Option<Vec<Vec<String>>> {
    let mut out = vec![Vec::new()];
    for form in forms {
        let form = form?;
        let mut next = Vec::new();
        for left in &out {
            for right in &form {
                let mut alternative = left.clone();
                for scope in right {
                    if !alternative.contains(scope) {
                        alternative.push(scope.clone());
                    }
                }
                or(&mut next, alternative);
                if next.len() > MAX_ALTERNATIVES {
                    return None;
                }
            }
        }
        out = next;
    }
    Some(out)
}

/// Adds `alternative` to `form` unless one of its subsets is there; drops its supersets.
fn or(form: &mut Vec<Vec<String>>, alternative: Vec<String>) {
    let contains = |big: &[String], small: &[String]| small.iter().all(|s| big.contains(s));
    if form.iter().any(|kept| contains(&alternative, kept)) {
        return;
    }
    form.retain(|kept| !contains(kept, &alternative));
    form.push(alternative);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(src: &str) -> Vec<ScopeExpr> {
        let list: syn::ExprArray = syn::parse_str(src).unwrap();
        let mut errors = Errors::default();
        let out = list
            .elems
            .iter()
            .map(|e| ScopeExpr::parse(e, &mut errors).unwrap())
            .collect();
        assert!(errors.finish().is_ok());
        out
    }

    fn dnf(src: &str) -> Vec<Vec<String>> {
        let elements = parse(src);
        let mut errors = Errors::default();
        let out = normalise(&elements, Span::call_site(), &mut errors);
        assert!(errors.finish().is_ok());
        out
    }

    #[test]
    fn plain_lists_need_no_alternatives() {
        assert!(dnf(r#"["a", "b"]"#).is_empty());
    }

    #[test]
    fn expressions_become_alternatives() {
        assert_eq!(dnf(r#"[any("r", "w"), "me"]"#), [["r", "me"], ["w", "me"]]);
        assert_eq!(
            dnf(r#"[any("a", all("b", any("c", "d")))]"#),
            [vec!["a"], vec!["b", "c"], vec!["b", "d"]]
        );
        // `a | a b` is `a`.
        assert_eq!(dnf(r#"[any("a", all("a", "b"))]"#), [["a"]]);
    }

    #[test]
    fn a_product_past_the_limit_is_refused_not_cut() {
        // 5 x 4 = 20 alternatives inside `all(..)`: refused, never handed on in part (the
        // part once dropped the `"z"` after it).
        let elements = parse(
            r#"["me", all(any("a1", "a2", "a3", "a4", "a5"), any("b1", "b2", "b3", "b4"), "z")]"#,
        );
        let mut errors = Errors::default();
        assert!(normalise(&elements, Span::call_site(), &mut errors).is_empty());
        let message = errors.finish().unwrap_err().to_string();
        assert!(message.contains("more than 16 alternatives"), "{message}");
        // 16 exactly is fine.
        assert_eq!(
            dnf(r#"[any("a1", "a2", "a3", "a4"), any("b1", "b2", "b3", "b4")]"#).len(),
            16
        );
    }
}
