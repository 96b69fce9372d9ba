//! The security matrix: every route of a `services![..]` list probed from its security
//! surface, in both error styles, and a planted hole (a dependency that "checks" a grant it
//! made up) caught and reported.

mod common;

use actix_web::{App, HttpResponse, Responder, get, test, web};
use common::key;
use scopes_runtime::oauth2::JwtAlgorithm;
use scopes_runtime::services::Services;
use scopes_runtime::testing::{self, Expected, MatrixCase, SecurityMatrix};
use scopes_runtime::{
    Authorized, ErrorStyle, JwtKeys, OAuth2PasswordBearer, Security, SecurityScopes, TokenConfig,
    VerifiedToken, dependency, public, secured, services,
};

#[public]
#[get("/health")]
async fn health() -> impl Responder {
    "ok"
}

/// Any valid token.
#[secured]
#[get("/status")]
async fn status(token: Security<VerifiedToken>) -> impl Responder {
    HttpResponse::Ok().body(token.sub().to_owned())
}

#[dependency(scopes = ["me"])]
async fn current_user(token: Security<Authorized>) -> String {
    token.sub().to_owned()
}

/// `items` and `me`, with two path parameters.
#[secured(scopes = ["items"])]
#[get("/users/{user}/items/{id}")]
async fn read_item(user: Security<current_user>, path: web::Path<(String, u32)>) -> impl Responder {
    let (owner, id) = path.into_inner();
    HttpResponse::Ok().body(format!("{owner}/{id} for {}", *user))
}

// The planted hole: a dependency that checks its scopes against a grant it made up, not
// against the token's. The enforcement by construction is satisfied (a check succeeded),
// so only a test with a token lacking `admin` can see it.
#[dependency]
async fn fabricated_admin(
    scopes: SecurityScopes,
    token: Security<VerifiedToken>,
) -> Result<String, actix_web::Error> {
    scopes
        .check(&["admin"])
        .map_err(|missing| actix_web::error::ErrorForbidden(missing.join(" ")))?;
    Ok(token.sub().to_owned())
}

#[secured(scopes = ["admin"])]
#[get("/admin")]
async fn admin(user: Security<fabricated_admin>) -> impl Responder {
    HttpResponse::Ok().body(user.into_inner())
}

// Another one: a public route that refuses anyone.
#[public]
#[get("/open")]
async fn closed_door() -> impl Responder {
    HttpResponse::Unauthorized().finish()
}

const SOUND: Services = services![health, status, read_item];
const HOLED: Services = services![health, status, read_item, admin, closed_door];

/// `services` served with `config`, its gate and the bearer scheme in `style`.
macro_rules! app {
    ($services:expr, $config:expr, $style:expr) => {
        test::init_service(
            App::new()
                .wrap($services.gate())
                .app_data(web::Data::new($config.clone()))
                .app_data(OAuth2PasswordBearer::new("token", &[]).with_error_style($style))
                .service($services),
        )
        .await
    };
}

fn rows(cases: &[MatrixCase]) -> Vec<(String, &str, Expected, u16)> {
    cases
        .iter()
        .map(|c| {
            (
                format!("{} {}", c.method, c.path),
                c.case.as_str(),
                c.expected,
                c.got,
            )
        })
        .collect()
}

#[actix_web::test]
async fn a_sound_app_passes_in_the_tutorial_style() {
    let config = testing::token_config();
    let app = app!(SOUND, config, ErrorStyle::Tutorial);
    let report = testing::security_matrix(&app, &SOUND, &config).await;
    report.assert_passed();

    let not_refused = Expected::NotRefused;
    let r401 = Expected::Refused(401);
    let item = "GET /users/1/items/1".to_owned();
    assert_eq!(
        rows(report.cases()),
        [
            (
                "GET /health".to_owned(),
                "public, no token",
                not_refused,
                200
            ),
            ("GET /status".to_owned(), "no token", r401, 401),
            ("GET /status".to_owned(), "malformed token", r401, 401),
            ("GET /status".to_owned(), "wrongly signed token", r401, 401),
            ("GET /status".to_owned(), "exactly []", not_refused, 200),
            (item.clone(), "no token", r401, 401),
            (item.clone(), "malformed token", r401, 401),
            (item.clone(), "wrongly signed token", r401, 401),
            (item.clone(), "lacks `items` of [items me]", r401, 401),
            (item.clone(), "lacks `me` of [items me]", r401, 401),
            (item, "exactly [items me]", not_refused, 200),
        ]
    );
    assert!(report.passed() && report.mismatches().is_empty());
}

#[actix_web::test]
async fn a_sound_app_passes_in_the_rfc6750_style() {
    let config = testing::token_config();
    let app = app!(SOUND, config, ErrorStyle::Rfc6750);
    let report = SecurityMatrix::new(&SOUND, &config)
        .subject("johndoe")
        .style(ErrorStyle::Rfc6750)
        .param("id", "42")
        .run(&app)
        .await;
    report.assert_passed();

    let lacking: Vec<_> = report
        .cases()
        .iter()
        .filter(|c| c.case.starts_with("lacks"))
        .map(|c| (c.path.as_str(), c.expected, c.got))
        .collect();
    let r403 = Expected::Refused(403);
    assert_eq!(
        lacking,
        [
            ("/users/1/items/42", r403, 403),
            ("/users/1/items/42", r403, 403)
        ]
    );
}

#[actix_web::test]
async fn the_style_expected_must_be_the_style_served() {
    // Served in RFC 6750 style, tested as the tutorial's: every scope refusal is a 403
    // where a 401 was expected, and reported as such.
    let config = testing::token_config();
    let app = app!(SOUND, config, ErrorStyle::Rfc6750);
    let report = testing::security_matrix(&app, &SOUND, &config).await;
    let mismatched: Vec<_> = report
        .mismatches()
        .iter()
        .map(|c| (c.case.as_str(), c.expected, c.got))
        .collect();
    assert_eq!(
        mismatched,
        [
            ("lacks `items` of [items me]", Expected::Refused(401), 403),
            ("lacks `me` of [items me]", Expected::Refused(401), 403),
        ]
    );
}

#[actix_web::test]
async fn a_planted_hole_is_caught_and_reported() {
    let config = testing::token_config();
    let app = app!(HOLED, config, ErrorStyle::Tutorial);
    let report = testing::security_matrix(&app, &HOLED, &config).await;

    let mismatched: Vec<_> = report
        .mismatches()
        .into_iter()
        .map(|c| {
            (
                format!("{} {}", c.method, c.path),
                c.case.as_str(),
                c.expected,
                c.got,
            )
        })
        .collect();
    assert_eq!(
        mismatched,
        [
            (
                "GET /admin".to_owned(),
                "lacks `admin` of [admin]",
                Expected::Refused(401),
                200
            ),
            (
                "GET /open".to_owned(),
                "public, no token",
                Expected::NotRefused,
                401
            ),
        ]
    );
    // Everything else about /admin holds: the token itself is verified.
    let admin_cases: Vec<_> = report
        .cases()
        .iter()
        .filter(|c| c.path == "/admin" && c.passed())
        .map(|c| c.case.as_str())
        .collect();
    assert_eq!(
        admin_cases,
        [
            "no token",
            "malformed token",
            "wrongly signed token",
            "exactly [admin]"
        ]
    );

    let table = report.to_string();
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(lines.len(), report.cases().len() + 1, "{table}");
    let header = lines[0];
    assert!(
        header.starts_with("route") && header.contains("case"),
        "{table}"
    );
    let row = lines
        .iter()
        .find(|l| l.contains("lacks `admin` of [admin]"))
        .expect("the hole's row");
    let cells: Vec<&str> = row.split("  ").filter(|c| !c.is_empty()).collect();
    let cells: Vec<&str> = cells.iter().map(|c| c.trim()).collect();
    assert_eq!(
        cells,
        [
            "GET /admin",
            "lacks `admin` of [admin]",
            "401",
            "200",
            "MISMATCH"
        ],
        "{table}"
    );
    // Aligned: every column starts at the same offset on every line.
    let case_at = header.find("case").unwrap();
    assert!(
        lines.iter().all(|l| l[case_at - 2..case_at] == *"  "),
        "{table}"
    );

    // And the assertion fails, listing exactly the two mismatches.
    let panic = std::panic::catch_unwind(|| report.assert_passed()).unwrap_err();
    let message = panic.downcast_ref::<String>().expect("a formatted message");
    assert!(message.starts_with("security matrix: 2 of "), "{message}");
    assert!(message.contains("lacks `admin` of [admin]"), "{message}");
    assert!(message.contains("GET /open"), "{message}");
    assert!(!message.contains("exactly [items me]"), "{message}");
}

#[actix_web::test]
async fn wrongly_signed_tokens_are_refused_whatever_the_algorithm() {
    // RS256: the wrongly signed token cannot be made with another RSA key, and is signed
    // by an HMAC key under the app's RS256 header instead.
    let keys = JwtKeys::from_pem(
        JwtAlgorithm::RS256,
        Some(&key("rsa_private.pem")),
        &key("rsa_public.pem"),
    )
    .unwrap();
    let config = TokenConfig::new(keys);
    let app = app!(SOUND, config, ErrorStyle::Tutorial);
    let report = testing::security_matrix(&app, &SOUND, &config).await;
    report.assert_passed();
    let signed: Vec<_> = report
        .cases()
        .iter()
        .filter(|c| c.case == "wrongly signed token")
        .map(|c| c.got)
        .collect();
    assert_eq!(signed, [401, 401]);
}
