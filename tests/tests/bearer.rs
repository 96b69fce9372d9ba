//! `Authorization: Bearer` extraction (RFC 6750 section 2.1) and the scheme's catalogue.

use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::header;
use actix_web::test as atest;
use actix_web::{App, HttpResponse, Responder, get, post, web};
use scopes_runtime::{BearerToken, Depends, ErrorStyle, OAuth2PasswordBearer, dependency, secured};
use serde_json::{Value, json};

const OAUTH2: OAuth2PasswordBearer = OAuth2PasswordBearer::new(
    "token",
    &[
        ("me", "Read information about the current user."),
        ("items", "Read items."),
    ],
);

#[dependency]
async fn token_of(token: BearerToken) -> String {
    token.into_inner()
}

#[secured]
#[get("/token")]
async fn show(token: Depends<token_of>) -> impl Responder {
    HttpResponse::Ok().body(token.clone())
}

#[get("/optional")]
async fn optional(token: Option<BearerToken>) -> impl Responder {
    HttpResponse::Ok().body(token.map_or("anonymous".to_owned(), BearerToken::into_inner))
}

/// The bearer extractor leaves the body to the handler.
#[secured]
#[post("/echo")]
async fn echo(token: Depends<token_of>, body: String) -> impl Responder {
    HttpResponse::Ok().body(format!("{} {body}", *token))
}

async fn call(style: ErrorStyle, headers: &[&[u8]]) -> ServiceResponse {
    let app = atest::init_service(
        App::new()
            .app_data(OAUTH2.with_error_style(style))
            .service(show)
            .service(optional)
            .service(echo),
    )
    .await;
    let mut req = atest::TestRequest::get().uri("/token");
    for value in headers {
        req = req.append_header((
            header::AUTHORIZATION,
            header::HeaderValue::from_bytes(value).unwrap(),
        ));
    }
    app.call(req.to_request()).await.unwrap()
}

async fn expect(style: ErrorStyle, headers: &[&[u8]], status: u16, challenge: &str, body: Value) {
    let res = call(style, headers).await;
    let what = format!(
        "{style:?} {:?}",
        headers
            .iter()
            .map(|h| String::from_utf8_lossy(h))
            .collect::<Vec<_>>()
    );
    assert_eq!(res.status(), status, "{what}");
    assert_eq!(
        res.headers().get(header::WWW_AUTHENTICATE).unwrap(),
        challenge,
        "{what}"
    );
    let actual: Value = atest::read_body_json(res).await;
    assert_eq!(actual, body, "{what}");
}

#[actix_web::test]
async fn reads_one_token68() {
    for (value, token) in [
        (&b"Bearer abc.def.ghi"[..], "abc.def.ghi"),
        (b"bearer abc", "abc"),
        (b"BEARER abc", "abc"),
        (b"Bearer    abc", "abc"),
        (b"Bearer abc   ", "abc"),
        (b"Bearer a-b_c~d+e/f==", "a-b_c~d+e/f=="),
    ] {
        let res = call(ErrorStyle::Tutorial, &[value]).await;
        assert_eq!(res.status(), 200, "{value:?}");
        assert_eq!(atest::read_body(res).await, token);
    }
}

#[actix_web::test]
async fn answers_not_authenticated_without_bearer_credentials() {
    let not_auth = json!({"detail": "Not authenticated"});
    for headers in [
        &[][..],
        &[&b"Basic dXNlcjpwYXNz"[..]],
        &[b"Bearerabc"],
        &[b""],
        &[b"Digest x"],
    ] {
        expect(
            ErrorStyle::Tutorial,
            headers,
            401,
            "Bearer",
            not_auth.clone(),
        )
        .await;
        expect(
            ErrorStyle::Rfc6750,
            headers,
            401,
            "Bearer",
            not_auth.clone(),
        )
        .await;
    }
}

#[actix_web::test]
async fn refuses_malformed_bearer_credentials() {
    let cases: [&[&[u8]]; 8] = [
        &[b"Bearer"],
        &[b"Bearer    "],
        &[b"bearer a b"],
        &[b"Bearer a,b"],
        &[b"Bearer a=b"],
        &[b"Bearer \"abc\""],
        &[b"Bearer \xc3\xa9t\xc3\xa9"],
        &[b"Bearer abc", b"Bearer def"],
    ];
    for headers in cases {
        expect(
            ErrorStyle::Tutorial,
            headers,
            401,
            "Bearer",
            // FastAPI passes what follows `Bearer ` to the decoder, which refuses it.
            json!({"detail": "Could not validate credentials"}),
        )
        .await;
        expect(
            ErrorStyle::Rfc6750,
            headers,
            400,
            "Bearer error=\"invalid_request\"",
            json!({
                "error": "invalid_request",
                "error_description": "The Authorization header is not a single bearer token",
            }),
        )
        .await;
    }
}

#[actix_web::test]
async fn the_optional_form_yields_none() {
    let app = atest::init_service(App::new().service(optional)).await;
    for (value, expected) in [
        (None, "anonymous"),
        (Some("Basic abc"), "anonymous"),
        (Some("Bearer a b"), "anonymous"),
        (Some("Bearer abc"), "abc"),
    ] {
        let mut req = atest::TestRequest::get().uri("/optional");
        if let Some(value) = value {
            req = req.insert_header((header::AUTHORIZATION, value));
        }
        let body = atest::call_and_read_body(&app, req.to_request()).await;
        assert_eq!(body, expected, "{value:?}");
    }
}

#[actix_web::test]
async fn never_touches_the_body() {
    let app = atest::init_service(App::new().service(echo)).await;
    let req = atest::TestRequest::post()
        .uri("/echo")
        .insert_header((header::AUTHORIZATION, "Bearer abc"))
        .set_payload("the body")
        .to_request();
    assert_eq!(atest::call_and_read_body(&app, req).await, "abc the body");
}

#[test]
fn declares_the_catalogue_once() {
    const CATALOGUE: &[(&str, &str)] = OAUTH2.scopes();
    assert_eq!(CATALOGUE.len(), 2);
    assert_eq!(OAUTH2.token_url(), "token");
    assert_eq!(OAUTH2.description_of("items"), Some("Read items."));
    assert_eq!(OAUTH2.description_of("admin"), None);
    assert_eq!(OAUTH2.error_style(), ErrorStyle::Tutorial);
    static SCHEME: OAuth2PasswordBearer = OAUTH2.with_error_style(ErrorStyle::Rfc6750);
    assert_eq!(SCHEME.error_style(), ErrorStyle::Rfc6750);
}

#[test]
fn is_found_in_app_data_either_way() {
    let plain = atest::TestRequest::default()
        .app_data(OAUTH2)
        .to_http_request();
    let data = atest::TestRequest::default()
        .app_data(web::Data::new(OAUTH2.with_error_style(ErrorStyle::Rfc6750)))
        .to_http_request();
    assert_eq!(OAuth2PasswordBearer::of(&plain), Some(&OAUTH2));
    assert_eq!(ErrorStyle::of(&data), ErrorStyle::Rfc6750);
    assert_eq!(
        ErrorStyle::of(&atest::TestRequest::default().to_http_request()),
        ErrorStyle::Tutorial
    );
}

#[test]
#[should_panic(expected = "not an RFC 6749 scope token")]
fn refuses_a_bad_scope_name() {
    let _ = OAuth2PasswordBearer::new("token", &[("read items", "Read items.")]);
}

#[test]
#[should_panic(expected = "declared twice")]
fn refuses_a_scope_declared_twice() {
    let _ = OAuth2PasswordBearer::new("token", &[("me", "a"), ("me", "b")]);
}

#[test]
fn debug_hides_the_token() {
    let req = atest::TestRequest::default()
        .insert_header((header::AUTHORIZATION, "Bearer s3cr3t"))
        .to_http_request();
    let token = BearerToken::from_headers(&req).unwrap();
    assert!(!format!("{token:?}").contains("s3cr3t"));
}
