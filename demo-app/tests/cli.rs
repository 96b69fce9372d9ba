//! The command line: configuration errors, the route table, and logs that never carry
//! secrets.

mod common;

use std::process::Command;

use common::{Server, TUTORIAL_KEY};

fn demo() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_demo-app"));
    command
        .env_remove("SECRET_KEY")
        .env_remove("PORT")
        .env_remove("HOST");
    command
}

#[test]
fn short_secret_is_refused() {
    let out = demo()
        .args(["--port", "0"])
        .env("SECRET_KEY", "too-short")
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("32"), "{err}");
    assert!(
        !err.contains("too-short"),
        "the secret is not echoed: {err}"
    );
}

#[test]
fn asymmetric_algorithms_need_their_keys() {
    let out = demo()
        .args(["--port", "0", "--algorithm", "RS256"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--public-key-file"));
}

#[test]
fn routes_prints_the_static_graph() {
    let out = demo().arg("routes").output().expect("runs");
    assert!(out.status.success());
    let table = String::from_utf8_lossy(&out.stdout);
    let rows: Vec<Vec<&str>> = table
        .lines()
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert_eq!(
        rows[0],
        ["METHOD", "PATH", "HANDLER", "SCOPES", "DEPENDENCIES"]
    );
    let row = |path: &str| {
        rows.iter()
            .find(|r| r[1] == path)
            .cloned()
            .unwrap_or_default()
    };
    assert_eq!(
        row("/users/me/items/")[..4],
        ["GET", "/users/me/items/", "read_own_items", "[items,",][..4]
    );
    assert!(
        table.contains("read_own_items[items] -> get_current_active_user[me] -> get_current_user"),
        "{table}"
    );
    assert!(
        table.contains("read_system_status -> get_current_user"),
        "{table}"
    );
    assert_eq!(row("/users/me/")[3], "[me]");
    assert_eq!(row("/status/")[3], "[]");
}

#[test]
fn logs_name_requests_but_never_secrets() {
    let server = Server::start(&["--log-level", "debug"]);
    let token = server.token("johndoe", "secret", "me+items");
    let _ = server.get("/users/me/items/", Some(&token));
    let _ = server.post_form("/token", "username=johndoe&password=wrong-password");
    let _ = server.get(
        "/users/me/?access_token=query-secret",
        Some("garbage.token.value"),
    );
    let logs = server.stop_and_read_logs();
    assert!(logs.contains("path=\"/users/me/items/\""), "{logs}");
    assert!(logs.contains("status=200"), "{logs}");
    assert!(logs.contains("latency_ms"), "{logs}");
    assert!(logs.contains("login refused"), "{logs}");
    for secret in [
        token.as_str(),
        "wrong-password",
        "query-secret",
        "garbage.token.value",
        TUTORIAL_KEY,
    ] {
        assert!(
            !logs.contains(secret),
            "{secret} leaked into the logs:\n{logs}"
        );
    }
}

#[test]
fn sigterm_shuts_down_gracefully() {
    let server = Server::start(&[]);
    assert_eq!(server.get("/status/", None).status, 401);
    let (status, logs) = server.terminate(std::time::Duration::from_secs(15));
    let status = status.expect("exits after SIGTERM");
    assert!(status.success(), "{status:?}\n{logs}");
    assert!(logs.contains("stopped"), "{logs}");
}
