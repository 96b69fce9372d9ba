//! The tutorial's path operations.
//!
//! | FastAPI tutorial | here |
//! |---|---|
//! | `@app.get("/users/me/")` `read_users_me(current_user = Depends(get_current_active_user))` | [`read_users_me`] |
//! | `@app.get("/users/me/items/")` `read_own_items(current_user = Security(get_current_active_user, scopes=["items"]))` | [`read_own_items`] |
//! | `@app.get("/status/")` `read_system_status(current_user = Depends(get_current_user))` | [`read_system_status`] |

use actix_web::{Responder, get, web};
use scopes_runtime::services::Services;
use scopes_runtime::{Depends, Security, secured, services};
use serde::Serialize;

use crate::auth::{get_current_active_user, get_current_user, login_for_access_token};
use crate::docs::{swagger_ui, swagger_ui_slash};

/// Every handler of the app, each `#[secured]` or `#[public]`, listed once: registered by
/// the app, guarded by its gate, and read by the route table, the fallback, the OpenAPI
/// document and `demo-app routes` (each handler's routes and required scopes come from the
/// compiler).
pub const SERVICES: Services = services![
    login_for_access_token,
    read_users_me,
    read_own_items,
    read_system_status,
    swagger_ui,
    swagger_ui_slash,
];

/// The current user.
#[secured]
#[get("/users/me/")]
pub async fn read_users_me(current_user: Depends<get_current_active_user>) -> impl Responder {
    web::Json(current_user.into_inner())
}

/// The current user's items; needs `items` on top of `me`.
#[secured(scopes = ["items"])]
#[get("/users/me/items/")]
pub async fn read_own_items(current_user: Security<get_current_active_user>) -> impl Responder {
    web::Json([Item {
        item_id: "Foo",
        owner: current_user.into_inner().username,
    }])
}

/// One of the tutorial's items (serialised as the original's `{"item_id": .., "owner": ..}`).
#[derive(Serialize)]
struct Item {
    item_id: &'static str,
    owner: String,
}

/// The tutorial's `{"status": "ok"}`.
#[derive(Serialize)]
struct Status {
    status: &'static str,
}

/// Any valid token, no scope, disabled users too.
#[secured]
#[get("/status/")]
pub async fn read_system_status(_current_user: Depends<get_current_user>) -> impl Responder {
    web::Json(Status { status: "ok" })
}
