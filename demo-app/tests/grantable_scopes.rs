//! `/token` grants requested ∩ grantable ∩ declared, and says so when that differs from the
//! request (RFC 6749 section 5.1). The tutorial's users may have `me` and `items`; `bob`
//! only `me`.

mod common;

use common::Server;
use common::tokens::claims_of;
use serde_json::json;

fn login(server: &Server, form: &str) -> serde_json::Value {
    let res = server.post_form("/token", form);
    assert_eq!(res.status, 200, "{}", res.text());
    assert_eq!(res.header("cache-control"), Some("no-store"));
    assert_eq!(res.header("pragma"), Some("no-cache"));
    res.json()
}

#[test]
fn tutorial_users_get_what_they_ask() {
    let server = Server::start(&[]);
    let body = login(&server, "username=johndoe&password=secret&scope=items+me");
    assert_eq!(body.get("scope"), None);
    assert_eq!(
        claims_of(body["access_token"].as_str().expect("token"))["scopes"],
        json!(["items", "me"])
    );
}

#[test]
fn a_user_gets_only_grantable_scopes() {
    let server = Server::start(&[]);
    let body = login(&server, "username=bob&password=secretbob&scope=me+items");
    assert_eq!(body["scope"], "me");
    let token = body["access_token"].as_str().expect("token");
    assert_eq!(claims_of(token)["scopes"], json!(["me"]));
    assert_eq!(server.get("/users/me/", Some(token)).status, 200);
    let res = server.get("/users/me/items/", Some(token));
    assert_eq!(
        (res.status, res.json()),
        (401, json!({"detail": "Not enough permissions"}))
    );
}

#[test]
fn undeclared_and_repeated_scopes_are_not_granted() {
    let server = Server::start(&[]);
    let body = login(
        &server,
        "username=johndoe&password=secret&scope=me+me+admin",
    );
    assert_eq!(body["scope"], "me");
    assert_eq!(
        claims_of(body["access_token"].as_str().expect("token"))["scopes"],
        json!(["me"])
    );
}

#[test]
fn nothing_grantable_is_an_empty_grant() {
    let server = Server::start(&[]);
    let body = login(&server, "username=bob&password=secretbob&scope=items");
    assert_eq!(body["scope"], "");
    assert_eq!(
        claims_of(body["access_token"].as_str().expect("token"))["scopes"],
        json!([])
    );
}
