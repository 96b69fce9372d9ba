//! The hand-written baselines answer like demo-app (status, body, `WWW-Authenticate`), so
//! that the benchmarks compare equal work: `bench::baseline` on every route, the minimal
//! app (`minimal-server`) on the one it serves. No timing here.

use std::time::Duration;

use actix_web::http::header::{AUTHORIZATION, WWW_AUTHENTICATE};
use actix_web::{App, test};
use demo_app::app::AppState;
use scopes_runtime::{ErrorStyle, JwtKeys, TokenConfig};

fn tokens() -> TokenConfig {
    TokenConfig::new(JwtKeys::hs256(bench::SECRET_KEY).expect("key"))
}

#[actix_web::test]
async fn hand_written_answers_like_demo_app() {
    let config = tokens();
    let state = AppState::new(
        config.clone(),
        Duration::from_secs(60),
        ErrorStyle::Tutorial,
    );
    let dsl = test::init_service(App::new().configure(|cfg| state.configure(cfg))).await;
    let hand_tokens = config.clone();
    let hand = test::init_service(
        App::new().configure(|cfg| bench::baseline::configure_handwritten(cfg, hand_tokens)),
    )
    .await;
    let verified_tokens = config.clone();
    let verified =
        test::init_service(App::new().configure(|cfg| {
            bench::baseline::configure_handwritten_verified(cfg, verified_tokens)
        }))
        .await;
    let minimal = test::init_service(App::new().configure(minimal_server::configure)).await;
    // The minimal app holds the tutorial's key itself: the bench signs with the same one.
    assert_eq!(minimal_server::SECRET_KEY, bench::SECRET_KEY);

    let token = |sub: &str, scopes: &[&str]| {
        config
            .issue(sub, scopes.iter().copied(), Duration::from_secs(60))
            .expect("token")
    };
    let cases: Vec<(&str, Option<String>)> = vec![
        ("/users/me/items/", Some(token("johndoe", &["me", "items"]))),
        ("/users/me/items/", Some(token("johndoe", &["me"]))),
        ("/users/me/items/", Some(token("alice", &["me", "items"]))),
        ("/users/me/items/", Some(token("nobody", &["me", "items"]))),
        ("/users/me/items/", Some("not.a.jwt".to_owned())),
        ("/users/me/items/", None),
        ("/users/me/", Some(token("johndoe", &["me"]))),
        ("/users/me/", Some(token("johndoe", &[]))),
        ("/status/", Some(token("alice", &[]))),
        ("/status/", None),
        ("/users/me/items", Some(token("johndoe", &["me", "items"]))),
    ];
    for (path, bearer) in cases {
        let request = || {
            let mut req = test::TestRequest::get().uri(path);
            if let Some(bearer) = &bearer {
                req = req.insert_header((AUTHORIZATION, format!("Bearer {bearer}")));
            }
            req.to_request()
        };
        let expected = answer(test::call_service(&dsl, request()).await).await;
        let got = answer(test::call_service(&hand, request()).await).await;
        assert_eq!(got, expected, "hand-written, GET {path} with {bearer:?}");
        // The VerifiedToken variant serves only /users/me/items/ by itself, for valid JWTs.
        let valid_jwt = bearer.as_deref().is_some_and(|b| b != "not.a.jwt");
        if path == "/users/me/items/" && valid_jwt {
            let got = answer(test::call_service(&verified, request()).await).await;
            assert_eq!(got, expected, "hand-written on VerifiedToken, GET {path}");
        }
        // The minimal app serves /users/me/items/ alone, every case of it.
        if path == "/users/me/items/" {
            let got = answer(test::call_service(&minimal, request()).await).await;
            assert_eq!(got, expected, "minimal, GET {path} with {bearer:?}");
        }
    }
    let items = test::TestRequest::get()
        .uri("/users/me/items/")
        .insert_header((
            AUTHORIZATION,
            format!("Bearer {}", token("johndoe", &["me", "items"])),
        ))
        .to_request();
    let (status, _, body) = answer(test::call_service(&minimal, items).await).await;
    assert_eq!(status, 200);
    assert_eq!(body, r#"[{"item_id":"Foo","owner":"johndoe"}]"#);
}

async fn answer(
    res: actix_web::dev::ServiceResponse,
) -> (
    actix_web::http::StatusCode,
    Option<String>,
    actix_web::web::Bytes,
) {
    let status = res.status();
    let challenge = res
        .headers()
        .get(WWW_AUTHENTICATE)
        .map(|v| v.to_str().unwrap_or_default().to_owned());
    (status, challenge, test::read_body(res).await)
}
