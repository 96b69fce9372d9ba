//! `dependencies = [..]` run before the parameters for their checks; their values are
//! discarded, their scopes count, and their errors become the response.

use actix_web::http::StatusCode;
use actix_web::{App, HttpRequest, HttpResponse, Responder, get, post, test};
use scopes_runtime::graph::scopes_eq;
use scopes_runtime::{SecurityScopes, dependency, required_scopes, secured};

#[dependency(scopes = ["keys"])]
async fn verify_key(
    req: HttpRequest,
    scopes: SecurityScopes,
) -> Result<&'static str, actix_web::Error> {
    match req.headers().get("x-key") {
        Some(key) if key == "fake-super-secret-key" => {
            // The key grants both scopes of the path.
            scopes
                .check(&["items", "keys"])
                .map_err(|missing| actix_web::error::ErrorForbidden(missing.join(" ")))?;
            Ok(scopes.scope_str())
        }
        _ => Err(actix_web::error::ErrorBadRequest("X-Key header invalid")),
    }
}

#[dependency]
async fn verify_token(req: HttpRequest) -> Result<(), actix_web::Error> {
    match req.headers().get("x-token") {
        Some(token) if token == "fake-super-secret-token" => Ok(()),
        _ => Err(actix_web::error::ErrorBadRequest("X-Token header invalid")),
    }
}

#[secured(scopes = ["items"], dependencies = [verify_token, verify_key])]
#[get("/items/")]
async fn read_items(scopes: SecurityScopes) -> impl Responder {
    HttpResponse::Ok().body(scopes.scope_str())
}

/// The body is read after the decorators ran: extractors keep working behind them.
#[secured(dependencies = [verify_token])]
#[post("/echo")]
async fn echo(body: String) -> impl Responder {
    body
}

const _: () = assert!(scopes_eq(required_scopes!(read_items), &["items", "keys"]));

async fn send(req: test::TestRequest) -> (StatusCode, String) {
    let app = test::init_service(App::new().service(read_items).service(echo)).await;
    let res = test::call_service(&app, req.to_request()).await;
    let status = res.status();
    let body = test::read_body(res).await;
    (status, String::from_utf8_lossy(&body).into_owned())
}

#[actix_web::test]
async fn decorators_pass() {
    let req = test::TestRequest::get()
        .uri("/items/")
        .insert_header(("x-token", "fake-super-secret-token"))
        .insert_header(("x-key", "fake-super-secret-key"));
    assert_eq!(send(req).await, (StatusCode::OK, "items".to_owned()));
}

#[actix_web::test]
async fn first_failing_decorator_answers() {
    let req = test::TestRequest::get().uri("/items/");
    assert_eq!(
        send(req).await,
        (StatusCode::BAD_REQUEST, "X-Token header invalid".to_owned())
    );
    let req = test::TestRequest::get()
        .uri("/items/")
        .insert_header(("x-token", "fake-super-secret-token"));
    assert_eq!(
        send(req).await,
        (StatusCode::BAD_REQUEST, "X-Key header invalid".to_owned())
    );
}

#[actix_web::test]
async fn extractors_after_decorators_still_read_the_body() {
    let req = test::TestRequest::post()
        .uri("/echo")
        .insert_header(("x-token", "fake-super-secret-token"))
        .set_payload("hello");
    assert_eq!(send(req).await, (StatusCode::OK, "hello".to_owned()));
}
