//! `--rfc6750`: RFC 6750 challenges on protected routes, RFC 6749 section 5.2 errors on
//! `/token`.

mod common;

use common::{Server, tokens};
use serde_json::json;

fn error_code(res: &common::Response) -> String {
    res.json()["error"].as_str().unwrap_or_default().to_owned()
}

#[test]
fn protected_routes() {
    let server = Server::start(&["--rfc6750"]);
    let res = server.get("/users/me/items/", None);
    assert_eq!(res.status, 401);
    // No credentials: a challenge naming the scopes, without an error code (RFC 6750 section 3.1).
    assert_eq!(
        res.header("www-authenticate"),
        Some("Bearer scope=\"items me\"")
    );

    let res = server.get("/users/me/items/", Some("garbage"));
    assert_eq!(res.status, 401);
    assert_eq!(
        res.header("www-authenticate"),
        Some("Bearer error=\"invalid_token\"")
    );
    assert_eq!(error_code(&res), "invalid_token");

    let me = tokens::for_user("johndoe", &["me"]);
    let res = server.get("/users/me/items/", Some(&me));
    assert_eq!(res.status, 403);
    assert_eq!(
        res.header("www-authenticate"),
        Some("Bearer error=\"insufficient_scope\", scope=\"items me\"")
    );
    assert_eq!(error_code(&res), "insufficient_scope");
    assert_eq!(server.get("/users/me/", Some(&me)).status, 200);

    let res = server.send("GET", "/status/", &[("Authorization", "Bearer a b")], b"");
    assert_eq!(res.status, 400);
    assert_eq!(error_code(&res), "invalid_request");
}

#[test]
fn token_endpoint() {
    let server = Server::start(&["--rfc6750"]);
    let cases = [
        ("username=johndoe&password=wrong", 400, "invalid_grant"),
        ("username=nobody&password=secret", 400, "invalid_grant"),
        ("username=johndoe", 400, "invalid_request"),
        (
            "username=johndoe&password=secret&grant_type=client_credentials",
            400,
            "unsupported_grant_type",
        ),
        (
            "username=johndoe&password=secret&scope=me+admin",
            400,
            "invalid_scope",
        ),
    ];
    for (form, status, error) in cases {
        let res = server.post_form("/token", form);
        assert_eq!(
            (res.status, error_code(&res).as_str()),
            (status, error),
            "{form}"
        );
        assert_eq!(res.header("cache-control"), Some("no-store"), "{form}");
    }
    let res = server.post_form("/token", "username=bob&password=secretbob&scope=me+items");
    assert_eq!(res.status, 200);
    assert_eq!(res.json()["scope"], json!("me"));
}
