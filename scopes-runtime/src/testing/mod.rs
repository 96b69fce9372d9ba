//! Helpers for applications' own tests: a throwaway [`TokenConfig`], tokens minted for a
//! subject and scopes, [`TestRequest`]s that carry them, and the [`SecurityScopes`] a
//! dependency receives under a handler ([`security_scopes`]).
//!
//! ```
//! use actix_web::{get, test, web, App, HttpResponse};
//! use scopes_runtime::{testing, VerifiedToken};
//!
//! #[get("/me")]
//! async fn me(token: VerifiedToken) -> HttpResponse {
//!     HttpResponse::Ok().body(token.sub().to_owned())
//! }
//!
//! # actix_web::rt::System::new().block_on(async {
//! let config = testing::token_config();
//! let app = test::init_service(
//!     App::new().app_data(web::Data::new(config.clone())).service(me),
//! )
//! .await;
//! let req = testing::request_as(&config, "johndoe", &["me"]).uri("/me").to_request();
//! let body = test::call_and_read_body(&app, req).await;
//! assert_eq!(body, "johndoe");
//! # });
//! ```
//!
//! The helpers panic when a token cannot be signed: they are meant for tests.
//!
//! # Security matrix
//! [`security_matrix`] (or [`SecurityMatrix`], to choose the subject, the error style and
//! path parameters) derives the security cases of every route of an app's
//! [`Services`](crate::services::Services) from its security surface, sends them to the app
//! in process and reports what it answered ([`MatrixReport`]): no token, a malformed and a
//! wrongly signed token refused with 401; for each alternative of a route's requirement, a
//! token lacking each one of its scopes refused (401, or 403 in RFC 6750 style) and a token
//! with exactly its scopes not refused; a public route not refused without a token.
//! [`MatrixReport::assert_passed`] fails the test with the table of every mismatch.
//!
//! # Unmarked routes
//! [`unmarked_routes`] lists every route of an app that its
//! [`Gate`](crate::services::Gate) refuses although a route would answer it: registered
//! outside the app's `services![..]` (`.route(..)`, `web::resource`, a route macro without
//! `#[secured]` or `#[public]`, a list under a `web::scope`) and not
//! [allowed](crate::services::Gate::allow), each with its method and full pattern
//! ([`UnmarkedRoute`]). [`assert_every_route_marked`] is the one-line test that there is
//! none, failing with their table:
//!
//! ```
//! # use actix_web::{get, test, App};
//! # use scopes_runtime::{public, services, services::Services, testing};
//! # #[public]
//! # #[get("/health")]
//! # async fn health() -> &'static str { "ok" }
//! # const SERVICES: Services = services![health];
//! # actix_web::rt::System::new().block_on(async {
//! let app = test::init_service(App::new().wrap(SERVICES.gate()).service(SERVICES)).await;
//! testing::assert_every_route_marked(&app).await;
//! # });
//! ```
//!
//! actix-web lists no routes: the table is read from the `Debug` of the app's
//! `ResourceMap` (a table it cannot read fails the test, never passes it), and each route
//! the gate refuses is probed through the app, method by method, by requests the gate lets
//! through to routing. The probes run the code of the unmarked routes they find.

mod debug_value;
mod matrix;
mod route_table;
mod unmarked;

use core::any::Any;
use core::time::Duration;

use actix_web::http::header;
use actix_web::test::TestRequest;

use actix_web::HttpRequest;

use crate::graph::{GraphPath, Handler, SecurityScopes, child_offset, str_eq};
use crate::oauth2::{Claims, JwtKeys, TokenConfig};
use crate::resolve::{Dependency, Resolution, Security};
pub use matrix::{Expected, MatrixCase, MatrixReport, SecurityMatrix, security_matrix};
pub(crate) use unmarked::RouteProbe;
pub use unmarked::{UnmarkedRoute, assert_every_route_marked, unmarked_routes};

/// The HS256 secret of [`token_config`]. Public: never use it outside tests.
pub const TEST_SECRET: &str = "scopes-runtime testing secret, not for production use";

/// The lifetime of tokens minted by [`mint`]: 15 minutes.
pub const TEST_TOKEN_LIFETIME: Duration = Duration::from_secs(15 * 60);

/// An HS256 [`TokenConfig`] keyed with [`TEST_SECRET`], otherwise default.
///
/// ```
/// let config = scopes_runtime::testing::token_config();
/// # drop(config);
/// ```
///
/// # Panics
/// Never: the secret is long enough.
pub fn token_config() -> TokenConfig {
    match JwtKeys::hs256(TEST_SECRET) {
        Ok(keys) => TokenConfig::new(keys),
        Err(e) => panic!("testing secret refused: {e}"),
    }
}

/// A token for `sub` granted `scopes`, valid for [`TEST_TOKEN_LIFETIME`].
///
/// ```
/// use scopes_runtime::testing;
/// let config = testing::token_config();
/// let token = testing::mint(&config, "johndoe", &["me", "items"]);
/// assert_eq!(config.verify(&token).unwrap().scopes, ["me", "items"]);
/// ```
///
/// # Panics
/// When `config`'s keys cannot sign (a public key only).
pub fn mint(config: &TokenConfig, sub: &str, scopes: &[&str]) -> String {
    match config.issue(sub, scopes.iter().copied(), TEST_TOKEN_LIFETIME) {
        Ok(token) => token,
        Err(e) => panic!("cannot mint a test token: {e}"),
    }
}

/// A token with exactly `claims` (e.g. an expired one).
///
/// ```
/// use std::time::Duration;
/// use scopes_runtime::oauth2::Claims;
/// use scopes_runtime::testing;
///
/// let config = testing::token_config();
/// let mut claims = Claims::new("johndoe", ["me"], Duration::ZERO);
/// claims.exp -= 3600;
/// assert!(config.verify(&testing::mint_claims(&config, &claims)).is_err());
/// ```
///
/// # Panics
/// When `config`'s keys cannot sign.
pub fn mint_claims(config: &TokenConfig, claims: &Claims) -> String {
    match config.issue_claims(claims) {
        Ok(token) => token,
        Err(e) => panic!("cannot mint a test token: {e}"),
    }
}

/// A request with `Authorization: Bearer <token>`.
///
/// ```
/// let req = scopes_runtime::testing::bearer_request("abc").uri("/me").to_http_request();
/// assert_eq!(req.headers().get("authorization").unwrap(), "Bearer abc");
/// ```
pub fn bearer_request(token: &str) -> TestRequest {
    TestRequest::default().insert_header((header::AUTHORIZATION, format!("Bearer {token}")))
}

/// A request authenticated as `sub` with `scopes`, by a token minted with `config`.
///
/// ```
/// use scopes_runtime::testing;
/// let config = testing::token_config();
/// let req = testing::request_as(&config, "alice", &["me"]).uri("/users/me").to_request();
/// # drop(req);
/// ```
///
/// # Panics
/// When `config`'s keys cannot sign.
pub fn request_as(config: &TokenConfig, sub: &str, scopes: &[&str]) -> TestRequest {
    bearer_request(&mint(config, sub, scopes))
}

/// The [`SecurityScopes`] that a dependency receives under the `#[secured]` handler `H`, on
/// the path through the dependencies named `path` (function names, the handler's child
/// first); `&[]` names the handler itself. `None` when `H`'s tree has no such path. Where a
/// node has two children of the same name (a decorator and a parameter, or functions of
/// different modules), the first one (decorators first, then parameters in order) is taken.
///
/// It reads the table the requests read: the same `&'static` data, no allocation, usable
/// in a `const`.
///
/// ```
/// use actix_web::{get, HttpResponse};
/// use scopes_runtime::{dependency, secured, testing, Security, SecurityScopes};
///
/// #[dependency(scopes = ["me"])]
/// async fn current_user(scopes: SecurityScopes) -> &'static str {
///     scopes.scope_str()
/// }
///
/// #[secured(scopes = ["items"])]
/// #[get("/items")]
/// async fn items(user: Security<current_user>) -> HttpResponse {
///     HttpResponse::Ok().body(*user)
/// }
///
/// let seen = testing::security_scopes::<items>(&["current_user"]).unwrap();
/// assert_eq!(seen.scopes(), ["items", "me"]);
/// assert_eq!(seen.scope_str(), "items me");
/// assert_eq!(testing::security_scopes::<items>(&[]).unwrap().scopes(), ["items"]);
/// assert!(testing::security_scopes::<items>(&["nobody"]).is_none());
/// ```
pub const fn security_scopes<H: Handler>(path: &[&str]) -> Option<SecurityScopes> {
    match graph_path::<H>(path) {
        Some(at) => Some(at.scopes()),
        None => None,
    }
}

/// Where in `H`'s table a request resolves the dependency reached through `path` (as for
/// [`security_scopes`]), for resolving it alone with [`resolve`].
#[doc(hidden)]
pub const fn graph_path<H: Handler>(path: &[&str]) -> Option<GraphPath> {
    let mut node = H::INFO;
    let mut row = 0;
    let mut i = 0;
    while i < path.len() {
        let mut c = 0;
        loop {
            if c == node.children.len() {
                return None;
            }
            if str_eq(node.children[c].name, path[i]) {
                row += child_offset(node, c);
                node = node.children[c];
                break;
            }
            c += 1;
        }
        i += 1;
    }
    Some(H::ROOT.child(row))
}

/// Resolves the dependency `D` at `at` for `req` (without a body), as the handler's graph
/// does, outside any handler: for benchmarks and tests that measure one dependency alone.
#[doc(hidden)]
pub async fn resolve<D: Dependency>(
    at: GraphPath,
    req: HttpRequest,
) -> Result<Security<D>, actix_web::Error> {
    D::resolve(at, &mut Resolution::without_body(req)).await
}

/// `req` (a [`TestRequest::to_request`]) as the type `R` the service that `helper` runs
/// against takes.
///
/// # Panics
/// When `R` is not [`TestRequest::to_request`]'s type.
fn into_request<R: 'static>(req: impl Any, helper: &str) -> R {
    let req: Box<dyn Any> = Box::new(req);
    match req.downcast::<R>() {
        Ok(req) => *req,
        Err(_) => panic!(
            "{helper} runs against a service made by `actix_web::test::init_service`, which \
             takes `TestRequest::to_request()`'s requests; this one takes `{}`",
            core::any::type_name::<R>()
        ),
    }
}
