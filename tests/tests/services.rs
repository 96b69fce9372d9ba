//! `secured_services![..]`: one list of handlers that registers them all and describes them
//! (routes, required scopes) for route tables and the OpenAPI document.

use actix_web::test as atest;
use actix_web::{App, HttpResponse, Responder, get, post};
use scopes_runtime::services::SecuredServices;
use scopes_runtime::{Security, SecurityScopes, dependency, secured, secured_services};

#[dependency(scopes = ["me"])]
async fn scopes_seen(scopes: SecurityScopes) -> &'static str {
    scopes.scope_str()
}

#[secured(scopes = ["items"])]
#[get("/items/")]
async fn read_items(seen: Security<scopes_seen>) -> impl Responder {
    HttpResponse::Ok().body(*seen)
}

#[secured]
#[post("/items/")]
async fn create_item() -> impl Responder {
    HttpResponse::Created().finish()
}

#[secured]
#[get("/unlisted/")]
async fn unlisted() -> impl Responder {
    HttpResponse::Ok().finish()
}

const SECURED: SecuredServices = secured_services![read_items, create_item];

#[test]
fn the_list_describes_each_handler_with_what_the_compiler_computed() {
    let described: Vec<_> = SECURED
        .handlers()
        .iter()
        .map(|h| {
            let route = h.info.routes[0];
            (h.info.name, route.method, route.path, h.required_scopes)
        })
        .collect();
    assert_eq!(
        described,
        [
            ("read_items", "GET", "/items/", &["items", "me"][..]),
            ("create_item", "POST", "/items/", &[][..]),
        ]
    );
    assert_eq!(format!("{SECURED:?}"), r#"["read_items", "create_item"]"#);
}

#[actix_web::test]
async fn the_list_registers_every_handler_it_names_and_no_other() {
    let app = atest::init_service(App::new().service(SECURED)).await;
    let get = atest::TestRequest::get().uri("/items/").to_request();
    let res = atest::call_service(&app, get).await;
    assert_eq!(res.status(), 200);
    assert_eq!(atest::read_body(res).await, "items me");
    let post = atest::TestRequest::post().uri("/items/").to_request();
    assert_eq!(atest::call_service(&app, post).await.status(), 201);
    let other = atest::TestRequest::get().uri("/unlisted/").to_request();
    assert_eq!(atest::call_service(&app, other).await.status(), 404);
    let _ = unlisted; // registered by nobody: the list is the app's registration
}
