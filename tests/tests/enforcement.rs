//! Scopes are enforced by construction: `Security<Authorized>` checks its path's union with
//! no code of the app's, and a handler whose required scopes no dependency checked is
//! refused (500, logged as a server bug) before its body runs, never served. The compile-time
//! half (a tree in which nothing could check) is `tests/ui/fail/secured-nothing-checks.rs`.

use std::cell::Cell;
use std::rc::Rc;

use actix_web::http::StatusCode;
use actix_web::{App, HttpResponse, Responder, get, test, web};
use scopes_runtime::graph::Handler;
use scopes_runtime::{
    AuthError, Authorized, ErrorStyle, OAuth2PasswordBearer, Security, SecurityScopes,
    VerifiedToken, dependency, secured, testing,
};

/// Counts the handler bodies that ran.
#[derive(Clone, Default)]
struct Ran(Rc<Cell<u32>>);

// The built-in check: nothing to write.
#[dependency(scopes = ["notes:read"])]
async fn reader(token: Security<Authorized>) -> String {
    token.sub().to_owned()
}

#[secured(scopes = ["notes:write"])]
#[get("/notes/write")]
async fn write_note(user: Security<reader>, ran: web::Data<Ran>) -> impl Responder {
    ran.0.set(ran.0.get() + 1);
    HttpResponse::Ok().body(user.into_inner())
}

// Hole one: FastAPI's `get_current_user` with its check loop forgotten.
#[dependency]
async fn forgetful_user(
    security_scopes: SecurityScopes,
    token: Security<VerifiedToken>,
) -> Result<String, AuthError> {
    if token.sub().is_empty() {
        return Err(token.credentials_error(security_scopes));
    }
    // token.require_scopes(security_scopes)?;   <- forgotten
    Ok(token.sub().to_owned())
}

#[secured(scopes = ["admin"])]
#[get("/admin")]
async fn admin(user: Security<forgetful_user>, ran: web::Data<Ran>) -> impl Responder {
    ran.0.set(ran.0.get() + 1);
    HttpResponse::Ok().body(user.into_inner())
}

// Hole two: one branch checks its path, the other does not, so `r` is never checked.
#[dependency]
async fn checks(scopes: SecurityScopes, token: Security<VerifiedToken>) -> Result<(), AuthError> {
    token.require_scopes(scopes)
}

#[dependency(scopes = ["l"])]
async fn left(_checked: Security<checks>) {}

#[dependency(scopes = ["r"])]
async fn right(_token: Security<VerifiedToken>, _scopes: SecurityScopes) {}

#[secured]
#[get("/branches")]
async fn branches(_l: Security<left>, _r: Security<right>, ran: web::Data<Ran>) -> impl Responder {
    ran.0.set(ran.0.get() + 1);
    HttpResponse::Ok().finish()
}

// Both branches checked: every scope of the tree covered by one path or the other.
#[dependency(scopes = ["r"])]
async fn right_checked(_checked: Security<checks>) {}

#[secured]
#[get("/both")]
async fn both(_l: Security<left>, _r: Security<right_checked>) -> impl Responder {
    HttpResponse::Ok().finish()
}

// A dependency that waits (yields to the runtime) before it returns without checking, while
// another request's checks run on the same thread in between.
#[dependency]
async fn slow_forgetful(_scopes: SecurityScopes, _token: Security<VerifiedToken>) {
    for _ in 0..4 {
        actix_rt::task::yield_now().await;
    }
}

#[secured(scopes = ["admin"])]
#[get("/slow")]
async fn slow(_u: Security<slow_forgetful>, ran: web::Data<Ran>) -> impl Responder {
    ran.0.set(ran.0.get() + 1);
    HttpResponse::Ok().finish()
}

#[dependency(scopes = ["admin"])]
async fn quick(token: Security<Authorized>) {
    let _ = token.sub();
}

#[secured]
#[get("/quick")]
async fn quick_handler(_u: Security<quick>) -> impl Responder {
    for _ in 0..8 {
        actix_rt::task::yield_now().await;
    }
    HttpResponse::Ok().finish()
}

const _: () = assert!(<write_note as Handler>::CHECKABLE);

/// The app, its token configuration and the count of bodies run, in `style`.
macro_rules! app {
    ($style:expr) => {{
        let config = testing::token_config();
        let ran = Ran::default();
        let scheme = OAuth2PasswordBearer::new("token", &[]).with_error_style($style);
        let app = test::init_service(
            App::new()
                .app_data(web::Data::new(config.clone()))
                .app_data(web::Data::new(ran.clone()))
                .app_data(scheme)
                .service(write_note)
                .service(admin)
                .service(branches)
                .service(both)
                .service(slow)
                .service(quick_handler),
        )
        .await;
        (app, config, ran)
    }};
}

#[actix_web::test]
async fn authorized_checks_the_union_of_its_path() {
    let (app, config, ran) = app!(ErrorStyle::Tutorial);
    let call =
        |req: test::TestRequest| test::call_service(&app, req.uri("/notes/write").to_request());

    let res = call(test::TestRequest::get()).await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "no token");

    let res = call(testing::request_as(&config, "alice", &["notes:read"])).await;
    assert_eq!(
        res.status(),
        StatusCode::UNAUTHORIZED,
        "`notes:write` missing"
    );
    assert_eq!(
        res.headers().get("www-authenticate").unwrap(),
        r#"Bearer scope="notes:write notes:read""#
    );
    let body = test::read_body(res).await;
    assert_eq!(body, r#"{"detail":"Not enough permissions"}"#);
    assert_eq!(ran.0.get(), 0, "refused before the body ran");

    let res = call(testing::request_as(
        &config,
        "alice",
        &["notes:write", "notes:read"],
    ))
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(test::read_body(res).await, "alice");
    assert_eq!(ran.0.get(), 1);
}

#[actix_web::test]
async fn authorized_answers_in_the_rfc6750_style() {
    let (app, config, _) = app!(ErrorStyle::Rfc6750);
    let req = testing::request_as(&config, "alice", &["notes:read"]).uri("/notes/write");
    let res = test::call_service(&app, req.to_request()).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        res.headers().get("www-authenticate").unwrap(),
        r#"Bearer error="insufficient_scope", scope="notes:write notes:read""#
    );
}

#[actix_web::test]
async fn a_forgotten_check_is_refused_never_served() {
    let (app, config, ran) = app!(ErrorStyle::Tutorial);
    // Whatever the token grants: nothing checked it.
    for scopes in [&[][..], &["admin"][..]] {
        let req = testing::request_as(&config, "alice", scopes).uri("/admin");
        let res = test::call_service(&app, req.to_request()).await;
        assert_eq!(
            res.status(),
            StatusCode::INTERNAL_SERVER_ERROR,
            "{scopes:?}"
        );
        let body = test::read_body(res).await;
        assert_eq!(body, r#"{"detail":"Internal Server Error"}"#);
    }
    assert_eq!(ran.0.get(), 0, "the handler's body never ran");
    // An anonymous caller is still refused by the token first.
    let res = test::call_service(&app, test::TestRequest::get().uri("/admin").to_request()).await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
}

#[actix_web::test]
async fn every_required_scope_must_be_checked_by_some_path() {
    let (app, config, ran) = app!(ErrorStyle::Tutorial);
    let all = ["l", "r"];
    let req = testing::request_as(&config, "alice", &all).uri("/branches");
    let res = test::call_service(&app, req.to_request()).await;
    assert_eq!(
        res.status(),
        StatusCode::INTERNAL_SERVER_ERROR,
        "`r` unchecked"
    );
    assert_eq!(ran.0.get(), 0);

    let req = testing::request_as(&config, "alice", &all).uri("/both");
    let res = test::call_service(&app, req.to_request()).await;
    assert_eq!(
        res.status(),
        StatusCode::OK,
        "each scope checked on one path"
    );
}

#[actix_web::test]
async fn checks_of_another_request_do_not_count() {
    let (app, config, ran) = app!(ErrorStyle::Tutorial);
    let waits = testing::request_as(&config, "alice", &["admin"]).uri("/slow");
    let checks = testing::request_as(&config, "bob", &["admin"]).uri("/quick");
    // Polled in turn on this thread: the other request's check runs while `/slow` waits.
    let (waited, checked) = futures_util::future::join(
        test::call_service(&app, waits.to_request()),
        test::call_service(&app, checks.to_request()),
    )
    .await;
    assert_eq!(checked.status(), StatusCode::OK);
    assert_eq!(waited.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(ran.0.get(), 0);
}
