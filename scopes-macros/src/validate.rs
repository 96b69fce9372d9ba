//! Checks the parsed attribute and the function, collecting every error, and builds the
//! model ([`Node::from_fn`]): what each parameter is, what the function returns, which
//! routes it is registered under.

use std::collections::HashSet;

use syn::spanned::Spanned;
use syn::{FnArg, GenericArgument, ItemFn, PathArguments, ReturnType, Type};

use crate::attr::Args;
use crate::errors::Errors;
use crate::model::{Node, NodeKind, Output, Param, ParamKind, Scope, UseSite};
use crate::route;
use crate::scope_expr;
use crate::scope_token::check_scope_token;

impl Node {
    /// The model of `func` under the attribute `kind` with `args`, or every error found
    /// (added to the attribute's own `errors`) with `func` back, for the fallback: the signature (an `async fn`, not `const`,
    /// generic, variadic or a method), the scopes (RFC 6749 tokens, no repeats), each
    /// parameter's kind ([`param`]), the return type, and the route macros below.
    #[allow(
        clippy::result_large_err,
        reason = "returned once per attribute, by move"
    )]
    pub(crate) fn from_fn(
        kind: NodeKind,
        args: Args,
        mut func: ItemFn,
        mut errors: Errors,
    ) -> Result<Node, (syn::Error, ItemFn)> {
        // `#[scopes(..)]` on parameters is ours: taken off before anything else sees the fn.
        let use_site_attrs = take_use_site_attrs(&mut func);
        check_signature(kind, &func.sig, &mut errors);
        if let (NodeKind::Public, Some(first)) = (kind, args.scopes.first()) {
            errors.spanned(
                first,
                "a `#[public]` handler requires no scope: mark it `#[secured(scopes = [..])]` instead",
            );
        }
        let scopes = scopes(args.scopes, &mut errors);
        let mut use_site_attrs = use_site_attrs.into_iter();
        let params = func
            .sig
            .inputs
            .iter()
            .enumerate()
            .filter_map(|(i, input)| match input {
                FnArg::Receiver(receiver) => {
                    errors.spanned(
                        receiver,
                        format!(
                            "`{}` cannot be used on a method taking `self`",
                            kind.attribute()
                        ),
                    );
                    None
                }
                FnArg::Typed(typed) => {
                    let mut param = param(&typed.ty, &mut errors)?;
                    if let Some(Some(attr)) = use_site_attrs.next() {
                        param.use_site = use_site(&attr, &param, &func.sig.ident, i, &mut errors);
                    }
                    Some(param)
                }
            })
            .collect();

        let routes = route::routes(&func.attrs);
        let route_attr = func.attrs.iter().find(|a| route::is_route_macro(a));
        if let (NodeKind::Dependency, Some(attr)) = (kind, route_attr) {
            errors.spanned(
                attr,
                "a `#[dependency]` cannot be a route: mark handlers `#[secured]` instead",
            );
        }
        let route_macro = route_attr.is_some();
        if kind.is_handler() && matches!(func.sig.output, ReturnType::Default) {
            errors.spanned(
                &func.sig.ident,
                format!(
                    "a `{}` handler needs a return type that implements `actix_web::Responder`",
                    kind.attribute()
                ),
            );
        }
        let output = output(&func.sig.output, kind, &mut errors);

        if let Err(error) = errors.finish() {
            return Err((error, func));
        }
        Ok(Node {
            kind,
            scopes,
            alternatives: args.alternatives,
            decorators: args.dependencies,
            params,
            output,
            routes,
            route_macro,
            func,
        })
    }
}

/// What makes a signature unfit for either attribute: not `async`, `const`, generic, with a
/// `where` clause, variadic.
fn check_signature(kind: NodeKind, sig: &syn::Signature, errors: &mut Errors) {
    let what = kind.attribute();
    if sig.asyncness.is_none() {
        errors.spanned(sig.fn_token, format!("`{what}` expects an `async fn`"));
    }
    if let Some(constness) = sig.constness {
        errors.spanned(
            constness,
            format!("`{what}` cannot be used on a `const fn`"),
        );
    }
    if !sig.generics.params.is_empty() {
        errors.spanned(
            &sig.generics,
            format!("`{what}` cannot be used on a generic fn"),
        );
    } else if let Some(where_clause) = &sig.generics.where_clause {
        errors.spanned(
            where_clause,
            format!("`{what}` cannot be used on a fn with a `where` clause"),
        );
    }
    if let Some(variadic) = &sig.variadic {
        errors.spanned(
            variadic,
            format!("`{what}` cannot be used on a variadic fn"),
        );
    }
}

/// The scopes of `literals`, each a valid RFC 6749 scope token, no scope twice; an error on
/// each literal that is not.
fn scopes(literals: Vec<syn::LitStr>, errors: &mut Errors) -> Vec<Scope> {
    let mut seen = HashSet::new();
    let mut scopes = Vec::new();
    for lit in literals {
        let value = lit.value();
        if let Err(error) = check_scope_token(&value) {
            errors.spanned(
                &lit,
                if value.is_empty() {
                    format!("invalid scope: {}", error.reason())
                } else {
                    format!("invalid scope `{value}`: {}", error.reason())
                },
            );
        } else if !seen.insert(value.clone()) {
            errors.spanned(&lit, format!("duplicate scope `{value}`"));
        } else {
            scopes.push(Scope { lit });
        }
    }
    scopes
}

/// actix-web's extractors that run no code of the user's with the request (but an error
/// handler configured for them): a node that takes only these, the runtime's scheme
/// (`OAuth2PasswordBearer`, read from app data) and dependencies does not read the
/// request's extensions.
const TRANSPARENT_EXTRACTORS: [&str; 5] = ["Data", "Path", "Query", "Json", "Form"];

/// Whether the last segment of an extractor's type names one that reads no extensions.
fn is_transparent(last: &syn::PathSegment) -> bool {
    match &last.arguments {
        PathArguments::AngleBracketed(_) => {
            TRANSPARENT_EXTRACTORS.iter().any(|name| last.ident == name)
        }
        PathArguments::None => last.ident == "OAuth2PasswordBearer",
        PathArguments::Parenthesized(_) => false,
    }
}

/// What a parameter of type `ty` is: `Security<dep>` / `Depends<dep>` (by the last segment's
/// name, with one type argument that is a path), `SecurityScopes`, or else an actix-web
/// extractor (`impl Trait` refused: it cannot be named in the generated code).
fn param(ty: &Type, errors: &mut Errors) -> Option<Param> {
    let kind = match ty {
        Type::Path(path) if path.qself.is_none() => match path.path.segments.last() {
            Some(last) if last.ident == "Security" || last.ident == "Depends" => {
                dependency_arg(&last.arguments, &last.ident, errors)?
            }
            Some(last) if last.ident == "SecurityScopes" && last.arguments.is_none() => {
                ParamKind::SecurityScopes
            }
            Some(last) if last.ident == "Option" => match optional_dependency(&last.arguments) {
                Some((args, wrapper)) => match dependency_arg(args, wrapper, errors)? {
                    ParamKind::Dependency(dep) => ParamKind::OptionalDependency(dep),
                    other => other,
                },
                None => ParamKind::Extractor {
                    reads_extensions: true,
                },
            },
            Some(last) => ParamKind::Extractor {
                reads_extensions: !is_transparent(last),
            },
            None => ParamKind::Extractor {
                reads_extensions: true,
            },
        },
        Type::ImplTrait(_) => {
            errors.spanned(
                ty,
                "a parameter type cannot be `impl Trait`: name the extractor type",
            );
            return None;
        }
        _ => ParamKind::Extractor {
            reads_extensions: true,
        },
    };
    Some(Param {
        ty: ty.clone(),
        kind,
        use_site: None,
    })
}

/// The name of the parameter attribute that gives a dependency scopes at its use site.
const USE_SITE: &str = "scopes";

/// Takes every `#[scopes(..)]` off the fn's parameters: for each parameter (the receiver
/// included, for alignment) the first one, if any. A second one on one parameter is kept on
/// it, for rustc to refuse.
fn take_use_site_attrs(func: &mut ItemFn) -> Vec<Option<syn::Attribute>> {
    func.sig
        .inputs
        .iter_mut()
        .map(|input| match input {
            FnArg::Typed(typed) => {
                let at = typed
                    .attrs
                    .iter()
                    .position(|a| a.path().is_ident(USE_SITE))?;
                Some(typed.attrs.remove(at))
            }
            FnArg::Receiver(_) => None,
        })
        .collect()
}

/// The scopes `#[scopes(..)]` gives the dependency of `param` (the `i`-th of `func`), as
/// FastAPI's `Security(dep, scopes=[..])`: an edge node between this node and the dependency.
fn use_site(
    attr: &syn::Attribute,
    param: &Param,
    func: &syn::Ident,
    i: usize,
    errors: &mut Errors,
) -> Option<UseSite> {
    if !matches!(
        param.kind,
        ParamKind::Dependency(_) | ParamKind::OptionalDependency(_)
    ) {
        errors.spanned(
            attr,
            "`#[scopes(..)]` goes on a `Security<..>` or `Depends<..>` parameter",
        );
        return None;
    }
    let elements = match attr
        .parse_args_with(syn::punctuated::Punctuated::<syn::Expr, syn::Token![,]>::parse_terminated)
    {
        Ok(elements) => elements,
        Err(error) => {
            errors.push(syn::Error::new(
                error.span(),
                "expected `#[scopes(\"scope\", ..)]`, like `#[scopes(\"items\")]`",
            ));
            return None;
        }
    };
    let (literals, alternatives) = scope_expr::parse_list(&elements, attr.span(), errors);
    let scopes = scopes(literals, errors);
    let func = func.to_string();
    Some(UseSite {
        scopes,
        alternatives,
        marker: quote::format_ident!("__scopes_use_site_{}_{}", func.trim_start_matches("r#"), i),
    })
}

/// The arguments of `Security<..>` / `Depends<..>` in `Option<Security<..>>`, and the
/// wrapper's name; `None` for any other `Option<T>` (an actix-web extractor).
fn optional_dependency(args: &PathArguments) -> Option<(&PathArguments, &syn::Ident)> {
    let PathArguments::AngleBracketed(args) = args else {
        return None;
    };
    match args.args.first() {
        Some(GenericArgument::Type(Type::Path(inner))) if args.args.len() == 1 => {
            let last = inner.path.segments.last()?;
            (inner.qself.is_none() && (last.ident == "Security" || last.ident == "Depends"))
                .then_some((&last.arguments, &last.ident))
        }
        _ => None,
    }
}

/// The dependency named in `Security<dep>` / `Depends<dep>`.
fn dependency_arg(
    args: &PathArguments,
    wrapper: &syn::Ident,
    errors: &mut Errors,
) -> Option<ParamKind> {
    let expected = format!("expected `{wrapper}<dependency>`, naming one `#[dependency]` fn");
    let PathArguments::AngleBracketed(args) = args else {
        errors.spanned(wrapper, expected);
        return None;
    };
    let mut types = args.args.iter();
    match (types.next(), types.next()) {
        (Some(GenericArgument::Type(Type::Path(dep))), None) if dep.qself.is_none() => {
            Some(ParamKind::Dependency(dep.path.clone()))
        }
        _ => {
            errors.spanned(args, expected);
            None
        }
    }
}

/// What the function returns: nothing, a plain value, or a `Result` (by its path's last
/// segment: see [`is_result`]).
fn output(ret: &ReturnType, kind: NodeKind, errors: &mut Errors) -> Output {
    let ReturnType::Type(_, ty) = ret else {
        return Output::Unit;
    };
    if kind == NodeKind::Dependency && matches!(**ty, Type::ImplTrait(_)) {
        errors.spanned(
            ty,
            "a `#[dependency]` cannot return `impl Trait`: name the type it returns",
        );
    }
    if is_result(ty) {
        Output::Fallible((**ty).clone())
    } else {
        Output::Plain((**ty).clone())
    }
}

/// Whether `ty` is read as a `Result`: a type path whose last segment is `Result`. Other
/// `Result`s (a type alias) are refused by a check in the expansion.
pub(crate) fn is_result(ty: &Type) -> bool {
    matches!(ty, Type::Path(path) if path.qself.is_none()
        && path.path.segments.last().is_some_and(|s| s.ident == "Result"))
}
