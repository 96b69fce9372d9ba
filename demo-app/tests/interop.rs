//! Tokens from the Python original (python-jose, the tutorial's key) are accepted when the
//! server is given that key, and refused under a key of its own.

mod common;

use common::Server;
use common::tokens::{PYTHON_JOHNDOE_ME, PYTHON_JOHNDOE_ME_ITEMS};
use serde_json::json;

#[test]
fn python_tokens_work_with_the_tutorial_key() {
    let server = Server::start(&[]);
    let res = server.get("/users/me/items/", Some(PYTHON_JOHNDOE_ME_ITEMS));
    assert_eq!(
        (res.status, res.json()),
        (200, json!([{"item_id": "Foo", "owner": "johndoe"}]))
    );
    let res = server.get("/users/me/items/", Some(PYTHON_JOHNDOE_ME));
    assert_eq!(
        (res.status, res.json()),
        (401, json!({"detail": "Not enough permissions"}))
    );
    assert_eq!(
        server.get("/users/me/", Some(PYTHON_JOHNDOE_ME)).status,
        200
    );
}

#[test]
fn without_a_key_the_server_makes_its_own() {
    let server = Server::start_with_env(&[], &[]);
    let res = server.get("/status/", Some(PYTHON_JOHNDOE_ME_ITEMS));
    assert_eq!(
        (res.status, res.json()),
        (401, json!({"detail": "Could not validate credentials"}))
    );
    // Its own tokens work.
    let token = server.token("johndoe", "secret", "me");
    assert_eq!(server.get("/users/me/", Some(&token)).status, 200);
    let logs = server.stop_and_read_logs();
    assert!(logs.contains("random key"), "{logs}");
}
