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
    // The resource's RFC 9728 metadata, at its own address, named by every 401 and 403.
    let url = format!(
        "http://{}/.well-known/oauth-protected-resource",
        server.addr
    );
    let metadata = server.get("/.well-known/oauth-protected-resource", None);
    assert_eq!(metadata.status, 200);
    assert_eq!(
        metadata.json()["resource"],
        format!("http://{}", server.addr)
    );
    assert_eq!(metadata.json()["scopes_supported"], json!(["me", "items"]));

    let res = server.get("/users/me/items/", None);
    assert_eq!(res.status, 401);
    // No credentials: a challenge naming the scopes, without an error code (RFC 6750 section 3.1).
    assert_eq!(
        res.header("www-authenticate"),
        Some(format!("Bearer scope=\"items me\", resource_metadata=\"{url}\"").as_str())
    );

    let res = server.get("/users/me/items/", Some("garbage"));
    assert_eq!(res.status, 401);
    assert_eq!(
        res.header("www-authenticate"),
        Some(format!("Bearer error=\"invalid_token\", resource_metadata=\"{url}\"").as_str())
    );
    assert_eq!(error_code(&res), "invalid_token");

    let me = tokens::for_user("johndoe", &["me"]);
    let res = server.get("/users/me/items/", Some(&me));
    assert_eq!(res.status, 403);
    assert_eq!(
        res.header("www-authenticate"),
        Some(
            format!(
                "Bearer error=\"insufficient_scope\", scope=\"items me\", resource_metadata=\"{url}\""
            )
            .as_str()
        )
    );
    assert_eq!(error_code(&res), "insufficient_scope");
    assert_eq!(server.get("/users/me/", Some(&me)).status, 200);

    let res = server.send("GET", "/status/", &[("Authorization", "Bearer a b")], b"");
    assert_eq!(res.status, 400);
    assert_eq!(error_code(&res), "invalid_request");
}

/// The disabled user's right password.
const ALICE: &str = "grant_type=password&username=alice&password=secretalice";

#[test]
fn token_endpoint() {
    let server = Server::start(&["--rfc6750"]);
    let cases = [
        (
            "grant_type=password&username=johndoe&password=wrong",
            400,
            "invalid_grant",
        ),
        (
            "grant_type=password&username=nobody&password=secret",
            400,
            "invalid_grant",
        ),
        // RFC 6749 section 4.3.2: `grant_type` is required.
        ("username=johndoe&password=secret", 400, "invalid_request"),
        // A disabled user gets no token: the answer of a wrong password.
        (ALICE, 400, "invalid_grant"),
        (
            "grant_type=password&username=johndoe",
            400,
            "invalid_request",
        ),
        (
            "username=johndoe&password=secret&grant_type=client_credentials",
            400,
            "unsupported_grant_type",
        ),
        (
            "grant_type=password&username=johndoe&password=secret&scope=me+admin",
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
    let res = server.post_form(
        "/token",
        "grant_type=password&username=bob&password=secretbob&scope=me+items",
    );
    assert_eq!(res.status, 200);
    assert_eq!(res.json()["scope"], json!("me"));
}

#[test]
fn a_user_disabled_after_the_token_was_issued_has_an_invalid_token() {
    let server = Server::start(&["--rfc6750"]);
    // Issued while alice could still log in: signed with the server's key.
    let token = tokens::for_user("alice", &["me", "items"]);
    for path in ["/users/me/", "/users/me/items/"] {
        let res = server.get(path, Some(&token));
        assert_eq!(res.status, 401, "{path}");
        assert_eq!(error_code(&res), "invalid_token", "{path}");
        assert_eq!(
            res.header("www-authenticate"),
            Some("Bearer error=\"invalid_token\""),
            "{path}"
        );
    }
    // The tutorial's mode keeps FastAPI's answers: a token for alice, refused by the routes.
    let tutorial = Server::start(&[]);
    assert_eq!(tutorial.post_form("/token", ALICE).status, 200);
    let res = tutorial.get("/users/me/", Some(&token));
    assert_eq!(
        (res.status, res.json()),
        (400, json!({"detail": "Inactive user"}))
    );
}

/// A malformed `scope` (a NUL is no RFC 6749 scope token) is `invalid_scope`, as an
/// undeclared one is; it used to answer `invalid_request` "username and password are
/// required", which named fields the form had.
#[test]
fn a_malformed_scope_is_an_invalid_scope() {
    let server = Server::start(&["--rfc6750"]);
    for scope in ["a%00b", "me+%22items%22", "%C3%A9"] {
        let res = server.post_form(
            "/token",
            &format!("grant_type=password&username=johndoe&password=secret&scope={scope}"),
        );
        assert_eq!(
            (res.status, res.json()),
            (
                400,
                json!({"error": "invalid_scope",
                       "error_description": "A requested scope is not declared by this server"})
            ),
            "{scope}"
        );
    }
    // Another problem with it stays `invalid_request`.
    let res = server.post_form("/token", "grant_type=password&username=johndoe&scope=a%00b");
    assert_eq!(error_code(&res), "invalid_request");
}
