//! The same dependency sees different `SecurityScopes` under different handlers, and the
//! unions are compile-time constants.

use actix_web::{App, HttpResponse, Responder, get, test, web};
use scopes_runtime::graph::scopes_eq;
use scopes_runtime::{Security, SecurityScopes, dependency, required_scopes, secured};

#[derive(Clone, Debug)]
struct Seen {
    scopes: Vec<&'static str>,
    scope_str: &'static str,
}

/// Grants every scope these handlers use, as a token would, and checks the path's.
#[dependency]
async fn get_current_user(security_scopes: SecurityScopes) -> Result<Seen, actix_web::Error> {
    security_scopes
        .check(&["me", "items", "admin"])
        .map_err(|missing| actix_web::error::ErrorForbidden(missing.join(" ")))?;
    Ok(Seen {
        scopes: security_scopes.scopes().to_vec(),
        scope_str: security_scopes.scope_str(),
    })
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

// A tree with branches: `leaf` under two parents, each with scopes of its own, next to a
// sibling that adds none.
/// Checks its path's union: under `left` and under `right` together, every scope of the
/// tree.
#[dependency(scopes = ["x"])]
async fn leaf(scopes: SecurityScopes) -> Result<&'static str, actix_web::Error> {
    scopes
        .check(&["h", "l", "r", "x"])
        .map_err(|missing| actix_web::error::ErrorForbidden(missing.join(" ")))?;
    Ok(scopes.scope_str())
}

#[dependency(scopes = ["l", "x"])]
async fn left(seen: Security<leaf>, scopes: SecurityScopes) -> (&'static str, &'static str) {
    (*seen, scopes.scope_str())
}

#[dependency(scopes = ["r"])]
async fn right(seen: Security<leaf>) -> &'static str {
    *seen
}

#[dependency]
async fn plain(scopes: SecurityScopes) -> &'static str {
    scopes.scope_str()
}

#[secured(scopes = ["h"])]
#[get("/branches")]
async fn branches(
    l: Security<left>,
    p: Security<plain>,
    r: Security<right>,
    scopes: SecurityScopes,
) -> impl Responder {
    HttpResponse::Ok().json(serde_json::json!({
        "leaf_under_left": l.0,
        "left": l.1,
        "plain": *p,
        "leaf_under_right": *r,
        "handler": scopes.scope_str(),
    }))
}

#[actix_web::test]
async fn each_branch_of_a_tree_has_its_own_union() {
    let app = test::init_service(App::new().service(branches)).await;
    let req = test::TestRequest::get().uri("/branches").to_request();
    let body: serde_json::Value = test::call_and_read_body_json(&app, req).await;
    assert_eq!(
        body,
        serde_json::json!({
            "leaf_under_left": "h l x",
            "left": "h l x",
            "plain": "h",
            "leaf_under_right": "h r x",
            "handler": "h",
        })
    );
    // The same table, read by name.
    let at = |path: &[&str]| {
        scopes_runtime::testing::security_scopes::<branches>(path).map(|s| s.scopes().to_vec())
    };
    assert_eq!(at(&["left", "leaf"]), Some(vec!["h", "l", "x"]));
    assert_eq!(at(&["right", "leaf"]), Some(vec!["h", "r", "x"]));
    assert_eq!(at(&["plain"]), Some(vec!["h"]));
    assert_eq!(at(&["plain", "leaf"]), None);
    const _: () = assert!(scopes_eq(required_scopes!(branches), &["h", "l", "x", "r"]));
}
