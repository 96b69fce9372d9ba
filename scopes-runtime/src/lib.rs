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
//! # How it works
//! Each macro emits a hidden marker type implementing [`graph::Node`]. A path from a handler
//! down to a dependency is a type ([`graph::Root`], [`graph::With`]) whose associated
//! `const`s hold the scope union, so a request reads `&'static` data and allocates nothing
//! for scopes. `#[secured]` turns the handler into a wrapper that resolves its parameters in
//! order; a dependency reached twice under the same union runs once per request.
#![forbid(unsafe_code)]
#![deny(unreachable_pub)]

mod cache;
mod dependency;
pub mod graph;
pub mod scope_set;
pub mod scope_token;
mod security;

#[doc(hidden)]
pub mod __private;

pub use cache::Cache;
pub use dependency::Dependency;
pub use scope_set::ScopeSet;
pub use security::{Depends, Security, SecurityScopes};

pub use scopes_macros::{dependency, required_scopes, secured};
