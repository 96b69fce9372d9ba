//! Handler bodies keep their meaning in the wrapper `#[secured]` makes, warnings included:
//! lint attributes cover the parameters, macros that return leave the handler (not the
//! wrapper), and a body that never ends is not reported as making code unreachable.
#![deny(warnings)]

use actix_web::{HttpResponse, ResponseError, get};
use scopes_runtime::{Security, SecurityScopes, dependency, secured};

#[derive(Debug)]
struct MyError;

impl std::fmt::Display for MyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("my error")
    }
}

impl ResponseError for MyError {}

macro_rules! bail {
    ($e:expr) => {
        return Err($e)
    };
}

#[dependency(scopes = ["me"])]
async fn user(scopes: SecurityScopes) -> &'static str {
    scopes.scope_str()
}

#[secured]
#[get("/a")]
#[allow(unused_variables)]
async fn lint_on_the_fn(u: Security<user>) -> HttpResponse {
    HttpResponse::Ok().finish()
}

#[secured]
#[get("/b")]
async fn lint_on_the_param(#[allow(unused_variables)] u: Security<user>) -> HttpResponse {
    HttpResponse::Ok().finish()
}

#[secured]
#[get("/c")]
async fn inner_attribute(u: Security<user>) -> HttpResponse {
    #![allow(unused_variables)]
    HttpResponse::Ok().finish()
}

#[secured]
#[get("/d")]
async fn macro_that_returns(u: Security<user>) -> Result<HttpResponse, MyError> {
    if u.is_empty() {
        bail!(MyError);
    }
    Ok(HttpResponse::Ok().finish())
}

#[secured]
#[get("/e")]
async fn always_panics(_u: Security<user>) -> HttpResponse {
    panic!("this route always fails")
}

#[secured]
#[get("/f")]
async fn ignored(_: Security<user>) -> HttpResponse {
    HttpResponse::Ok().finish()
}

#[secured]
#[get("/g")]
async fn loops(_u: Security<user>) -> HttpResponse {
    loop {
        std::thread::yield_now();
    }
}

fn main() {
    let _ = actix_web::App::new()
        .service(lint_on_the_fn)
        .service(lint_on_the_param)
        .service(inner_attribute)
        .service(macro_that_returns)
        .service(always_panics)
        .service(ignored)
        .service(loops);
}
