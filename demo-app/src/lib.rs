//! FastAPI's OAuth2-scopes tutorial rebuilt on actix-web with `scopes`.
//!
//! The binary (`cargo run -p demo-app`) serves it on 127.0.0.1:8000. The modules read like
//! the tutorial: [`auth`] holds the scheme, `get_current_user`, `get_current_active_user`
//! and `/token`; [`handlers`] the three path operations.

pub mod app;
pub mod auth;
pub mod cli;
mod conn;
mod deadline;
pub mod docs;
pub mod fallback;
pub mod handlers;
pub mod keys;
pub mod logging;
pub mod openapi;
pub mod proxy;
pub mod routes;
pub mod server;
pub mod users;
