//! The DSL behaves as users expect: security dependencies resolve before the handler's other
//! extractors, whatever the parameter order, and `Option<Security<D>>` is `None` where `D`
//! refuses (FastAPI's `auto_error=False`).

use actix_web::http::StatusCode;
use actix_web::test as atest;
use actix_web::{App, HttpResponse, Responder, get, post, web};
use scopes_runtime::graph::Handler;
use scopes_runtime::{Authorized, Security, dependency, public, secured, testing};

#[derive(serde::Deserialize)]
struct Note {
    #[allow(dead_code)]
    text: String,
}

/// The body first in the signature: still the token is checked first.
#[secured(scopes = ["notes:write"])]
#[post("/notes/{id}")]
async fn write_note(
    note: web::Json<Note>,
    id: web::Path<u32>,
    user: Security<Authorized>,
) -> impl Responder {
    let _ = note;
    HttpResponse::Created().body(format!("{} wrote {}", user.sub(), id))
}

#[dependency(scopes = ["notes:read"])]
async fn reader(token: Security<Authorized>) -> String {
    token.sub().to_owned()
}

/// Open to all, personalised for a reader.
#[public]
#[get("/greeting")]
async fn greeting(user: Option<Security<reader>>) -> impl Responder {
    match user {
        Some(user) => format!("hello {}", *user),
        None => "hello stranger".to_owned(),
    }
}

#[dependency]
async fn broken() -> Result<String, actix_web::Error> {
    Err(actix_web::error::ErrorInternalServerError("database down"))
}

#[public]
#[get("/broken")]
async fn uses_broken(value: Option<Security<broken>>) -> impl Responder {
    value.map(|v| v.into_inner()).unwrap_or_default()
}

const _: () = assert!(<greeting as Handler>::REQUIRED_SCOPES.is_empty());

macro_rules! app {
    ($config:expr) => {
        atest::init_service(
            App::new()
                .app_data(web::Data::new($config.clone()))
                .service(write_note)
                .service(greeting)
                .service(uses_broken),
        )
        .await
    };
}

#[actix_web::test]
async fn an_anonymous_caller_is_refused_before_its_input_is_validated() {
    let config = testing::token_config();
    let app = app!(config);
    // No token, a body that is not JSON, a path segment that is not a number: 401.
    let req = atest::TestRequest::post()
        .uri("/notes/x")
        .insert_header(("content-type", "application/json"))
        .set_payload("{not json");
    let res = atest::call_service(&app, req.to_request()).await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    // With the scope, the input is validated as usual.
    let req = testing::request_as(&config, "alice", &["notes:write"])
        .method(actix_web::http::Method::POST)
        .uri("/notes/x")
        .insert_header(("content-type", "application/json"))
        .set_payload(r#"{"text":"hi"}"#);
    let res = atest::call_service(&app, req.to_request()).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND, "`x` is not a u32");
    let req = testing::request_as(&config, "alice", &["notes:write"])
        .method(actix_web::http::Method::POST)
        .uri("/notes/7")
        .insert_header(("content-type", "application/json"))
        .set_payload(r#"{"text":"hi"}"#);
    let res = atest::call_service(&app, req.to_request()).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    assert_eq!(atest::read_body(res).await, "alice wrote 7");
}

#[actix_web::test]
async fn optional_security_is_none_where_the_dependency_refuses() {
    let config = testing::token_config();
    let app = app!(config);
    let body = |req: atest::TestRequest| {
        let app = &app;
        async move {
            let res = atest::call_service(app, req.uri("/greeting").to_request()).await;
            assert_eq!(res.status(), StatusCode::OK);
            String::from_utf8(atest::read_body(res).await.to_vec()).unwrap()
        }
    };
    assert_eq!(body(atest::TestRequest::get()).await, "hello stranger");
    assert_eq!(
        body(testing::bearer_request("garbage")).await,
        "hello stranger"
    );
    assert_eq!(
        body(testing::request_as(&config, "alice", &["me"])).await,
        "hello stranger",
        "`notes:read` missing"
    );
    assert_eq!(
        body(testing::request_as(&config, "alice", &["notes:read"])).await,
        "hello alice"
    );
}

#[actix_web::test]
async fn optional_security_keeps_server_errors() {
    let config = testing::token_config();
    let app = app!(config);
    let res =
        atest::call_service(&app, atest::TestRequest::get().uri("/broken").to_request()).await;
    assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
}
