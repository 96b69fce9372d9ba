//! An `Err` from a dependency becomes the response and stops the handler; plain-value
//! dependencies and ordinary extractors mix with dependencies.

use std::fmt;

use actix_web::http::StatusCode;
use actix_web::{App, HttpResponse, Responder, ResponseError, get, test, web};
use scopes_runtime::{Depends, Security, dependency, secured};

#[derive(Debug)]
struct Denied(&'static str);

impl fmt::Display for Denied {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl ResponseError for Denied {
    fn status_code(&self) -> StatusCode {
        StatusCode::FORBIDDEN
    }

    fn error_response(&self) -> HttpResponse {
        HttpResponse::Forbidden()
            .insert_header(("x-denied", "yes"))
            .json(serde_json::json!({ "detail": self.0 }))
    }
}

#[derive(serde::Deserialize)]
struct Who {
    name: String,
}

#[dependency]
async fn named(who: web::Query<Who>) -> Result<String, Denied> {
    if who.name == "mallory" {
        Err(Denied("mallory is not welcome"))
    } else {
        Ok(who.name.clone())
    }
}

#[dependency]
async fn greeting(name: Security<named>) -> String {
    format!("hello {}", *name)
}

#[secured]
#[get("/greet/{times}")]
async fn greet(times: web::Path<usize>, greeting: Depends<greeting>) -> impl Responder {
    greeting.repeat(*times)
}

async fn send(uri: &str) -> (StatusCode, Option<String>, String) {
    let app = test::init_service(App::new().service(greet)).await;
    let res = test::call_service(&app, test::TestRequest::get().uri(uri).to_request()).await;
    let status = res.status();
    let header = res
        .headers()
        .get("x-denied")
        .map(|v| v.to_str().unwrap_or_default().to_owned());
    let body = test::read_body(res).await;
    (status, header, String::from_utf8_lossy(&body).into_owned())
}

#[actix_web::test]
async fn ok_path_runs_the_handler() {
    assert_eq!(
        send("/greet/2?name=bob").await,
        (StatusCode::OK, None, "hello bobhello bob".to_owned())
    );
}

#[actix_web::test]
async fn dependency_error_becomes_the_response() {
    assert_eq!(
        send("/greet/2?name=mallory").await,
        (
            StatusCode::FORBIDDEN,
            Some("yes".to_owned()),
            r#"{"detail":"mallory is not welcome"}"#.to_owned()
        )
    );
}

#[actix_web::test]
async fn extractor_errors_keep_actix_responses() {
    let (status, _, _) = send("/greet/2").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "missing query");
    let (status, _, _) = send("/greet/x?name=bob").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "bad path segment");
}
