//! The demo as an issuer of asymmetric tokens (`--algorithm`, `--key-dir`): its JWK Set
//! with `kid`s, rotation by adding a key file and withdrawal by removing one; a second
//! instance verifying its tokens from that JWK Set (`--jwks-url`), refreshed once on the new
//! `kid`, with RFC 9728 metadata and challenges.

mod common;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use common::Server;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/tests/keys")
        .join(name)
}

fn kids(server: &Server) -> Vec<String> {
    let res = server.get("/.well-known/jwks.json", None);
    assert_eq!(res.status, 200);
    res.json()["keys"]
        .as_array()
        .expect("keys")
        .iter()
        .map(|k| k["kid"].as_str().expect("a kid").to_owned())
        .collect()
}

fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "timed out: {what}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn kid_of(token: &str) -> String {
    jsonwebtoken::decode_header(token)
        .expect("a header")
        .kid
        .expect("a kid")
}

#[test]
fn rotation_through_the_key_directory_reaches_a_second_instance() {
    let dir = std::env::temp_dir().join(format!("demo-keys-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(fixture("rsa_private.pem"), dir.join("2026-11.pem")).unwrap();
    let dir_arg = dir.to_str().unwrap();
    let issuer = Server::start_with_env(
        &[
            "--algorithm",
            "RS256",
            "--key-dir",
            dir_arg,
            "--key-reload-s",
            "1",
        ],
        &[],
    );
    assert_eq!(kids(&issuer), ["2026-11"]);
    let old = issuer.token("johndoe", "secret", "me");
    assert_eq!(kid_of(&old), "2026-11");

    let jwks = format!("http://{}/.well-known/jwks.json", issuer.addr);
    let resource = Server::start_with_env(
        &[
            "--jwks-url",
            &jwks,
            "--jwks-cooldown-s",
            "1",
            "--rfc6750",
            "--resource-url",
            "http://api.test/v1",
        ],
        &[],
    );
    assert_eq!(resource.get("/users/me/", Some(&old)).status, 200);
    // It verifies, and issues nothing.
    let login = resource.post_form(
        "/token",
        "grant_type=password&username=johndoe&password=secret",
    );
    assert_eq!(login.status, 400, "{}", login.text());

    // Rotation: a new key file signs from now on; both are published.
    std::fs::copy(fixture("rsa2_private.pem"), dir.join("2026-12.pem")).unwrap();
    wait_for("the new key", || kids(&issuer) == ["2026-11", "2026-12"]);
    let new = issuer.token("johndoe", "secret", "me");
    assert_eq!(kid_of(&new), "2026-12");
    std::thread::sleep(Duration::from_millis(1100)); // the resource's cooldown
    assert_eq!(
        resource.get("/users/me/", Some(&new)).status,
        200,
        "one refresh"
    );
    assert_eq!(resource.get("/users/me/", Some(&old)).status, 200);
    assert_eq!(issuer.get("/users/me/", Some(&old)).status, 200);

    // Withdrawal: the old key's tokens are refused by the issuer.
    std::fs::remove_file(dir.join("2026-11.pem")).unwrap();
    wait_for("the withdrawal", || kids(&issuer) == ["2026-12"]);
    assert_eq!(issuer.get("/users/me/", Some(&old)).status, 401);
    assert_eq!(issuer.get("/users/me/", Some(&new)).status, 200);

    // The resource's metadata and challenges (RFC 9728, RFC 6750).
    let metadata = resource.get("/.well-known/oauth-protected-resource/v1", None);
    assert_eq!(metadata.status, 200);
    let doc = metadata.json();
    assert_eq!(doc["resource"], "http://api.test/v1");
    assert_eq!(doc["scopes_supported"], serde_json::json!(["me", "items"]));
    assert_eq!(
        doc["authorization_servers"],
        serde_json::json!(["http://api.test"])
    );
    let url = "http://api.test/.well-known/oauth-protected-resource/v1";
    let anonymous = resource.get("/users/me/items/", None);
    assert_eq!(anonymous.status, 401);
    assert_eq!(
        anonymous.header("www-authenticate"),
        Some(format!(r#"Bearer scope="items me", resource_metadata="{url}""#).as_str())
    );
    let lacking = resource.get("/users/me/items/", Some(&new));
    assert_eq!(lacking.status, 403);
    assert_eq!(
        lacking.header("www-authenticate"),
        Some(
            format!(
                r#"Bearer error="insufficient_scope", scope="items me", resource_metadata="{url}""#
            )
            .as_str()
        )
    );
    std::fs::remove_dir_all(&dir).ok();
}
