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
    assert!(String::from_utf8_lossy(&out.stderr).contains("--private-key-file or --key-dir"));
}

#[test]
fn routes_prints_the_security_surface() {
    let out = demo().arg("routes").output().expect("runs");
    assert!(out.status.success());
    let table = String::from_utf8_lossy(&out.stdout);
    let rows: Vec<Vec<&str>> = table
        .lines()
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert_eq!(
        rows[0],
        [
            "METHOD",
            "PATH",
            "HANDLER",
            "ACCESS",
            "SCOPES",
            "DEPENDENCIES"
        ]
    );
    let row = |path: &str| {
        rows.iter()
            .find(|r| r[1] == path)
            .cloned()
            .unwrap_or_default()
    };
    assert_eq!(
        row("/users/me/items/")[..5],
        [
            "GET",
            "/users/me/items/",
            "read_own_items",
            "secured",
            "[items,"
        ][..5]
    );
    assert_eq!(
        row("/token")[..5],
        ["POST", "/token", "login_for_access_token", "public", "-"]
    );
    assert!(
        table
            .contains("get_current_active_user[me] -> get_current_user -> (Scopes, VerifiedToken)"),
        "{table}"
    );
    assert_eq!(row("/users/me/")[4], "[me]");
    assert_eq!(row("/status/")[4], "[]");
}

/// The security surface, kept in the repository: any change to a route's status, scopes or
/// dependencies shows in review as a change to `tests/snapshots/security-surface.md`
/// (rewritten by `UPDATE_SNAPSHOTS=1 cargo test -p demo-app --test cli`).
#[test]
fn the_security_surface_matches_its_snapshot() {
    let out = demo()
        .args(["routes", "--format", "md"])
        .output()
        .expect("runs");
    assert!(out.status.success());
    let surface = String::from_utf8(out.stdout).expect("UTF-8");
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/snapshots/security-surface.md");
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&path, &surface).expect("writes the snapshot");
    }
    let kept = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        kept == surface,
        "the security surface changed; review it, then run \
         `UPDATE_SNAPSHOTS=1 cargo test -p demo-app --test cli`.\nnow:\n{surface}\nkept:\n{kept}"
    );

    let out = demo()
        .args(["routes", "--format", "json"])
        .output()
        .expect("runs");
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("valid JSON");
    let routes = json.as_array().expect("an array");
    assert_eq!(
        routes.len(),
        surface.lines().count() - 2,
        "one object per row"
    );
    assert_eq!(
        routes[2]["requirement"],
        serde_json::json!([["items", "me"]])
    );
    assert_eq!(routes[0]["public"], true);
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
