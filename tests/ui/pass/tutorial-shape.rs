//! The tutorial's graph, with route macros and manual registration.
use actix_web::{App, HttpResponse, Responder, get, web};
use scopes_runtime::graph::scopes_eq;
use scopes_runtime::{Depends, Security, SecurityScopes, dependency, required_scopes, secured};

#[derive(Clone)]
pub struct User {
    pub disabled: bool,
}

#[dependency]
pub async fn get_current_user(
    security_scopes: SecurityScopes,
    req: actix_web::HttpRequest,
) -> Result<User, actix_web::Error> {
    let _ = (security_scopes.scopes(), req);
    Ok(User { disabled: false })
}

#[dependency(scopes = ["me"])]
pub async fn get_current_active_user(
    current_user: Security<get_current_user>,
) -> Result<User, actix_web::Error> {
    if current_user.disabled {
        return Err(actix_web::error::ErrorBadRequest("Inactive user"));
    }
    Ok(current_user.into_inner())
}

#[secured]
#[get("/users/me/")]
pub async fn read_users_me(current_user: Depends<get_current_active_user>) -> impl Responder {
    let _ = current_user.disabled;
    HttpResponse::Ok().finish()
}

#[secured(scopes = ["items"])]
#[get("/users/me/items/")]
pub(crate) async fn read_own_items(_current_user: Security<get_current_active_user>) -> impl Responder {
    "[]"
}

#[secured]
async fn read_system_status(_current_user: Depends<get_current_user>) -> &'static str {
    "ok"
}

mod nested {
    #[scopes_runtime::secured(scopes = ["admin"])]
    #[actix_web::route("/admin/", method = "GET", method = "POST")]
    pub async fn admin(_user: scopes_runtime::Security<super::get_current_active_user>) -> &'static str {
        "admin"
    }
}

const _: () = assert!(scopes_eq(required_scopes!(read_own_items), &["items", "me"]));
const _: () = assert!(scopes_eq(required_scopes!(read_users_me), &["me"]));
const _: () = assert!(scopes_eq(required_scopes!(read_system_status), &[]));
const _: () = assert!(scopes_eq(required_scopes!(nested::admin), &["admin", "me"]));

fn main() {
    let _ = App::new()
        .service(read_users_me)
        .service(read_own_items)
        .service(nested::admin)
        .service(web::resource("/status/").route(web::get().to(read_system_status)));
}
