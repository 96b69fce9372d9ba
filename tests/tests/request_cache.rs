//! A dependency reached twice in one request under the same scope union runs once
//! (FastAPI's per-request cache); under different unions it runs once per union.

use std::cell::Cell;
use std::rc::Rc;

use actix_web::{App, HttpResponse, Responder, get, test, web};
use scopes_runtime::graph::Handler;
use scopes_runtime::{Depends, Security, SecurityScopes, dependency, secured};

/// Counts the runs of `counted` in one request.
#[derive(Clone, Default)]
struct Runs(Rc<Cell<u32>>);

#[dependency]
async fn counted(
    runs: web::ReqData<Runs>,
    scopes: SecurityScopes,
) -> Result<(u32, &'static str), actix_web::Error> {
    let n = runs.0.get() + 1;
    runs.0.set(n);
    scopes
        .check(&["me"])
        .map_err(|missing| actix_web::error::ErrorForbidden(missing.join(" ")))?;
    Ok((n, scopes.scope_str()))
}

#[dependency]
async fn uses_counted(inner: Depends<counted>) -> (u32, &'static str) {
    *inner
}

#[dependency(scopes = ["me"])]
async fn uses_counted_with_me(inner: Depends<counted>) -> (u32, &'static str) {
    *inner
}

#[secured]
#[get("/same")]
async fn same_union(a: Depends<counted>, b: Depends<uses_counted>) -> impl Responder {
    HttpResponse::Ok().json((a.0, b.0))
}

#[secured]
#[get("/different")]
async fn different_unions(
    a: Depends<counted>,
    b: Security<uses_counted_with_me>,
) -> impl Responder {
    HttpResponse::Ok().json(((a.0, a.1), (b.0, b.1)))
}

#[secured]
#[get("/once")]
async fn used_once(a: Depends<uses_counted>) -> impl Responder {
    HttpResponse::Ok().json(a.0)
}

async fn call(path: &str) -> (serde_json::Value, u32) {
    let runs = Runs::default();
    let seen = runs.clone();
    let app = test::init_service(
        App::new()
            .wrap_fn(move |req, srv| {
                use actix_web::HttpMessage as _;
                req.extensions_mut().insert(runs.clone());
                actix_web::dev::Service::call(srv, req)
            })
            .service(same_union)
            .service(different_unions)
            .service(used_once),
    )
    .await;
    let body =
        test::call_and_read_body_json(&app, test::TestRequest::get().uri(path).to_request()).await;
    (body, seen.0.get())
}

#[actix_web::test]
async fn twice_under_the_same_union_runs_once() {
    let (body, runs) = call("/same").await;
    assert_eq!(runs, 1);
    assert_eq!(body, serde_json::json!([1, 1]));
}

#[actix_web::test]
async fn different_unions_run_separately() {
    let (body, runs) = call("/different").await;
    assert_eq!(runs, 2);
    assert_eq!(body, serde_json::json!([[1, ""], [2, "me"]]));
}

#[actix_web::test]
async fn trees_without_repeats_need_no_cache() {
    const _: () = assert!(<same_union as Handler>::NEEDS_CACHE);
    const _: () = assert!(<different_unions as Handler>::NEEDS_CACHE);
    const _: () = assert!(!<used_once as Handler>::NEEDS_CACHE);
    let (body, runs) = call("/once").await;
    assert_eq!((body, runs), (serde_json::json!(1), 1));
}

/// A dependency at module level...
#[dependency]
async fn twin() -> u32 {
    1
}

#[actix_web::test]
async fn dependencies_with_the_same_path_are_cached_apart() {
    // ...and one in a block, whose `module_path!()` path is the same: the cache must still
    // tell them apart, even for values of one type under one union.
    #[dependency]
    async fn twin() -> u32 {
        2
    }

    #[secured]
    #[get("/twins")]
    async fn twins(a: Depends<twin>, b: Depends<self::twin>, c: Depends<twin>) -> impl Responder {
        HttpResponse::Ok().json((*a, *b, *c))
    }

    const _: () = assert!(<twins as Handler>::NEEDS_CACHE);
    let app = test::init_service(App::new().service(twins)).await;
    let body: serde_json::Value =
        test::call_and_read_body_json(&app, test::TestRequest::get().uri("/twins").to_request())
            .await;
    assert_eq!(body, serde_json::json!([2, 1, 2]));
}
