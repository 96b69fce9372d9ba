//! Where demo-app's `GET /users/me/items/` resolves its dependencies: rows of its table of
//! scope unions, for measuring the pieces of a request alone.

use core::pin::pin;
use core::task::{Context, Poll, Waker};

use actix_web::HttpRequest;
use demo_app::handlers::read_own_items;
use scopes_runtime::graph::{GraphPath, scopes_eq};
use scopes_runtime::{VerifiedToken, testing};

/// `get_current_active_user` under `read_own_items`: `items me`.
pub const ITEMS_PATH: GraphPath =
    match testing::graph_path::<read_own_items>(&["get_current_active_user"]) {
        Some(at) => at,
        None => panic!("read_own_items takes get_current_active_user"),
    };
const _: () = assert!(scopes_eq(ITEMS_PATH.scopes().scopes(), &["items", "me"]));

/// `Security<VerifiedToken>` under `get_current_user` under [`ITEMS_PATH`]: `items me` too.
pub const TOKEN_PATH: GraphPath = match testing::graph_path::<read_own_items>(&[
    "get_current_active_user",
    "get_current_user",
    "VerifiedToken",
]) {
    Some(at) => at,
    None => panic!("get_current_user takes Security<VerifiedToken>"),
};
const _: () = assert!(scopes_eq(TOKEN_PATH.scopes().scopes(), &["items", "me"]));
const _: () = assert!(!TOKEN_PATH.caches() && !TOKEN_PATH.reads_extensions());

/// Resolves `Security<VerifiedToken>` for `req` as demo-app's graph does at [`TOKEN_PATH`]:
/// whether the token was accepted.
pub fn resolve_token(req: &HttpRequest) -> bool {
    let resolved = pin!(testing::resolve::<VerifiedToken>(TOKEN_PATH, req.clone()));
    matches!(
        resolved.poll(&mut Context::from_waker(Waker::noop())),
        Poll::Ready(Ok(_))
    )
}
