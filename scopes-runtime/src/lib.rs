//! FastAPI's OAuth2 scopes for actix-web, with the scope bookkeeping done by the compiler.
//!
//! Mark handlers `#[secured]` and async dependency functions `#[dependency]`. Each may
//! declare `scopes = [..]`. The scopes along each path from a handler down its dependency
//! tree are unioned at compile time (handler first, no repeats) and handed to any
//! [`SecurityScopes`] parameter, exactly like FastAPI's `Security()` / `SecurityScopes`:
//! the same dependency sees different scopes under different handlers.
//!
//! ```
//! use actix_web::{get, HttpResponse, Responder};
//! use scopes_runtime::{assert_required_scopes, dependency, secured, Security, SecurityScopes};
//!
//! #[derive(Clone)]
//! struct User {
//!     name: String,
//! }
//!
//! #[dependency]
//! async fn current_user(scopes: SecurityScopes) -> Result<User, actix_web::Error> {
//!     // A real app verifies a bearer token here (with the `oauth2` feature,
//!     // `Security<Authorized>` does it all) and checks the scopes it grants.
//!     let granted = ["me", "items"];
//!     scopes.check(&granted).map_err(|_| actix_web::error::ErrorForbidden("scope"))?;
//!     Ok(User { name: format!("needs [{}]", scopes.scope_str()) })
//! }
//!
//! #[dependency(scopes = ["me"])]
//! async fn active_user(user: Security<current_user>) -> User {
//!     user.into_inner()
//! }
//!
//! #[secured(scopes = ["items"])]
//! #[get("/users/me/items/")]
//! async fn read_own_items(user: Security<active_user>) -> impl Responder {
//!     HttpResponse::Ok().body(user.name.clone()) // "needs [items me]"
//! }
//!
//! // The union is a compile-time constant.
//! assert_required_scopes!(read_own_items, ["items", "me"]);
//!
//! let app = actix_web::App::new().service(read_own_items);
//! # drop(app);
//! ```
//!
//! # Layout
//! - [`graph`]: what the compiler computes: nodes, their descriptions, the table of scope
//!   unions, [`SecurityScopes`] and the scope grammar.
//! - [`resolve`]: what runs per request: [`Dependency`], [`Security`] / [`Depends`] and the
//!   per-request cache. It reads `graph`.
//! - `oauth2` (feature `oauth2`, on by default): the bearer scheme, tokens, passwords, the
//!   token endpoint and `AuthError`. It reads `resolve` and `graph`.
//! - [`services`](mod@services): the app's handlers, each `#[secured]` or `#[public]`, listed once
//!   ([`services!`]), for registration, the fail-closed [`Gate`](services::Gate), route
//!   tables, the security surface and the OpenAPI document; `openapi` (feature `openapi`, on by
//!   default): the documented security of every operation, from the same `const`s the server
//!   enforces; `testing` (feature `oauth2`): helpers for apps' tests.
//!
//! # Features
//! - `oauth2` (default): the `oauth2` and `testing` modules and their re-exports;
//!   jsonwebtoken, bcrypt and multer come with it. Without it the crate is the graph alone,
//!   for an app with its own authentication.
//! - `openapi` (default): OpenAPI security on utoipa's model (needs `oauth2`).
#![cfg_attr(
    feature = "oauth2",
    doc = r#"
# OAuth2 password flow
With the `oauth2` feature (on by default), the runtime of FastAPI's
`OAuth2PasswordBearer` tutorial, in [`oauth2`]: the scheme and its scope catalogue
([`OAuth2PasswordBearer`]), the token endpoint's form, JWTs verified once per request
([`VerifiedToken`], which is also a node of the graph: `Security<VerifiedToken>`),
bcrypt off the worker threads ([`PasswordHasher`]), failed logins limited before bcrypt
([`LoginThrottle`]) and every rejection ([`AuthError`]).

```
use scopes_runtime::{dependency, AuthError, Security, SecurityScopes, VerifiedToken};

#[derive(Clone)]
struct User {
    username: String,
}

fn get_user(username: &str) -> Option<User> {
    Some(User { username: username.to_owned() })
}

#[dependency]
async fn get_current_user(
    security_scopes: SecurityScopes,
    token: Security<VerifiedToken>,
) -> Result<User, AuthError> {
    let user = get_user(token.sub()).ok_or_else(|| token.credentials_error(security_scopes))?;
    token.require_scopes(security_scopes)?;
    Ok(user)
}
```
"#
)]
#![forbid(unsafe_code)]
#![deny(unreachable_pub)]

pub mod graph;
#[cfg(feature = "oauth2")]
pub mod oauth2;
#[cfg(feature = "openapi")]
pub mod openapi;
pub mod resolve;
pub mod services;
#[cfg(feature = "oauth2")]
pub mod testing;

#[doc(hidden)]
pub mod __private;

pub use graph::SecurityScopes;
#[cfg(feature = "oauth2")]
pub use oauth2::{
    AuthError, Authorized, BearerToken, ErrorStyle, JwtKeys, LoginThrottle, OAuth2PasswordBearer,
    OAuth2PasswordRequestForm, OAuth2PasswordRequestFormStrict, PasswordHasher, TokenConfig,
    TokenResponse, VerifiedToken,
};
pub use resolve::{Dependency, Depends, Security};

/// Marks an actix-web handler as secured: its parameters may be dependencies, and the scopes
/// it declares head every scope union below it.
///
/// # Examples
/// ```
/// use actix_web::{get, web, App, Responder};
/// use scopes_runtime::{dependency, secured, Security, SecurityScopes};
///
/// #[dependency]
/// async fn current_user(scopes: SecurityScopes) -> Result<String, actix_web::Error> {
///     // What the app's authentication granted (with `oauth2`, take `Security<Authorized>`).
///     let granted = ["items"];
///     scopes.check(&granted).map_err(|_| actix_web::error::ErrorForbidden("scope"))?;
///     Ok(format!("required: {}", scopes.scope_str()))
/// }
///
/// // Above a route macro:
/// #[secured(scopes = ["items"])]
/// #[get("/items/")]
/// async fn read_items(user: Security<current_user>) -> impl Responder {
///     user.into_inner() // "required: items"
/// }
///
/// // Or registered by hand:
/// #[secured]
/// async fn status(user: Security<current_user>) -> impl Responder {
///     user.into_inner() // "required: "
/// }
///
/// # fn main() {
/// let app = App::new()
///     .service(read_items)
///     .route("/status/", web::get().to(status));
/// # drop(app);
/// # }
/// ```
///
/// # Grammar
/// ```text
/// #[secured]
/// #[secured( (scopes = [ expr, .. ])? , (dependencies = [ path, .. ])? )]
/// expr := "scope" | any( expr, .. ) | all( expr, .. )
/// ```
/// A scope is a string literal holding one RFC 6749 scope token: visible ASCII, no space,
/// `"` or `\`; no scope twice in one node's list (expressions included), no empty `any()`
/// or `all()`. `dependencies` names `#[dependency]` fns (or the runtime's `Authorized`).
///
/// # Scope expressions
/// The list needs all of its elements, `any(..)` one of its arguments, `all(..)` all of
/// them; they nest. `scopes = [any("items:read", "items:admin"), "me"]` admits a token with
/// `items:read` and `me`, or with `items:admin` and `me`. The compiler normalises each
/// node's expression to disjunctive normal form (alternatives, each a set of scopes all
/// needed; one that contains another is dropped) and joins the nodes' forms along each path
/// (every alternative of the path above with every alternative of the node), at most
/// [`MAX_ALTERNATIVES`](graph::MAX_ALTERNATIVES) per path. Plain lists are one alternative:
/// FastAPI's semantics, unchanged. The result, [`Handler::REQUIREMENT`](graph::Handler::REQUIREMENT)
/// and each dependency's [`SecurityScopes::requirement`], is the one `const` that drives
/// the check (`Ok` when one alternative is granted; otherwise the missing scopes of the
/// alternative needing the fewest), the `WWW-Authenticate` challenge (`scope="…"` naming
/// that alternative, RFC 6750 section 3), the OpenAPI `security` (one requirement object
/// per alternative: OR of ANDs) and the security surface.
///
/// ```
/// use actix_web::get;
/// use scopes_runtime::graph::Handler;
/// use scopes_runtime::{dependency, secured, SecurityScopes};
///
/// #[dependency]
/// async fn authorize(scopes: SecurityScopes) -> Result<(), actix_web::Error> {
///     // The app's authentication granted `items:admin` and `me`.
///     scopes.check(&["items:admin", "me"]).map_err(|_| actix_web::error::ErrorForbidden("scope"))
/// }
///
/// #[secured(scopes = [any("items:read", "items:admin"), "me"], dependencies = [authorize])]
/// #[get("/items/")]
/// async fn read_items() -> &'static str { "[]" }
///
/// let alternatives: Vec<String> = <read_items as Handler>::REQUIREMENT
///     .alternatives()
///     .map(|alternative| alternative.to_string())
///     .collect();
/// assert_eq!(alternatives, ["items:read me", "items:admin me"]);
/// ```
///
/// # Semantics
/// - The handler must be an `async fn` with a return type implementing `Responder`, placed
///   before any actix-web route macro (`#[get]`, `#[post]`, `#[route]`, ..). Handlers
///   registered by hand must be module-level items.
/// - Its parameters are resolved dependencies first: `dependencies = [..]`, in order, for
///   their checks (their values discarded), then each `Security<dep>` / `Depends<dep>` (the
///   dependency in the path `handler -> dep`) in parameter order, then the rest:
///   `SecurityScopes` gets the handler's own scopes; anything else is an actix-web
///   extractor. So an anonymous caller is refused (401) before its body, path or query is
///   read or validated, whatever the order of the parameters (FastAPI's order too).
/// - `#[scopes(expr, ..)]` on a `Security<dep>` parameter gives `dep` scopes where it is
///   used, as FastAPI's `Security(dep, scopes=[..])` does: the path `handler -> dep` then
///   holds them (between the node and `dep`, as a node of its own named `Security`), in the
///   same grammar as `scopes = [..]`. The node-level form (`#[dependency(scopes = [..])]`)
///   writes them once for every use; the use-site form gives each use its own.
///
///   ```
///   # use actix_web::get;
///   # use scopes_runtime::{dependency, secured, Security, SecurityScopes};
///   # #[dependency]
///   # async fn get_current_active_user(scopes: SecurityScopes) -> Result<String, actix_web::Error> {
///   #     scopes.check(&["items"]).map_err(|_| actix_web::error::ErrorForbidden("scope"))?;
///   #     Ok("johndoe".into())
///   # }
///   #[secured]
///   #[get("/users/me/items/")]
///   async fn read_own_items(
///       #[scopes("items")] current_user: Security<get_current_active_user>,
///   ) -> String {
///       current_user.into_inner()
///   }
///   ```
/// - `Option<Security<dep>>` is `None` where `dep` refuses the request with a client error
///   (no token, a bad one, a scope missing: FastAPI's `auto_error=False`); a server error
///   (5xx) is still the response. Its scopes are not required by the handler, and it cannot
///   be the dependency that checks the handler's own scopes.
/// - A handler not marked `#[secured]` (or `#[public]`) that takes `Security<..>` is
///   refused at compile time with "`Security<..>` and `Depends<..>` are resolved by the
///   graph: this handler is not part of it", noting what to add.
/// - The first error (from a dependency or an extractor) becomes the response.
/// - A dependency reached twice under the same scope union runs once per request.
/// - **Scopes are enforced by construction.** The handler's body runs only once every scope
///   its tree requires was checked, while its dependencies were resolved, by a successful
///   [`SecurityScopes::check`] (which `require_scopes` and `Security<Authorized>` make) of
///   a path holding it. A request that reaches the handler with one unchecked (a dependency
///   that takes `SecurityScopes` and forgets the check) is refused with a 500 and logged at
///   `error` as the server bug it is, never served. A tree that requires scopes where no
///   dependency could check them (none takes `SecurityScopes`, none is `Authorized`) does
///   not compile: "`handler` requires scopes, but no dependency in its tree can check them",
///   on the handler's first scope.
/// - The handler becomes a wrapper with one extractor (a hidden context: the request and its
///   body, taken at once) that runs the function you wrote, kept inside it unchanged (or,
///   when that cannot change what it means, just its body, which is less to compile).
///   Attributes below `#[secured]` see the wrapper, except `#[utoipa::path]`: below
///   `#[secured]`, it is moved to a hidden copy of the signature you wrote (its
///   extractors, with the route macro's path and methods and the handler's name as the
///   operation id), so the document holds the same parameters and request body as with
///   the attribute above `#[secured]`, in either order. Route macros are recognised
///   by their names (`get`, `post`, .., `route`, `routes`, optionally as `actix_web::..`).
/// - [`required_scopes!`] gives the union over the whole tree as a `const`, and
///   [`assert_required_scopes!`] checks it at compile time.
///
/// ```compile_fail
/// use scopes_runtime::secured;
///
/// // error: invalid scope `read users`: a scope cannot contain whitespace
/// #[secured(scopes = ["read users"])]
/// async fn handler() -> &'static str { "ok" }
/// ```
pub use scopes_macros::secured;

/// Security shared by the handlers of an inline module: a prefix for their routes, scopes and
/// dependencies declared once, merged at compile time into each `#[secured]` handler's
/// union, checks and OpenAPI security.
///
/// # Examples
/// ```
/// use actix_web::App;
/// use scopes_runtime::{dependency, group, SecurityScopes};
///
/// // With the `oauth2` feature, `dependencies = [Authorized]` does this.
/// #[dependency]
/// async fn authorize(scopes: SecurityScopes) -> Result<(), actix_web::Error> {
///     let granted = ["admin", "audit", "logs"];
///     scopes.check(&granted).map_err(|_| actix_web::error::ErrorForbidden("scope"))
/// }
///
/// #[group(prefix = "/admin", scopes = ["admin"], dependencies = [authorize])]
/// mod admin {
///     use actix_web::get;
///     use scopes_runtime::secured;
///
///     #[secured]
///     #[get("/users")]
///     pub async fn list_users() -> &'static str { "[]" }
///
///     #[group(prefix = "/audit", scopes = ["audit"], dependencies = [super::authorize])]
///     pub mod audit {
///         use actix_web::get;
///         use scopes_runtime::secured;
///
///         #[secured(scopes = ["logs"])]
///         #[get("/logs")]
///         pub async fn logs() -> &'static str { "[]" }
///     }
/// }
///
/// # fn main() {
/// use scopes_runtime::graph::Handler;
/// assert_eq!(admin::SERVICES.handlers()[0].info.routes[0].path, "/admin/users");
/// assert_eq!(<admin::list_users as Handler>::REQUIRED_SCOPES, ["admin"]);
/// assert_eq!(admin::audit::SERVICES.handlers()[0].info.routes[0].path, "/admin/audit/logs");
/// assert_eq!(<admin::audit::logs as Handler>::REQUIRED_SCOPES, ["logs", "audit", "admin"]);
///
/// let app = App::new()
///     .wrap(admin::SERVICES.gate().and(admin::audit::SERVICES))
///     .service(admin::SERVICES)
///     .service(admin::audit::SERVICES);
/// # drop(app);
/// # }
/// ```
///
/// # Grammar
/// ```text
/// #[group( (prefix = "/path")? , (scopes = [ expr, .. ])? , (dependencies = [ path, .. ])? )]
/// mod name { .. }
/// ```
///
/// # Semantics
/// - The group is a node of the graph: a hidden `#[dependency]` with the group's scopes and
///   dependencies (a single name, `self::..` and `super::..` are looked up where the
///   attribute is; longer paths, `crate::..` or a crate's name, as written), which each `#[secured]`
///   handler of the module takes first, as a decorator dependency. Its scopes join every
///   handler's union after the handler's own ("handler first"), so they are checked,
///   challenged and documented like any node's. Like any node's, they are checked by a
///   dependency below them: give the group `dependencies = [Authorized]` (or your own
///   checking dependency), or the handlers do not compile.
/// - `prefix` is written into the route macros' paths of the module's `#[secured]` and
///   `#[public]` handlers: routes, the gate, route tables and the OpenAPI document see the
///   full path. `#[public]` handlers take the prefix only.
/// - A `#[group]` module inside another nests: its prefix under the outer one's, its node
///   under the outer group's node (so the outer scopes and dependencies apply too).
/// - The module gets `pub const SERVICES: Services`, its handlers (not the nested groups'):
///   register it, and give it to the app's gate with [`Gate::and`](services::Gate::and).
pub use scopes_macros::group;

/// Marks an actix-web handler as open on purpose (`/token`, `/health`): a graph node like a
/// `#[secured]` handler, that requires no scope.
///
/// Every handler an app lists in [`services!`] is `#[secured]` or `#[public]`, so that no
/// route is public by accident: an unmarked handler in the list does not compile, and the
/// list's [`Gate`](services::Gate) refuses requests to routes registered any other way.
///
/// # Examples
/// ```
/// use actix_web::{get, App};
/// use scopes_runtime::{public, services, services::Services};
///
/// #[public]
/// #[get("/health")]
/// async fn health() -> &'static str {
///     "ok"
/// }
///
/// const SERVICES: Services = services![health];
///
/// let app = App::new().wrap(SERVICES.gate()).service(SERVICES);
/// # drop(app);
/// ```
///
/// # Grammar
/// ```text
/// #[public]
/// #[public( dependencies = [ path, .. ] )]
/// ```
///
/// # Semantics
/// - As `#[secured]` (parameters, dependencies, placement above the route macro), without
///   `scopes`: a scope on a `#[public]` handler is an error on that scope.
/// - Its dependencies may read the request, a database, even an optional token, but its tree
///   requires no scope: one that does is a compile error ("`health` is `#[public]`, but its
///   dependencies require scopes: mark it `#[secured]`").
/// - It is documented without `security` in the OpenAPI document, and listed as public by
///   the route table and the security export.
///
/// ```compile_fail
/// use scopes_runtime::public;
///
/// // error: a `#[public]` handler requires no scope
/// #[public(scopes = ["items"])]
/// async fn handler() -> &'static str { "ok" }
/// ```
pub use scopes_macros::public;

/// The app's handlers (each `#[secured]` or `#[public]`, under an actix-web route macro),
/// listed once: a [`Services`](services::Services) that registers every one of them as a service and lists their
/// descriptions and required scopes for route tables, the OpenAPI document and the
/// [`Gate`](services::Gate). A handler marked neither way does not compile ("`h` is neither a `#[secured]`
/// nor a `#[public]` handler", on its name).
///
/// # Examples
/// See [`Services`](services::Services).
///
/// # Grammar
/// ```text
/// services![ path::to::handler, .. ]
/// ```
pub use scopes_macros::services;

/// Marks an async fn as a dependency, usable as `Security<f>`, `Depends<f>` or in
/// `dependencies = [f]`, like FastAPI's `Security(f, scopes=[..])`.
///
/// # Examples
/// ```
/// use actix_web::{web, HttpRequest};
/// use scopes_runtime::{dependency, Security, SecurityScopes};
///
/// #[derive(Clone)]
/// struct User { name: String, disabled: bool }
///
/// #[dependency]
/// async fn get_current_user(
///     security_scopes: SecurityScopes,
///     req: HttpRequest, // any actix-web extractor
/// ) -> Result<User, actix_web::Error> {
///     let _ = (security_scopes.scopes(), req.headers());
///     Ok(User { name: "johndoe".into(), disabled: false })
/// }
///
/// #[dependency(scopes = ["me"])]
/// async fn get_current_active_user(
///     current_user: Security<get_current_user>,
/// ) -> Result<User, actix_web::Error> {
///     if current_user.disabled {
///         return Err(actix_web::error::ErrorBadRequest("Inactive user"));
///     }
///     Ok(current_user.into_inner())
/// }
/// ```
///
/// # Grammar
/// ```text
/// #[dependency]
/// #[dependency( (scopes = [ expr, .. ])? , (dependencies = [ path, .. ])? )]
/// expr := "scope" | any( expr, .. ) | all( expr, .. )
/// ```
/// As [`secured`]'s, scope expressions included.
///
/// # Semantics
/// - The fn must be a non-generic `async fn`. Its parameters are resolved as a handler's
///   are; its [`SecurityScopes`] is the union of the scopes declared on every node from the
///   handler down to and including this one, handler first, without repeats.
/// - It returns `T`, or `Result<T, E>` (any type path ending in `Result`) where `E` turns
///   into `actix_web::Error` (any `ResponseError`): users receive `T`; an `Err` becomes the
///   response. `T: Clone` lets users take the value out with `into_inner`.
/// - A return type is read as fallible when its path ends in `Result`. Any other type that
///   is a `Result` (a type alias such as `type Check = Result<(), E>`) is refused at compile
///   time, so that an `Err` can never be mistaken for a value and ignored. rustc words that
///   refusal as E0283 "type annotations needed" on the return type, naming
///   `ResultUnderAnotherName__write_Result_T_E`: write the type as `Result<T, E>`.
/// - A parameter that is neither a dependency, `SecurityScopes` nor an actix-web extractor
///   is one error at its type: "`T` is not an actix-web extractor".
/// - An invalid attribute or signature is reported once: the marker type and stub impls are
///   still emitted, so the dependency's users compile quietly.
/// - The fn stays callable as written; the macro adds a hidden marker type of the same name
///   (types and functions live in different namespaces), so no type or module of that name
///   may stand beside it.
/// - Scopes belong to the node that declares them: `#[dependency(scopes = ["me"])]` on
///   `get_current_active_user` is FastAPI's `Security(get_current_user, scopes=["me"])`
///   written once on the dependency instead of at each use. `get_current_user` sees the same
///   scopes as in FastAPI; `get_current_active_user`'s own `SecurityScopes` also holds `me`.
///
/// ```compile_fail
/// use scopes_runtime::{dependency, Security};
///
/// struct User;
///
/// // error: `User` is not a dependency
/// #[dependency]
/// async fn active_user(user: Security<User>) -> u8 { 0 }
/// ```
pub use scopes_macros::dependency;

/// The total scopes a `#[secured]` handler requires: the union over every node of its tree,
/// handler first, depth first, without repeats, as a `&'static [&'static str]` usable in
/// `const` contexts.
///
/// # Examples
/// ```
/// use scopes_runtime::{dependency, required_scopes, secured, Security, SecurityScopes};
///
/// #[dependency(scopes = ["me"])]
/// async fn me(scopes: SecurityScopes) -> Result<(), actix_web::Error> {
///     scopes.check(&["me", "items"]).map_err(|_| actix_web::error::ErrorForbidden("scope"))
/// }
///
/// #[secured(scopes = ["items"])]
/// async fn read_own_items(_me: Security<me>) -> &'static str { "[]" }
///
/// const REQUIRED: &[&str] = required_scopes!(read_own_items);
///
/// # fn main() {
/// assert_eq!(REQUIRED, ["items", "me"]);
/// # }
/// ```
///
/// # Grammar
/// ```text
/// required_scopes!(path::to::handler)
/// ```
pub use scopes_macros::required_scopes;

/// The compile-time description of a `#[secured]` handler, as a
/// `&'static` [`graph::NodeInfo`] usable in `const`s: its name, the routes its route macro
/// registers, its own scopes and its dependency tree. Route tables and the OpenAPI document
/// are built from it.
///
/// # Examples
/// ```
/// use actix_web::get;
/// use scopes_runtime::{dependency, graph::NodeInfo, handler_info, secured, SecurityScopes};
///
/// #[dependency]
/// async fn authorize(scopes: SecurityScopes) -> Result<(), actix_web::Error> {
///     scopes.check(&["items"]).map_err(|_| actix_web::error::ErrorForbidden("scope"))
/// }
///
/// #[secured(scopes = ["items"], dependencies = [authorize])]
/// #[get("/items/")]
/// async fn read_items() -> &'static str { "[]" }
///
/// const INFO: &NodeInfo = handler_info!(read_items);
/// assert_eq!(INFO.name, "read_items");
/// assert_eq!((INFO.routes[0].method, INFO.routes[0].path), ("GET", "/items/"));
/// assert_eq!(INFO.own_scopes, ["items"]);
/// ```
///
/// # Grammar
/// ```text
/// handler_info!(path::to::handler)
/// ```
pub use scopes_macros::handler_info;
