//! Checks the parsed attribute and function, collecting every error, and builds the model.

use std::collections::HashSet;

use syn::{FnArg, GenericArgument, ItemFn, PathArguments, ReturnType, Type};

use crate::attr::Args;
use crate::errors::Errors;
use crate::model::{Node, NodeKind, Output, Param, ParamKind, Scope};
use crate::route;
use crate::scope_token::check_scope_token;

pub(crate) fn node(
    kind: NodeKind,
    args: Args,
    func: ItemFn,
    mut errors: Errors,
) -> syn::Result<Node> {
    let what = kind.attribute();
    let sig = &func.sig;
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

    let scopes = scopes(args.scopes, &mut errors);
    let params = sig
        .inputs
        .iter()
        .filter_map(|input| match input {
            FnArg::Receiver(receiver) => {
                errors.spanned(
                    receiver,
                    format!("`{what}` cannot be used on a method taking `self`"),
                );
                None
            }
            FnArg::Typed(typed) => param(&typed.ty, &mut errors),
        })
        .collect();

    let routes = route::routes(&func.attrs);
    let route_macro = func.attrs.iter().any(route::is_route_macro);
    if let (NodeKind::Dependency, Some(attr)) =
        (kind, func.attrs.iter().find(|a| route::is_route_macro(a)))
    {
        errors.spanned(
            attr,
            "a `#[dependency]` cannot be a route: mark handlers `#[secured]` instead",
        );
    }
    if kind == NodeKind::Handler && matches!(sig.output, ReturnType::Default) {
        errors.spanned(
            &sig.ident,
            "a `#[secured]` handler needs a return type that implements `actix_web::Responder`",
        );
    }
    let output = output(&sig.output, kind, &mut errors);

    errors.finish()?;
    Ok(Node {
        kind,
        scopes,
        decorators: args.dependencies,
        params,
        output,
        routes,
        route_macro,
        func,
    })
}

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
/// handler configured for them).
const TRANSPARENT_EXTRACTORS: [&str; 5] = ["Data", "Path", "Query", "Json", "Form"];

fn param(ty: &Type, errors: &mut Errors) -> Option<Param> {
    let kind = match ty {
        Type::Path(path) if path.qself.is_none() => match path.path.segments.last() {
            Some(last) if last.ident == "Security" || last.ident == "Depends" => {
                dependency_arg(&last.arguments, &last.ident, errors)?
            }
            Some(last) if last.ident == "SecurityScopes" && last.arguments.is_none() => {
                ParamKind::SecurityScopes
            }
            Some(last) => ParamKind::Extractor {
                opaque: !(matches!(last.arguments, PathArguments::AngleBracketed(_))
                    && TRANSPARENT_EXTRACTORS.iter().any(|name| last.ident == name)),
            },
            None => ParamKind::Extractor { opaque: true },
        },
        Type::ImplTrait(_) => {
            errors.spanned(
                ty,
                "a parameter type cannot be `impl Trait`: name the extractor type",
            );
            return None;
        }
        _ => ParamKind::Extractor { opaque: true },
    };
    Some(Param {
        ty: ty.clone(),
        kind,
    })
}

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
    match &**ty {
        Type::Path(path)
            if path.qself.is_none()
                && path
                    .path
                    .segments
                    .last()
                    .is_some_and(|s| s.ident == "Result") =>
        {
            Output::Fallible((**ty).clone())
        }
        _ => Output::Plain((**ty).clone()),
    }
}
