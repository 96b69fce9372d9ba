//! The token endpoint's vocabulary in the runtime: what a login is granted
//! (requested ∩ grantable ∩ declared), RFC 6749 section 5.2 errors with `no-store`, form
//! errors in the app's style, and the `TokenResponse` answer.

use actix_web::http::StatusCode;
use actix_web::test as atest;
use actix_web::{App, ResponseError, post};
use scopes_runtime::oauth2::{AuthErrorKind, FormError};
use scopes_runtime::{
    AuthError, ErrorStyle, OAuth2PasswordBearer, OAuth2PasswordRequestForm, TokenResponse,
};
use serde_json::{Value, json};

const OAUTH2: OAuth2PasswordBearer = OAuth2PasswordBearer::new(
    "token",
    &[("me", "Me."), ("items", "Items."), ("admin", "Admin.")],
);
const STRICT: OAuth2PasswordBearer = OAUTH2.with_error_style(ErrorStyle::Rfc6750);

fn owned(scopes: &[&str]) -> Vec<String> {
    scopes.iter().map(|s| (*s).to_owned()).collect()
}

#[test]
fn a_grant_is_requested_and_grantable_and_declared_in_request_order() {
    let grant = OAUTH2
        .grant(&owned(&["items", "me", "items"]), &["me", "items"])
        .unwrap();
    assert_eq!(grant.scopes(), ["items", "me"]);
    assert!(
        grant.is_narrowed(),
        "a repeat is dropped, which the answer says"
    );

    let grant = OAUTH2
        .grant(&owned(&["me", "items"]), &["me", "items"])
        .unwrap();
    assert_eq!(grant.scopes(), ["me", "items"]);
    assert!(!grant.is_narrowed());

    let grant = OAUTH2.grant(&owned(&["items", "admin"]), &["me"]).unwrap();
    assert!(grant.scopes().is_empty(), "nothing grantable");
    assert!(grant.is_narrowed());

    let none: [String; 0] = [];
    let grant = OAUTH2.grant(&none, &["me"]).unwrap();
    assert!(grant.scopes().is_empty() && !grant.is_narrowed());
}

#[test]
fn an_undeclared_scope_is_dropped_in_the_tutorial_style_and_refused_in_rfc_6750() {
    let requested = owned(&["me", "root"]);
    let grant = OAUTH2.grant(&requested, &["me", "root"]).unwrap();
    assert_eq!(grant.scopes(), ["me"]);
    assert!(grant.is_narrowed());

    let refused = STRICT.grant(&requested, &["me", "root"]).unwrap_err();
    assert_eq!(refused.kind(), AuthErrorKind::InvalidScope);
    assert_eq!(refused.style(), ErrorStyle::Rfc6750);
    assert!(STRICT.grant(&owned(&["me"]), &["me"]).is_ok());
}

async fn answer(error: &dyn ResponseError) -> (StatusCode, Option<String>, Option<String>, Value) {
    let res = error.error_response();
    let header = |name: &str| {
        res.headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
    };
    let (status, cache, challenge) = (
        res.status(),
        header("cache-control"),
        header("www-authenticate"),
    );
    let body = actix_web::body::to_bytes(res.into_body()).await.unwrap();
    (
        status,
        cache,
        challenge,
        serde_json::from_slice(&body).unwrap(),
    )
}

#[actix_web::test]
async fn token_endpoint_errors_in_both_styles() {
    let cases = [
        (
            AuthError::invalid_request("username and password are required"),
            "invalid_request",
            "username and password are required",
        ),
        (
            AuthError::unsupported_grant_type(),
            "unsupported_grant_type",
            "grant_type must be password",
        ),
        (
            AuthError::invalid_scope(),
            "invalid_scope",
            "A requested scope is not declared by this server",
        ),
        (
            AuthError::invalid_grant(),
            "invalid_grant",
            "Incorrect username or password",
        ),
    ];
    for (error, code, description) in cases {
        let rfc = error.with_style(ErrorStyle::Rfc6750);
        assert_eq!(
            answer(&rfc).await,
            (
                StatusCode::BAD_REQUEST,
                Some("no-store".to_owned()),
                None,
                json!({ "error": code, "error_description": description })
            ),
            "{code}"
        );
    }
    // The tutorial style keeps FastAPI's `detail` body, uncached headers untouched.
    for (error, detail) in [
        (
            AuthError::invalid_request("username and password are required"),
            "username and password are required",
        ),
        (AuthError::invalid_grant(), "Incorrect username or password"),
    ] {
        assert_eq!(
            answer(&error).await,
            (
                StatusCode::BAD_REQUEST,
                None,
                None,
                json!({ "detail": detail })
            )
        );
    }
}

#[actix_web::test]
async fn form_errors_answer_in_the_schemes_style() {
    let missing = OAuth2PasswordRequestForm::parse(b"password=x", false).unwrap_err();
    let tutorial = OAUTH2.form_error(missing);
    let res = tutorial.error_response();
    assert_eq!(
        res.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "FastAPI's 422"
    );

    let missing = OAuth2PasswordRequestForm::parse(b"password=x", false).unwrap_err();
    let res = STRICT.form_error(missing).error_response();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let body = actix_web::body::to_bytes(res.into_body()).await.unwrap();
    assert_eq!(
        serde_json::from_slice::<Value>(&body).unwrap()["error"],
        "invalid_request"
    );

    let bad_grant =
        OAuth2PasswordRequestForm::parse(b"grant_type=code&username=a&password=b", false)
            .unwrap_err();
    let res = STRICT.form_error(bad_grant).error_response();
    let body = actix_web::body::to_bytes(res.into_body()).await.unwrap();
    assert_eq!(
        serde_json::from_slice::<Value>(&body).unwrap()["error"],
        "unsupported_grant_type"
    );
}

#[post("/token")]
async fn token(
    form: Result<OAuth2PasswordRequestForm, FormError>,
    scheme: OAuth2PasswordBearer,
) -> Result<TokenResponse, actix_web::Error> {
    let form = form.map_err(|e| scheme.form_error(e))?;
    let grant = scheme.grant(&form.scopes, &["me", "items"])?;
    Ok(TokenResponse::bearer(format!("token-for-{}", form.username)).granting(&grant))
}

async fn login(
    scheme: Option<OAuth2PasswordBearer>,
    body: &'static str,
) -> (u16, Value, Option<String>) {
    let app = match scheme {
        Some(scheme) => atest::init_service(App::new().app_data(scheme).service(token)).await,
        None => atest::init_service(App::new().service(token)).await,
    };
    let req = atest::TestRequest::post()
        .uri("/token")
        .insert_header(("content-type", "application/x-www-form-urlencoded"))
        .set_payload(body)
        .to_request();
    let res = atest::call_service(&app, req).await;
    let status = res.status().as_u16();
    let pragma = res
        .headers()
        .get("pragma")
        .map(|v| v.to_str().unwrap().to_owned());
    let body = atest::read_body(res).await;
    (status, serde_json::from_slice(&body).unwrap(), pragma)
}

#[actix_web::test]
async fn the_token_response_is_never_cached_and_names_a_narrowed_grant() {
    let (status, body, pragma) = login(Some(OAUTH2), "username=a&password=b&scope=me items").await;
    assert_eq!((status, pragma.as_deref()), (200, Some("no-cache")));
    assert_eq!(
        body,
        json!({"access_token": "token-for-a", "token_type": "bearer"})
    );

    let (status, body, _) = login(Some(OAUTH2), "username=a&password=b&scope=items admin").await;
    assert_eq!(status, 200);
    assert_eq!(
        body,
        json!({"access_token": "token-for-a", "token_type": "bearer", "scope": "items"})
    );

    let (status, body, _) = login(Some(STRICT), "username=a&password=b&scope=root").await;
    assert_eq!((status, &body["error"]), (400, &json!("invalid_scope")));
}

#[actix_web::test]
async fn an_app_without_a_scheme_is_refused_as_a_server_error_not_served() {
    let (status, body, _) = login(None, "username=a&password=b").await;
    assert_eq!(
        (status, body),
        (500, json!({"detail": "Internal Server Error"}))
    );
}
