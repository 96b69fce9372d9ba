//! Criterion micro benches: bearer parsing, token verification and the scope check, each
//! next to what a hand-written app would do, and one whole `GET /users/me/items/` in
//! process (`actix_web::test::call_service`) for each app: the CPU cost per request
//! without the network, the kernel or wrk. `cargo bench -p bench --bench micro`; the
//! harness (`cargo run -p bench --release`) runs them with short times and reports the
//! medians. Nothing here asserts a timing.

use std::future::Future;
use std::hint::black_box;
use std::pin::pin;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::header::AUTHORIZATION;
use actix_web::test::TestRequest;
use actix_web::{App, HttpRequest, test, web};
use bench::paths::{ITEMS_PATH, resolve_token};
use criterion::{BatchSize, Criterion};
use demo_app::app::AppState;
use scopes_runtime::oauth2::TokenCache;
use scopes_runtime::{BearerToken, ErrorStyle, JwtKeys, TokenConfig, VerifiedToken};

fn request(tokens: &TokenConfig, token: &str) -> HttpRequest {
    TestRequest::get()
        .insert_header((AUTHORIZATION, format!("Bearer {token}")))
        .app_data(web::Data::new(tokens.clone()))
        .to_http_request()
}

/// What a hand-written app does: `Bearer ` (any case) and the rest.
fn hand_bearer(req: &HttpRequest) -> Option<&str> {
    let value = req.headers().get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// Polls `fut` to completion on this thread: the apps' futures never wait on I/O here.
fn complete<F: Future>(fut: F) -> F::Output {
    let mut fut = pin!(fut);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(out) = fut.as_mut().poll(&mut cx) {
            return out;
        }
    }
}

/// One `GET /users/me/items/` through `app`, body read.
fn one_request<S, R, B>(app: &S, req: R) -> usize
where
    S: Service<R, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: actix_web::body::MessageBody,
{
    complete(async {
        let res = test::call_service(app, req).await;
        assert!(res.status().is_success());
        actix_web::body::to_bytes(res.into_body())
            .await
            .map(|b| b.len())
            .unwrap_or(0)
    })
}

fn requests(c: &mut Criterion, tokens: &TokenConfig, cached: &TokenConfig, token: &str) {
    let system = actix_web::rt::System::new();
    let state = |tokens: &TokenConfig| {
        AppState::new(
            tokens.clone(),
            Duration::from_secs(1800),
            ErrorStyle::Tutorial,
        )
    };
    let (demo, demo_uncached) = (state(cached), state(tokens));
    let (dsl, dsl_uncached, minimal) = system.block_on(async {
        (
            test::init_service(App::new().configure(|cfg| demo.configure(cfg))).await,
            test::init_service(App::new().configure(|cfg| demo_uncached.configure(cfg))).await,
            test::init_service(App::new().configure(minimal_server::configure)).await,
        )
    });
    let (hand, verified, open) = system.block_on(async {
        let hand_tokens = tokens.clone();
        let verified_tokens = tokens.clone();
        (
            test::init_service(
                App::new()
                    .configure(|cfg| bench::baseline::configure_handwritten(cfg, hand_tokens)),
            )
            .await,
            test::init_service(App::new().configure(|cfg| {
                bench::baseline::configure_handwritten_verified(cfg, verified_tokens)
            }))
            .await,
            test::init_service(App::new().configure(bench::baseline::configure_noauth)).await,
        )
    });
    let header = format!("Bearer {token}");
    let request = || {
        TestRequest::get()
            .uri("/users/me/items/")
            .insert_header((AUTHORIZATION, header.clone()))
            .to_request()
    };
    let mut group = c.benchmark_group("request");
    // Inside the System, as a server worker runs them.
    system.block_on(async {
        group.bench_function("dsl_demo_app", |b| {
            b.iter_batched(request, |req| one_request(&dsl, req), BatchSize::SmallInput)
        });
        group.bench_function("dsl_demo_app_no_cache", |b| {
            b.iter_batched(
                request,
                |req| one_request(&dsl_uncached, req),
                BatchSize::SmallInput,
            )
        });
        group.bench_function("minimal", |b| {
            b.iter_batched(
                request,
                |req| one_request(&minimal, req),
                BatchSize::SmallInput,
            )
        });
        group.bench_function("hand_written", |b| {
            b.iter_batched(
                request,
                |req| one_request(&hand, req),
                BatchSize::SmallInput,
            )
        });
        group.bench_function("hand_written_verified_token", |b| {
            b.iter_batched(
                request,
                |req| one_request(&verified, req),
                BatchSize::SmallInput,
            )
        });
        group.bench_function("no_auth", |b| {
            b.iter_batched(
                request,
                |req| one_request(&open, req),
                BatchSize::SmallInput,
            )
        });
    });
    group.finish();
}

fn micro(c: &mut Criterion) {
    // Verification as it is without the verified-token cache; `cached` as apps run it.
    let cached = TokenConfig::new(JwtKeys::hs256(bench::SECRET_KEY).expect("key"));
    let tokens = cached.clone().token_cache(TokenCache::disabled());
    let token = tokens
        .issue("johndoe", ["me", "items"], Duration::from_secs(3600))
        .expect("token");
    let me_only = tokens
        .issue("johndoe", ["me"], Duration::from_secs(3600))
        .expect("token");
    let req = request(&tokens, &token);
    let scopes = std::hint::black_box(ITEMS_PATH).scopes();

    let mut group = c.benchmark_group("bearer");
    group.bench_function("from_headers", |b| {
        b.iter(|| BearerToken::from_headers(black_box(&req)))
    });
    group.bench_function("hand_written", |b| b.iter(|| hand_bearer(black_box(&req))));
    group.finish();

    let mut group = c.benchmark_group("verify");
    group.bench_function("token_config_verify", |b| {
        b.iter(|| tokens.verify(black_box(&token)))
    });
    group.bench_function("graph_node", |b| {
        b.iter_batched(
            || request(&tokens, &token),
            |req| resolve_token(&req),
            BatchSize::SmallInput,
        )
    });
    let _ = cached.verify_cached(&token);
    group.bench_function("graph_node_cache_hit", |b| {
        b.iter_batched(
            || request(&cached, &token),
            |req| resolve_token(&req),
            BatchSize::SmallInput,
        )
    });
    group.bench_function("authenticate_first_in_request", |b| {
        b.iter_batched(
            || request(&tokens, &token),
            |req| VerifiedToken::authenticate(&req, scopes).is_ok(),
            BatchSize::SmallInput,
        )
    });
    // Every dependency after the first reads the request's cached outcome.
    let _ = VerifiedToken::authenticate(&req, scopes);
    group.bench_function("authenticate_cached", |b| {
        b.iter(|| VerifiedToken::authenticate(black_box(&req), scopes).is_ok())
    });
    group.finish();

    let verified = VerifiedToken::authenticate(&req, scopes).expect("valid token");
    let granted = verified.scopes().to_vec();
    let req_me = request(&tokens, &me_only);
    let verified_me = VerifiedToken::authenticate(&req_me, scopes).expect("valid token");
    let mut group = c.benchmark_group("scopes");
    group.bench_function("security_scopes_of", |b| {
        b.iter(|| black_box(black_box(ITEMS_PATH).scopes()))
    });
    group.bench_function("require_scopes_granted", |b| {
        b.iter(|| verified.require_scopes(black_box(scopes)).is_ok())
    });
    group.bench_function("require_scopes_refused", |b| {
        b.iter(|| verified_me.require_scopes(black_box(scopes)).is_err())
    });
    group.bench_function("hand_written_loop", |b| {
        b.iter(|| {
            black_box(&["items", "me"])
                .iter()
                .all(|s| granted.iter().any(|g| g == s))
        })
    });
    group.finish();

    requests(c, &tokens, &cached, &token);
}

fn main() {
    let mut criterion = Criterion::default().configure_from_args();
    micro(&mut criterion);
    criterion.final_summary();
}
