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
//! use scopes_runtime::{dependency, required_scopes, secured, Security, SecurityScopes};
//!
//! #[derive(Clone)]
//! struct User {
//!     name: String,
//! }
//!
//! #[dependency]
//! async fn current_user(scopes: SecurityScopes) -> Result<User, actix_web::Error> {
//!     // A real app verifies a bearer token here and compares its scopes with
//!     // `scopes.scopes()`; see `scopes-runtime`'s OAuth2 helpers.
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
//! const _: () = assert!(scopes_runtime::scope_set::scopes_eq(
//!     required_scopes!(read_own_items),
//!     &["items", "me"],
//! ));
//!
//! let app = actix_web::App::new().service(read_own_items);
//! # drop(app);
//! ```
//!
//! # OAuth2 password flow
//! The runtime of FastAPI's `OAuth2PasswordBearer` tutorial:
//! - [`OAuth2PasswordBearer`]: the token URL and the scope catalogue, declared once as a
//!   `const` and put in app data; [`BearerToken`] reads `Authorization: Bearer …`.
//! - [`OAuth2PasswordRequestForm`] (and its strict variant): the token endpoint's form, with
//!   FastAPI's 422 errors.
//! - [`TokenConfig`], [`JwtKeys`], [`Claims`], [`VerifiedToken`]: issuing and verifying JWTs,
//!   once per request.
//! - [`PasswordHasher`]: bcrypt on the blocking pool, with a dummy hash for unknown users.
//! - [`AuthError`]: the rejections, in the tutorial's or RFC 6750's [`ErrorStyle`].
//! - [`testing`]: tokens and requests for applications' tests.
//!
//! ```
//! use actix_web::{web, HttpRequest};
//! use scopes_runtime::{dependency, AuthError, SecurityScopes, VerifiedToken};
//!
//! #[derive(Clone)]
//! struct User {
//!     username: String,
//! }
//!
//! fn get_user(username: &str) -> Option<User> {
//!     Some(User { username: username.to_owned() })
//! }
//!
//! #[dependency]
//! async fn get_current_user(
//!     security_scopes: SecurityScopes,
//!     req: HttpRequest,
//! ) -> Result<User, AuthError> {
//!     let token = VerifiedToken::authenticate(&req, security_scopes)?;
//!     let user = get_user(token.sub()).ok_or_else(|| token.credentials_error(security_scopes))?;
//!     token.require_scopes(security_scopes)?;
//!     Ok(user)
//! }
//! ```
//!
//! # How it works
//! Each macro emits a hidden marker type implementing [`graph::Node`]. A path from a handler
//! down to a dependency is a type ([`graph::Root`], [`graph::With`]) whose associated
//! `const`s hold the scope union, so a request reads `&'static` data and allocates nothing
//! for scopes. `#[secured]` turns the handler into a wrapper that resolves its parameters in
//! order; a dependency reached twice under the same union runs once per request.
#![forbid(unsafe_code)]
#![deny(unreachable_pub)]

pub mod bearer;
mod cache;
mod dependency;
pub mod error;
pub mod graph;
pub mod password;
pub mod password_form;
mod scope_check;
pub mod scope_set;
pub mod scope_token;
mod security;
pub mod testing;
pub mod token;

#[doc(hidden)]
pub mod __private;

pub use bearer::{BearerToken, OAuth2PasswordBearer};
pub use cache::Cache;
pub use dependency::Dependency;
pub use error::{AuthError, AuthErrorKind, ErrorStyle};
pub use password::{MAX_PASSWORD_LEN, PasswordError, PasswordHasher};
pub use password_form::{
    FormError, FormIssue, OAuth2PasswordRequestForm, OAuth2PasswordRequestFormStrict,
    PasswordFormConfig,
};
pub use scope_check::require_scopes;
pub use scope_set::ScopeSet;
pub use security::{Depends, Security, SecurityScopes};
pub use token::{
    Claims, JwtAlgorithm, JwtKeys, KeyError, ScopeClaim, TokenConfig, TokenError, TokenErrorKind,
    TokenResponse, VerifiedToken,
};

pub use scopes_macros::{dependency, required_scopes, secured};
