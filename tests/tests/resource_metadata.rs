//! RFC 9728 protected resource metadata from the graph, and challenges an MCP client can act
//! on: `resource_metadata` on every 401 and 403, the needed `scope` on 403.

use actix_web::http::Method;
use actix_web::test as atest;
use actix_web::{App, Responder, get, web};
use scopes_runtime::services::{ProtectedResource, Services};
use scopes_runtime::{
    Authorized, ErrorStyle, OAuth2PasswordBearer, Security, public, secured, services, testing,
};
use serde_json::json;

#[secured(scopes = [any("notes:read", "notes:admin"), "me"])]
#[get("/notes")]
async fn notes(user: Security<Authorized>) -> impl Responder {
    user.sub().to_owned()
}

#[secured(scopes = ["notes:write"])]
#[get("/notes/new")]
async fn new_note(user: Security<Authorized>) -> impl Responder {
    user.sub().to_owned()
}

#[public]
#[get("/health")]
async fn health() -> &'static str {
    "ok"
}

const SERVICES: Services = services![notes, new_note, health];

const SCHEME: OAuth2PasswordBearer = OAuth2PasswordBearer::new(
    "token",
    &[
        ("notes:read", "Read notes."),
        ("notes:admin", "Administer notes."),
        ("notes:write", "Write notes."),
        ("me", "Me."),
    ],
);

async fn get_with(
    metadata: &ProtectedResource,
    scheme: OAuth2PasswordBearer,
    uri: &str,
    token: Option<String>,
) -> (u16, Option<String>, String) {
    let app = atest::init_service(
        App::new()
            .wrap(SERVICES.gate().allow(Method::GET, metadata.metadata_path()))
            .app_data(scheme)
            .app_data(web::Data::new(testing::token_config()))
            .service(SERVICES)
            .service(metadata.clone()),
    )
    .await;
    let mut req = atest::TestRequest::get().uri(uri);
    if let Some(token) = token {
        req = req.insert_header(("Authorization", format!("Bearer {token}")));
    }
    let res = atest::call_service(&app, req.to_request()).await;
    let status = res.status().as_u16();
    let challenge = res
        .headers()
        .get("www-authenticate")
        .map(|v| v.to_str().unwrap().to_owned());
    let body = String::from_utf8(atest::read_body(res).await.to_vec()).unwrap();
    (status, challenge, body)
}

fn metadata() -> ProtectedResource {
    ProtectedResource::new("https://api.example.com/notes-api/", &SERVICES)
        .unwrap()
        .authorization_server("https://login.example.com")
        .name("Notes")
}

#[actix_rt::test]
async fn the_document_lists_exactly_the_scopes_routes_require() {
    let metadata = metadata();
    assert_eq!(
        metadata.metadata_url(),
        "https://api.example.com/.well-known/oauth-protected-resource/notes-api"
    );
    let (status, _, body) = get_with(
        &metadata,
        SCHEME,
        "/.well-known/oauth-protected-resource/notes-api",
        None,
    )
    .await;
    assert_eq!(status, 200);
    let doc: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        doc,
        json!({
            "resource": "https://api.example.com/notes-api/",
            "authorization_servers": ["https://login.example.com"],
            "scopes_supported": ["notes:read", "notes:admin", "me", "notes:write"],
            "bearer_methods_supported": ["header"],
            "resource_name": "Notes",
        })
    );
    // Without a path, the plain well-known URI.
    let root = ProtectedResource::new("http://127.0.0.1:8000", &SERVICES).unwrap();
    assert_eq!(
        root.metadata_path(),
        "/.well-known/oauth-protected-resource"
    );
    assert!(ProtectedResource::new("https://a.example/x?y", &SERVICES).is_err());
    assert!(ProtectedResource::new("ftp://a.example", &SERVICES).is_err());
    assert!(ProtectedResource::new("https://", &SERVICES).is_err());
}

#[actix_rt::test]
async fn challenges_name_the_metadata_and_the_scope_needed() {
    let metadata = metadata();
    let url = metadata.metadata_url();
    let rfc = SCHEME
        .with_error_style(ErrorStyle::Rfc6750)
        .with_resource_metadata(url);

    let (status, challenge, _) = get_with(&metadata, rfc, "/notes", None).await;
    assert_eq!(status, 401);
    assert_eq!(
        challenge.unwrap(),
        format!(r#"Bearer scope="notes:read me", resource_metadata="{url}""#)
    );

    let bad = Some("not.a.token".to_owned());
    let (status, challenge, _) = get_with(&metadata, rfc, "/notes", bad).await;
    assert_eq!(status, 401);
    assert_eq!(
        challenge.unwrap(),
        format!(r#"Bearer error="invalid_token", resource_metadata="{url}""#)
    );

    // A token with `me` only: 403 naming the closest alternative in full.
    let me = Some(testing::mint(&testing::token_config(), "alice", &["me"]));
    let (status, challenge, _) = get_with(&metadata, rfc, "/notes", me.clone()).await;
    assert_eq!(status, 403);
    assert_eq!(
        challenge.unwrap(),
        format!(
            r#"Bearer error="insufficient_scope", scope="notes:read me", resource_metadata="{url}""#
        )
    );
    let (status, challenge, _) = get_with(&metadata, rfc, "/notes/new", me).await;
    assert_eq!(status, 403);
    assert_eq!(
        challenge.unwrap(),
        format!(
            r#"Bearer error="insufficient_scope", scope="notes:write", resource_metadata="{url}""#
        )
    );
    let admin = Some(testing::mint(
        &testing::token_config(),
        "alice",
        &["notes:admin", "me"],
    ));
    assert_eq!(get_with(&metadata, rfc, "/notes", admin).await.0, 200);
    assert_eq!(get_with(&metadata, rfc, "/health", None).await.0, 200);

    // The tutorial's scheme, without metadata: FastAPI's exact challenge.
    let (status, challenge, _) = get_with(&metadata, SCHEME, "/notes", None).await;
    assert_eq!((status, challenge.as_deref()), (401, Some("Bearer")));
}
