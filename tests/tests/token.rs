//! Issuing and verifying JWTs: every refusal branch, scope claims, keys, and the
//! once-per-request cache.

mod common;

use std::time::Duration;

use actix_web::test as atest;
use actix_web::{App, HttpRequest, HttpResponse, Responder, get, web};
use common::{TUTORIAL_SECRET, b64, key, now, sign_raw, sign_test};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use scopes_runtime::oauth2::{Claims, JwtAlgorithm, KeyError, ScopeClaim, TokenErrorKind};
use scopes_runtime::{
    JwtKeys, Security, SecurityScopes, TokenConfig, VerifiedToken, dependency, secured, testing,
};
use serde_json::json;

fn config() -> TokenConfig {
    testing::token_config()
}

fn kind(config: &TokenConfig, token: &str) -> TokenErrorKind {
    config.verify(token).unwrap_err().kind().clone()
}

#[test]
fn issues_and_verifies() {
    let config = config();
    let token = config
        .issue("johndoe", ["me", "items"], Duration::from_secs(900))
        .unwrap();
    let claims = config.verify(&token).unwrap();
    assert_eq!(claims.sub, "johndoe");
    assert_eq!(claims.scopes, ["me", "items"]);
    let iat = claims.iat.unwrap();
    assert!(iat.abs_diff(now()) <= 2);
    assert_eq!(claims.exp, iat + 900);
    assert_eq!((claims.iss, claims.jti, claims.aud), (None, None, vec![]));
}

#[test]
fn interoperates_with_the_python_tutorial() {
    // Made by python (HS256 over the tutorial key's UTF-8 bytes, as python-jose does), with
    // no `iat`, as the tutorial's `create_access_token`.
    let python = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJqb2huZG9lIiwic2NvcGVzIjpbIm1lIiwiaXRlbXMiXSwiZXhwIjo0MTAyNDQ0ODAwfQ.ocUNIJR9nd2fkH8Dev8yhaAYH8uMh1XhPhfYN6QxJCI";
    let config = TokenConfig::new(JwtKeys::hs256(TUTORIAL_SECRET).unwrap());
    let claims = config.verify(python).unwrap();
    assert_eq!(claims.sub, "johndoe");
    assert_eq!(claims.scopes, ["me", "items"]);
    assert_eq!((claims.exp, claims.iat), (4102444800, None));

    // Ours, read back with jsonwebtoken keyed the python way.
    let ours = config
        .issue("alice", ["me"], Duration::from_secs(60))
        .unwrap();
    let mut validation = jsonwebtoken::Validation::new(Algorithm::HS256);
    validation.validate_aud = false;
    let data = jsonwebtoken::decode::<serde_json::Value>(
        &ours,
        &jsonwebtoken::DecodingKey::from_secret(TUTORIAL_SECRET.as_bytes()).unwrap(),
        &validation,
    )
    .unwrap();
    assert_eq!(data.claims["scopes"], json!(["me"]));
    assert_eq!(data.header.alg, Algorithm::HS256);
}

#[test]
fn refuses_expired_and_immature_tokens() {
    let config = config().leeway(Duration::from_secs(30));
    let mut claims = Claims::new("johndoe", ["me"], Duration::ZERO);
    claims.exp = now() - 3600;
    assert_eq!(
        kind(&config, &testing::mint_claims(&config, &claims)),
        TokenErrorKind::Expired
    );

    // Within the leeway.
    claims.exp = now() - 10;
    assert!(
        config
            .verify(&testing::mint_claims(&config, &claims))
            .is_ok()
    );
    let strict = config.clone().leeway(Duration::ZERO);
    assert_eq!(
        kind(&strict, &testing::mint_claims(&strict, &claims)),
        TokenErrorKind::Expired
    );

    let mut claims = Claims::new("johndoe", ["me"], Duration::from_secs(7200));
    claims.nbf = Some(now() + 3600);
    assert_eq!(
        kind(&config, &testing::mint_claims(&config, &claims)),
        TokenErrorKind::NotYetValid
    );
    claims.nbf = Some(now() - 1);
    assert!(
        config
            .verify(&testing::mint_claims(&config, &claims))
            .is_ok()
    );
}

#[test]
fn requires_exp_and_a_string_sub() {
    let config = config();
    let exp = now() + 600;
    assert_eq!(
        kind(&config, &sign_test(&json!({"sub": "a"}))),
        TokenErrorKind::MissingClaim("exp".into())
    );
    assert_eq!(
        // jsonwebtoken counts an `exp` it cannot read as absent.
        kind(&config, &sign_test(&json!({"sub": "a", "exp": "soon"}))),
        TokenErrorKind::MissingClaim("exp".into())
    );
    assert_eq!(
        kind(&config, &sign_test(&json!({"exp": exp}))),
        TokenErrorKind::MissingClaim("sub".into())
    );
    assert_eq!(
        kind(&config, &sign_test(&json!({"sub": null, "exp": exp}))),
        TokenErrorKind::MissingClaim("sub".into())
    );
    for sub in [json!(42), json!(true), json!(1.5)] {
        assert_eq!(
            kind(&config, &sign_test(&json!({"sub": sub, "exp": exp}))),
            TokenErrorKind::InvalidClaim("sub".into()),
            "{sub}"
        );
    }
    // jsonwebtoken's own pre-validation already trips over a structured `sub`.
    for sub in [json!(["a"]), json!({"name": "a"})] {
        let kind = kind(&config, &sign_test(&json!({"sub": sub, "exp": exp})));
        assert!(
            matches!(
                kind,
                TokenErrorKind::Malformed | TokenErrorKind::InvalidClaim(_)
            ),
            "{sub}: {kind:?}"
        );
    }
    assert_eq!(
        kind(
            &config,
            &sign_test(&json!({"sub": "a", "exp": exp, "iat": "x"}))
        ),
        TokenErrorKind::InvalidClaim("iat".into())
    );
}

#[test]
fn refuses_scopes_of_the_wrong_type() {
    let config = config().scope_claim(ScopeClaim::Scopes);
    let exp = now() + 600;
    for scopes in [
        json!("me items"),
        json!([1, 2]),
        json!(["me", null]),
        json!({"me": true}),
        json!(["has space"]),
        json!(["quo\"te"]),
        json!([""]),
    ] {
        let token = sign_test(&json!({"sub": "a", "exp": exp, "scopes": scopes}));
        assert_eq!(
            kind(&config, &token),
            TokenErrorKind::InvalidClaim("scopes".into()),
            "{scopes}"
        );
    }
    // Absent or null: no scope.
    let token = sign_test(&json!({"sub": "a", "exp": exp}));
    assert!(config.verify(&token).unwrap().scopes.is_empty());
    let token = sign_test(&json!({"sub": "a", "exp": exp, "scopes": null}));
    assert!(config.verify(&token).unwrap().scopes.is_empty());
}

#[test]
fn reads_scopes_from_the_configured_claim() {
    let exp = now() + 600;
    let scope = sign_test(&json!({"sub": "a", "exp": exp, "scope": "me  items"}));
    let scp_str = sign_test(&json!({"sub": "a", "exp": exp, "scp": "me items"}));
    let scp_arr = sign_test(&json!({"sub": "a", "exp": exp, "scp": ["me", "items"]}));
    let scopes = sign_test(&json!({"sub": "a", "exp": exp, "scopes": ["me", "items"]}));
    let both = sign_test(&json!({"sub": "a", "exp": exp, "scopes": ["me"], "scope": "items"}));

    let read = |claim, token: &str| config().scope_claim(claim).verify(token).unwrap().scopes;
    let me_items = ["me", "items"];
    for token in [&scope, &scp_str, &scp_arr, &scopes] {
        assert_eq!(read(ScopeClaim::Auto, token), me_items);
    }
    assert_eq!(read(ScopeClaim::Auto, &both), ["me"]);
    assert_eq!(read(ScopeClaim::Scope, &scope), me_items);
    assert_eq!(read(ScopeClaim::Scope, &both), ["items"]);
    assert_eq!(read(ScopeClaim::Scp, &scp_str), me_items);
    assert_eq!(read(ScopeClaim::Scp, &scp_arr), me_items);
    // Another claim than the configured one is ignored (kept in `extra`).
    assert!(read(ScopeClaim::Scopes, &scope).is_empty());
    assert!(read(ScopeClaim::Scp, &scopes).is_empty());
    let claims = config()
        .scope_claim(ScopeClaim::Scopes)
        .verify(&scope)
        .unwrap();
    assert_eq!(claims.extra["scope"], "me  items");

    // `scope` must be a string.
    let bad = sign_test(&json!({"sub": "a", "exp": exp, "scope": ["me"]}));
    assert_eq!(
        kind(&config().scope_claim(ScopeClaim::Scope), &bad),
        TokenErrorKind::InvalidClaim("scope".into())
    );

    // Issued in the configured claim.
    for (claim, name, value) in [
        (ScopeClaim::Scope, "scope", json!("me items")),
        (ScopeClaim::Scp, "scp", json!(["me", "items"])),
        (ScopeClaim::Scopes, "scopes", json!(["me", "items"])),
    ] {
        let config = config().scope_claim(claim);
        let token = config
            .issue("a", me_items, Duration::from_secs(60))
            .unwrap();
        let payload: serde_json::Value =
            jsonwebtoken::dangerous::insecure_decode_claims(&token).unwrap();
        assert_eq!(payload[name], value);
        assert_eq!(config.verify(&token).unwrap().scopes, me_items);
    }
}

#[test]
fn refuses_a_wrong_key() {
    let other = TokenConfig::new(JwtKeys::hs256([9u8; 32]).unwrap());
    let token = other.issue("a", ["me"], Duration::from_secs(60)).unwrap();
    assert_eq!(kind(&config(), &token), TokenErrorKind::InvalidSignature);
}

#[test]
fn refuses_other_algorithms_and_none() {
    let config = config();
    let secret = testing::TEST_SECRET.as_bytes();
    let claims = json!({"sub": "a", "exp": now() + 600});

    // HS512 with the right secret: the algorithm is pinned.
    let hs512 = jsonwebtoken::encode(
        &Header::new(Algorithm::HS512),
        &claims,
        &EncodingKey::from_secret(secret).unwrap(),
    )
    .unwrap();
    assert_eq!(kind(&config, &hs512), TokenErrorKind::AlgorithmMismatch);

    // RS256 token to an HS256 config.
    let rs256 = jsonwebtoken::encode(
        &Header::new(Algorithm::RS256),
        &claims,
        &EncodingKey::from_rsa_pem(&key("rsa_private.pem")).unwrap(),
    )
    .unwrap();
    assert_eq!(kind(&config, &rs256), TokenErrorKind::AlgorithmMismatch);

    // Key confusion: HS256 keyed with the RSA public key, sent to an RS256 config.
    let rsa = TokenConfig::new(
        JwtKeys::from_pem(JwtAlgorithm::RS256, None, &key("rsa_public.pem")).unwrap(),
    );
    let confused = sign_raw(
        r#"{"alg":"HS256","typ":"JWT"}"#,
        &claims.to_string(),
        &key("rsa_public.pem"),
    );
    assert_eq!(kind(&rsa, &confused), TokenErrorKind::AlgorithmMismatch);

    // `alg: none`, with and without a signature.
    let payload = b64(claims.to_string().as_bytes());
    for header in [r#"{"alg":"none","typ":"JWT"}"#, r#"{"alg":"None"}"#] {
        let header = b64(header.as_bytes());
        for token in [
            format!("{header}.{payload}."),
            format!("{header}.{payload}"),
            format!("{header}.{payload}.{}", b64(b"sig")),
        ] {
            assert!(config.verify(&token).is_err(), "{token}");
        }
    }
    let none = format!("{}.{payload}.", b64(br#"{"alg":"none"}"#));
    assert_eq!(kind(&config, &none), TokenErrorKind::Malformed);
}

#[test]
fn never_picks_keys_from_the_header() {
    let config = config();
    let attacker = [7u8; 32];
    let claims = json!({"sub": "a", "exp": now() + 600}).to_string();
    for header in [
        r#"{"alg":"HS256","kid":"attacker"}"#,
        r#"{"alg":"HS256","jku":"https://evil.example/jwks.json"}"#,
        r#"{"alg":"HS256","x5u":"https://evil.example/cert.pem"}"#,
        r#"{"alg":"HS256","jwk":{"kty":"oct","k":"BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc"}}"#,
    ] {
        let forged = sign_raw(header, &claims, &attacker);
        assert_eq!(
            kind(&config, &forged),
            TokenErrorKind::InvalidSignature,
            "{header}"
        );
        // The same headers on a token signed with our key do not matter.
        let ours = sign_raw(header, &claims, testing::TEST_SECRET.as_bytes());
        assert!(config.verify(&ours).is_ok(), "{header}");
    }
}

#[test]
fn refuses_malformed_tokens() {
    let config = config();
    let good = testing::mint(&config, "a", &["me"]);
    let parts: Vec<&str> = good.split('.').collect();
    let signed_payload = |payload: &str| {
        sign_raw(
            r#"{"alg":"HS256","typ":"JWT"}"#,
            payload,
            testing::TEST_SECRET.as_bytes(),
        )
    };
    for token in [
        String::new(),
        "abc".into(),
        "a.b".into(),
        "a.b.c.d".into(),
        format!("{}.{}", parts[0], parts[1]),
        format!("!!!.{}.{}", parts[1], parts[2]),
        format!("{}.@@@.{}", parts[0], parts[2]),
        format!("{}.{}.***", parts[0], parts[1]),
        format!("{}.{}", b64(b"not json"), parts[1]) + "." + parts[2],
        signed_payload("not json"),
        signed_payload("[1,2,3]"),
        signed_payload("\"a string\""),
        format!("{}.{}.{}", parts[0], b64(&[0xff, 0xfe, 0x00]), parts[2]),
        "é.é.é".into(),
    ] {
        let err = config.verify(&token).unwrap_err();
        assert!(
            matches!(
                err.kind(),
                TokenErrorKind::Malformed | TokenErrorKind::InvalidSignature
            ),
            "{token}: {err:?}"
        );
    }
    assert_eq!(
        kind(&config, &signed_payload("not json")),
        TokenErrorKind::Malformed
    );
    assert_eq!(kind(&config, "a.b.c"), TokenErrorKind::Malformed);
}

#[test]
fn refuses_oversized_tokens_before_decoding() {
    let config = config();
    let exp = now() + 600;
    let padding = "x".repeat(9000);
    let big = sign_test(&json!({"sub": "a", "exp": exp, "pad": padding}));
    assert_eq!(kind(&config, &big), TokenErrorKind::TooLarge);
    assert_eq!(
        kind(&config, &"a".repeat(8 * 1024 + 1)),
        TokenErrorKind::TooLarge
    );
    assert!(config.clone().max_token_len(64 * 1024).verify(&big).is_ok());
}

#[test]
fn checks_issuer_and_audience_when_configured() {
    let exp = now() + 600;
    let config = config().issuer("https://auth.example").audience(["api"]);
    let token = config.issue("a", ["me"], Duration::from_secs(60)).unwrap();
    let claims = config.verify(&token).unwrap();
    assert_eq!(claims.iss.as_deref(), Some("https://auth.example"));
    assert_eq!(claims.aud, ["api"]);

    let cases = [
        (
            json!({"sub": "a", "exp": exp, "aud": "api"}),
            TokenErrorKind::MissingClaim("iss".into()),
        ),
        (
            json!({"sub": "a", "exp": exp, "iss": "https://auth.example"}),
            TokenErrorKind::MissingClaim("aud".into()),
        ),
        (
            json!({"sub": "a", "exp": exp, "iss": "https://evil", "aud": "api"}),
            TokenErrorKind::InvalidIssuer,
        ),
        (
            json!({"sub": "a", "exp": exp, "iss": "https://auth.example", "aud": "web"}),
            TokenErrorKind::InvalidAudience,
        ),
        (
            json!({"sub": "a", "exp": exp, "iss": "https://auth.example", "aud": ["web", "x"]}),
            TokenErrorKind::InvalidAudience,
        ),
    ];
    for (claims, expected) in cases {
        assert_eq!(kind(&config, &sign_test(&claims)), expected, "{claims}");
    }
    let ok = sign_test(
        &json!({"sub": "a", "exp": exp, "iss": "https://auth.example", "aud": ["web", "api"]}),
    );
    assert_eq!(config.verify(&ok).unwrap().aud, ["web", "api"]);

    // Without a configured audience, a token naming one is refused; `iss` is not checked.
    let plain = self::config();
    let with_aud = sign_test(&json!({"sub": "a", "exp": exp, "aud": "api"}));
    assert_eq!(kind(&plain, &with_aud), TokenErrorKind::InvalidAudience);
    let with_iss = sign_test(&json!({"sub": "a", "exp": exp, "iss": "anyone"}));
    assert!(plain.verify(&with_iss).is_ok());
}

#[test]
fn keeps_jti_and_extra_claims() {
    let config = config();
    let mut claims = Claims::new("a", ["me"], Duration::from_secs(60));
    claims.jti = Some("id-42".into());
    claims.extra.insert("tenant".into(), json!("acme"));
    let back = config
        .verify(&testing::mint_claims(&config, &claims))
        .unwrap();
    assert_eq!(back, claims);
}

#[test]
fn signs_and_verifies_with_pem_keys() {
    for (alg, private, public) in [
        (JwtAlgorithm::RS256, "rsa_private.pem", "rsa_public.pem"),
        (JwtAlgorithm::ES256, "ec_private.pem", "ec_public.pem"),
        (JwtAlgorithm::EdDSA, "ed_private.pem", "ed_public.pem"),
    ] {
        let keys = JwtKeys::from_pem(alg, Some(&key(private)), &key(public)).unwrap();
        assert_eq!(keys.algorithm(), alg);
        let config = TokenConfig::new(keys);
        let token = config.issue("a", ["me"], Duration::from_secs(60)).unwrap();
        assert_eq!(config.verify(&token).unwrap().sub, "a", "{alg:?}");

        // Public key only: verifies, cannot sign.
        let verifier = TokenConfig::new(JwtKeys::from_pem(alg, None, &key(public)).unwrap());
        assert_eq!(verifier.verify(&token).unwrap().sub, "a");
        assert_eq!(
            *verifier
                .issue("a", ["me"], Duration::from_secs(60))
                .unwrap_err()
                .kind(),
            TokenErrorKind::CannotSign
        );
        // An HS256 token does not pass an asymmetric config.
        assert_eq!(
            kind(
                &verifier,
                &testing::mint(&testing::token_config(), "a", &[])
            ),
            TokenErrorKind::AlgorithmMismatch
        );
    }
}

#[test]
fn refuses_bad_keys_with_clear_errors() {
    let err = JwtKeys::hs256("short secret").unwrap_err();
    assert!(matches!(err, KeyError::SecretTooShort { len: 12, min: 32 }));
    assert!(err.to_string().contains("at least 32"), "{err}");
    assert!(JwtKeys::hs256([0u8; 32]).is_ok());
    assert!(matches!(
        JwtKeys::hmac(JwtAlgorithm::RS256, [0u8; 32]),
        Err(KeyError::UnsupportedAlgorithm(JwtAlgorithm::RS256))
    ));
    assert!(matches!(
        JwtKeys::from_pem(JwtAlgorithm::HS256, None, b""),
        Err(KeyError::UnsupportedAlgorithm(_))
    ));
    assert!(matches!(
        JwtKeys::from_pem(JwtAlgorithm::RS256, None, b"garbage"),
        Err(KeyError::Invalid(_))
    ));
    assert!(matches!(
        JwtKeys::from_pem(JwtAlgorithm::ES256, None, &key("rsa_public.pem")),
        Err(KeyError::Invalid(_))
    ));
    assert!(matches!(
        JwtKeys::hs256_from_env("SCOPES_TESTS_SURELY_UNSET"),
        Err(KeyError::Env { .. })
    ));

    let dir = std::env::temp_dir().join(format!("scopes-tests-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("secret");
    std::fs::write(&file, format!("{TUTORIAL_SECRET}\n")).unwrap();
    let from_file = TokenConfig::new(JwtKeys::hs256_from_file(&file).unwrap());
    let tutorial = TokenConfig::new(JwtKeys::hs256(TUTORIAL_SECRET).unwrap());
    let token = from_file
        .issue("a", ["me"], Duration::from_secs(60))
        .unwrap();
    assert!(
        tutorial.verify(&token).is_ok(),
        "the trailing newline is not part of the key"
    );
    std::fs::write(&file, "short\n").unwrap();
    assert!(matches!(
        JwtKeys::hs256_from_file(&file),
        Err(KeyError::SecretTooShort { len: 5, .. })
    ));
    assert!(matches!(
        JwtKeys::hs256_from_file(dir.join("missing")),
        Err(KeyError::File { .. })
    ));
    std::fs::remove_dir_all(&dir).unwrap();
}

// --- once per request -------------------------------------------------------------------

#[dependency]
async fn first(token: VerifiedToken) -> usize {
    at(&token)
}

#[dependency(scopes = ["me"])]
async fn second(
    req: HttpRequest,
    scopes: SecurityScopes,
) -> Result<usize, scopes_runtime::AuthError> {
    let token = VerifiedToken::authenticate(&req, scopes)?;
    token.require_scopes(scopes)?;
    Ok(at(&token))
}

#[secured]
#[get("/twice")]
async fn twice(a: Security<first>, b: Security<second>, c: VerifiedToken) -> impl Responder {
    HttpResponse::Ok().json(*a == *b && *b == at(&c))
}

#[actix_web::test]
async fn verifies_a_token_once_per_request() {
    let config = config();
    let app = atest::init_service(
        App::new()
            .app_data(web::Data::new(config.clone()))
            .service(twice),
    )
    .await;
    let req = testing::request_as(&config, "a", &["me"])
        .uri("/twice")
        .to_request();
    let same: bool = atest::call_and_read_body_json(&app, req).await;
    assert!(same, "every reader shares the claims of one verification");

    // A refused token is not re-verified either, and is answered 401.
    let req = testing::bearer_request("bad.token.here")
        .uri("/twice")
        .to_request();
    let res = atest::call_service(&app, req).await;
    assert_eq!(res.status(), 401);
    let body: serde_json::Value = atest::read_body_json(res).await;
    assert_eq!(body, json!({"detail": "Could not validate credentials"}));
}

// --- the token as a node of the graph -------------------------------------------------

/// The address of the claims a reader got: equal addresses are one verification.
fn at(token: &VerifiedToken) -> usize {
    token.claims() as *const Claims as usize
}

#[dependency]
async fn graph_reader(
    scopes: SecurityScopes,
    token: Security<VerifiedToken>,
) -> Result<usize, scopes_runtime::AuthError> {
    token.require_scopes(scopes)?;
    Ok(at(&token))
}

#[dependency(scopes = ["me"])]
async fn me_reader(token: Security<VerifiedToken>) -> usize {
    at(&token)
}

#[dependency(scopes = ["items"])]
async fn items_reader(
    scopes: SecurityScopes,
    token: Security<VerifiedToken>,
) -> Result<usize, scopes_runtime::AuthError> {
    assert_eq!(scopes.scopes(), ["me", "items"]);
    token.require_scopes(scopes)?;
    Ok(at(&token))
}

/// Only graph readers, one of them: nothing to share.
#[secured(scopes = ["items"])]
#[get("/graph")]
async fn graph_only(a: Security<graph_reader>, db: web::Data<u8>) -> impl Responder {
    HttpResponse::Ok().json((*a != 0, **db))
}

/// The token under two scope unions (`me`, then `me items`): the graph's cache is keyed by
/// union, so the request's extensions carry the one verification across.
#[secured]
#[get("/graph/unions")]
async fn two_unions(a: Security<me_reader>, b: Security<items_under_me>) -> impl Responder {
    HttpResponse::Ok().json(*a == *b)
}

#[dependency(scopes = ["me"])]
async fn items_under_me(b: Security<items_reader>) -> usize {
    *b
}

/// A graph reader and an extractor: the extractor's code is out of the compiler's sight, so
/// the graph's verification is shared with it through the request.
#[secured]
#[get("/graph/extractor")]
async fn graph_and_extractor(a: Security<graph_reader>, c: VerifiedToken) -> impl Responder {
    HttpResponse::Ok().json(*a == at(&c))
}

#[test]
fn the_compiler_knows_which_trees_only_the_graph_reads() {
    use scopes_runtime::graph::Handler;
    assert!(
        !<graph_only as Handler>::ROOT.reads_extensions(),
        "`web::Data` runs no user code"
    );
    assert!(!<graph_only as Handler>::ROOT.caches());
    assert!(<graph_and_extractor as Handler>::ROOT.reads_extensions());
    assert!(<two_unions as Handler>::ROOT.caches());
    assert!(
        <twice as Handler>::ROOT.reads_extensions(),
        "`HttpRequest` reaches anything"
    );
}

/// Which extractors the compiler sees through: actix-web's that run no code of the user's
/// with the request.
mod classified {
    use actix_web::{HttpResponse, web};
    use scopes_runtime::graph::Handler;
    use scopes_runtime::{Security, VerifiedToken, secured};

    /// A type of the user's that happens to be named like actix-web's `Data`.
    struct Data;
    impl actix_web::FromRequest for Data {
        type Error = actix_web::Error;
        type Future = core::future::Ready<Result<Self, Self::Error>>;
        fn from_request(
            _: &actix_web::HttpRequest,
            _: &mut actix_web::dev::Payload,
        ) -> Self::Future {
            core::future::ready(Ok(Data))
        }
    }

    #[secured]
    async fn transparent(
        _t: Security<VerifiedToken>,
        _d: web::Data<u8>,
        _p: web::Path<String>,
        _q: web::Query<Vec<(String, String)>>,
        _j: web::Json<u8>,
        _f: web::Form<Vec<(String, String)>>,
    ) -> HttpResponse {
        HttpResponse::Ok().finish()
    }

    #[secured]
    async fn header(
        _t: Security<VerifiedToken>,
        _h: web::Header<actix_web::http::header::Date>,
    ) -> HttpResponse {
        HttpResponse::Ok().finish()
    }

    #[secured]
    async fn req_data(_t: Security<VerifiedToken>, _r: web::ReqData<u8>) -> HttpResponse {
        HttpResponse::Ok().finish()
    }

    #[secured]
    async fn optional(_t: Security<VerifiedToken>, _o: Option<web::Data<u8>>) -> HttpResponse {
        HttpResponse::Ok().finish()
    }

    #[secured]
    async fn own_data(_t: Security<VerifiedToken>, _o: Data) -> HttpResponse {
        HttpResponse::Ok().finish()
    }

    #[test]
    fn extractors_are_classified() {
        assert!(!<transparent as Handler>::ROOT.reads_extensions());
        // `Header` runs the header type's parser; the others may run anything.
        assert!(<header as Handler>::ROOT.reads_extensions());
        assert!(<req_data as Handler>::ROOT.reads_extensions());
        assert!(<optional as Handler>::ROOT.reads_extensions());
        assert!(<own_data as Handler>::ROOT.reads_extensions());
    }
}

#[actix_web::test]
async fn the_token_as_a_graph_node() {
    let config = config();
    let app = atest::init_service(
        App::new()
            .app_data(web::Data::new(config.clone()))
            .app_data(web::Data::new(7u8))
            .service(graph_only)
            .service(two_unions)
            .service(graph_and_extractor),
    )
    .await;
    let get = |uri: &str, scopes: &[&str]| {
        testing::request_as(&config, "a", scopes)
            .uri(uri)
            .to_request()
    };
    let body: serde_json::Value =
        atest::call_and_read_body_json(&app, get("/graph", &["items"])).await;
    assert_eq!(body, json!([true, 7]));
    for uri in ["/graph/unions", "/graph/extractor"] {
        let same: bool = atest::call_and_read_body_json(&app, get(uri, &["me", "items"])).await;
        assert!(
            same,
            "{uri}: every reader shares the claims of one verification"
        );
    }

    // Refusals name the scopes of the node's path, like `VerifiedToken::authenticate`.
    let req = testing::bearer_request("bad.token.here")
        .uri("/graph")
        .to_request();
    let res = atest::call_service(&app, req).await;
    assert_eq!(res.status(), 401);
    assert_eq!(
        res.headers().get("www-authenticate").unwrap(),
        "Bearer scope=\"items\""
    );
    let body: serde_json::Value = atest::read_body_json(res).await;
    assert_eq!(body, json!({"detail": "Could not validate credentials"}));
    // No credentials: FastAPI's `OAuth2PasswordBearer` answer, before any scope.
    let res = atest::call_service(&app, atest::TestRequest::get().uri("/graph").to_request()).await;
    assert_eq!(res.status(), 401);
    assert_eq!(res.headers().get("www-authenticate").unwrap(), "Bearer");
}

#[actix_web::test]
async fn an_oversized_header_token_is_a_401() {
    let config = config();
    let app = atest::init_service(
        App::new()
            .app_data(web::Data::new(config.clone()))
            .service(twice),
    )
    .await;
    let req = testing::bearer_request(&"a".repeat(100_000))
        .uri("/twice")
        .to_request();
    let res = atest::call_service(&app, req).await;
    assert_eq!(res.status(), 401);
}

#[actix_web::test]
async fn without_a_token_config_the_answer_is_a_logged_500() {
    let app = atest::init_service(App::new().service(twice)).await;
    // No header: 401 first.
    let res = atest::call_service(&app, atest::TestRequest::get().uri("/twice").to_request()).await;
    assert_eq!(res.status(), 401);
    let req = testing::request_as(&config(), "a", &[])
        .uri("/twice")
        .to_request();
    let res = atest::call_service(&app, req).await;
    assert_eq!(res.status(), 500);
}
