//! `testing::unmarked_routes`: every route of an app that its gate refuses although a route
//! registered outside its `services![..]` would answer it, with method and path, read from
//! the app's route table and probed through the gate.

use std::cell::Cell;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::rc::Rc;

use actix_web::http::{Method, StatusCode};
use actix_web::test as atest;
use actix_web::{App, HttpResponse, Responder, get, post, web};
use scopes_runtime::services::Services;
use scopes_runtime::testing::{self, UnmarkedRoute};
use scopes_runtime::{public, secured, services};

/// Counts the bodies that ran.
#[derive(Clone, Default)]
struct Ran(Rc<Cell<u32>>);

impl Ran {
    fn ran(&self) {
        self.0.set(self.0.get() + 1);
    }
}

#[secured]
#[get("/items/")]
async fn read_items(listed: web::Data<Listed>) -> impl Responder {
    listed.0.ran();
    HttpResponse::Ok().body("[]")
}

#[secured]
#[post("/items/")]
async fn create_item(listed: web::Data<Listed>) -> impl Responder {
    listed.0.ran();
    HttpResponse::Created().finish()
}

#[public]
#[get("/health")]
async fn health(listed: web::Data<Listed>) -> impl Responder {
    listed.0.ran();
    "ok"
}

/// Counts the listed handlers' bodies that ran.
#[derive(Clone, Default)]
struct Listed(Ran);

const SERVICES: Services = services![read_items, create_item, health];

/// A plain actix-web route macro: not `#[secured]`, not `#[public]`, not listed.
#[get("/plain")]
async fn plain(unmarked: web::Data<Ran>) -> impl Responder {
    unmarked.ran();
    "plain"
}

/// Unmarked, beside the listed routes of the same path.
#[actix_web::delete("/items/")]
async fn delete_items(unmarked: web::Data<Ran>) -> impl Responder {
    unmarked.ran();
    HttpResponse::NoContent().finish()
}

/// An unmarked handler's answer: counted, then `status`.
fn answer(
    status: StatusCode,
) -> impl Fn(web::Data<Ran>) -> std::future::Ready<HttpResponse> + Clone {
    move |unmarked: web::Data<Ran>| {
        unmarked.ran();
        std::future::ready(HttpResponse::build(status).finish())
    }
}

fn route(method: Method, path: &str, name: Option<&str>) -> UnmarkedRoute {
    UnmarkedRoute {
        method: Some(method),
        path: path.to_owned(),
        name: name.map(str::to_owned),
    }
}

/// The listed handlers, their data, and every planted route; the app wraps it in
/// `SERVICES.gate().allow(Method::GET, "/static/{file}")`.
fn plant(cfg: &mut web::ServiceConfig, listed: &Listed, unmarked: &Ran) {
    cfg.app_data(web::Data::new(listed.clone()))
        .app_data(web::Data::new(unmarked.clone()))
        .service(SERVICES)
        .route("/debug", web::get().to(answer(StatusCode::OK)))
        .service(
            web::scope("/admin").route("/{id}", web::delete().to(answer(StatusCode::NO_CONTENT))),
        )
        .service(plain)
        .service(delete_items)
        .service(
            web::resource("/both")
                .route(web::get().to(answer(StatusCode::OK)))
                // A 404 from the route itself (an unknown id, say) is still an answer.
                .route(web::put().to(answer(StatusCode::NOT_FOUND))),
        )
        .service(
            web::scope("/files")
                .service(
                    web::resource(["/a", "/b/{n:\\d{3}}"])
                        .route(web::patch().to(answer(StatusCode::OK))),
                )
                .route("/{tail:.*}", web::post().to(answer(StatusCode::CREATED))),
        )
        // Allowed on purpose: not listed.
        .route("/static/{file}", web::get().to(answer(StatusCode::OK)));
}

/// The app of [`plant`].
macro_rules! planted {
    ($listed:expr, $unmarked:expr) => {
        atest::init_service(
            App::new()
                .wrap(SERVICES.gate().allow(Method::GET, "/static/{file}"))
                .configure(|cfg| plant(cfg, $listed, $unmarked)),
        )
        .await
    };
}

#[actix_web::test]
async fn lists_exactly_the_planted_routes_with_method_and_path() {
    let (listed, unmarked) = (Listed::default(), Ran::default());
    let app = planted!(&listed, &unmarked);
    let found = testing::unmarked_routes(&app).await;
    assert_eq!(
        found,
        [
            // At the path of the listed routes, which come first in the table.
            route(Method::DELETE, "/items/", Some("delete_items")),
            route(Method::GET, "/debug", None),
            route(Method::DELETE, "/admin/{id}", None),
            route(Method::GET, "/plain", Some("plain")),
            route(Method::GET, "/both", None),
            route(Method::PUT, "/both", None),
            route(Method::PATCH, "/files/a", None),
            route(Method::PATCH, "/files/b/{n:\\d{3}}", None),
            route(Method::POST, "/files/{tail:.*}", None),
        ],
        "{found:#?}"
    );
    let shown: Vec<String> = found.iter().map(ToString::to_string).collect();
    assert_eq!(shown[2], "DELETE /admin/{id}");
    // The probes ran the unmarked routes they found, and no listed handler.
    assert_eq!(listed.0.0.get(), 0);
    assert_eq!(unmarked.0.get(), 9);
}

#[actix_web::test]
async fn the_probes_open_nothing_for_requests_afterwards() {
    let (listed, unmarked) = (Listed::default(), Ran::default());
    let app = planted!(&listed, &unmarked);
    assert_eq!(testing::unmarked_routes(&app).await.len(), 9);
    let ran = unmarked.0.get();
    for (method, uri) in [
        (Method::GET, "/debug"),
        (Method::DELETE, "/admin/7"),
        (Method::GET, "/plain"),
        (Method::DELETE, "/items/"),
        (Method::PUT, "/both"),
    ] {
        let req = atest::TestRequest::default()
            .method(method.clone())
            .uri(uri)
            .to_request();
        let status = atest::call_service(&app, req).await.status();
        assert_eq!(status, StatusCode::NOT_FOUND, "{method} {uri}");
    }
    assert_eq!(unmarked.0.get(), ran, "a refused route ran");
    let req = atest::TestRequest::get()
        .uri("/static/app.css")
        .to_request();
    assert_eq!(
        atest::call_service(&app, req).await.status(),
        StatusCode::OK
    );
}

#[actix_web::test]
async fn an_app_of_listed_and_allowed_routes_has_none() {
    let (listed, unmarked) = (Listed::default(), Ran::default());
    let app = atest::init_service(
        App::new()
            .wrap(SERVICES.gate().allow(Method::GET, "/static/{file}"))
            .app_data(web::Data::new(listed.clone()))
            .app_data(web::Data::new(unmarked.clone()))
            .service(SERVICES)
            .route("/static/{file}", web::get().to(answer(StatusCode::OK))),
    )
    .await;
    testing::assert_every_route_marked(&app).await;
    assert!(testing::unmarked_routes(&app).await.is_empty());
    assert_eq!((listed.0.0.get(), unmarked.0.get()), (0, 0));
}

#[actix_web::test]
async fn a_list_registered_under_a_scope_is_unmarked_there() {
    // The gate knows the list's patterns from the root: under `/api` they are other routes.
    let listed = Listed::default();
    let app = atest::init_service(
        App::new()
            .wrap(SERVICES.gate())
            .app_data(web::Data::new(listed.clone()))
            .service(web::scope("/api").service(SERVICES)),
    )
    .await;
    assert_eq!(
        testing::unmarked_routes(&app).await,
        [
            route(Method::GET, "/api/items/", Some("read_items")),
            route(Method::POST, "/api/items/", Some("create_item")),
            route(Method::GET, "/api/health", Some("health")),
        ]
    );
    assert_eq!(listed.0.0.get(), 3, "each ran once, as an unmarked route");
}

/// Unmarked, named like a listed handler, registered before it at a path its pattern also
/// matches: routing gives `/users/me` to it.
mod shadow {
    #[actix_web::get("/users/me")]
    pub(super) async fn show() -> &'static str {
        "me, unchecked"
    }
}

#[secured]
#[get("/users/{id}")]
async fn show() -> impl Responder {
    "a user"
}

#[actix_web::test]
async fn finds_routes_the_gate_tells_apart_by_name_and_pattern() {
    const USERS: Services = services![show];
    let app = atest::init_service(
        App::new()
            .wrap(USERS.gate())
            .service(shadow::show)
            .service(USERS)
            // Reached only through the guards of the resources before it.
            .service(web::resource("/users/{id}").route(web::delete().to(HttpResponse::Ok))),
    )
    .await;
    assert_eq!(
        testing::unmarked_routes(&app).await,
        [
            route(Method::GET, "/users/me", Some("show")),
            route(Method::DELETE, "/users/{id}", None),
        ]
    );
}

#[actix_web::test]
async fn a_route_for_any_method_is_listed_without_one() {
    let app = atest::init_service(
        App::new()
            .wrap(SERVICES.gate())
            .route("/any", web::to(HttpResponse::Ok))
            .service(
                web::resource("/own-default")
                    .route(web::get().to(HttpResponse::Ok))
                    .default_service(web::to(HttpResponse::Gone)),
            ),
    )
    .await;
    let unprobed = |path: &str| UnmarkedRoute {
        method: None,
        path: path.to_owned(),
        name: None,
    };
    assert_eq!(
        testing::unmarked_routes(&app).await,
        [
            unprobed("/any"),
            route(Method::GET, "/own-default", None),
            unprobed("/own-default"),
        ]
    );
}

/// Runs `test` to its end on an actix system, and gives the message it panicked with.
fn panic_message(test: impl AsyncFnOnce()) -> String {
    let panic = catch_unwind(AssertUnwindSafe(|| {
        actix_web::rt::System::new().block_on(test())
    }))
    .expect_err("the helper panics");
    match panic.downcast::<String>() {
        Ok(message) => *message,
        Err(panic) => panic
            .downcast_ref::<&str>()
            .map_or_else(String::new, |s| (*s).to_owned()),
    }
}

#[test]
fn the_one_liner_fails_with_a_table_of_them() {
    let message = panic_message(async || {
        let (listed, unmarked) = (Listed::default(), Ran::default());
        let app = planted!(&listed, &unmarked);
        testing::assert_every_route_marked(&app).await;
    });
    let table = message
        .split_once(":\n")
        .map(|(_, table)| table)
        .unwrap_or_default();
    assert!(message.starts_with("9 unmarked route(s): "), "{message}");
    assert_eq!(
        table,
        "method  path                resource\n\
         DELETE  /items/             delete_items\n\
         GET     /debug              -\n\
         DELETE  /admin/{id}         -\n\
         GET     /plain              plain\n\
         GET     /both               -\n\
         PUT     /both               -\n\
         PATCH   /files/a            -\n\
         PATCH   /files/b/{n:\\d{3}}  -\n\
         POST    /files/{tail:.*}    -\n"
    );
}

#[test]
fn without_a_gate_it_fails_closed() {
    let message = panic_message(async || {
        let app = atest::init_service(
            App::new()
                .service(plain)
                .app_data(web::Data::new(Ran::default())),
        )
        .await;
        testing::unmarked_routes(&app).await;
    });
    assert!(
        message.starts_with("unmarked_routes: no `Gate` saw the probes"),
        "{message}"
    );
}
