//! Scopes where FastAPI puts them: `#[scopes("items")] user: Security<dep>` is FastAPI's
//! `Security(dep, scopes=["items"])`, beside the node-level form, with the same unions.

use actix_web::http::StatusCode;
use actix_web::test as atest;
use actix_web::{App, HttpResponse, Responder, get, web};
use scopes_runtime::graph::Handler;
use scopes_runtime::{
    Authorized, Security, SecurityScopes, dependency, required_scopes, secured, testing,
};

#[dependency]
async fn get_current_user(token: Security<Authorized>, scopes: SecurityScopes) -> String {
    format!("{} [{}]", token.sub(), scopes.scope_str())
}

#[dependency]
async fn get_current_active_user(#[scopes("me")] user: Security<get_current_user>) -> String {
    user.into_inner()
}

/// The tutorial's `read_own_items`, written as FastAPI writes it.
#[secured]
#[get("/users/me/items/")]
async fn read_own_items(
    #[scopes("items")] current_user: Security<get_current_active_user>,
) -> impl Responder {
    HttpResponse::Ok().body(current_user.into_inner())
}

/// A use-site expression, and a dependency used twice under different use-site scopes.
#[secured]
#[get("/reports")]
async fn reports(
    #[scopes(any("reports:read", "admin"))] reader: Security<get_current_user>,
    #[scopes("audit")] auditor: Security<get_current_user>,
) -> impl Responder {
    HttpResponse::Ok().body(format!("{} / {}", *reader, *auditor))
}

const _: () = assert!(scopes_runtime::graph::scopes_eq(
    required_scopes!(read_own_items),
    &["items", "me"]
));

#[test]
fn use_site_scopes_join_the_union_like_fastapi() {
    let alternatives: Vec<String> = <reports as Handler>::REQUIREMENT
        .alternatives()
        .map(|alternative| alternative.to_string())
        .collect();
    assert_eq!(alternatives, ["reports:read audit", "admin audit"]);
}

#[actix_web::test]
async fn use_site_scopes_are_checked() {
    let config = testing::token_config();
    let app = atest::init_service(
        App::new()
            .app_data(web::Data::new(config.clone()))
            .service(read_own_items)
            .service(reports),
    )
    .await;
    let call = |uri: &'static str, scopes: &'static [&'static str]| {
        let req = testing::request_as(&config, "alice", scopes)
            .uri(uri)
            .to_request();
        let app = &app;
        async move {
            let res = atest::call_service(app, req).await;
            let status = res.status();
            let challenge = res
                .headers()
                .get("www-authenticate")
                .map(|v| v.to_str().unwrap_or_default().to_owned());
            let body = String::from_utf8_lossy(&atest::read_body(res).await).into_owned();
            (status, challenge, body)
        }
    };
    let (status, challenge, _) = call("/users/me/items/", &["me"]).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(challenge.as_deref(), Some(r#"Bearer scope="items me""#));
    let (status, _, body) = call("/users/me/items/", &["me", "items"]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, "alice [items me]");
    let (status, _, body) = call("/reports", &["admin", "audit"]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, "alice [reports:read admin] / alice [audit]");
    let (status, _, _) = call("/reports", &["admin"]).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "`audit` missing");
}
