//! The token endpoint's form: FastAPI's fields and 422s, and no 5xx whatever the body.

use actix_web::dev::ServiceResponse;
use actix_web::http::header;
use actix_web::test as atest;
use actix_web::{App, HttpResponse, Responder, post};
use scopes_runtime::oauth2::PasswordFormConfig;
use scopes_runtime::{OAuth2PasswordRequestForm, OAuth2PasswordRequestFormStrict};
use serde_json::{Value, json};

const FORM: &str = "application/x-www-form-urlencoded";

fn describe(form: &OAuth2PasswordRequestForm) -> Value {
    json!({
        "grant_type": form.grant_type,
        "username": form.username,
        "password": form.password,
        "scopes": form.scopes,
        "client_id": form.client_id,
        "client_secret": form.client_secret,
    })
}

#[post("/token")]
async fn token(form: OAuth2PasswordRequestForm) -> impl Responder {
    HttpResponse::Ok().json(describe(&form))
}

#[post("/strict")]
async fn strict(form: OAuth2PasswordRequestFormStrict) -> impl Responder {
    HttpResponse::Ok().json(describe(&form))
}

async fn send(uri: &str, content_type: Option<&str>, body: impl Into<Vec<u8>>) -> ServiceResponse {
    send_with(PasswordFormConfig::default(), uri, content_type, body).await
}

async fn send_with(
    config: PasswordFormConfig,
    uri: &str,
    content_type: Option<&str>,
    body: impl Into<Vec<u8>>,
) -> ServiceResponse {
    let app = atest::init_service(App::new().app_data(config).service(token).service(strict)).await;
    let mut req = atest::TestRequest::post().uri(uri).set_payload(body.into());
    if let Some(content_type) = content_type {
        req = req.insert_header((header::CONTENT_TYPE, content_type));
    }
    atest::call_service(&app, req.to_request()).await
}

async fn json_of(res: ServiceResponse) -> (u16, Value) {
    let status = res.status().as_u16();
    (status, atest::read_body_json(res).await)
}

fn missing(field: &str) -> Value {
    json!({"type": "missing", "loc": ["body", field], "msg": "Field required", "input": null})
}

fn pattern(input: &str) -> Value {
    json!({
        "type": "string_pattern_mismatch",
        "loc": ["body", "grant_type"],
        "msg": "String should match pattern '^password$'",
        "input": input,
        "ctx": {"pattern": "^password$"},
    })
}

#[actix_web::test]
async fn reads_every_field() {
    let body = "grant_type=password&username=johndoe&password=s%26cret+x&scope=me+items%20%20admin\
                &client_id=app&client_secret=shh";
    for uri in ["/token", "/strict"] {
        let (status, json) = json_of(send(uri, Some(FORM), body).await).await;
        assert_eq!(status, 200, "{uri}");
        assert_eq!(
            json,
            json!({
                "grant_type": "password",
                "username": "johndoe",
                "password": "s&cret x",
                "scopes": ["me", "items", "admin"],
                "client_id": "app",
                "client_secret": "shh",
            })
        );
    }
}

#[actix_web::test]
async fn grant_type_and_scope_may_be_absent() {
    let (status, json) = json_of(
        send(
            "/token",
            Some("application/x-www-form-urlencoded; charset=utf-8"),
            "username=a&password=b",
        )
        .await,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(json["grant_type"], Value::Null);
    assert_eq!(json["scopes"], json!([]));
    assert_eq!(json["client_id"], Value::Null);
}

#[actix_web::test]
async fn reports_missing_fields_like_fastapi() {
    for body in ["", "username=&password=", "other=1", "username", "&&&"] {
        let (status, json) = json_of(send("/token", Some(FORM), body).await).await;
        assert_eq!(status, 422, "{body:?}");
        assert_eq!(
            json,
            json!({"detail": [missing("username"), missing("password")]}),
            "{body:?}"
        );
    }
    let (status, json) = json_of(send("/token", Some(FORM), "password=x").await).await;
    assert_eq!(
        (status, json),
        (422, json!({"detail": [missing("username")]}))
    );
    let (status, json) = json_of(send("/token", Some(FORM), "username=x").await).await;
    assert_eq!(
        (status, json),
        (422, json!({"detail": [missing("password")]}))
    );
}

#[actix_web::test]
async fn checks_grant_type() {
    let (status, json) = json_of(
        send(
            "/token",
            Some(FORM),
            "grant_type=client_credentials&username=a&password=b",
        )
        .await,
    )
    .await;
    assert_eq!(
        (status, json),
        (422, json!({"detail": [pattern("client_credentials")]}))
    );

    // Every problem at once, in field order.
    let (status, json) = json_of(send("/token", Some(FORM), "grant_type=PASSWORD").await).await;
    assert_eq!(
        (status, json),
        (
            422,
            json!({"detail": [pattern("PASSWORD"), missing("username"), missing("password")]})
        )
    );

    // The strict form requires it.
    let (status, json) = json_of(send("/strict", Some(FORM), "username=a&password=b").await).await;
    assert_eq!(
        (status, json),
        (422, json!({"detail": [missing("grant_type")]}))
    );
    let (status, json) =
        json_of(send("/strict", Some(FORM), "grant_type=&username=a&password=b").await).await;
    assert_eq!(
        (status, json),
        (422, json!({"detail": [missing("grant_type")]}))
    );
    let (status, json) =
        json_of(send("/strict", Some(FORM), "grant_type=x&username=a").await).await;
    assert_eq!(
        (status, json),
        (422, json!({"detail": [pattern("x"), missing("password")]}))
    );
}

#[actix_web::test]
async fn the_last_occurrence_wins() {
    let (status, json) = json_of(
        send(
            "/token",
            Some(FORM),
            "username=a&username=b&password=p&password=",
        )
        .await,
    )
    .await;
    // FastAPI: the last value is "" which counts as missing.
    assert_eq!(
        (status, json),
        (422, json!({"detail": [missing("password")]}))
    );
    let (_, json) =
        json_of(send("/token", Some(FORM), "username=a&username=b&password=p").await).await;
    assert_eq!(json["username"], "b");
}

#[actix_web::test]
async fn refuses_scopes_that_are_not_scope_tokens() {
    let (status, json) = json_of(
        send(
            "/token",
            Some(FORM),
            "username=a&password=b&scope=me+%22items%22",
        )
        .await,
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(
        json,
        json!({"detail": [{
            "type": "value_error",
            "loc": ["body", "scope"],
            "msg": "Value error, a scope cannot contain `\"`",
            "input": "me \"items\"",
            "ctx": {"error": "a scope cannot contain `\"`"},
        }]})
    );
}

#[actix_web::test]
async fn other_bodies_have_no_fields() {
    let json_body = r#"{"username":"johndoe","password":"secret"}"#;
    for (content_type, body) in [
        (Some("application/json"), json_body),
        (Some("text/plain"), "username=a&password=b"),
        (Some("not a mime type"), "username=a&password=b"),
        (None, "username=a&password=b"),
    ] {
        let (status, json) = json_of(send("/token", content_type, body).await).await;
        assert_eq!(status, 422, "{content_type:?}");
        assert_eq!(
            json,
            json!({"detail": [missing("username"), missing("password")]})
        );
    }
}

/// FastAPI reads `multipart/form-data` too, with the same rules.
#[actix_web::test]
async fn multipart_bodies_are_forms() {
    let part = |name: &str, value: &str| {
        format!("--X\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
    };
    let multipart = "multipart/form-data; boundary=X";
    let body = format!(
        "{}{}{}{}--X--\r\n",
        part("username", "nobody"),
        part("username", "johndoe"),
        part("password", "secret"),
        part("scope", "me items")
    );
    let res = send("/token", Some(multipart), body).await;
    assert_eq!(res.status(), 200);
    let body = format!(
        "{}{}--X--\r\n",
        part("username", "johndoe"),
        part("password", "")
    );
    let (status, json) = json_of(send("/token", Some(multipart), body).await).await;
    assert_eq!(
        (status, json),
        (422, json!({"detail": [missing("password")]}))
    );

    for (content_type, body) in [
        (multipart, "--X\r\nnot a part at all"),
        ("multipart/form-data", "--X--\r\n"),
    ] {
        let (status, json) = json_of(send("/token", Some(content_type), body).await).await;
        assert_eq!(
            (status, json),
            (
                400,
                json!({"detail": "There was an error parsing the body"})
            ),
            "{content_type}"
        );
    }
}

#[actix_web::test]
async fn limits_the_body() {
    let big = format!("username=a&password=b&pad={}", "x".repeat(1 << 20));
    let (status, json) = json_of(send("/token", Some(FORM), big.clone()).await).await;
    assert_eq!(
        (status, json),
        (413, json!({"detail": "Request body too large"}))
    );

    let small = PasswordFormConfig::default().limit(16);
    let (status, _) =
        json_of(send_with(small, "/token", Some(FORM), "username=a&password=b").await).await;
    assert_eq!(status, 413);
    let (status, _) = json_of(send_with(small, "/token", Some(FORM), "username=a").await).await;
    assert_eq!(status, 422);

    // A body longer than its declared length is cut off while streaming.
    let app = atest::init_service(App::new().service(token)).await;
    let req = atest::TestRequest::post()
        .uri("/token")
        .insert_header((header::CONTENT_TYPE, FORM))
        .set_payload(big.clone())
        .insert_header((header::CONTENT_LENGTH, "10"))
        .to_request();
    let (status, _) = json_of(atest::call_service(&app, req).await).await;
    assert_eq!(status, 413);

    // A non-form body is not read at all, however large.
    let (status, _) = json_of(send("/token", Some("application/json"), big).await).await;
    assert_eq!(status, 422);
}

#[actix_web::test]
async fn never_fails_on_bytes() {
    let bodies: [&[u8]; 5] = [
        b"username=\xff\xfe&password=\xc3",
        b"username=%FF%FE&password=%",
        b"\x00\x01\x02=\x03",
        b"%%%%=%%%%&username=a&password=b",
        b"username=a&password=b&scope=%E2%80%83",
    ];
    for body in bodies {
        let res = send("/token", Some(FORM), body).await;
        assert!(
            res.status() == 200 || res.status() == 422,
            "{body:?}: {}",
            res.status()
        );
    }
    // Bytes that are not UTF-8 are decoded lossily, as Python does.
    let (status, json) =
        json_of(send("/token", Some(FORM), &b"username=a%FF&password=b"[..]).await).await;
    assert_eq!(
        (status, json["username"].clone()),
        (200, json!("a\u{fffd}"))
    );
}

#[test]
fn debug_hides_secrets() {
    let form =
        OAuth2PasswordRequestForm::parse(b"username=a&password=hunter2&client_secret=shh", false)
            .unwrap();
    let debug = format!("{form:?}");
    assert!(
        !debug.contains("hunter2") && !debug.contains("shh"),
        "{debug}"
    );
}
