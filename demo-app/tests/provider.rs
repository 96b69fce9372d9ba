//! Against a real OAuth2/OIDC provider (npm's `oauth2-mock-server`, installed by `.ci/run`
//! in `demo-app/tests/mock-idp`): two demo-app instances configured with its issuer URL
//! accept its tokens (`scope` and `scp`) with the right scopes; the provider rotates its key
//! and both keep accepting new tokens after one refresh each; made-up `kid`s cause at most
//! one fetch per cooldown; with the provider down, known keys keep verifying.

mod common;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use common::Server;

/// The provider's process, killed on drop.
struct Provider {
    child: Child,
    issuer: String,
}

impl Drop for Provider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Provider {
    /// `None` when the package is not installed and the environment does not require it.
    fn start() -> Option<Self> {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/mock-idp");
        let installed = dir.join("node_modules/oauth2-mock-server").is_dir();
        if !installed {
            assert!(
                std::env::var_os("SCOPES_IDP_REQUIRED").is_none(),
                "oauth2-mock-server is not installed: run `npm ci --prefix demo-app/tests/mock-idp`"
            );
            eprintln!("skipped: `npm ci --prefix demo-app/tests/mock-idp` installs the provider");
            return None;
        }
        let mut child = Command::new("node")
            .arg(dir.join("server.mjs"))
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("node runs");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("the provider's first line");
        let issuer = line
            .strip_prefix("READY ")
            .unwrap_or_else(|| panic!("the provider did not start: {line:?}"))
            .trim()
            .to_owned();
        Some(Self { child, issuer })
    }

    /// `POST path` on the provider's control API, over the test's plain HTTP client.
    fn control(&self, path_and_query: &str) -> String {
        let addr = self.issuer.trim_start_matches("http://");
        let mut stream = std::net::TcpStream::connect(addr).expect("the provider listens");
        use std::io::{Read, Write};
        write!(
            stream,
            "POST {path_and_query} HTTP/1.1\r\nHost: {addr}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut raw = String::new();
        stream.read_to_string(&mut raw).unwrap();
        let (head, body) = raw.split_once("\r\n\r\n").expect("a response");
        assert!(head.starts_with("HTTP/1.1 200"), "{raw}");
        body.to_owned()
    }

    fn token(&self, query: &str) -> String {
        self.control(&format!("/__token?{query}"))
    }

    fn fetches(&self) -> u32 {
        self.control("/__fetches").trim().parse().expect("a count")
    }
}

#[test]
fn instances_verify_a_real_providers_tokens_through_rotation_and_outage() {
    let Some(provider) = Provider::start() else {
        return;
    };
    let instance = || {
        Server::start_with_env(
            &[
                "--oidc-issuer",
                &provider.issuer,
                "--audience",
                "api",
                "--jwks-cooldown-s",
                "1",
            ],
            &[],
        )
    };
    let (a, b) = (instance(), instance());
    assert_eq!(provider.fetches(), 2, "one prefetch each");

    // `scope` (a string) and `scp` (an array), the tutorial's routes and scopes.
    let me = provider.token("scope=me");
    let both = provider.token("scp=me%20items");
    for server in [&a, &b] {
        assert_eq!(server.get("/users/me/", Some(&me)).status, 200);
        assert_eq!(
            server.get("/users/me/items/", Some(&me)).status,
            401,
            "no items"
        );
        assert_eq!(server.get("/users/me/items/", Some(&both)).status, 200);
        let other_aud = provider.token("scope=me&aud=another-api");
        assert_eq!(
            server.get("/users/me/", Some(&other_aud)).status,
            401,
            "audience"
        );
    }
    assert_eq!(provider.fetches(), 2, "the keys were cached");

    // The provider rotates; past each instance's cooldown, one refresh each.
    std::thread::sleep(Duration::from_millis(1100));
    provider.control("/__rotate");
    let rotated = provider.token("scope=me");
    for server in [&a, &b] {
        assert_eq!(server.get("/users/me/", Some(&rotated)).status, 200);
        assert_eq!(server.get("/users/me/", Some(&rotated)).status, 200);
        assert_eq!(
            server.get("/users/me/", Some(&me)).status,
            200,
            "the old key stays"
        );
    }
    assert_eq!(provider.fetches(), 4, "one refresh per instance");

    // Made-up kids: at most one fetch per cooldown, however many.
    std::thread::sleep(Duration::from_millis(1100));
    for i in 0..20 {
        let forged = provider.token(&format!("scope=me&kid=random-{i}"));
        assert_eq!(a.get("/users/me/", Some(&forged)).status, 401);
    }
    assert!(
        provider.fetches() <= 5,
        "at most one more fetch: {}",
        provider.fetches()
    );

    // The provider goes down: known keys keep verifying.
    let issuer = provider.issuer.clone();
    drop(provider);
    assert!(std::net::TcpStream::connect(issuer.trim_start_matches("http://")).is_err());
    for server in [&a, &b] {
        assert_eq!(server.get("/users/me/", Some(&rotated)).status, 200);
        assert_eq!(server.get("/users/me/items/", Some(&both)).status, 200);
    }
}
