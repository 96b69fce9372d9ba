//! The same dependency sees different `SecurityScopes` under different handlers, and the
//! unions are compile-time constants.

use actix_web::{App, HttpResponse, Responder, get, test, web};
use scopes_runtime::scope_set::scopes_eq;
use scopes_runtime::{Security, SecurityScopes, dependency, required_scopes, secured};

#[derive(Clone, Debug)]
struct Seen {
    scopes: Vec<&'static str>,
    scope_str: &'static str,
}

#[dependency]
async fn get_current_user(security_scopes: SecurityScopes) -> Seen {
    Seen {
        scopes: security_scopes.scopes().to_vec(),
        scope_str: security_scopes.scope_str(),
    }
}

#[dependency(scopes = ["me"])]
async fn get_current_active_user(current_user: Security<get_current_user>) -> Seen {
    current_user.into_inner()
}

fn answer(seen: &Seen) -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({
        "scopes": seen.scopes,
        "scope_str": seen.scope_str,
    }))
}

#[secured]
#[get("/users/me/")]
async fn read_users_me(current_user: Security<get_current_active_user>) -> impl Responder {
    answer(&current_user)
}

#[secured(scopes = ["items"])]
#[get("/users/me/items/")]
async fn read_own_items(current_user: Security<get_current_active_user>) -> impl Responder {
    answer(&current_user)
}

#[secured]
#[get("/status/")]
async fn read_system_status(current_user: Security<get_current_user>) -> impl Responder {
    answer(&current_user)
}

/// Registered by hand, not by a route macro.
#[secured(scopes = ["admin", "items"])]
async fn manual(current_user: Security<get_current_active_user>) -> impl Responder {
    answer(&current_user)
}

const _: () = assert!(scopes_eq(
    required_scopes!(read_own_items),
    &["items", "me"]
));
const _: () = assert!(scopes_eq(required_scopes!(read_users_me), &["me"]));
const _: () = assert!(scopes_eq(required_scopes!(read_system_status), &[]));
const _: () = assert!(scopes_eq(
    required_scopes!(manual),
    &["admin", "items", "me"]
));

async fn get_json(path: &str) -> serde_json::Value {
    let app = test::init_service(
        App::new()
            .service(read_users_me)
            .service(read_own_items)
            .service(read_system_status)
            .service(web::resource("/manual").route(web::get().to(manual))),
    )
    .await;
    let req = test::TestRequest::get().uri(path).to_request();
    test::call_and_read_body_json(&app, req).await
}

#[actix_web::test]
async fn same_dependency_sees_the_union_of_each_path() {
    let cases = [
        (
            "/users/me/items/",
            serde_json::json!(["items", "me"]),
            "items me",
        ),
        ("/users/me/", serde_json::json!(["me"]), "me"),
        ("/status/", serde_json::json!([]), ""),
        (
            "/manual",
            serde_json::json!(["admin", "items", "me"]),
            "admin items me",
        ),
    ];
    for (path, scopes, scope_str) in cases {
        let body = get_json(path).await;
        assert_eq!(body["scopes"], scopes, "{path}");
        assert_eq!(body["scope_str"], scope_str, "{path}");
    }
}
