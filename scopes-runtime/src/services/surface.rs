//! [`SecuritySurface`]: every route of an app's [`Services`], with its status, its
//! requirement and its dependency chain, as data: what a security review reads, and what a
//! snapshot test keeps visible in every diff.

use core::fmt::{self, Write as _};

use crate::graph::NodeInfo;

use super::Services;

/// One route of the surface.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteSecurity {
    /// The method, upper case.
    pub method: &'static str,
    /// The path pattern, as actix-web writes it.
    pub path: &'static str,
    /// The handler's name.
    pub handler: &'static str,
    /// Whether the handler is `#[public]`.
    pub public: bool,
    /// The alternatives of the requirement, any one of which admits a request: each the
    /// scopes it needs, all of them. A plain scope list is one alternative; a public route
    /// has none, and a secured route that requires no scope has one, empty (a valid token).
    pub requirement: Vec<Vec<&'static str>>,
    /// The dependency tree under the handler, in preorder, each node with its own scopes:
    /// `get_current_active_user[me] -> get_current_user -> VerifiedToken`, branches
    /// separated by `, `.
    pub chain: String,
}

/// Every route of an app's [`Services`], in the list's order
/// ([`Services::surface`](super::Services::surface)).
///
/// # Examples
/// ```
/// use actix_web::get;
/// use scopes_runtime::{dependency, public, secured, services, services::Services, SecurityScopes};
///
/// #[dependency(scopes = ["me"])]
/// async fn current_user(scopes: SecurityScopes) -> Result<(), actix_web::Error> {
///     scopes.check(&["me"]).map_err(|_| actix_web::error::ErrorForbidden("scope"))
/// }
///
/// #[secured]
/// #[get("/users/me/")]
/// async fn me(_user: scopes_runtime::Security<current_user>) -> &'static str { "{}" }
///
/// #[public]
/// #[get("/health")]
/// async fn health() -> &'static str { "ok" }
///
/// const SERVICES: Services = services![me, health];
///
/// let surface = SERVICES.surface();
/// assert_eq!(surface.routes()[0].requirement, [["me"]]);
/// assert_eq!(
///     surface.to_markdown(),
///     "| Method | Path | Handler | Access | Requires | Dependencies |\n\
///      |---|---|---|---|---|---|\n\
///      | GET | `/users/me/` | `me` | secured | `me` | `current_user[me]` |\n\
///      | GET | `/health` | `health` | public | - | - |\n"
/// );
/// assert!(surface.to_json().starts_with(r#"[{"method":"GET","path":"/users/me/","#));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecuritySurface {
    routes: Vec<RouteSecurity>,
}

impl SecuritySurface {
    pub(super) fn of(services: &Services) -> Self {
        let routes = services
            .handlers()
            .iter()
            .flat_map(|handler| {
                handler.info.routes.iter().map(move |route| RouteSecurity {
                    method: route.method,
                    path: route.path,
                    handler: handler.info.name,
                    public: handler.is_public(),
                    requirement: if handler.is_public() {
                        Vec::new()
                    } else {
                        handler
                            .requirement
                            .alternatives()
                            .map(|alternative| alternative.iter().collect())
                            .collect()
                    },
                    chain: chain(handler.info),
                })
            })
            .collect();
        Self { routes }
    }

    /// The routes.
    pub fn routes(&self) -> &[RouteSecurity] {
        &self.routes
    }

    /// A Markdown table: method, path, handler, access, requirement (alternatives separated
    /// by ` or `), dependencies.
    pub fn to_markdown(&self) -> String {
        let mut out = String::from(
            "| Method | Path | Handler | Access | Requires | Dependencies |\n|---|---|---|---|---|---|\n",
        );
        for route in &self.routes {
            let access = if route.public { "public" } else { "secured" };
            let requires = if route.public {
                "-".to_owned()
            } else {
                route
                    .requirement
                    .iter()
                    .map(|scopes| match scopes.is_empty() {
                        true => "a valid token".to_owned(),
                        false => format!("`{}`", scopes.join(" ")),
                    })
                    .collect::<Vec<_>>()
                    .join(" or ")
            };
            let chain = match route.chain.is_empty() {
                true => "-".to_owned(),
                false => format!("`{}`", route.chain),
            };
            let _ = writeln!(
                out,
                "| {} | `{}` | `{}` | {access} | {requires} | {chain} |",
                route.method,
                route.path.replace('|', "\\|"),
                route.handler,
            );
        }
        out
    }

    /// A JSON array, one object per route: `method`, `path`, `handler`, `public`,
    /// `requirement` (an array of alternatives, each an array of scopes) and `chain`.
    pub fn to_json(&self) -> String {
        let mut out = String::from("[");
        for (i, route) in self.routes.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(r#"{"method":"#);
            json_str(&mut out, route.method);
            out.push_str(r#","path":"#);
            json_str(&mut out, route.path);
            out.push_str(r#","handler":"#);
            json_str(&mut out, route.handler);
            let _ = write!(out, r#","public":{},"requirement":["#, route.public);
            for (a, scopes) in route.requirement.iter().enumerate() {
                out.push_str(if a > 0 { ",[" } else { "[" });
                for (s, scope) in scopes.iter().enumerate() {
                    if s > 0 {
                        out.push(',');
                    }
                    json_str(&mut out, scope);
                }
                out.push(']');
            }
            out.push_str(r#"],"chain":"#);
            json_str(&mut out, &route.chain);
            out.push('}');
        }
        out.push(']');
        out
    }
}

impl fmt::Display for SecuritySurface {
    /// The Markdown table.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_markdown())
    }
}

/// The dependency tree under `info`, without `info` itself: `a[s] -> (b, c -> d), e`.
fn chain(info: &NodeInfo) -> String {
    fn walk(node: &NodeInfo, out: &mut String) {
        for (i, child) in node.children.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            out.push_str(child.name);
            if !child.own_scopes.is_empty() {
                let _ = write!(out, "[{}]", child.own_scopes.join(" "));
            }
            match child.children.len() {
                0 => {}
                1 => {
                    out.push_str(" -> ");
                    walk(child, out);
                }
                _ => {
                    out.push_str(" -> (");
                    walk(child, out);
                    out.push(')');
                }
            }
        }
    }
    let mut out = String::new();
    walk(info, &mut out);
    out
}

/// `value` as a JSON string.
fn json_str(out: &mut String, value: &str) {
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}
