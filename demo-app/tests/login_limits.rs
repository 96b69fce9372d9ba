//! `/token` under login floods: failed logins limited per username and per client address
//! (429 with `Retry-After`, before bcrypt), a bounded bcrypt queue (503 with
//! `Retry-After`), and what the logs say of refused logins.

mod common;

use std::net::{IpAddr, Ipv4Addr};
use std::sync::Barrier;

use common::{Response, Server};
use serde_json::json;

/// Another client: any 127.x.y.z address is the loopback interface's on Linux.
fn client(last: u8) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(127, 0, 0, last))
}

fn login(username: &str, password: &str) -> String {
    format!("username={username}&password={password}")
}

/// The `Retry-After` of `res`, in seconds.
fn retry_after(res: &Response) -> u64 {
    res.header("retry-after")
        .unwrap_or_else(|| panic!("no Retry-After: {:?}", res.headers))
        .parse()
        .expect("Retry-After in seconds")
}

fn assert_throttled(res: &Response, window_s: u64) {
    assert_eq!(
        (res.status, res.json()),
        (429, json!({"detail": "Too many login attempts"})),
        "{}",
        res.text()
    );
    let retry = retry_after(res);
    assert!((1..=window_s).contains(&retry), "Retry-After: {retry}");
}

/// `n` logins sent at once from `source`, each its own connection; their answers.
fn burst(server: &Server, source: IpAddr, forms: &[String]) -> Vec<Response> {
    let start = Barrier::new(forms.len());
    std::thread::scope(|s| {
        let threads: Vec<_> = forms
            .iter()
            .map(|form| {
                let start = &start;
                s.spawn(move || {
                    start.wait();
                    server.post_form_from(source, "/token", form)
                })
            })
            .collect();
        threads.into_iter().map(|t| t.join().unwrap()).collect()
    })
}

#[test]
fn a_username_is_refused_after_its_failures_even_with_the_right_password() {
    let server = Server::start(&["--login-failures-per-user", "3"]);
    for _ in 0..3 {
        let res = server.post_form("/token", &login("johndoe", "wrong"));
        assert_eq!(res.status, 400, "{}", res.text());
    }
    // Past the limit the password is not checked: the right one is refused too, and so is
    // another spelling of the name, from another address.
    assert_throttled(
        &server.post_form("/token", &login("johndoe", "secret")),
        900,
    );
    assert_throttled(
        &server.post_form_from(client(2), "/token", &login("JohnDoe", "secret")),
        900,
    );
    // Other users still log in, from the same address.
    let res = server.post_form("/token", &login("bob", "secretbob"));
    assert_eq!(res.status, 200, "{}", res.text());

    // An unknown username counts like a known one: the same answers, in the same order.
    for _ in 0..3 {
        let res = server.post_form("/token", &login("nobody", "secret"));
        assert_eq!(res.status, 400, "{}", res.text());
    }
    assert_throttled(&server.post_form("/token", &login("nobody", "secret")), 900);
}

#[test]
fn a_success_forgets_the_failures_of_the_username() {
    let server = Server::start(&["--login-failures-per-user", "2"]);
    for _ in 0..3 {
        assert_eq!(
            server
                .post_form("/token", &login("johndoe", "wrong"))
                .status,
            400
        );
        assert_eq!(
            server
                .post_form("/token", &login("johndoe", "secret"))
                .status,
            200
        );
    }
}

#[test]
fn in_rfc6750_mode_a_refusal_is_an_rfc6749_error() {
    let server = Server::start(&["--rfc6750", "--login-failures-per-user", "1"]);
    let form = "grant_type=password&username=johndoe&password=wrong";
    assert_eq!(server.post_form("/token", form).status, 400);
    let res = server.post_form("/token", form);
    assert_eq!(
        (res.status, res.json()),
        (
            429,
            json!({"error": "invalid_request", "error_description": "Too many login attempts"})
        )
    );
    assert_eq!(res.header("cache-control"), Some("no-store"));
    assert!((1..=900).contains(&retry_after(&res)));
}

#[test]
fn an_address_is_refused_after_its_failures_whatever_the_usernames() {
    let server = Server::start(&["--login-failures-per-ip", "3", "--login-window-s", "60"]);
    let attacker = client(2);
    for name in ["a", "b", "c"] {
        let res = server.post_form_from(attacker, "/token", &login(name, "guess"));
        assert_eq!(res.status, 400, "{}", res.text());
    }
    assert_throttled(
        &server.post_form_from(attacker, "/token", &login("johndoe", "secret")),
        60,
    );
    // Another address is not affected, nor is the username.
    let res = server.post_form_from(client(3), "/token", &login("johndoe", "secret"));
    assert_eq!(res.status, 200, "{}", res.text());
}

#[test]
fn an_address_has_a_bounded_number_of_logins_under_way() {
    let server = Server::start(&["--login-concurrent-per-ip", "1", "--bcrypt-slots", "1"]);
    // Sent at once, while one is in bcrypt (about a quarter of a second) the others are
    // refused; tried again should a burst not overlap (it all but always does).
    let forms: Vec<String> = (0..8).map(|i| login(&format!("user{i}"), "x")).collect();
    for round in 0.. {
        let answers = burst(&server, client(2), &forms);
        for res in &answers {
            assert!([400, 429].contains(&res.status), "{}", res.text());
        }
        if let Some(res) = answers.iter().find(|r| r.status == 429) {
            assert_eq!(res.json(), json!({"detail": "Too many login attempts"}));
            assert_eq!(retry_after(res), 1);
            break;
        }
        assert!(round < 5, "no login was refused in 6 bursts");
    }
    // Another address is not affected.
    assert_eq!(
        server
            .post_form_from(client(3), "/token", &login("johndoe", "secret"))
            .status,
        200
    );
}

#[test]
fn a_full_bcrypt_queue_is_a_503_with_retry_after() {
    // One slot and no waiting: a login that finds the slot taken is refused at once.
    let server = Server::start(&[
        "--bcrypt-slots",
        "1",
        "--bcrypt-wait-ms",
        "0",
        "--login-concurrent-per-ip",
        "0",
        "--login-failures-per-user",
        "1",
    ]);
    for round in 0.. {
        let names: Vec<String> = (0..8).map(|i| format!("r{round}u{i}")).collect();
        let forms: Vec<String> = names.iter().map(|n| login(n, "wrong")).collect();
        let answers = burst(&server, client(2), &forms);
        for res in &answers {
            assert!([400, 503].contains(&res.status), "{}", res.text());
        }
        assert!(answers.iter().any(|r| r.status == 400));
        if let Some(res) = answers.iter().find(|r| r.status == 503) {
            assert_eq!(
                res.json(),
                json!({"detail": "Service temporarily unavailable"})
            );
            assert_eq!(retry_after(res), 1);
            // A login refused so is no failure of its username; a checked one is.
            for (name, res) in names.iter().zip(&answers) {
                let again = server.post_form_from(client(3), "/token", &login(name, "wrong"));
                let expected = if res.status == 503 { 400 } else { 429 };
                assert_eq!(again.status, expected, "{name}: {}", again.text());
            }
            break;
        }
        assert!(round < 5, "no login was refused in 6 bursts");
    }

    // In RFC 6750 mode, with no place to wait (and the default 2 s wait).
    let server = Server::start(&[
        "--rfc6750",
        "--bcrypt-slots",
        "1",
        "--bcrypt-queue",
        "0",
        "--login-concurrent-per-ip",
        "0",
    ]);
    let forms: Vec<String> = (0..8)
        .map(|_| format!("grant_type=password&{}", login("johndoe", "secret")))
        .collect();
    for round in 0.. {
        let answers = burst(&server, client(2), &forms);
        for res in &answers {
            assert!([200, 503].contains(&res.status), "{}", res.text());
        }
        if let Some(res) = answers.iter().find(|r| r.status == 503) {
            assert_eq!(
                res.json(),
                json!({
                    "error": "temporarily_unavailable",
                    "error_description": "Service temporarily unavailable",
                })
            );
            assert_eq!(res.header("cache-control"), Some("no-store"));
            assert_eq!(retry_after(res), 2);
            break;
        }
        assert!(round < 5, "no login was refused in 6 bursts");
    }
}

#[test]
fn refused_logins_are_logged_with_the_username_and_address_never_the_password() {
    let server = Server::start(&["--login-failures-per-user", "1", "--log-level", "debug"]);
    let forged = "eve%0Adate%3D2000-01-01+level%3DINFO+login+accepted";
    let long = "x".repeat(500);
    let _ = server.post_form_from(client(9), "/token", &login(forged, "hunter2-pw"));
    let _ = server.post_form_from(client(9), "/token", &login(forged, "hunter3-pw"));
    let _ = server.post_form("/token", &login(&long, "hunter4-pw"));
    let logs = server.stop_and_read_logs();
    let lines = |event: &str| -> Vec<&str> { logs.lines().filter(|l| l.contains(event)).collect() };
    let refused = lines("login refused");
    assert_eq!(refused.len(), 3, "{logs}");
    // The username is quoted and escaped: no line can be forged.
    let eve = r#"username="eve\ndate=2000-01-01 level=INFO login accepted""#;
    assert!(refused[0].contains(eve), "{logs}");
    assert!(refused[0].contains(" INFO "), "{logs}");
    assert!(refused[0].contains("client=127.0.0.9"), "{logs}");
    assert!(refused[0].contains("bad username or password"), "{logs}");
    assert!(!logs.lines().any(|l| l.starts_with("date=")), "{logs}");
    // The refusals that follow a lockout are debug lines.
    assert!(refused[1].contains(" DEBUG "), "{logs}");
    assert!(refused[1].contains(eve), "{logs}");
    assert!(
        refused[1].contains("too many failed logins for the username"),
        "{logs}"
    );
    // A long username is cut.
    let cut = format!("username=\"{}…\"", "x".repeat(64));
    assert!(refused[2].contains(&cut), "{logs}");
    assert!(!logs.contains(&"x".repeat(65)), "{logs}");
    assert!(refused[2].contains("client=127.0.0.1"), "{logs}");
    // The failures that locked a username out are warnings.
    let locked = lines("logins locked");
    assert_eq!(locked.len(), 2, "{logs}");
    assert!(
        locked[0].contains(" WARN ") && locked[0].contains(eve),
        "{logs}"
    );
    assert!(locked[0].contains("client=127.0.0.9"), "{logs}");
    assert!(locked[1].contains(&cut), "{logs}");
    for password in ["hunter2-pw", "hunter3-pw", "hunter4-pw"] {
        assert!(!logs.contains(password), "{password} leaked:\n{logs}");
    }
}
