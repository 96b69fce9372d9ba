//! The demo's security surface, from the compiler: every declared scope is required by some
//! route (none is advertised for nothing), and every route is secured or public; and from
//! the app as the server builds it: no route is registered outside `SERVICES` but the ones
//! its gate allows.

use std::time::Duration;

use actix_web::http::Method;
use actix_web::{App, HttpResponse, middleware, web};
use demo_app::app::{AppState, gate};
use demo_app::auth::Scopes;
use demo_app::handlers::SERVICES;
use demo_app::logging::access_log;
use scopes_runtime::ErrorStyle;
use scopes_runtime::testing::{self, token_config};

/// The app as `main` builds it (gate, access log, state), then `extra` routes.
macro_rules! demo_app {
    ($extra:expr) => {{
        let state = AppState::new(
            token_config(),
            Duration::from_secs(60),
            ErrorStyle::Tutorial,
        );
        actix_web::test::init_service(
            App::new()
                .wrap(gate())
                .wrap(middleware::from_fn(access_log))
                .configure(|cfg| state.configure(cfg))
                .configure($extra),
        )
        .await
    }};
}

#[test]
fn every_declared_scope_is_required_by_some_route() {
    assert_eq!(SERVICES.unused_scopes(Scopes::ALL), Vec::<&str>::new());
}

#[test]
fn every_route_is_secured_or_public_on_purpose() {
    let public: Vec<_> = SERVICES
        .surface()
        .routes()
        .iter()
        .filter(|route| route.public)
        .map(|route| (route.method, route.path))
        .collect();
    assert_eq!(
        public,
        [("POST", "/token"), ("GET", "/docs"), ("GET", "/docs/")],
        "a route made public is a change to review"
    );
}

#[actix_web::test]
async fn every_route_of_the_app_is_a_listed_handler_or_allowed() {
    let app = demo_app!(|_| {});
    testing::assert_every_route_marked(&app).await;
}

#[actix_web::test]
async fn a_route_added_outside_the_list_would_be_found() {
    // The control: the demo's fallback and its gate's 405s hide nothing from the probes.
    let app = demo_app!(|cfg: &mut web::ServiceConfig| {
        cfg.route("/debug", web::get().to(HttpResponse::Ok))
            .route("/token", web::get().to(HttpResponse::Ok));
    });
    let found: Vec<_> = testing::unmarked_routes(&app)
        .await
        .into_iter()
        .map(|r| (r.method, r.path))
        .collect();
    assert_eq!(
        found,
        // `/token` first: the listed `POST /token` is, and the unmarked route shares its path.
        [
            (Some(Method::GET), "/token".to_owned()),
            (Some(Method::GET), "/debug".to_owned()),
        ]
    );
}
