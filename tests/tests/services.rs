//! `services![..]`: one list of handlers, each `#[secured]` or `#[public]`, that registers
//! them all, describes them (routes, required scopes, the security surface) and, through its
//! `Gate`, keeps every other route closed.

use std::cell::Cell;
use std::rc::Rc;

use actix_web::http::{Method, StatusCode};
use actix_web::test as atest;
use actix_web::{App, HttpRequest, HttpResponse, Responder, get, post, web};
use scopes_runtime::graph::Handler;
use scopes_runtime::services::Services;
use scopes_runtime::{Security, SecurityScopes, dependency, public, secured, services};

#[dependency(scopes = ["me"])]
async fn scopes_seen(scopes: SecurityScopes) -> Result<&'static str, actix_web::Error> {
    scopes
        .check(&["items", "me"])
        .map_err(|missing| actix_web::error::ErrorForbidden(missing.join(" ")))?;
    Ok(scopes.scope_str())
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

#[public]
#[get("/health")]
async fn health() -> impl Responder {
    "ok"
}

/// Counts the bodies of unlisted handlers that ran.
#[derive(Clone, Default)]
struct Ran(Rc<Cell<u32>>);

fn ran(ran: &web::Data<Ran>) {
    ran.0.set(ran.0.get() + 1);
}

#[secured]
#[get("/unlisted/")]
async fn unlisted(counter: web::Data<Ran>) -> impl Responder {
    ran(&counter);
    HttpResponse::Ok().finish()
}

/// Not marked at all, on a listed path with another method: the classic forgotten route.
#[actix_web::delete("/items/")]
async fn delete_items(counter: web::Data<Ran>) -> impl Responder {
    ran(&counter);
    HttpResponse::NoContent().finish()
}

/// Not marked, and named like a listed handler, at another path.
mod shadow {
    #[actix_web::get("/debug")]
    pub(super) async fn read_items(counter: actix_web::web::Data<super::Ran>) -> &'static str {
        super::ran(&counter);
        "debug"
    }
}

const SERVICES: Services = services![read_items, create_item, health];

const _: () = assert!(<health as Handler>::PUBLIC && !<read_items as Handler>::PUBLIC);

#[test]
fn the_list_describes_each_handler_with_what_the_compiler_computed() {
    let described: Vec<_> = SERVICES
        .handlers()
        .iter()
        .map(|h| {
            let route = h.info.routes[0];
            (
                h.info.name,
                route.method,
                route.path,
                h.is_public(),
                h.required_scopes,
            )
        })
        .collect();
    assert_eq!(
        described,
        [
            ("read_items", "GET", "/items/", false, &["items", "me"][..]),
            ("create_item", "POST", "/items/", false, &[][..]),
            ("health", "GET", "/health", true, &[][..]),
        ]
    );
    assert_eq!(
        format!("{SERVICES:?}"),
        r#"["read_items", "create_item", "health"]"#
    );
}

#[test]
fn the_surface_lists_every_route_with_its_status() {
    let surface = SERVICES.surface();
    assert_eq!(
        surface.to_markdown(),
        "| Method | Path | Handler | Access | Requires | Dependencies |\n\
         |---|---|---|---|---|---|\n\
         | GET | `/items/` | `read_items` | secured | `items me` | `scopes_seen[me]` |\n\
         | POST | `/items/` | `create_item` | secured | a valid token | - |\n\
         | GET | `/health` | `health` | public | - | - |\n"
    );
    let json: serde_json::Value = serde_json::from_str(&surface.to_json()).expect("JSON");
    assert_eq!(
        json[0],
        serde_json::json!({
            "method": "GET", "path": "/items/", "handler": "read_items", "public": false,
            "requirement": [["items", "me"]], "chain": "scopes_seen[me]",
        })
    );
    assert_eq!(json[2]["requirement"], serde_json::json!([]));
}

#[actix_web::test]
async fn the_list_registers_every_handler_it_names_and_no_other() {
    let app = atest::init_service(App::new().service(SERVICES)).await;
    let get = atest::TestRequest::get().uri("/items/").to_request();
    let res = atest::call_service(&app, get).await;
    assert_eq!(res.status(), 200);
    assert_eq!(atest::read_body(res).await, "items me");
    let post = atest::TestRequest::post().uri("/items/").to_request();
    assert_eq!(atest::call_service(&app, post).await.status(), 201);
    let other = atest::TestRequest::get().uri("/unlisted/").to_request();
    assert_eq!(atest::call_service(&app, other).await.status(), 404);
}

fn teapot(_: &HttpRequest) -> HttpResponse {
    HttpResponse::build(StatusCode::IM_A_TEAPOT).finish()
}

#[actix_web::test]
async fn the_gate_refuses_every_route_registered_another_way() {
    let counter = Ran::default();
    let app = atest::init_service(
        App::new()
            .wrap(
                SERVICES
                    .gate()
                    .allow(Method::GET, "/static/{file}")
                    .otherwise(teapot),
            )
            .app_data(web::Data::new(counter.clone()))
            .service(SERVICES)
            .service(delete_items)
            .service(unlisted)
            .service(shadow::read_items)
            .route("/by-hand", web::get().to(HttpResponse::Ok))
            .route("/static/{file}", web::get().to(HttpResponse::Ok)),
    )
    .await;
    let status = |method: Method, uri: &'static str| {
        let req = atest::TestRequest::default()
            .method(method)
            .uri(uri)
            .to_request();
        let app = &app;
        async move { atest::call_service(app, req).await.status() }
    };
    // Listed, secured or public: admitted.
    assert_eq!(status(Method::GET, "/items/").await, StatusCode::OK);
    assert_eq!(status(Method::POST, "/items/").await, StatusCode::CREATED);
    assert_eq!(status(Method::GET, "/health").await, StatusCode::OK);
    // Allowed on purpose: admitted, for that method only.
    assert_eq!(status(Method::GET, "/static/app.css").await, StatusCode::OK);
    assert_eq!(
        status(Method::POST, "/static/app.css").await,
        StatusCode::IM_A_TEAPOT
    );
    // Registered any other way: refused, answered by `otherwise`, their code never run.
    for (method, uri) in [
        (Method::DELETE, "/items/"), // an unmarked route beside listed ones
        (Method::GET, "/unlisted/"), // marked, but not in the list
        (Method::GET, "/debug"),     // unmarked, named like a listed handler
        (Method::GET, "/by-hand"),   // `.route(..)`
    ] {
        assert_eq!(
            status(method.clone(), uri).await,
            StatusCode::IM_A_TEAPOT,
            "{method} {uri}"
        );
    }
    assert_eq!(counter.0.get(), 0, "no refused route ran");
    // No route at all: the app's default service answers, as without the gate.
    assert_eq!(status(Method::GET, "/nowhere").await, StatusCode::NOT_FOUND);
}

#[actix_web::test]
async fn without_the_gate_those_routes_would_be_served() {
    // The control: the same app without the gate serves every one of them.
    let counter = Ran::default();
    let app = atest::init_service(
        App::new()
            .app_data(web::Data::new(counter.clone()))
            .service(SERVICES)
            .service(delete_items)
            .service(shadow::read_items),
    )
    .await;
    let req = atest::TestRequest::delete().uri("/items/").to_request();
    assert_eq!(
        atest::call_service(&app, req).await.status(),
        StatusCode::NO_CONTENT
    );
    let req = atest::TestRequest::get().uri("/debug").to_request();
    assert_eq!(
        atest::call_service(&app, req).await.status(),
        StatusCode::OK
    );
    assert_eq!(counter.0.get(), 2);
}

#[secured]
#[get("/users/{id}")]
async fn show() -> impl Responder {
    "a user"
}

/// Unmarked, named like a listed handler, at a path the listed one's pattern also matches.
mod shadow_pattern {
    #[actix_web::get("/users/me")]
    pub(super) async fn show(counter: actix_web::web::Data<super::Ran>) -> &'static str {
        super::ran(&counter);
        "me, unchecked"
    }
}

#[actix_web::test]
async fn the_gate_tells_resources_apart_by_name_and_pattern() {
    const USERS: Services = services![show];
    let counter = Ran::default();
    let app = atest::init_service(
        App::new()
            .wrap(USERS.gate())
            .app_data(web::Data::new(counter.clone()))
            // Registered first: actix-web routes `/users/me` to it.
            .service(shadow_pattern::show)
            .service(USERS),
    )
    .await;
    let req = atest::TestRequest::get().uri("/users/me").to_request();
    assert_eq!(
        atest::call_service(&app, req).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(counter.0.get(), 0);
    let req = atest::TestRequest::get().uri("/users/7").to_request();
    assert_eq!(
        atest::call_service(&app, req).await.status(),
        StatusCode::OK
    );
}
