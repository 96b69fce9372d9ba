//! Every row of the original app's behaviour table (`shared/spec/tutorial-behaviour.md`, as
//! observed from FastAPI 0.163.2 over HTTP), against the real binary.

mod common;

use common::tokens::{self, now};
use common::{Response, Server};
use serde_json::json;

const ITEMS: &str = "/users/me/items/";
const ME: &str = "/users/me/";
const STATUS: &str = "/status/";

fn assert_detail(res: &Response, status: u16, challenge: Option<&str>, detail: &str) {
    assert_eq!(res.status, status, "{}", res.text());
    assert_eq!(res.header("www-authenticate"), challenge);
    assert_eq!(res.header("content-type"), Some("application/json"));
    assert_eq!(res.json(), json!({ "detail": detail }));
}

/// Every failure inside `get_current_user` answers with the route's scope union.
fn challenge(path: &str) -> Option<&'static str> {
    match path {
        ITEMS => Some("Bearer scope=\"items me\""),
        ME => Some("Bearer scope=\"me\""),
        _ => Some("Bearer"),
    }
}

#[test]
fn token_ok() {
    let server = Server::start(&[]);
    let res = server.post_form("/token", "username=johndoe&password=secret&scope=me+items");
    assert_eq!(res.status, 200);
    assert_eq!(res.header("content-type"), Some("application/json"));
    assert_eq!(res.header("cache-control"), Some("no-store"));
    assert_eq!(res.header("pragma"), Some("no-cache"));
    let body = res.json();
    let keys: Vec<&String> = body.as_object().expect("object").keys().collect();
    assert_eq!(
        keys,
        ["access_token", "token_type"],
        "no `scope` when all was granted"
    );
    assert_eq!(body["token_type"], "bearer");

    // The token carries the tutorial's claims and is accepted by every route it grants.
    let token = body["access_token"].as_str().expect("token");
    let claims = tokens::claims_of(token);
    assert_eq!(claims["sub"], "johndoe");
    assert_eq!(claims["scopes"], json!(["me", "items"]));
    let exp = claims["exp"].as_i64().expect("exp");
    assert!((now() + 1790..=now() + 1810).contains(&exp), "30 minutes");
    for path in [ME, ITEMS, STATUS] {
        assert_eq!(server.get(path, Some(token)).status, 200, "{path}");
    }

    // No scope asked: `scopes` is `[]`, and only /status/ passes.
    let token = server.token("johndoe", "secret", "");
    let claims = tokens::claims_of(&token);
    assert_eq!(claims["scopes"], json!([]));
    assert_eq!(server.get(STATUS, Some(&token)).status, 200);
}

#[test]
fn token_from_a_multipart_form() {
    let server = Server::start(&[]);
    let body = "--b\r\nContent-Disposition: form-data; name=\"username\"\r\n\r\njohndoe\r\n\
                --b\r\nContent-Disposition: form-data; name=\"password\"\r\n\r\nsecret\r\n--b--\r\n";
    let res = server.send(
        "POST",
        "/token",
        &[("Content-Type", "multipart/form-data; boundary=b")],
        body.as_bytes(),
    );
    assert_eq!(res.status, 200, "{}", res.text());
    assert_eq!(res.json()["token_type"], "bearer");
}

#[test]
fn token_refused() {
    let server = Server::start(&[]);
    for form in [
        "username=johndoe&password=wrong",
        "username=nobody&password=secret",
        "username=JohnDoe&password=secret",
        "username=%FF&password=secret",
    ] {
        let res = server.post_form("/token", form);
        assert_detail(&res, 400, None, "Incorrect username or password");
    }
}

#[test]
fn token_form_errors_are_fastapi_422s() {
    let server = Server::start(&[]);
    let missing = |field: &str| json!({"type": "missing", "loc": ["body", field], "msg": "Field required", "input": null});

    let res = server.post_form("/token", "username=johndoe");
    assert_eq!(res.status, 422);
    assert_eq!(res.json(), json!({ "detail": [missing("password")] }));
    // Keys in FastAPI's order.
    assert!(res.text().starts_with(r#"{"detail":[{"type":"missing","loc":["body","password"],"msg":"Field required","input":null}"#), "{}", res.text());

    for (content_type, body) in [
        ("application/x-www-form-urlencoded", &b""[..]),
        (
            "application/json",
            br#"{"username":"johndoe","password":"secret"}"#,
        ),
        ("text/plain", b"username=johndoe&password=secret"),
    ] {
        let res = server.send("POST", "/token", &[("Content-Type", content_type)], body);
        assert_eq!(res.status, 422, "{content_type}");
        assert_eq!(
            res.json(),
            json!({ "detail": [missing("username"), missing("password")] })
        );
    }

    let res = server.post_form(
        "/token",
        "username=johndoe&password=secret&grant_type=client_credentials",
    );
    assert_eq!(res.status, 422);
    assert_eq!(
        res.json(),
        json!({"detail": [{
            "type": "string_pattern_mismatch",
            "loc": ["body", "grant_type"],
            "msg": "String should match pattern '^password$'",
            "input": "client_credentials",
            "ctx": {"pattern": "^password$"},
        }]})
    );
    let res = server.post_form(
        "/token",
        "username=johndoe&password=secret&grant_type=password",
    );
    assert_eq!(res.status, 200);
}

#[test]
fn token_never_answers_5xx() {
    let server = Server::start(&[]);
    let big = vec![b'a'; 1 << 20];
    let mut long_password = b"username=johndoe&password=".to_vec();
    long_password.extend_from_slice(&big);
    let bodies: [(&str, Vec<u8>); 4] = [
        ("application/x-www-form-urlencoded", long_password),
        (
            "application/x-www-form-urlencoded",
            b"username=\xff\xfe&password=\x00".to_vec(),
        ),
        (
            "multipart/form-data; boundary=x",
            b"--x\r\nContent-Disposition: form-data; name=\"username\"\r\n\r\njohndoe\r\n--x--\r\n"
                .to_vec(),
        ),
        ("application/x-www-form-urlencoded", b"%%%&&&===".to_vec()),
    ];
    for (content_type, body) in bodies {
        let res = server.send("POST", "/token", &[("Content-Type", content_type)], &body);
        assert!(
            (400..500).contains(&res.status),
            "{} {}",
            res.status,
            res.text()
        );
    }
}

#[test]
fn protected_routes_with_the_right_scopes() {
    let server = Server::start(&[]);
    let token = server.token("johndoe", "secret", "me+items");
    let res = server.get(ME, Some(&token));
    assert_eq!(res.status, 200);
    assert_eq!(
        res.json(),
        json!({"username": "johndoe", "email": "johndoe@example.com", "full_name": "John Doe", "disabled": false})
    );
    let res = server.get(ITEMS, Some(&token));
    assert_eq!(res.json(), json!([{"item_id": "Foo", "owner": "johndoe"}]));
    assert_eq!(res.text(), r#"[{"item_id":"Foo","owner":"johndoe"}]"#);
    let res = server.get(STATUS, Some(&token));
    assert_eq!(res.text(), r#"{"status":"ok"}"#);
    // The scheme word is case-insensitive, and extra spaces are fine.
    for value in [
        format!("bearer {token}"),
        format!("BEARER {token}"),
        format!("Bearer  {token}"),
    ] {
        let res = server.send("GET", ITEMS, &[("Authorization", &value)], b"");
        assert_eq!(res.status, 200, "{value}");
    }
}

#[test]
fn not_authenticated() {
    let server = Server::start(&[]);
    let token = tokens::for_user("johndoe", &["me", "items"]);
    for path in [ME, ITEMS, STATUS] {
        assert_detail(
            &server.get(path, None),
            401,
            Some("Bearer"),
            "Not authenticated",
        );
        for value in ["Basic abc", "Token abc", "", &format!("Bearer\t{token}")] {
            let res = server.send("GET", path, &[("Authorization", value)], b"");
            assert_detail(&res, 401, Some("Bearer"), "Not authenticated");
        }
    }
}

#[test]
fn could_not_validate_credentials() {
    let server = Server::start(&[]);
    let other_key = tokens::with_key(
        &json!({"sub": "johndoe", "scopes": ["me", "items"], "exp": now() + 600}),
        b"another key, at least thirty-two bytes long",
    );
    let bad = [
        "abc".to_owned(),
        "a b".to_owned(),
        "".to_owned(),
        other_key,
        tokens::claims(json!({"sub": "johndoe", "scopes": ["me", "items"], "exp": now() - 60})),
        tokens::claims(json!({"scopes": ["me", "items"], "exp": now() + 600})),
        tokens::claims(json!({"sub": 123, "scopes": ["me", "items"], "exp": now() + 600})),
        tokens::claims(json!({"sub": "nobody", "scopes": ["me", "items"], "exp": now() + 600})),
        tokens::claims(json!({"sub": "johndoe", "scopes": "me items", "exp": now() + 600})),
        tokens::claims(
            json!({"sub": "johndoe", "scopes": ["me", "items"], "exp": now() + 600, "nbf": now() + 600}),
        ),
    ];
    for path in [ME, ITEMS, STATUS] {
        for token in &bad {
            let res = server.send(
                "GET",
                path,
                &[("Authorization", &format!("Bearer {token}"))],
                b"",
            );
            assert_detail(&res, 401, challenge(path), "Could not validate credentials");
        }
    }
}

#[test]
fn not_enough_permissions() {
    let server = Server::start(&[]);
    let me = tokens::for_user("johndoe", &["me"]);
    let items = tokens::for_user("johndoe", &["items"]);
    let none = tokens::for_user("johndoe", &[]);
    assert_detail(
        &server.get(ITEMS, Some(&me)),
        401,
        challenge(ITEMS),
        "Not enough permissions",
    );
    assert_detail(
        &server.get(ITEMS, Some(&items)),
        401,
        challenge(ITEMS),
        "Not enough permissions",
    );
    assert_detail(
        &server.get(ME, Some(&items)),
        401,
        challenge(ME),
        "Not enough permissions",
    );
    assert_detail(
        &server.get(ME, Some(&none)),
        401,
        challenge(ME),
        "Not enough permissions",
    );
    assert_eq!(server.get(ME, Some(&me)).status, 200);
    assert_eq!(server.get(STATUS, Some(&none)).status, 200);
}

#[test]
fn disabled_user() {
    let server = Server::start(&[]);
    // alice still gets a token, as in the original.
    let token = server.token("alice", "secretalice", "me+items");
    assert_detail(&server.get(ME, Some(&token)), 400, None, "Inactive user");
    assert_detail(&server.get(ITEMS, Some(&token)), 400, None, "Inactive user");
    // /status/ never checks `disabled`.
    assert_eq!(server.get(STATUS, Some(&token)).status, 200);
    // The scope check comes before the disabled check.
    let only_me = tokens::for_user("alice", &["me"]);
    assert_detail(
        &server.get(ITEMS, Some(&only_me)),
        401,
        challenge(ITEMS),
        "Not enough permissions",
    );
}

#[test]
fn trailing_slash_redirects_before_authentication() {
    let server = Server::start(&[]);
    for (method, from, to) in [
        ("GET", "/users/me", ME),
        ("GET", "/users/me/items", ITEMS),
        ("GET", "/status", STATUS),
        ("POST", "/users/me", ME),
        ("POST", "/token/", "/token"),
        ("GET", "/status?x=1", "/status/?x=1"),
    ] {
        let res = server.send(method, from, &[], b"");
        assert_eq!(res.status, 307, "{method} {from}");
        assert_eq!(
            res.header("location"),
            Some(format!("http://{}{to}", server.addr).as_str())
        );
        assert!(res.body.is_empty());
        assert_eq!(res.header("content-type"), None);
    }
    let res = server.send("GET", "/users/me", &[("Host", "example.com:80")], b"");
    assert_eq!(
        res.header("location"),
        Some("http://example.com:80/users/me/")
    );
}

#[test]
fn unknown_paths_and_wrong_methods() {
    let server = Server::start(&[]);
    let res = server.get("/nope", None);
    assert_eq!(
        (res.status, res.json()),
        (404, json!({"detail": "Not Found"}))
    );
    for (method, path, allow) in [
        ("POST", ME, "GET"),
        ("DELETE", ITEMS, "GET"),
        ("HEAD", STATUS, "GET"),
        ("OPTIONS", STATUS, "GET"),
        ("GET", "/token", "POST"),
        ("PUT", "/token", "POST"),
    ] {
        let res = server.send(method, path, &[], b"");
        assert_eq!(res.status, 405, "{method} {path}");
        assert_eq!(res.header("allow"), Some(allow));
        if method != "HEAD" {
            assert_eq!(res.json(), json!({"detail": "Method Not Allowed"}));
        }
    }
}
