//! Heap allocations per secured request, in process: allocation-counter's counting global
//! allocator (per thread) around `actix_web::test::call_service` plus reading the body, for
//! the DSL app (demo-app's `AppState`), the hand-written baseline, the minimal app (which
//! shares nothing with the runtime) and the no-auth ceiling. All include actix-web's own
//! allocations; the differences are what the security code costs. The breakdown measures
//! the pieces one by one.
//! demo-app's app is measured twice: as it runs by default (its `TokenConfig`'s cache of
//! verified tokens answering for the one token after the warm-up) and with the cache off
//! (`TokenCache::disabled()`, every token verified again), as `demo-app
//! --token-cache-entries 0` runs.

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::header::AUTHORIZATION;
use actix_web::test::{self, TestRequest};
use actix_web::{App, web};
use allocation_counter::{AllocationInfo, measure};
use bench::paths::{ITEMS_PATH, resolve_token};
use demo_app::app::AppState;
use scopes_runtime::oauth2::TokenCache;
use scopes_runtime::{BearerToken, ErrorStyle, VerifiedToken};

use super::http::{MINIMAL, NO_CACHE};
use crate::Ctx;

/// Polls `fut` to completion on this thread (the measured futures never wait on I/O).
fn complete<F: Future>(fut: F) -> Result<F::Output, String> {
    let mut fut = pin!(fut);
    let mut cx = Context::from_waker(Waker::noop());
    for _ in 0..1_000_000 {
        if let Poll::Ready(out) = fut.as_mut().poll(&mut cx) {
            return Ok(out);
        }
    }
    Err("a measured future never completed".into())
}

/// Allocations of one app.
pub(crate) struct AppAllocs {
    pub(crate) name: &'static str,
    /// Mean allocations per request.
    pub(crate) count: f64,
    /// Fewest and most in one request.
    pub(crate) min: u64,
    pub(crate) max: u64,
    /// Mean bytes allocated per request.
    pub(crate) bytes: f64,
}

/// One piece of the path, measured alone.
pub(crate) struct PieceAllocs {
    pub(crate) what: &'static str,
    pub(crate) count: u64,
    pub(crate) bytes: u64,
}

/// The phase's results.
pub(crate) struct AllocResults {
    pub(crate) apps: Vec<AppAllocs>,
    pub(crate) pieces: Vec<PieceAllocs>,
    pub(crate) requests: usize,
}

impl AllocResults {
    pub(crate) fn get(&self, name: &str) -> Option<&AppAllocs> {
        self.apps.iter().find(|a| a.name == name)
    }
}

async fn per_request<S, R, B, E>(
    name: &'static str,
    app: &S,
    request: impl Fn() -> R,
    requests: usize,
) -> Result<AppAllocs, String>
where
    S: Service<R, Response = ServiceResponse<B>, Error = E>,
    E: std::fmt::Debug,
    B: actix_web::body::MessageBody,
{
    // Warm-up: lazy statics, thread locals, first-use caches.
    for _ in 0..20 {
        let res = test::call_service(app, request()).await;
        if !res.status().is_success() {
            return Err(format!(
                "{name}: GET /users/me/items/ answered {}",
                res.status()
            ));
        }
        let _ = actix_web::body::to_bytes(res.into_body()).await;
    }
    let (mut total, mut bytes, mut min, mut max) = (0u64, 0u64, u64::MAX, 0u64);
    for _ in 0..requests {
        let req = request();
        let mut outcome = Err(String::new());
        let info: AllocationInfo = measure(|| {
            outcome = complete(async {
                let res = test::call_service(app, req).await;
                let ok = res.status().is_success();
                let body = actix_web::body::to_bytes(res.into_body()).await;
                (ok, body.map(|b| b.len()).unwrap_or(0))
            });
        });
        match outcome? {
            (true, len) if len > 0 => {}
            _ => return Err(format!("{name}: a measured request failed")),
        }
        total += info.count_total;
        bytes += info.bytes_total;
        min = min.min(info.count_total);
        max = max.max(info.count_total);
    }
    Ok(AppAllocs {
        name,
        count: total as f64 / requests as f64,
        min,
        max,
        bytes: bytes as f64 / requests as f64,
    })
}

fn piece(what: &'static str, f: impl FnOnce()) -> PieceAllocs {
    let info = measure(f);
    PieceAllocs {
        what,
        count: info.count_total,
        bytes: info.bytes_total,
    }
}

fn pieces(ctx: &Ctx) -> Result<Vec<PieceAllocs>, String> {
    let token = ctx
        .auth_header
        .strip_prefix("Authorization: Bearer ")
        .unwrap_or_default()
        .to_owned();
    // The pieces that verify, measured both ways: with the cache off (what a verification
    // costs) and answered from the cache (what demo-app does by default for a token seen
    // before).
    let tokens = ctx.tokens.clone();
    let uncached = ctx.tokens.clone().token_cache(TokenCache::disabled());
    let request = |tokens: &scopes_runtime::TokenConfig| {
        TestRequest::get()
            .insert_header((AUTHORIZATION, format!("Bearer {token}")))
            .app_data(web::Data::new(tokens.clone()))
            .to_http_request()
    };
    let mut out = Vec::new();
    out.push(piece("`SecurityScopes` construction (`items me`)", || {
        std::hint::black_box(std::hint::black_box(ITEMS_PATH).scopes());
    }));
    let req = request(&tokens);
    out.push(piece("`BearerToken::from_headers`", || {
        let _ = std::hint::black_box(BearerToken::from_headers(&req));
    }));
    out.push(piece(
        "`TokenConfig::verify` (HS256 decode + claims)",
        || {
            let _ = std::hint::black_box(tokens.verify(&token));
        },
    ));
    let req = request(&uncached);
    out.push(piece(
        "`Security<VerifiedToken>` as demo-app's graph resolves it, cache off (parse, verify)",
        || {
            std::hint::black_box(resolve_token(&req));
        },
    ));
    // A token the cache has seen.
    let _ = tokens.verify_cached(&token);
    let req = request(&tokens);
    out.push(piece(
        "`Security<VerifiedToken>` as demo-app's graph resolves it, from the token cache",
        || {
            std::hint::black_box(resolve_token(&req));
        },
    ));
    let req = request(&uncached);
    let scopes = std::hint::black_box(ITEMS_PATH).scopes();
    out.push(piece(
        "`VerifiedToken::authenticate`, cache off (first call in a request: parse, verify, keep in the request)",
        || {
            let _ = std::hint::black_box(VerifiedToken::authenticate(&req, scopes));
        },
    ));
    let req = request(&tokens);
    out.push(piece(
        "`VerifiedToken::authenticate`, from the token cache (first call in a request: keep in the request)",
        || {
            let _ = std::hint::black_box(VerifiedToken::authenticate(&req, scopes));
        },
    ));
    let verified = VerifiedToken::authenticate(&req, scopes).map_err(|e| e.to_string())?;
    out.push(piece("`VerifiedToken::require_scopes` (granted)", || {
        let _ = std::hint::black_box(verified.require_scopes(scopes));
    }));
    let granted = verified.scopes().to_vec();
    out.push(piece("hand-written scope loop (granted)", || {
        let ok = ["items", "me"]
            .iter()
            .all(|s| granted.iter().any(|g| g == s));
        std::hint::black_box(ok);
    }));
    let users = demo_app::users::UserDb::tutorial();
    let user = users.get("johndoe").ok_or("no johndoe")?;
    out.push(piece(
        "`User` clone (both apps return an owned user)",
        || {
            std::hint::black_box(user.user.clone());
        },
    ));
    Ok(out)
}

/// Runs the phase.
pub(crate) fn run(ctx: &Ctx) -> Result<AllocResults, String> {
    let requests = ctx.config.alloc_requests;
    eprintln!("[alloc] {requests} requests per app");
    let token = ctx
        .auth_header
        .strip_prefix("Authorization: ")
        .unwrap_or_default()
        .to_owned();
    let request = || {
        TestRequest::get()
            .uri("/users/me/items/")
            .insert_header((AUTHORIZATION, token.clone()))
            .to_request()
    };
    let apps = actix_web::rt::System::new().block_on(async {
        let state = AppState::new(
            ctx.tokens.clone(),
            Duration::from_secs(1800),
            ErrorStyle::Tutorial,
        );
        let dsl = test::init_service(App::new().configure(|cfg| state.configure(cfg))).await;
        let uncached_state = AppState::new(
            ctx.tokens.clone().token_cache(TokenCache::disabled()),
            Duration::from_secs(1800),
            ErrorStyle::Tutorial,
        );
        let uncached =
            test::init_service(App::new().configure(|cfg| uncached_state.configure(cfg))).await;
        let tokens = ctx.tokens.clone();
        let hand = test::init_service(
            App::new().configure(|cfg| bench::baseline::configure_handwritten(cfg, tokens)),
        )
        .await;
        let tokens = ctx.tokens.clone();
        let verified = test::init_service(
            App::new()
                .configure(|cfg| bench::baseline::configure_handwritten_verified(cfg, tokens)),
        )
        .await;
        let minimal = test::init_service(App::new().configure(minimal_server::configure)).await;
        let open =
            test::init_service(App::new().configure(bench::baseline::configure_noauth)).await;
        Ok::<_, String>(vec![
            per_request("demo-app", &dsl, request, requests).await?,
            per_request(NO_CACHE, &uncached, request, requests).await?,
            per_request("hand-written", &hand, request, requests).await?,
            per_request(
                "hand-written on VerifiedToken",
                &verified,
                request,
                requests,
            )
            .await?,
            per_request(MINIMAL, &minimal, request, requests).await?,
            per_request("no-auth", &open, request, requests).await?,
        ])
    })?;
    for app in &apps {
        eprintln!(
            "[alloc] {:<29} {:.2} allocations/request ({:.0} bytes)",
            app.name, app.count, app.bytes
        );
    }
    Ok(AllocResults {
        apps,
        pieces: pieces(ctx)?,
        requests,
    })
}
