//! bcrypt passwords on the blocking pool, and the tutorial's `/token` endpoint.

use std::time::Duration;

use actix_web::http::header;
use actix_web::test as atest;
use actix_web::{App, HttpResponse, ResponseError, post, web};
use scopes_runtime::oauth2::{MAX_PASSWORD_LEN, PasswordError};
use scopes_runtime::{
    AuthError, OAuth2PasswordRequestForm, PasswordHasher, TokenConfig, TokenResponse, testing,
};
use serde_json::json;

/// Cost 4 keeps the tests fast; the default is 12.
fn hasher() -> PasswordHasher {
    PasswordHasher::with_cost(4).unwrap()
}

#[actix_web::test]
async fn hashes_and_verifies() {
    let hasher = hasher();
    let hash = hasher.hash("secret").await.unwrap();
    assert!(hash.starts_with("$2b$04$"));
    assert!(hasher.verify("secret", Some(&hash)).await.unwrap());
    assert!(!hasher.verify("Secret", Some(&hash)).await.unwrap());
    assert!(!hasher.verify("", Some(&hash)).await.unwrap());
    // The tutorial's stored hash of "secret" (cost 12, `$2b$`).
    let tutorial = "$2b$12$EixZaYVK1fsbw1ZfbX3OXePaWxn96p36WQoeG6Lruj3vjPGga31lW";
    assert!(
        PasswordHasher::new()
            .verify("secret", Some(tutorial))
            .await
            .unwrap()
    );
}

#[actix_web::test]
async fn unknown_users_are_checked_against_a_dummy_hash() {
    let hasher = hasher();
    assert!(!hasher.verify("secret", None).await.unwrap());
    assert!(!hasher.verify("", None).await.unwrap());
}

#[actix_web::test]
async fn a_nul_byte_never_matches_another_password() {
    let hasher = hasher();
    let hash = hasher.hash("secret").await.unwrap();
    assert!(
        !hasher
            .verify("secret\0anything", Some(&hash))
            .await
            .unwrap()
    );
    assert!(!hasher.verify("secret\0", Some(&hash)).await.unwrap());
    assert!(matches!(
        hasher.hash("secret\0anything").await,
        Err(PasswordError::ContainsNul)
    ));
    assert!(matches!(
        hasher.hash("\0").await,
        Err(PasswordError::ContainsNul)
    ));
}

#[actix_web::test]
async fn more_than_72_bytes_never_matches_another_password() {
    let hasher = hasher();
    let exactly = "p".repeat(MAX_PASSWORD_LEN);
    let hash = hasher.hash(&exactly).await.unwrap();
    assert!(hasher.verify(&exactly, Some(&hash)).await.unwrap());
    // bcrypt alone would say yes: it reads only 72 bytes.
    let longer = format!("{exactly}anything");
    assert!(bcrypt::verify(&longer, &hash).unwrap());
    assert!(!hasher.verify(&longer, Some(&hash)).await.unwrap());
    assert!(
        !hasher
            .verify(&format!("{exactly}p"), Some(&hash))
            .await
            .unwrap()
    );
    assert!(matches!(
        hasher.hash(&longer).await,
        Err(PasswordError::TooLong { len: 80 })
    ));
    // Multi-byte characters count in bytes.
    let accents = "\u{e9}".repeat(37); // 74 bytes
    assert!(matches!(
        hasher.hash(&accents).await,
        Err(PasswordError::TooLong { len: 74 })
    ));
}

#[actix_web::test]
async fn a_corrupt_stored_hash_is_an_error() {
    let hasher = hasher();
    for hash in [
        "",
        "plaintext",
        "$2b$04$tooshort",
        "$9z$04$abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz012",
    ] {
        assert!(
            matches!(
                hasher.verify("secret", Some(hash)).await,
                Err(PasswordError::Bcrypt(_))
            ),
            "{hash}"
        );
    }
}

#[actix_web::test]
async fn password_errors_answer_without_internals() {
    for (err, status, detail) in [
        (
            PasswordError::TooLong { len: 80 },
            422,
            "the password is 80 bytes long; at most 72 are allowed",
        ),
        (
            PasswordError::ContainsNul,
            422,
            "the password contains a NUL byte",
        ),
        (PasswordError::Blocking, 500, "Internal Server Error"),
        (PasswordError::InvalidCost(2), 500, "Internal Server Error"),
        (
            PasswordError::Busy {
                retry_after: Duration::from_secs(2),
            },
            503,
            "Service temporarily unavailable",
        ),
    ] {
        let res = err.error_response();
        assert_eq!(res.status(), status);
        let retry_after = res.headers().get(header::RETRY_AFTER);
        assert_eq!(retry_after.is_some(), status == 503);
        let body = actix_web::body::to_bytes(res.into_body()).await.unwrap();
        let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(body, json!({"detail": detail}));
    }
    assert!(PasswordHasher::with_cost(3).is_err());
    assert!(PasswordHasher::with_cost(32).is_err());
    assert_eq!(PasswordHasher::default().cost(), 12);
}

// --- the tutorial's token endpoint -------------------------------------------------------

struct Users {
    johndoe_hash: String,
}

#[post("/token")]
async fn login(
    form: OAuth2PasswordRequestForm,
    users: web::Data<Users>,
    tokens: web::Data<TokenConfig>,
) -> Result<HttpResponse, actix_web::Error> {
    let stored = (form.username == "johndoe").then_some(users.johndoe_hash.as_str());
    if !hasher().verify(&form.password, stored).await? {
        return Err(AuthError::invalid_grant().into());
    }
    let token = tokens
        .issue(
            &form.username,
            form.scopes.iter().cloned(),
            Duration::from_secs(1800),
        )
        .map_err(AuthError::from)?;
    Ok(HttpResponse::Ok().json(TokenResponse::bearer(token)))
}

#[actix_web::test]
async fn the_token_endpoint_issues_tokens_for_good_credentials() {
    let config = testing::token_config();
    let users = Users {
        johndoe_hash: hasher().hash("secret").await.unwrap(),
    };
    let app = atest::init_service(
        App::new()
            .app_data(web::Data::new(users))
            .app_data(web::Data::new(config.clone()))
            .service(login),
    )
    .await;
    let post = |body: &'static str| {
        atest::TestRequest::post()
            .uri("/token")
            .insert_header((header::CONTENT_TYPE, "application/x-www-form-urlencoded"))
            .set_payload(body)
            .to_request()
    };

    let res = atest::call_service(
        &app,
        post("username=johndoe&password=secret&scope=me items"),
    )
    .await;
    assert_eq!(res.status(), 200);
    let body: serde_json::Value = atest::read_body_json(res).await;
    assert_eq!(body["token_type"], "bearer");
    let claims = config
        .verify(body["access_token"].as_str().unwrap())
        .unwrap();
    assert_eq!(
        (claims.sub.as_str(), claims.scopes.clone()),
        ("johndoe", vec!["me".into(), "items".into()])
    );

    for body in [
        "username=johndoe&password=wrong",
        "username=nobody&password=secret",
        "username=johndoe&password=secret%00x",
    ] {
        let res = atest::call_service(&app, post(body)).await;
        assert_eq!(res.status(), 400, "{body}");
        let json: serde_json::Value = atest::read_body_json(res).await;
        assert_eq!(json, json!({"detail": "Incorrect username or password"}));
    }
}
