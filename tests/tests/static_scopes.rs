//! `SecurityScopes` hands out `&'static` data computed by the compiler: the same addresses
//! on every request, and no allocation to build one.

use actix_web::{App, HttpResponse, Responder, get, test};
use scopes_runtime::{Security, SecurityScopes, dependency, secured, testing};

#[dependency(scopes = ["me"])]
async fn where_are_my_scopes(
    scopes: SecurityScopes,
) -> Result<(usize, usize, usize), actix_web::Error> {
    scopes
        .check(&["items", "me"])
        .map_err(|missing| actix_web::error::ErrorForbidden(missing.join(" ")))?;
    let mut seen = (0, 0);
    let info = allocation_counter::measure(|| {
        let again = std::hint::black_box(scopes);
        seen = (
            again.scopes().as_ptr() as usize,
            again.scope_str().as_ptr() as usize,
        );
    });
    Ok((seen.0, seen.1, info.count_total as usize))
}

#[secured(scopes = ["items"])]
#[get("/")]
async fn handler(seen: Security<where_are_my_scopes>) -> impl Responder {
    HttpResponse::Ok().json(*seen)
}

#[actix_web::test]
async fn same_static_data_on_every_request() {
    let app = test::init_service(App::new().service(handler)).await;
    let mut seen = Vec::new();
    for _ in 0..3 {
        let req = test::TestRequest::get().uri("/").to_request();
        let (slice, text, allocated): (usize, usize, usize) =
            test::call_and_read_body_json(&app, req).await;
        assert_eq!(allocated, 0);
        seen.push((slice, text));
    }
    assert!(seen.windows(2).all(|w| w[0] == w[1]), "{seen:?}");
}

#[actix_web::test]
async fn building_security_scopes_allocates_nothing() {
    let path = std::hint::black_box(["where_are_my_scopes"]);
    let mut scopes = None;
    let info = allocation_counter::measure(|| {
        scopes = std::hint::black_box(testing::security_scopes::<handler>(&path));
    });
    assert_eq!(info.count_total, 0);
    let scopes = scopes.expect("the handler's tree has the dependency");
    assert_eq!(scopes.scopes(), ["items", "me"]);
    assert_eq!(scopes.scope_str(), "items me");
    assert!(testing::security_scopes::<handler>(&[]).is_some_and(|own| own.scopes() == ["items"]));
}
