//! `AuthError` in both styles, through FastAPI's OAuth2-scopes tutorial rebuilt with real
//! `#[secured]` handlers and `#[dependency]`s: every variant gets a status, header and body.

use std::error::Error as _;

use actix_web::dev::ServiceResponse;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::test as atest;
use actix_web::{App, HttpRequest, HttpResponse, Responder, ResponseError, get, web};
use scopes_runtime::oauth2::{AuthErrorKind, Claims, require_scopes};
use scopes_runtime::{
    AuthError, ErrorStyle, OAuth2PasswordBearer, Security, SecurityScopes, TokenConfig,
    VerifiedToken, dependency, secured, testing,
};
use serde_json::{Value, json};

const OAUTH2: OAuth2PasswordBearer = OAuth2PasswordBearer::new(
    "token",
    &[
        ("me", "Read information about the current user."),
        ("items", "Read items."),
    ],
);

#[derive(Clone, Debug)]
struct User {
    username: String,
    disabled: bool,
}

fn get_user(username: &str) -> Option<User> {
    match username {
        "johndoe" => Some(User {
            username: username.into(),
            disabled: false,
        }),
        "alice" => Some(User {
            username: username.into(),
            disabled: true,
        }),
        _ => None,
    }
}

#[dependency]
async fn get_current_user(
    security_scopes: SecurityScopes,
    req: HttpRequest,
) -> Result<User, AuthError> {
    let token = VerifiedToken::authenticate(&req, security_scopes)?;
    let user = get_user(token.sub()).ok_or_else(|| token.credentials_error(security_scopes))?;
    token.require_scopes(security_scopes)?;
    Ok(user)
}

#[dependency(scopes = ["me"])]
async fn get_current_active_user(
    current_user: Security<get_current_user>,
) -> Result<User, AuthError> {
    if current_user.disabled {
        return Err(AuthError::custom(StatusCode::BAD_REQUEST, "Inactive user"));
    }
    Ok(current_user.into_inner())
}

#[secured]
#[get("/users/me/")]
async fn read_users_me(current_user: Security<get_current_active_user>) -> impl Responder {
    HttpResponse::Ok().json(json!({"username": current_user.username}))
}

#[secured(scopes = ["items"])]
#[get("/users/me/items/")]
async fn read_own_items(current_user: Security<get_current_active_user>) -> impl Responder {
    HttpResponse::Ok().json(json!([{"item_id": "Foo", "owner": current_user.username}]))
}

#[secured]
#[get("/status/")]
async fn read_system_status(_current_user: Security<get_current_user>) -> impl Responder {
    HttpResponse::Ok().json(json!({"status": "ok"}))
}

async fn call(style: ErrorStyle, path: &str, authorization: Option<String>) -> ServiceResponse {
    let app = atest::init_service(
        App::new()
            .app_data(OAUTH2.with_error_style(style))
            .app_data(web::Data::new(testing::token_config()))
            .service(read_users_me)
            .service(read_own_items)
            .service(read_system_status),
    )
    .await;
    let mut req = atest::TestRequest::get().uri(path);
    if let Some(value) = authorization {
        req = req.insert_header((header::AUTHORIZATION, value));
    }
    atest::call_service(&app, req.to_request()).await
}

fn bearer_for(sub: &str, scopes: &[&str]) -> Option<String> {
    Some(format!(
        "Bearer {}",
        testing::mint(&testing::token_config(), sub, scopes)
    ))
}

async fn check(res: ServiceResponse, status: u16, challenge: Option<&str>, body: Value) {
    assert_eq!(res.status(), status);
    assert_eq!(
        res.headers()
            .get(header::WWW_AUTHENTICATE)
            .map(|v| v.to_str().unwrap()),
        challenge
    );
    assert_eq!(
        res.headers().get(header::CONTENT_TYPE).unwrap(),
        "application/json"
    );
    let actual: Value = atest::read_body_json(res).await;
    assert_eq!(actual, body);
}

#[actix_web::test]
async fn tutorial_style() {
    let t = ErrorStyle::Tutorial;
    let detail = |d: &str| json!({"detail": d});

    let ok = call(
        t,
        "/users/me/items/",
        bearer_for("johndoe", &["me", "items"]),
    )
    .await;
    assert_eq!(ok.status(), 200);
    let ok = call(t, "/status/", bearer_for("johndoe", &[])).await;
    assert_eq!(ok.status(), 200);

    // Not authenticated: FastAPI's OAuth2PasswordBearer answers before any scope is known.
    let res = call(t, "/users/me/items/", None).await;
    check(res, 401, Some("Bearer"), detail("Not authenticated")).await;
    let res = call(t, "/users/me/items/", Some("Basic abc".into())).await;
    check(res, 401, Some("Bearer"), detail("Not authenticated")).await;
    // `Bearer` and something that is not one token: FastAPI's decoder refuses it.
    let res = call(t, "/users/me/items/", Some("Bearer a b".into())).await;
    check(
        res,
        401,
        Some("Bearer scope=\"items me\""),
        detail("Could not validate credentials"),
    )
    .await;

    // Invalid token: the challenge names the route's scopes, or none.
    let res = call(t, "/users/me/items/", Some("Bearer not.a.token".into())).await;
    check(
        res,
        401,
        Some("Bearer scope=\"items me\""),
        detail("Could not validate credentials"),
    )
    .await;
    let res = call(t, "/users/me/", Some("Bearer not.a.token".into())).await;
    check(
        res,
        401,
        Some("Bearer scope=\"me\""),
        detail("Could not validate credentials"),
    )
    .await;
    let res = call(t, "/status/", Some("Bearer not.a.token".into())).await;
    check(
        res,
        401,
        Some("Bearer"),
        detail("Could not validate credentials"),
    )
    .await;
    let mut expired = Claims::new("johndoe", ["me", "items"], std::time::Duration::ZERO);
    expired.exp -= 3600;
    let expired = testing::mint_claims(&testing::token_config(), &expired);
    let res = call(t, "/users/me/items/", Some(format!("Bearer {expired}"))).await;
    check(
        res,
        401,
        Some("Bearer scope=\"items me\""),
        detail("Could not validate credentials"),
    )
    .await;

    // Unknown user.
    let res = call(
        t,
        "/users/me/items/",
        bearer_for("mallory", &["me", "items"]),
    )
    .await;
    check(
        res,
        401,
        Some("Bearer scope=\"items me\""),
        detail("Could not validate credentials"),
    )
    .await;

    // Not enough permissions.
    let res = call(t, "/users/me/items/", bearer_for("johndoe", &["me"])).await;
    check(
        res,
        401,
        Some("Bearer scope=\"items me\""),
        detail("Not enough permissions"),
    )
    .await;

    // Inactive user: a custom error, no challenge.
    let res = call(t, "/users/me/", bearer_for("alice", &["me"])).await;
    check(res, 400, None, detail("Inactive user")).await;
}

#[actix_web::test]
async fn rfc6750_style() {
    let r = ErrorStyle::Rfc6750;
    let error =
        |code: &str, description: &str| json!({"error": code, "error_description": description});

    let res = call(r, "/users/me/items/", None).await;
    check(
        res,
        401,
        Some("Bearer scope=\"items me\""),
        json!({"detail": "Not authenticated"}),
    )
    .await;

    let res = call(r, "/users/me/items/", Some("Bearer".into())).await;
    check(
        res,
        400,
        Some("Bearer error=\"invalid_request\""),
        error(
            "invalid_request",
            "The Authorization header is not a single bearer token",
        ),
    )
    .await;

    let invalid = error("invalid_token", "The access token is invalid or expired");
    let res = call(r, "/users/me/items/", Some("Bearer x.y.z".into())).await;
    check(
        res,
        401,
        Some("Bearer error=\"invalid_token\""),
        invalid.clone(),
    )
    .await;
    let res = call(
        r,
        "/users/me/items/",
        bearer_for("mallory", &["me", "items"]),
    )
    .await;
    check(res, 401, Some("Bearer error=\"invalid_token\""), invalid).await;

    let res = call(r, "/users/me/items/", bearer_for("johndoe", &["me"])).await;
    check(
        res,
        403,
        Some("Bearer error=\"insufficient_scope\", scope=\"items me\""),
        error(
            "insufficient_scope",
            "The access token lacks a required scope",
        ),
    )
    .await;

    let res = call(r, "/users/me/", bearer_for("alice", &["me"])).await;
    check(res, 400, None, json!({"detail": "Inactive user"})).await;

    let ok = call(
        r,
        "/users/me/items/",
        bearer_for("johndoe", &["items", "me"]),
    )
    .await;
    assert_eq!(ok.status(), 200);
}

async fn response_of(err: AuthError) -> (u16, Option<String>, Value) {
    let res = err.error_response();
    let status = res.status().as_u16();
    let challenge = res
        .headers()
        .get(header::WWW_AUTHENTICATE)
        .map(|v| v.to_str().unwrap().to_owned());
    let body = actix_web::body::to_bytes(res.into_body()).await.unwrap();
    (status, challenge, serde_json::from_slice(&body).unwrap())
}

#[actix_web::test]
async fn every_variant_in_both_styles() {
    use ErrorStyle::{Rfc6750, Tutorial};
    let cases = [
        (
            AuthError::not_authenticated(),
            Tutorial,
            401,
            Some("Bearer"),
            json!({"detail": "Not authenticated"}),
        ),
        (
            AuthError::not_authenticated(),
            Rfc6750,
            401,
            Some("Bearer"),
            json!({"detail": "Not authenticated"}),
        ),
        (
            AuthError::malformed_credentials(),
            Tutorial,
            401,
            Some("Bearer"),
            json!({"detail": "Could not validate credentials"}),
        ),
        (
            AuthError::malformed_credentials(),
            Rfc6750,
            400,
            Some("Bearer error=\"invalid_request\""),
            json!({"error": "invalid_request", "error_description": "The Authorization header is not a single bearer token"}),
        ),
        (
            AuthError::invalid_token(),
            Tutorial,
            401,
            Some("Bearer"),
            json!({"detail": "Could not validate credentials"}),
        ),
        (
            AuthError::invalid_token(),
            Rfc6750,
            401,
            Some("Bearer error=\"invalid_token\""),
            json!({"error": "invalid_token", "error_description": "The access token is invalid or expired"}),
        ),
        (
            AuthError::insufficient_scope(vec!["items"]),
            Tutorial,
            401,
            Some("Bearer"),
            json!({"detail": "Not enough permissions"}),
        ),
        (
            AuthError::insufficient_scope(vec!["items"]),
            Rfc6750,
            403,
            Some("Bearer error=\"insufficient_scope\""),
            json!({"error": "insufficient_scope", "error_description": "The access token lacks a required scope"}),
        ),
        (
            AuthError::invalid_grant(),
            Tutorial,
            400,
            None,
            json!({"detail": "Incorrect username or password"}),
        ),
        (
            AuthError::invalid_grant(),
            Rfc6750,
            400,
            None,
            json!({"error": "invalid_grant", "error_description": "Incorrect username or password"}),
        ),
        (
            AuthError::custom(StatusCode::BAD_REQUEST, "Inactive user"),
            Tutorial,
            400,
            None,
            json!({"detail": "Inactive user"}),
        ),
        (
            AuthError::custom(StatusCode::BAD_REQUEST, "Inactive user"),
            Rfc6750,
            400,
            None,
            json!({"detail": "Inactive user"}),
        ),
    ];
    for (err, style, status, challenge, body) in cases {
        let what = format!("{err:?}");
        let err = err.with_style(style);
        assert_eq!(err.style(), style);
        assert_eq!(err.status_code().as_u16(), status, "{what}");
        assert_eq!(
            response_of(err).await,
            (status, challenge.map(str::to_owned), body),
            "{what}"
        );
    }
}

#[actix_web::test]
async fn custom_errors_carry_headers() {
    let err = AuthError::custom(StatusCode::TOO_MANY_REQUESTS, "Slow down").with_header(
        HeaderName::from_static("retry-after"),
        HeaderValue::from_static("30"),
    );
    let res = err.error_response();
    assert_eq!(res.status(), 429);
    assert_eq!(res.headers().get("retry-after").unwrap(), "30");
    // Fixed variants ignore extra headers.
    let err = AuthError::invalid_token().with_header(
        HeaderName::from_static("x-leak"),
        HeaderValue::from_static("1"),
    );
    assert!(err.error_response().headers().get("x-leak").is_none());
}

#[actix_web::test]
async fn internals_stay_out_of_the_body() {
    let config: TokenConfig = testing::token_config();
    let token_error = config.verify("eyJhbGciOiJub25lIn0.e30.").unwrap_err();
    let err = AuthError::from(token_error.clone());
    assert_eq!(err.kind(), AuthErrorKind::InvalidToken);
    let source = err.source().unwrap();
    assert_eq!(source.to_string(), token_error.to_string());
    assert!(source.source().is_some(), "the jsonwebtoken error is kept");
    let (_, _, body) = response_of(err).await;
    assert_eq!(body, json!({"detail": "Could not validate credentials"}));
}

#[dependency(scopes = ["admin"])]
async fn needs_admin(scopes: SecurityScopes) -> Result<(), AuthError> {
    require_scopes(scopes, &["me", "items"])
}

#[secured(scopes = ["items", "me"])]
#[get("/admin")]
async fn admin(_: Security<needs_admin>) -> impl Responder {
    HttpResponse::Ok().finish()
}

#[actix_web::test]
async fn require_scopes_reports_what_is_missing() {
    let app = atest::init_service(App::new().service(admin)).await;
    let res = atest::call_service(&app, atest::TestRequest::get().uri("/admin").to_request()).await;
    check(
        res,
        401,
        Some("Bearer scope=\"items me admin\""),
        json!({"detail": "Not enough permissions"}),
    )
    .await;
    let err = AuthError::insufficient_scope(vec!["admin"]);
    assert_eq!(err.missing_scopes(), ["admin"]);
    assert_eq!(err.to_string(), "missing scopes: admin");
}
