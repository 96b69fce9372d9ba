//! Tokens from an identity provider: keys fetched from a JWK Set over HTTP (a local provider
//! that counts its fetches), chosen by `kid`, refreshed on rotation once per cooldown, kept
//! through an outage; OpenID Connect discovery; what is never accepted; claim mapping.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::dev::ServerHandle;
use actix_web::test as atest;
use actix_web::{App, HttpResponse, HttpServer, Responder, get, web};
use common::{b64, key, now, sign_raw};
use scopes_runtime::oauth2::{
    Claims, JwksError, JwksLocation, JwksOptions, JwksSource, JwtAlgorithm, KeyRing, ScopeMapping,
    ScopeSource, SigningKey, TokenErrorKind, discover,
};
use scopes_runtime::{Authorized, Security, TokenConfig, secured};
use serde_json::json;

/// A provider: its JWK Set (replaceable), a discovery document, a fetch counter.
struct Provider {
    base: String,
    jwks: Arc<Mutex<String>>,
    fetches: Arc<AtomicUsize>,
    handle: ServerHandle,
}

impl Provider {
    async fn start(ring: &KeyRing) -> Self {
        let jwks = Arc::new(Mutex::new(jwks_of(ring)));
        let fetches = Arc::new(AtomicUsize::new(0));
        let base = Arc::new(Mutex::new(String::new()));
        let (j, f, b) = (jwks.clone(), fetches.clone(), base.clone());
        let server = HttpServer::new(move || {
            let (j, f, b) = (j.clone(), f.clone(), b.clone());
            App::new()
                .route(
                    "/jwks",
                    web::get().to(move || {
                        f.fetch_add(1, Ordering::SeqCst);
                        let body = j.lock().unwrap().clone();
                        async move {
                            HttpResponse::Ok()
                                .insert_header(("Cache-Control", "public, max-age=3600"))
                                .content_type("application/json")
                                .body(body)
                        }
                    }),
                )
                .route(
                    "/.well-known/openid-configuration",
                    web::get().to(move || {
                        let base = b.lock().unwrap().clone();
                        async move {
                            HttpResponse::Ok()
                                .json(json!({ "issuer": base, "jwks_uri": format!("{base}/jwks") }))
                        }
                    }),
                )
        })
        .workers(1)
        .disable_signals()
        .bind(("127.0.0.1", 0))
        .expect("bind a loopback port");
        let addr = server.addrs()[0];
        let server = server.run();
        let handle = server.handle();
        actix_rt::spawn(server);
        let url = format!("http://{addr}");
        *base.lock().unwrap() = url.clone();
        Self {
            base: url,
            jwks,
            fetches,
            handle,
        }
    }

    fn publish(&self, ring: &KeyRing) {
        *self.jwks.lock().unwrap() = jwks_of(ring);
    }

    fn fetches(&self) -> usize {
        self.fetches.load(Ordering::SeqCst)
    }

    fn source(&self, cooldown: Duration) -> JwksSource {
        JwksSource::new(
            JwksLocation::Url(format!("{}/jwks", self.base)),
            JwksOptions::default().cooldown(cooldown),
        )
    }
}

fn jwks_of(ring: &KeyRing) -> String {
    serde_json::to_string(&ring.jwks()).expect("a JWK Set serializes")
}

fn signing(kid: &str, algorithm: JwtAlgorithm, file: &str) -> SigningKey {
    SigningKey::from_pem(kid, algorithm, &key(file)).expect("a test key")
}

/// The provider's side: tokens for `api`, issued by `issuer`, signed by `ring`.
fn issuer(ring: &KeyRing, issuer: &str) -> TokenConfig {
    TokenConfig::key_ring(ring.clone())
        .issuer(issuer)
        .audience(["api"])
}

fn token(ring: &KeyRing, iss: &str, scopes: &[&str]) -> String {
    issuer(ring, iss)
        .issue("alice", scopes.iter().copied(), Duration::from_secs(300))
        .expect("the ring signs")
}

#[secured(scopes = ["me"])]
#[get("/me")]
async fn me(user: Security<Authorized>) -> impl Responder {
    user.sub().to_owned()
}

async fn call(config: &TokenConfig, token: &str) -> u16 {
    let app = atest::init_service(
        App::new()
            .app_data(web::Data::new(config.clone()))
            .service(me),
    )
    .await;
    let req = atest::TestRequest::get()
        .uri("/me")
        .insert_header(("Authorization", format!("Bearer {token}")))
        .to_request();
    atest::call_service(&app, req).await.status().as_u16()
}

#[actix_rt::test]
async fn rotation_is_picked_up_by_one_refresh_and_unknown_kids_fetch_once_per_cooldown() {
    let k1 = signing("k1", JwtAlgorithm::RS256, "rsa_private.pem");
    let k2 = signing("k2", JwtAlgorithm::RS256, "rsa2_private.pem");
    let ring = KeyRing::new([k1.clone()]).unwrap();
    let provider = Provider::start(&ring).await;
    let iss = provider.base.clone();
    let source = provider.source(Duration::from_millis(300));
    let config = TokenConfig::jwks(source.clone())
        .issuer(iss.clone())
        .audience(["api"]);

    // No prefetch: the first token fetches the set.
    assert_eq!(call(&config, &token(&ring, &iss, &["me"])).await, 200);
    assert_eq!(provider.fetches(), 1);
    assert_eq!(call(&config, &token(&ring, &iss, &["me"])).await, 200);
    assert_eq!(
        call(&config, &token(&ring, &iss, &[])).await,
        401,
        "scope missing"
    );
    assert_eq!(provider.fetches(), 1, "cached");

    // The provider rotates: both keys published, new tokens signed with k2.
    let old = token(&ring, &iss, &["me"]);
    ring.replace([k1, k2.clone()]).unwrap();
    provider.publish(&ring);
    actix_rt::time::sleep(Duration::from_millis(350)).await;
    let new = token(&ring, &iss, &["me"]);
    assert_eq!(call(&config, &new).await, 200, "one refresh finds k2");
    assert_eq!(provider.fetches(), 2);
    assert_eq!(call(&config, &old).await, 200, "k1 is still published");
    assert_eq!(provider.fetches(), 2);

    // A flood of made-up kids, concurrently: at most one fetch per cooldown.
    actix_rt::time::sleep(Duration::from_millis(350)).await;
    let forged: Vec<String> = (0..20)
        .map(|i| {
            let mut claims = Claims::new("alice", ["me"], Duration::from_secs(60));
            claims.iss = Some(iss.clone());
            claims.aud = vec!["api".into()];
            let header = jsonwebtoken::Header {
                kid: Some(format!("random-{i}")),
                ..jsonwebtoken::Header::new(JwtAlgorithm::RS256)
            };
            let key = jsonwebtoken::EncodingKey::from_rsa_pem(&key("rsa_private.pem")).unwrap();
            jsonwebtoken::encode(
                &header,
                &claims.to_json(scopes_runtime::oauth2::ScopeClaim::Scope),
                &key,
            )
            .unwrap()
        })
        .collect();
    let statuses = futures_util::future::join_all(forged.iter().map(|t| call(&config, t))).await;
    assert!(statuses.iter().all(|s| *s == 401), "{statuses:?}");
    assert_eq!(provider.fetches(), 3, "one fetch for the whole flood");
    assert_eq!(
        *config.verify(&forged[0]).unwrap_err().kind(),
        TokenErrorKind::UnknownKey
    );

    // k1 withdrawn: its tokens are refused once the set is refreshed.
    ring.replace([k2]).unwrap();
    provider.publish(&ring);
    actix_rt::time::sleep(Duration::from_millis(350)).await;
    source.refresh().await.unwrap();
    assert_eq!(call(&config, &old).await, 401, "withdrawn key");
    assert_eq!(call(&config, &new).await, 200);

    // The provider goes down: known keys keep verifying, a refresh fails and keeps them.
    provider.handle.stop(false).await;
    assert!(source.refresh().await.is_err());
    assert_eq!(call(&config, &new).await, 200, "last good keys kept");
    assert_eq!(source.keys().kids().collect::<Vec<_>>(), ["k2"]);
}

#[actix_rt::test]
async fn discovery_gives_the_keys_and_the_issuer() {
    let ring = KeyRing::new([signing("ec", JwtAlgorithm::ES256, "ec_private.pem")]).unwrap();
    let provider = Provider::start(&ring).await;
    let (source, found) = discover(&provider.base, JwksOptions::default())
        .await
        .expect("discovery");
    assert_eq!(found.issuer, provider.base);
    assert_eq!(found.jwks_uri, format!("{}/jwks", provider.base));
    assert_eq!(source.refresh().await.unwrap(), 1);
    let config = TokenConfig::jwks(source)
        .issuer(found.issuer)
        .audience(["api"]);
    let good = token(&ring, &provider.base, &["me"]);
    assert_eq!(call(&config, &good).await, 200);
    // Another issuer, another audience: refused.
    let other_iss = token(&ring, "https://evil.example", &["me"]);
    assert_eq!(
        *config.verify(&other_iss).unwrap_err().kind(),
        TokenErrorKind::InvalidIssuer
    );
    let other_aud = TokenConfig::key_ring(ring.clone())
        .issuer(provider.base.clone())
        .audience(["other-api"])
        .issue("alice", ["me"], Duration::from_secs(60))
        .unwrap();
    assert_eq!(
        *config.verify(&other_aud).unwrap_err().kind(),
        TokenErrorKind::InvalidAudience
    );

    // A document naming another issuer is refused (OpenID Connect Discovery 4.3).
    let wrong = format!("{}/", provider.base);
    assert!(matches!(
        discover(&wrong, JwksOptions::default()).await,
        Err(JwksError::IssuerMismatch { .. })
    ));
    provider.handle.stop(false).await;
}

#[actix_rt::test]
async fn keys_are_never_taken_from_the_token_nor_used_with_another_algorithm() {
    let ring = KeyRing::new([signing("rsa", JwtAlgorithm::RS256, "rsa_private.pem")]).unwrap();
    let provider = Provider::start(&ring).await;
    let iss = provider.base.clone();
    let source = provider.source(Duration::from_secs(60));
    source.refresh().await.unwrap();
    let config = TokenConfig::jwks(source)
        .issuer(iss.clone())
        .audience(["api"]);
    let payload =
        json!({ "sub": "alice", "scope": "me", "exp": now() + 60, "iss": iss, "aud": "api" })
            .to_string();

    // HS256 "signed" with the provider's public key (algorithm confusion).
    let public = key("rsa_public.pem");
    let hs = sign_raw(
        r#"{"alg":"HS256","typ":"JWT","kid":"rsa"}"#,
        &payload,
        &public,
    );
    assert_eq!(
        *config.verify(&hs).unwrap_err().kind(),
        TokenErrorKind::AlgorithmMismatch
    );
    // `alg: none`.
    let none = format!(
        "{}.{}.",
        b64(br#"{"alg":"none","kid":"rsa"}"#),
        b64(payload.as_bytes())
    );
    assert_eq!(
        *config.verify(&none).unwrap_err().kind(),
        TokenErrorKind::Malformed
    );
    // A key of the attacker's in the header (`jwk`), signing with it.
    let attacker = KeyRing::new([signing("rsa", JwtAlgorithm::ES256, "ec_private.pem")]).unwrap();
    let jwk = serde_json::to_value(&attacker.jwks().keys[0]).unwrap();
    let header = json!({ "alg": "ES256", "kid": "rsa", "jwk": jwk });
    let signing_input = format!(
        "{}.{}",
        b64(header.to_string().as_bytes()),
        b64(payload.as_bytes())
    );
    let ec = jsonwebtoken::EncodingKey::from_ec_pem(&key("ec_private.pem")).unwrap();
    let signature =
        jsonwebtoken::crypto::sign(signing_input.as_bytes(), &ec, JwtAlgorithm::ES256).unwrap();
    let embedded = format!("{signing_input}.{signature}");
    assert_eq!(
        *config.verify(&embedded).unwrap_err().kind(),
        TokenErrorKind::AlgorithmMismatch,
        "the kid names an RS256 key: ES256 is not its algorithm, the header's key is ignored"
    );
    assert_eq!(call(&config, &embedded).await, 401);
    provider.handle.stop(false).await;
}

#[test]
fn a_jwks_file_and_the_key_ring_verify_offline() {
    let ring = KeyRing::new([
        signing("ed", JwtAlgorithm::EdDSA, "ed_private.pem"),
        signing("ec", JwtAlgorithm::ES256, "ec_private.pem"),
    ])
    .unwrap();
    assert_eq!(ring.signing_kid(), "ec");
    let dir = std::env::temp_dir().join(format!("scopes-jwks-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("jwks.json");
    std::fs::write(&file, jwks_of(&ring)).unwrap();
    let source = JwksSource::new(JwksLocation::File(file), JwksOptions::default());
    let config = TokenConfig::jwks(source.clone());
    let token = TokenConfig::key_ring(ring.clone())
        .issue("alice", ["me"], Duration::from_secs(60))
        .unwrap();
    // Nothing fetched yet: the synchronous check has no key.
    assert_eq!(
        *config.verify(&token).unwrap_err().kind(),
        TokenErrorKind::UnknownKey
    );
    let claims = actix_rt::System::new()
        .block_on(config.verify_fresh(&token))
        .expect("read from the file");
    assert_eq!(claims.scopes, ["me"]);
    assert_eq!(source.fetches(), 1);
    // The ring verifies its own tokens, cannot be empty nor repeat a kid.
    assert!(TokenConfig::key_ring(ring).verify(&token).is_ok());
    assert!(KeyRing::new([]).is_err());
    let ed = signing("ed", JwtAlgorithm::EdDSA, "ed_private.pem");
    assert!(KeyRing::new([ed.clone(), ed]).is_err());
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn claims_map_to_scopes_per_provider() {
    let ring = KeyRing::new([signing("ed", JwtAlgorithm::EdDSA, "ed_private.pem")]).unwrap();
    let sign = |mut payload: serde_json::Value| {
        payload["sub"] = json!("alice");
        payload["exp"] = json!(now() + 60);
        let header = jsonwebtoken::Header {
            kid: Some("ed".into()),
            ..jsonwebtoken::Header::new(JwtAlgorithm::EdDSA)
        };
        let key = jsonwebtoken::EncodingKey::from_ed_pem(&key("ed_private.pem")).unwrap();
        jsonwebtoken::encode(&header, &payload, &key).unwrap()
    };
    let verifier =
        |mapping: ScopeMapping| TokenConfig::key_ring(ring.clone()).scope_mapping(mapping);
    let scopes = |config: &TokenConfig, token: &str| config.verify(token).unwrap().scopes;

    // Okta: `scp` array; Entra ID: `scp` string and `roles`.
    let okta = sign(json!({ "scp": ["openid", "notes:read"] }));
    let entra = sign(json!({ "scp": "notes:read notes:write", "roles": ["Admin"] }));
    let standard = verifier(ScopeMapping::standard());
    assert_eq!(scopes(&standard, &okta), ["openid", "notes:read"]);
    assert_eq!(scopes(&standard, &entra), ["notes:read", "notes:write"]);
    let with_roles = verifier(ScopeMapping::standard().with_prefixed(ScopeSource::Roles, "role:"));
    assert_eq!(
        scopes(&with_roles, &entra),
        ["notes:read", "notes:write", "role:Admin"]
    );
    // Keycloak: `scope`, realm roles, client roles; a role that is no scope token is ignored.
    let keycloak = sign(json!({
        "scope": "profile notes:read",
        "realm_access": { "roles": ["admin", "bad role\""] },
        "resource_access": { "notes-api": { "roles": ["editor"] }, "other": { "roles": ["x"] } }
    }));
    let mapping = ScopeMapping::new()
        .with(ScopeSource::Scope)
        .with_prefixed(ScopeSource::RealmRoles, "realm:")
        .with(ScopeSource::ClientRoles("notes-api".into()));
    assert_eq!(
        scopes(&verifier(mapping), &keycloak),
        ["profile", "notes:read", "realm:admin", "editor"]
    );
    // Auth0: `permissions`, repeats once.
    let auth0 =
        sign(json!({ "scope": "notes:read", "permissions": ["notes:read", "notes:write"] }));
    let mapping = ScopeMapping::new()
        .with(ScopeSource::Scope)
        .with(ScopeSource::Permissions);
    assert_eq!(
        scopes(&verifier(mapping), &auth0),
        ["notes:read", "notes:write"]
    );
    // A scope claim of the wrong type refuses the token.
    let bad = sign(json!({ "scp": 7 }));
    assert_eq!(
        *standard.verify(&bad).unwrap_err().kind(),
        TokenErrorKind::InvalidClaim("scp".into())
    );
}
