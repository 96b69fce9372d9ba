//! The actix-web route macros under `#[secured]`: which routes they register, for the
//! OpenAPI document and the route table.
//!
//! Their arguments are actix-web's to check; this only reads what it understands and never
//! reports an error of its own.

use syn::punctuated::Punctuated;
use syn::{Attribute, Expr, ExprLit, Lit, LitStr, Meta, Token};

/// The single-method route macros of actix-web, and their methods.
const METHOD_MACROS: &[(&str, &str)] = &[
    ("get", "GET"),
    ("post", "POST"),
    ("put", "PUT"),
    ("delete", "DELETE"),
    ("head", "HEAD"),
    ("connect", "CONNECT"),
    ("options", "OPTIONS"),
    ("trace", "TRACE"),
    ("patch", "PATCH"),
];

/// One route: a method, a path literal and the name of the resource the macro registers
/// (its `name = ".."`, else the fn's name, as actix-web names it).
pub(crate) struct Route {
    pub(crate) method: String,
    pub(crate) path: LitStr,
    pub(crate) name: Option<String>,
}

/// Whether `attr` is one of actix-web's route macros (`get`, `route`, `routes`, ..).
pub(crate) fn is_route_macro(attr: &Attribute) -> bool {
    macro_name(attr).is_some_and(|name| {
        name == "route" || name == "routes" || METHOD_MACROS.iter().any(|(m, _)| *m == name)
    })
}

fn macro_name(attr: &Attribute) -> Option<String> {
    let path = attr.path();
    let last = path.segments.last()?;
    let prefixed_by_actix = path.segments.len() == 1
        || path
            .segments
            .iter()
            .rev()
            .nth(1)
            .is_some_and(|s| s.ident == "actix_web");
    prefixed_by_actix.then(|| last.ident.to_string())
}

/// The routes that the route macros among `attrs` register.
pub(crate) fn routes(attrs: &[Attribute]) -> Vec<Route> {
    let mut routes = Vec::new();
    for attr in attrs {
        let Some(name) = macro_name(attr) else {
            continue;
        };
        let Meta::List(list) = &attr.meta else {
            continue;
        };
        let Ok(args) = list.parse_args_with(Punctuated::<Expr, Token![,]>::parse_terminated) else {
            continue;
        };
        let Some(Expr::Lit(ExprLit {
            lit: Lit::Str(path),
            ..
        })) = args.first()
        else {
            continue;
        };
        let resource = args.iter().skip(1).find_map(|arg| match arg {
            Expr::Assign(assign) => match (&*assign.left, &*assign.right) {
                (
                    Expr::Path(key),
                    Expr::Lit(ExprLit {
                        lit: Lit::Str(value),
                        ..
                    }),
                ) if key.path.is_ident("name") => Some(value.value()),
                _ => None,
            },
            _ => None,
        });
        if let Some((_, method)) = METHOD_MACROS.iter().find(|(m, _)| *m == name) {
            routes.push(Route {
                method: (*method).to_owned(),
                path: path.clone(),
                name: resource,
            });
        } else if name == "route" {
            for arg in args.iter().skip(1) {
                let Expr::Assign(assign) = arg else { continue };
                let is_method = matches!(&*assign.left, Expr::Path(p) if p.path.is_ident("method"));
                if let (
                    true,
                    Expr::Lit(ExprLit {
                        lit: Lit::Str(m), ..
                    }),
                ) = (is_method, &*assign.right)
                {
                    routes.push(Route {
                        method: m.value().to_uppercase(),
                        path: path.clone(),
                        name: resource.clone(),
                    });
                }
            }
        }
    }
    routes
}
