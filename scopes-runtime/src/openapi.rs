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
//!
//! With [`SecuredRoutes::documenting_rejections`] it also documents what the runtime's own
//! bearer check answers on each secured operation (401, and in the RFC 6750 style 400 and
//! 403), with the bodies as components ([`HTTP_ERROR`], [`BEARER_ERROR`]) and the
//! `WWW-Authenticate` header; [`SecuredRoutes::responding`] adds what a dependency of the
//! app answers, to every operation whose tree holds it. Both read the trees the compiler
//! built, so an operation documents exactly the rejections its dependencies can give.

use core::fmt;

use utoipa::Modify;
use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::path::{Operation, PathItem};
use utoipa::openapi::schema::{OneOfBuilder, Type};
use utoipa::openapi::security::{
    Flow, OAuth2, Password, Scopes, SecurityRequirement, SecurityScheme,
};
use utoipa::openapi::{
    ContentBuilder, Header, ObjectBuilder, OpenApi, Ref, RefOr, Response, ResponseBuilder, Schema,
};

use crate::graph::{Handler, Node, NodeInfo, NodeKind, Requirement, Route};
use crate::oauth2::{Authorized, ErrorStyle, OAuth2PasswordBearer, VerifiedToken};
use crate::services::{Endpoint, Services};

/// The component name of FastAPI's error body, `{"detail": "…"}` ([`http_error_schema`]).
pub const HTTP_ERROR: &str = "HTTPError";
/// The component name of RFC 6750 section 3's error body, `{"error": "…",
/// "error_description": "…"}` ([`bearer_error_schema`]).
pub const BEARER_ERROR: &str = "BearerError";
/// The component name of RFC 6749 section 5.2's error body of the token endpoint
/// ([`token_error_schema`]).
pub const TOKEN_ERROR: &str = "TokenError";

/// The secured routes of an app, to document in an OpenAPI document.
#[derive(Clone)]
pub struct SecuredRoutes {
    scheme_name: &'static str,
    bearer: OAuth2PasswordBearer,
    routes: Vec<SecuredRoute>,
    rejections: bool,
    responses: Vec<DependencyResponse>,
}

/// A response that every operation whose tree holds `node` may give.
#[derive(Clone)]
struct DependencyResponse {
    node: &'static NodeInfo,
    status: &'static str,
    response: Response,
}

impl fmt::Debug for SecuredRoutes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let responses: Vec<_> = self
            .responses
            .iter()
            .map(|r| (r.node.path, r.status))
            .collect();
        f.debug_struct("SecuredRoutes")
            .field("scheme_name", &self.scheme_name)
            .field("bearer", &self.bearer)
            .field("routes", &self.routes)
            .field("rejections", &self.rejections)
            .field("responses", &responses)
            .finish()
    }
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
            rejections: false,
            responses: Vec::new(),
        }
    }

    /// Also documents, on every secured operation whose tree holds the runtime's bearer
    /// check (`Security<VerifiedToken>` or `Security<Authorized>`, not as an optional
    /// dependency), the rejections [`AuthError`](crate::AuthError) answers there in the
    /// scheme's [`ErrorStyle`], each with its `WWW-Authenticate` header:
    ///
    /// | status | [`ErrorStyle::Tutorial`] | [`ErrorStyle::Rfc6750`] |
    /// |---|---|---|
    /// | 401 | [`HTTP_ERROR`]: no token, an invalid one, a missing scope | [`HTTP_ERROR`] (no token) or [`BEARER_ERROR`] `invalid_token` |
    /// | 400 | — | [`BEARER_ERROR`] `invalid_request`: an `Authorization` header that is not one bearer token |
    /// | 403 | — | [`BEARER_ERROR`] `insufficient_scope`, on operations that require scopes |
    ///
    /// The body schemas are added to the components. A status the operation already
    /// documents is left as it is.
    ///
    /// ```
    /// use actix_web::get;
    /// use scopes_runtime::openapi::SecuredRoutes;
    /// use scopes_runtime::{secured, Authorized, ErrorStyle, OAuth2PasswordBearer};
    /// use utoipa::openapi::path::{HttpMethod, OperationBuilder, PathItem, PathsBuilder};
    /// use utoipa::openapi::OpenApiBuilder;
    ///
    /// const OAUTH2: OAuth2PasswordBearer = OAuth2PasswordBearer::new("token", &[("items", "Read items.")])
    ///     .with_error_style(ErrorStyle::Rfc6750);
    ///
    /// #[secured(scopes = ["items"], dependencies = [Authorized])]
    /// #[get("/items/")]
    /// async fn read_items() -> &'static str { "[]" }
    ///
    /// let mut doc = OpenApiBuilder::new()
    ///     .paths(PathsBuilder::new().path("/items/", PathItem::new(HttpMethod::Get, OperationBuilder::new())))
    ///     .build();
    /// SecuredRoutes::new("OAuth2PasswordBearer", &OAUTH2)
    ///     .handler::<read_items>()
    ///     .documenting_rejections()
    ///     .apply(&mut doc);
    ///
    /// let json = serde_json::to_value(&doc).unwrap();
    /// let responses = &json["paths"]["/items/"]["get"]["responses"];
    /// assert_eq!(responses.as_object().unwrap().keys().collect::<Vec<_>>(), ["400", "401", "403"]);
    /// assert_eq!(responses["403"]["content"]["application/json"]["schema"]["$ref"], "#/components/schemas/BearerError");
    /// assert!(responses["403"]["headers"]["WWW-Authenticate"].is_object());
    /// ```
    #[must_use]
    pub fn documenting_rejections(mut self) -> Self {
        self.rejections = true;
        self
    }

    /// Documents `response` under `status` on every secured operation whose tree holds the
    /// dependency `D` (not as an optional dependency, whose refusal gives `None`): what the
    /// app's own dependency answers, e.g. FastAPI's tutorial's 400 "Inactive user" from
    /// `get_current_active_user`. A status the operation already documents is left as it
    /// is (the first of several for one status wins).
    #[must_use]
    pub fn responding<D: Node>(mut self, status: &'static str, response: Response) -> Self {
        self.responses.push(DependencyResponse {
            node: D::INFO,
            status,
            response,
        });
        self
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
    ///
    /// With [`documenting_rejections`](Self::documenting_rejections) and
    /// [`responding`](Self::responding), it adds each operation's rejections as well.
    pub fn apply(&self, doc: &mut OpenApi) -> Vec<SecuredRoute> {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(self.scheme_name, self.security_scheme());
        let mut schemas_used: Vec<&'static str> = Vec::new();
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
                    for (status, response) in self.rejections_of(route, &mut schemas_used) {
                        operation
                            .responses
                            .responses
                            .entry(status.to_owned())
                            .or_insert(response.into());
                    }
                }
                None => undocumented.push(*route),
            }
        }
        let components = doc.components.get_or_insert_with(Default::default);
        for name in schemas_used {
            let schema = match name {
                HTTP_ERROR => http_error_schema(),
                _ => bearer_error_schema(),
            };
            components
                .schemas
                .entry(name.to_owned())
                .or_insert(schema.into());
        }
        undocumented
    }

    /// What `route` may answer besides its own responses, by status, in order of the
    /// sources: the runtime's bearer rejections, then [`responding`](Self::responding)'s.
    fn rejections_of(
        &self,
        route: &SecuredRoute,
        schemas_used: &mut Vec<&'static str>,
    ) -> Vec<(&'static str, Response)> {
        let mut out: Vec<(&'static str, Response)> = Vec::new();
        let bearer = self.rejections
            && (holds(route.handler, VerifiedToken::INFO)
                || holds(route.handler, Authorized::INFO));
        if bearer {
            let mut uses = |name: &'static str| {
                if !schemas_used.contains(&name) {
                    schemas_used.push(name);
                }
            };
            match self.bearer.error_style() {
                ErrorStyle::Rfc6750 => {
                    uses(HTTP_ERROR);
                    uses(BEARER_ERROR);
                    out.push((
                        "400",
                        error_response(
                            "The `Authorization` header is not a single bearer token \
                             (RFC 6750 `invalid_request`)",
                            Ref::from_schema_name(BEARER_ERROR).into(),
                            challenge(r#"^Bearer error="invalid_request""#),
                        ),
                    ));
                    out.push((
                        "401",
                        error_response(
                            "No bearer token (`{\"detail\": \"Not authenticated\"}`), or one \
                             that is invalid or expired (RFC 6750 `invalid_token`)",
                            Schema::OneOf(
                                OneOfBuilder::new()
                                    .item(Ref::from_schema_name(HTTP_ERROR))
                                    .item(Ref::from_schema_name(BEARER_ERROR))
                                    .build(),
                            )
                            .into(),
                            challenge("^Bearer( |$)"),
                        ),
                    ));
                    if !route.requirement.is_empty() {
                        out.push((
                            "403",
                            error_response(
                                "The token lacks a required scope \
                                 (RFC 6750 `insufficient_scope`)",
                                Ref::from_schema_name(BEARER_ERROR).into(),
                                challenge(r#"^Bearer error="insufficient_scope""#),
                            ),
                        ));
                    }
                }
                _ => {
                    uses(HTTP_ERROR);
                    out.push((
                        "401",
                        error_response(
                            if route.requirement.is_empty() {
                                "Not authenticated, or the token is invalid or expired"
                            } else {
                                "Not authenticated, or the token is invalid, expired or \
                                 lacks a required scope"
                            },
                            Ref::from_schema_name(HTTP_ERROR).into(),
                            challenge("^Bearer( |$)"),
                        ),
                    ));
                }
            }
        }
        for extra in &self.responses {
            if holds(route.handler, extra.node) {
                out.push((extra.status, extra.response.clone()));
            }
        }
        out
    }
}

/// Whether `node`'s tree holds `target` where its refusal refuses the request: not under an
/// optional dependency. Nodes are identified by their paths.
fn holds(node: &NodeInfo, target: &NodeInfo) -> bool {
    node.path == target.path
        || node
            .children
            .iter()
            .enumerate()
            .any(|(i, child)| !node.is_optional(i) && holds(child, target))
}

/// A JSON error response with `schema` and, when given, a required response header.
fn error_response(
    description: &str,
    schema: RefOr<Schema>,
    header: Option<(&'static str, Header)>,
) -> Response {
    let mut response = ResponseBuilder::new().description(description).content(
        "application/json",
        ContentBuilder::new().schema(Some(schema)).build(),
    );
    if let Some((name, header)) = header {
        response = response.header(name, header);
    }
    response.build()
}

/// The `WWW-Authenticate` header, always sent, its value matching `pattern`.
fn challenge(pattern: &str) -> Option<(&'static str, Header)> {
    Some((
        "WWW-Authenticate",
        required_header(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .pattern(Some(pattern))
                .into(),
            "The bearer challenge (RFC 6750 section 3)",
        ),
    ))
}

/// A response header that is always sent (OpenAPI's `required: true`, which utoipa's
/// `Header` does not model).
pub fn required_header(schema: RefOr<Schema>, description: &str) -> Header {
    let mut header = HeaderBuilder::new()
        .schema(Some(schema))
        .description(Some(description))
        .build();
    header
        .extensions
        .get_or_insert_with(Default::default)
        .insert("required".to_owned(), serde_json::Value::Bool(true));
    header
}

/// FastAPI's error body, `{"detail": "…"}` (its `HTTPException`): component [`HTTP_ERROR`].
pub fn http_error_schema() -> Schema {
    ObjectBuilder::new()
        .title(Some(HTTP_ERROR))
        .property(
            "detail",
            ObjectBuilder::new()
                .schema_type(Type::String)
                .title(Some("Detail")),
        )
        .required("detail")
        .into()
}

/// RFC 6750 section 3.1's error body of a protected resource, `{"error": "…",
/// "error_description": "…"}`: component [`BEARER_ERROR`].
pub fn bearer_error_schema() -> Schema {
    error_schema(
        BEARER_ERROR,
        &["invalid_request", "invalid_token", "insufficient_scope"],
    )
}

/// RFC 6749 section 5.2's error body of the token endpoint, `{"error": "…",
/// "error_description": "…"}`: component [`TOKEN_ERROR`].
pub fn token_error_schema() -> Schema {
    error_schema(
        TOKEN_ERROR,
        &[
            "invalid_request",
            "invalid_client",
            "invalid_grant",
            "unauthorized_client",
            "unsupported_grant_type",
            "invalid_scope",
            // RFC 6749 section 4.1.2.1's code for an overloaded server: a full bcrypt queue.
            "temporarily_unavailable",
        ],
    )
}

fn error_schema(title: &str, codes: &[&str]) -> Schema {
    ObjectBuilder::new()
        .title(Some(title))
        .property(
            "error",
            ObjectBuilder::new()
                .schema_type(Type::String)
                .enum_values(Some(codes.iter().copied()))
                .title(Some("Error")),
        )
        .property(
            "error_description",
            ObjectBuilder::new()
                .schema_type(Type::String)
                .title(Some("Error Description")),
        )
        .required("error")
        .into()
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
