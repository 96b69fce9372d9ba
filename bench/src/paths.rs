//! Where demo-app's `GET /users/me/items/` resolves its dependencies: rows of its table of
//! scope unions, for measuring the pieces of a request alone.

use core::pin::pin;
use core::task::{Context, Poll, Waker};

use actix_web::HttpRequest;
use demo_app::auth::{get_current_active_user, get_current_user};
use demo_app::handlers::read_own_items;
use scopes_runtime::__private::{Context as Resolution, Node, Path, child_offset};
use scopes_runtime::scope_set::scopes_eq;
use scopes_runtime::{Dependency, VerifiedToken};

/// `get_current_active_user` under `read_own_items`: `items me`.
pub const ITEMS_PATH: Path =
    Path::root::<read_own_items>().child(child_offset(<read_own_items as Node>::INFO, 0));
const _: () = assert!(scopes_eq(ITEMS_PATH.scopes().scopes(), &["items", "me"]));

/// `Security<VerifiedToken>` under `get_current_user` under [`ITEMS_PATH`]: `items me` too.
pub const TOKEN_PATH: Path = ITEMS_PATH
    .child(child_offset(<get_current_active_user as Node>::INFO, 0))
    .child(child_offset(<get_current_user as Node>::INFO, 0));
const _: () = assert!(scopes_eq(TOKEN_PATH.scopes().scopes(), &["items", "me"]));
const _: () = assert!(!TOKEN_PATH.caches() && !TOKEN_PATH.opaque());

/// Resolves `Security<VerifiedToken>` for `req` as demo-app's graph does at [`TOKEN_PATH`]:
/// whether the token was accepted.
pub fn resolve_token(req: &HttpRequest) -> bool {
    let mut cx = Resolution::without_body(req.clone());
    let resolved = pin!(VerifiedToken::resolve(TOKEN_PATH, &mut cx));
    matches!(
        resolved.poll(&mut Context::from_waker(Waker::noop())),
        Poll::Ready(Ok(_))
    )
}
