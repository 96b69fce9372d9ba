//! The OpenAPI document: its security parts equal the original's exactly, and they come
//! from the compile-time graph.

mod common;

use common::Server;
use serde_json::{Value, json};

fn original() -> Value {
    serde_json::from_str(include_str!("original-openapi.json")).expect("the captured document")
}

fn ours(server: &Server) -> Value {
    let res = server.get("/openapi.json", None);
    assert_eq!(res.status, 200);
    assert_eq!(res.header("content-type"), Some("application/json"));
    res.json()
}

#[test]
fn security_parts_equal_the_originals() {
    let server = Server::start(&[]);
    let (ours, original) = (ours(&server), original());
    assert_eq!(ours["openapi"], "3.1.0");
    assert_eq!(
        ours["components"]["securitySchemes"],
        original["components"]["securitySchemes"]
    );
    assert_eq!(
        ours["components"]["securitySchemes"]["OAuth2PasswordBearer"],
        json!({"type": "oauth2", "flows": {"password": {"tokenUrl": "token", "scopes": {
            "me": "Read information about the current user.", "items": "Read items."}}}})
    );
    for (path, method) in [
        ("/token", "post"),
        ("/users/me/", "get"),
        ("/users/me/items/", "get"),
        ("/status/", "get"),
    ] {
        assert_eq!(
            ours["paths"][path][method]["security"], original["paths"][path][method]["security"],
            "{path}"
        );
    }
    assert_eq!(
        ours["paths"]["/users/me/items/"]["get"]["security"],
        json!([{"OAuth2PasswordBearer": ["items", "me"]}])
    );
    assert_eq!(
        ours["paths"]["/status/"]["get"]["security"],
        json!([{"OAuth2PasswordBearer": []}])
    );
    assert_eq!(ours["paths"]["/token"]["post"].get("security"), None);
    assert_eq!(
        ours["paths"]["/token"]["post"]["requestBody"],
        original["paths"]["/token"]["post"]["requestBody"]
    );
    for schema in [
        "Body_login_for_access_token_token_post",
        "User",
        "Token",
        "HTTPValidationError",
        "ValidationError",
    ] {
        assert_eq!(
            ours["components"]["schemas"][schema], original["components"]["schemas"][schema],
            "{schema}"
        );
    }
    assert_eq!(ours["paths"], original["paths"]);
}

#[test]
fn openapi_subcommand_prints_the_same_document() {
    let server = Server::start(&[]);
    let served = ours(&server);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_demo-app"))
        .arg("openapi")
        .output()
        .expect("runs");
    assert!(out.status.success());
    let printed: Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    assert_eq!(printed, served);
}

#[test]
fn docs_are_served_offline() {
    let server = Server::start(&[]);
    let res = server.get("/docs/", None);
    assert_eq!(res.status, 307);
    assert_eq!(
        res.header("location"),
        Some(format!("http://{}/docs", server.addr).as_str())
    );
    let page = server.get("/docs", None);
    assert_eq!(page.status, 200);
    assert_eq!(
        page.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    let html = page.text();
    assert!(
        html.contains("SwaggerUIBundle") && html.contains("url: '/openapi.json'"),
        "{html}"
    );
    for asset in [
        "swagger-ui.css",
        "swagger-ui-bundle.js",
        "oauth2-redirect.html",
    ] {
        assert!(html.contains(asset), "{asset}");
        let res = server.get(&format!("/docs/{asset}"), None);
        assert_eq!(res.status, 200, "{asset}");
        assert!(!res.text().contains("cdn.jsdelivr.net"), "{asset}");
    }
    // Every asset comes from this server: no absolute URL in the page.
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "{html}"
    );
}
