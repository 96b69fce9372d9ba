//! The verified-token cache: a token presented again is answered from it, but never past its
//! `exp`, never after the keys or the rules changed, never for a tampered copy, never for a
//! refused token, and never beyond its bound.

mod common;

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use actix_web::test as atest;
use actix_web::{App, Responder, get, web};
use common::key;
use scopes_runtime::oauth2::{
    Claims, JwtAlgorithm, KeyRing, SigningKey, TokenCache, TokenErrorKind,
};
use scopes_runtime::{Authorized, Security, TokenConfig, secured, testing};

#[secured(scopes = ["me"])]
#[get("/me")]
async fn me(user: Security<Authorized>) -> impl Responder {
    user.sub().to_owned()
}

/// `GET /me` with `token`, on an app sharing `config` (and so its cache).
async fn call(config: &TokenConfig, token: &str) -> u16 {
    let app = atest::init_service(
        App::new()
            .app_data(web::Data::new(config.clone()))
            .service(me),
    )
    .await;
    let req = testing::bearer_request(token).uri("/me").to_request();
    atest::call_service(&app, req).await.status().as_u16()
}

fn kind(config: &TokenConfig, token: &str) -> Option<TokenErrorKind> {
    config.verify_cached(token).err().map(|e| e.kind().clone())
}

/// Seconds since the epoch, now.
fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

#[actix_rt::test]
async fn a_token_presented_again_is_answered_from_the_cache() {
    let config = testing::token_config();
    let token = testing::mint(&config, "alice", &["me"]);
    assert_eq!(call(&config, &token).await, 200);
    assert_eq!(config.cache().len(), 1, "kept after the first request");
    let first = config.verify_cached(&token).unwrap();
    let again = config.verify_cached(&token).unwrap();
    assert!(
        Arc::ptr_eq(&first, &again),
        "the cached claims, not a verification"
    );
    assert_eq!(call(&config, &token).await, 200);
    assert_eq!(config.cache().len(), 1);
}

#[actix_rt::test]
async fn a_cached_token_past_its_exp_is_refused() {
    let config = testing::token_config().leeway(Duration::ZERO);
    let mut claims = Claims::new("alice", ["me"], Duration::ZERO);
    claims.exp = unix_now() + 2;
    let token = testing::mint_claims(&config, &claims);
    assert_eq!(call(&config, &token).await, 200);
    assert!(config.verify_cached(&token).is_ok());
    assert_eq!(config.cache().len(), 1, "cached until exp");

    while unix_now() <= claims.exp {
        actix_rt::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(kind(&config, &token), Some(TokenErrorKind::Expired));
    assert_eq!(call(&config, &token).await, 401);
}

#[actix_rt::test]
async fn a_token_of_a_replaced_key_is_refused_after_the_change() {
    let old = SigningKey::from_pem("old", JwtAlgorithm::RS256, &key("rsa_private.pem")).unwrap();
    let new = SigningKey::from_pem("new", JwtAlgorithm::ES256, &key("ec_private.pem")).unwrap();
    let ring = KeyRing::new([old]).unwrap();
    let config = TokenConfig::key_ring(ring.clone());
    let token = testing::mint(&config, "alice", &["me"]);
    assert_eq!(call(&config, &token).await, 200);
    assert_eq!(config.cache().len(), 1);

    ring.replace([new]).unwrap();
    assert_eq!(kind(&config, &token), Some(TokenErrorKind::UnknownKey));
    assert_eq!(call(&config, &token).await, 401, "the old key is withdrawn");
    let fresh = testing::mint(&config, "alice", &["me"]);
    assert_eq!(call(&config, &fresh).await, 200);
}

#[actix_rt::test]
async fn a_tampered_copy_of_a_cached_token_is_refused() {
    let config = testing::token_config();
    let token = testing::mint(&config, "alice", &["me"]);
    assert_eq!(call(&config, &token).await, 200);

    let (head, signature) = token.rsplit_once('.').unwrap();
    let flip = |c: char| if c == 'A' { 'B' } else { 'A' };
    let mut tampered = vec![
        format!("{token}A"),
        format!("{head}.{}", &signature[..signature.len() - 1]),
        format!(
            "{head}.{}{}",
            flip(signature.chars().next().unwrap()),
            &signature[1..]
        ),
    ];
    // One character of the payload changed, the signature kept.
    let payload_at = token.find('.').unwrap() + 5;
    let mut bytes = token.clone().into_bytes();
    bytes[payload_at] = flip(char::from(bytes[payload_at])) as u8;
    tampered.push(String::from_utf8(bytes).unwrap());

    for copy in &tampered {
        assert_ne!(copy, &token);
        assert!(config.verify_cached(copy).is_err(), "{copy}");
        assert_eq!(call(&config, copy).await, 401, "{copy}");
    }
    assert_eq!(config.cache().len(), 1, "refused copies are not kept");
    assert_eq!(call(&config, &token).await, 200);
}

#[actix_rt::test]
async fn the_bound_holds_under_a_flood_of_distinct_valid_tokens() {
    let config = testing::token_config().token_cache(TokenCache::new().entries(64));
    assert_eq!(config.cache().capacity(), 64);
    let mut last = String::new();
    for i in 0..2000 {
        last = testing::mint(&config, &format!("user-{i}"), &["me"]);
        assert_eq!(
            config.verify_cached(&last).unwrap().sub,
            format!("user-{i}")
        );
    }
    assert!(
        config.cache().len() <= 64,
        "{} entries",
        config.cache().len()
    );
    let a = config.verify_cached(&last).unwrap();
    let b = config.verify_cached(&last).unwrap();
    assert!(Arc::ptr_eq(&a, &b), "the newest token is still cached");
}

#[actix_rt::test]
async fn refused_tokens_are_never_kept() {
    let config = testing::token_config();
    let other = TokenConfig::new(scopes_runtime::JwtKeys::hs256([9u8; 32]).unwrap());
    for i in 0..500 {
        let wrong_key = testing::mint(&other, &format!("user-{i}"), &["me"]);
        assert!(config.verify_cached(&wrong_key).is_err());
        assert!(config.verify_cached(&format!("garbage.{i}.x")).is_err());
    }
    assert_eq!(call(&config, "not-a-jwt").await, 401);
    assert!(config.cache().is_empty());
}

#[actix_rt::test]
async fn changed_rules_start_an_empty_cache() {
    let config = testing::token_config();
    let token = testing::mint(&config, "alice", &["me"]);
    assert_eq!(call(&config, &token).await, 200);
    // The same keys, now requiring an audience the token lacks: verified again, refused.
    let stricter = config.clone().audience(["api"]);
    assert!(stricter.cache().is_empty());
    assert!(stricter.verify_cached(&token).is_err());
    assert_eq!(call(&stricter, &token).await, 401);
    assert_eq!(
        call(&config, &token).await,
        200,
        "the original keeps its cache"
    );
}

#[actix_rt::test]
async fn switched_off_it_verifies_every_time() {
    let config = testing::token_config().token_cache(TokenCache::disabled());
    let token = testing::mint(&config, "alice", &["me"]);
    let a = config.verify_cached(&token).unwrap();
    let b = config.verify_cached(&token).unwrap();
    assert!(!Arc::ptr_eq(&a, &b));
    assert_eq!(call(&config, &token).await, 200);
    assert!(config.cache().is_empty());
    assert_eq!(config.cache().capacity(), 0);
}
