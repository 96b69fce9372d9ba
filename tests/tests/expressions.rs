//! Scope expressions: `any(..)` and `all(..)` normalised to alternatives at compile time,
//! joined along the chain, and one `const` driving the check, the challenge, OpenAPI and the
//! security surface.

use actix_web::http::StatusCode;
use actix_web::test as atest;
use actix_web::{App, HttpResponse, Responder, get, web};
use scopes_runtime::graph::Handler;
use scopes_runtime::openapi::SecuredRoutes;
use scopes_runtime::services::Services;
use scopes_runtime::{
    Authorized, ErrorStyle, OAuth2PasswordBearer, Security, SecurityScopes, dependency, secured,
    services, testing,
};

#[dependency]
async fn authorized(token: Security<Authorized>, scopes: SecurityScopes) -> String {
    let alternatives: Vec<String> = scopes
        .requirement()
        .alternatives()
        .map(|alternative| alternative.to_string())
        .collect();
    format!("{} [{}]", token.sub(), alternatives.join(" | "))
}

#[secured(scopes = [any("items:read", "items:admin"), "me"])]
#[get("/items/")]
async fn read_items(user: Security<authorized>) -> impl Responder {
    HttpResponse::Ok().body(user.into_inner())
}

#[secured(scopes = [any("a", all("b", "c"))])]
#[get("/nested")]
async fn nested(user: Security<authorized>) -> impl Responder {
    HttpResponse::Ok().body(user.into_inner())
}

/// A dependency's alternatives join the handler's scopes along the chain.
#[dependency(scopes = [any("x", "y")])]
async fn either(token: Security<Authorized>) -> String {
    token.sub().to_owned()
}

#[secured(scopes = ["h"])]
#[get("/chain")]
async fn chain(user: Security<either>) -> impl Responder {
    HttpResponse::Ok().body(user.into_inner())
}

const SERVICES: Services = services![read_items, nested, chain];

fn alternatives<H: Handler>() -> Vec<Vec<&'static str>> {
    H::REQUIREMENT
        .alternatives()
        .map(|alternative| alternative.iter().collect())
        .collect()
}

#[test]
fn expressions_are_normalised_at_compile_time() {
    assert_eq!(
        alternatives::<read_items>(),
        [vec!["items:read", "me"], vec!["items:admin", "me"]]
    );
    assert_eq!(
        <read_items as Handler>::REQUIRED_SCOPES,
        ["items:read", "items:admin", "me"]
    );
    assert_eq!(alternatives::<nested>(), [vec!["a"], vec!["b", "c"]]);
    assert_eq!(alternatives::<chain>(), [vec!["h", "x"], vec!["h", "y"]]);
}

async fn call(style: ErrorStyle, uri: &str, scopes: &[&str]) -> (StatusCode, String, String) {
    let config = testing::token_config();
    let app = atest::init_service(
        App::new()
            .app_data(web::Data::new(config.clone()))
            .app_data(OAuth2PasswordBearer::new("token", &[]).with_error_style(style))
            .service(SERVICES),
    )
    .await;
    let req = testing::request_as(&config, "alice", scopes).uri(uri);
    let res = atest::call_service(&app, req.to_request()).await;
    let status = res.status();
    let challenge = res
        .headers()
        .get("www-authenticate")
        .map(|v| v.to_str().unwrap_or_default().to_owned())
        .unwrap_or_default();
    let body = String::from_utf8_lossy(&atest::read_body(res).await).into_owned();
    (status, challenge, body)
}

#[actix_web::test]
async fn any_alternative_admits() {
    for granted in [&["items:read", "me"][..], &["me", "items:admin"][..]] {
        let (status, _, body) = call(ErrorStyle::Tutorial, "/items/", granted).await;
        assert_eq!(status, StatusCode::OK, "{granted:?}");
        assert_eq!(body, "alice [items:read me | items:admin me]");
    }
    let (status, _, _) = call(ErrorStyle::Tutorial, "/nested", &["b", "c"]).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _, _) = call(ErrorStyle::Tutorial, "/chain", &["h", "y"]).await;
    assert_eq!(status, StatusCode::OK);
}

#[actix_web::test]
async fn a_refusal_names_the_closest_alternative() {
    // One scope short of `items:admin me`: that is the one the challenge names.
    let (status, challenge, body) = call(ErrorStyle::Tutorial, "/items/", &["items:admin"]).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(challenge, r#"Bearer scope="items:admin me""#);
    assert_eq!(body, r#"{"detail":"Not enough permissions"}"#);
    // Equally far from both: the first.
    let (_, challenge, _) = call(ErrorStyle::Tutorial, "/items/", &["me"]).await;
    assert_eq!(challenge, r#"Bearer scope="items:read me""#);
    // `c` is one short of `b c`, and one short of `a`: a tie, the first.
    let (_, challenge, _) = call(ErrorStyle::Tutorial, "/nested", &["c"]).await;
    assert_eq!(challenge, r#"Bearer scope="a""#);
    let (status, challenge, _) = call(ErrorStyle::Rfc6750, "/chain", &["x"]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(
        challenge,
        r#"Bearer error="insufficient_scope", scope="h x""#
    );
}

#[actix_web::test]
async fn an_invalid_token_names_the_smallest_alternative() {
    let config = testing::token_config();
    let app = atest::init_service(
        App::new()
            .app_data(web::Data::new(config))
            .service(SERVICES),
    )
    .await;
    let req = testing::bearer_request("not.a.token").uri("/nested");
    let res = atest::call_service(&app, req.to_request()).await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        res.headers().get("www-authenticate").unwrap(),
        r#"Bearer scope="a""#
    );
}

#[test]
fn openapi_documents_one_requirement_per_alternative() {
    use utoipa::openapi::path::{HttpMethod, OperationBuilder, PathItem, PathsBuilder};
    let mut doc = utoipa::openapi::OpenApiBuilder::new()
        .paths(PathsBuilder::new().path(
            "/items/",
            PathItem::new(HttpMethod::Get, OperationBuilder::new()),
        ))
        .build();
    let undocumented = SecuredRoutes::new("OAuth2", &OAuth2PasswordBearer::new("token", &[]))
        .services(&SERVICES)
        .apply(&mut doc);
    assert_eq!(
        undocumented.len(),
        2,
        "/nested and /chain are not in this document"
    );
    let json = serde_json::to_value(&doc).unwrap();
    assert_eq!(
        json["paths"]["/items/"]["get"]["security"],
        serde_json::json!([{ "OAuth2": ["items:read", "me"] }, { "OAuth2": ["items:admin", "me"] }])
    );
}

#[test]
fn the_surface_lists_the_alternatives() {
    let surface = SERVICES.surface();
    assert_eq!(
        surface.routes()[0].requirement,
        [vec!["items:read", "me"], vec!["items:admin", "me"]]
    );
    assert!(
        surface
            .to_markdown()
            .contains("| `items:read me` or `items:admin me` |")
    );
}
