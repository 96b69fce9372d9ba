//! The security matrix of the demo: every route of `SERVICES`, probed in process from its
//! security surface, through the app as the server builds it (gate, access log, state), in
//! both error styles.

use std::time::Duration;

use actix_web::{App, middleware, test};
use demo_app::app::{AppState, gate};
use demo_app::handlers::SERVICES;
use demo_app::logging::access_log;
use scopes_runtime::testing::{self, MatrixReport, SecurityMatrix};
use scopes_runtime::{ErrorStyle, TokenConfig};

/// The matrix of the demo served in `style`, for `johndoe` (active, may be granted `me` and
/// `items`).
async fn matrix(style: ErrorStyle) -> MatrixReport {
    let config: TokenConfig = testing::token_config();
    let state = AppState::new(config.clone(), Duration::from_secs(15 * 60), style);
    let app = test::init_service(
        App::new()
            .wrap(gate())
            .wrap(middleware::from_fn(access_log))
            .configure(|cfg| state.configure(cfg)),
    )
    .await;
    SecurityMatrix::new(&SERVICES, &config)
        .subject("johndoe")
        .style(style)
        .run(&app)
        .await
}

/// `(route, case, got)` of every case.
fn rows(report: &MatrixReport) -> Vec<(String, &str, u16)> {
    report
        .cases()
        .iter()
        .map(|c| (format!("{} {}", c.method, c.path), c.case.as_str(), c.got))
        .collect()
}

/// The cases of the demo and what it answers to each, with `scope_refusal` the status of a
/// token lacking a scope and `form_refusal` that of `/token` without a form.
fn expected(scope_refusal: u16, form_refusal: u16) -> Vec<(String, &'static str, u16)> {
    let mut rows = vec![("POST /token", "public, no token", form_refusal)];
    for (route, lacks, exactly) in [
        (
            "GET /users/me/",
            &["lacks `me` of [me]"][..],
            "exactly [me]",
        ),
        (
            "GET /users/me/items/",
            &["lacks `items` of [items me]", "lacks `me` of [items me]"][..],
            "exactly [items me]",
        ),
        ("GET /status/", &[][..], "exactly []"),
    ] {
        rows.extend([
            (route, "no token", 401),
            (route, "malformed token", 401),
            (route, "wrongly signed token", 401),
        ]);
        rows.extend(lacks.iter().map(|case| (route, *case, scope_refusal)));
        rows.push((route, exactly, 200));
    }
    rows.extend([
        ("GET /docs", "public, no token", 200),
        ("GET /docs/", "public, no token", 307),
    ]);
    rows.into_iter()
        .map(|(route, case, got)| (route.to_owned(), case, got))
        .collect()
}

#[actix_web::test]
async fn every_route_holds_in_the_tutorial_style() {
    let report = matrix(ErrorStyle::Tutorial).await;
    report.assert_passed();
    // `/token` without a form: FastAPI's 422, an answer rather than a refusal.
    assert_eq!(rows(&report), expected(401, 422));
}

#[actix_web::test]
async fn every_route_holds_in_the_rfc6750_style() {
    let report = matrix(ErrorStyle::Rfc6750).await;
    report.assert_passed();
    // `/token` without a form: RFC 6749 section 5.2's `invalid_request`.
    assert_eq!(rows(&report), expected(403, 400));
}
