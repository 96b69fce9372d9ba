//! OpenAPI security derived from the compile-time graph, on utoipa's model.
//!
//! The documented security of every operation is the handler's [`Handler::REQUIRED_SCOPES`]:
//! the same `const` the server enforces, so documentation and enforcement cannot drift.
//! The security scheme is the app's [`OAuth2PasswordBearer`] declaration: its `tokenUrl` and
//! its scope catalogue.
//!
//! [`SecuredRoutes`] fills in an existing utoipa [`OpenApi`] (derived or built by hand):
//!
//! ```
//! use actix_web::get;
//! use scopes_runtime::openapi::SecuredRoutes;
//! use scopes_runtime::{secured, Authorized, OAuth2PasswordBearer};
//! use utoipa::openapi::path::{HttpMethod, OperationBuilder, PathItem, PathsBuilder};
//! use utoipa::openapi::OpenApiBuilder;
//!
//! const OAUTH2: OAuth2PasswordBearer = OAuth2PasswordBearer::new("token", &[("items", "Read items.")]);
//!
//! #[secured(scopes = ["items"], dependencies = [Authorized])]
//! #[get("/items/")]
//! async fn read_items() -> &'static str { "[]" }
//!
//! let mut doc = OpenApiBuilder::new()
//!     .paths(PathsBuilder::new().path("/items/", PathItem::new(HttpMethod::Get, OperationBuilder::new())))
//!     .build();
//! SecuredRoutes::new("OAuth2PasswordBearer", &OAUTH2)
//!     .handler::<read_items>()
//!     .apply(&mut doc);
//!
//! let json = serde_json::to_value(&doc).unwrap();
//! assert_eq!(
//!     json["paths"]["/items/"]["get"]["security"],
//!     serde_json::json!([{ "OAuth2PasswordBearer": ["items"] }])
//! );
//! assert_eq!(
//!     json["components"]["securitySchemes"]["OAuth2PasswordBearer"]["flows"]["password"]["tokenUrl"],
//!     "token"
//! );
//! ```

use utoipa::Modify;
use utoipa::openapi::OpenApi;
use utoipa::openapi::path::{Operation, PathItem};
use utoipa::openapi::security::{
    Flow, OAuth2, Password, Scopes, SecurityRequirement, SecurityScheme,
};

use crate::graph::{Handler, NodeInfo, NodeKind, Requirement, Route};
use crate::oauth2::OAuth2PasswordBearer;
use crate::services::{Endpoint, Services};

/// The secured routes of an app, to document in an OpenAPI document.
#[derive(Debug, Clone)]
pub struct SecuredRoutes {
    scheme_name: &'static str,
    bearer: OAuth2PasswordBearer,
    routes: Vec<SecuredRoute>,
}

/// One documented operation: where it is and what it requires.
#[derive(Debug, Clone, Copy)]
pub struct SecuredRoute {
    /// The method, upper case.
    pub method: &'static str,
    /// The path pattern, as actix-web writes it (`/users/{id}/`).
    pub path: &'static str,
    /// The handler's description.
    pub handler: &'static NodeInfo,
    /// Every scope the handler's tree requires, handler first.
    pub scopes: &'static [&'static str],
    /// How they combine: one security requirement object per alternative.
    pub requirement: Requirement,
}

impl SecuredRoutes {
    /// Routes secured by `bearer`, documented under the security scheme `scheme_name`
    /// (FastAPI names it after the scheme's class: `OAuth2PasswordBearer`).
    pub fn new(scheme_name: &'static str, bearer: &OAuth2PasswordBearer) -> Self {
        Self {
            scheme_name,
            bearer: *bearer,
            routes: Vec::new(),
        }
    }

    /// Adds the routes that the route macro under `#[secured]` gave the handler `H`.
    #[must_use]
    pub fn handler<H: Handler>(self) -> Self {
        self.endpoint(Endpoint::of::<H>())
    }

    /// Adds the routes of every handler of the app's one list ([`services!`]): the
    /// `#[secured]` ones with their security, the `#[public]` ones without.
    ///
    /// [`services!`]: crate::services!
    #[must_use]
    pub fn services(self, services: &Services) -> Self {
        services
            .handlers()
            .iter()
            .fold(self, |routes, handler| routes.endpoint(*handler))
    }

    /// Adds the routes of one handler of a list.
    #[must_use]
    pub fn endpoint(mut self, handler: Endpoint) -> Self {
        for route in handler.info.routes {
            self = self.push(*route, handler);
        }
        self
    }

    /// Adds a route registered by hand (`web::resource(path).route(web::get().to(h))`).
    #[must_use]
    pub fn route<H: Handler>(self, method: &'static str, path: &'static str) -> Self {
        let route = Route {
            method,
            path,
            resource: "",
        };
        self.push(route, Endpoint::of::<H>())
    }

    fn push(mut self, route: Route, handler: Endpoint) -> Self {
        self.routes.push(SecuredRoute {
            method: route.method,
            path: route.path,
            handler: handler.info,
            scopes: handler.required_scopes,
            requirement: handler.requirement,
        });
        self
    }

    /// The registered routes, in order.
    pub fn routes(&self) -> &[SecuredRoute] {
        &self.routes
    }

    /// The OAuth2 password-flow security scheme of the [`OAuth2PasswordBearer`] declaration.
    pub fn security_scheme(&self) -> SecurityScheme {
        let scopes: Scopes = self.bearer.scopes().iter().copied().collect();
        SecurityScheme::OAuth2(OAuth2::new([Flow::Password(Password::new(
            self.bearer.token_url(),
            scopes,
        ))]))
    }

    /// Adds the security scheme to `doc`, and to every registered operation found in `doc`
    /// its security requirement. Returns the secured routes that `doc` does not document.
    pub fn apply(&self, doc: &mut OpenApi) -> Vec<SecuredRoute> {
        doc.components
            .get_or_insert_with(Default::default)
            .add_security_scheme(self.scheme_name, self.security_scheme());
        let mut undocumented = Vec::new();
        for route in &self.routes {
            let operation = doc
                .paths
                .paths
                .get_mut(&openapi_path(route.path))
                .and_then(|item| operation_mut(item, route.method));
            match operation {
                // Open on purpose: documented without security, as FastAPI does (or, like
                // FastAPI's `/docs`, not documented at all).
                _ if route.handler.kind == NodeKind::Public => {}
                Some(operation) => {
                    // OR of ANDs, exactly OpenAPI's meaning of a list of requirements.
                    let security = route
                        .requirement
                        .alternatives()
                        .map(|alternative| {
                            SecurityRequirement::new(self.scheme_name, alternative.iter())
                        })
                        .collect();
                    operation.security = Some(security);
                }
                None => undocumented.push(*route),
            }
        }
        undocumented
    }
}

impl Modify for SecuredRoutes {
    fn modify(&self, openapi: &mut OpenApi) {
        for route in self.apply(openapi) {
            tracing::warn!(
                method = route.method,
                path = route.path,
                handler = route.handler.name,
                "secured route missing from the OpenAPI document"
            );
        }
    }
}

/// actix-web's `{id:\d+}` path segments as OpenAPI's `{id}`.
fn openapi_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut in_param = false;
    let mut skipping = false;
    for c in path.chars() {
        match c {
            '{' if !in_param => {
                in_param = true;
                out.push(c);
            }
            ':' if in_param => skipping = true,
            '}' if in_param => {
                in_param = false;
                skipping = false;
                out.push(c);
            }
            _ if skipping => {}
            _ => out.push(c),
        }
    }
    out
}

fn operation_mut<'a>(item: &'a mut PathItem, method: &str) -> Option<&'a mut Operation> {
    match method {
        "GET" => item.get.as_mut(),
        "PUT" => item.put.as_mut(),
        "POST" => item.post.as_mut(),
        "DELETE" => item.delete.as_mut(),
        "OPTIONS" => item.options.as_mut(),
        "HEAD" => item.head.as_mut(),
        "PATCH" => item.patch.as_mut(),
        "TRACE" => item.trace.as_mut(),
        other => item.additional_operations.get_mut(other),
    }
}

#[cfg(test)]
mod tests {
    use super::openapi_path;

    #[test]
    fn actix_patterns_become_openapi_paths() {
        assert_eq!(openapi_path("/users/{id}/"), "/users/{id}/");
        assert_eq!(
            openapi_path(r"/users/{id:\d+}/items/{item}"),
            "/users/{id}/items/{item}"
        );
    }
}
