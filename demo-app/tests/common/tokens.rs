//! Tokens minted the way python-jose does in the tutorial, and broken ones.
#![allow(dead_code, unreachable_pub)]

use std::time::{SystemTime, UNIX_EPOCH};

use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use serde_json::{Value, json};

use super::TUTORIAL_KEY;

pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// A token with exactly `claims`, HS256 with `key`.
pub fn with_key(claims: &Value, key: &[u8]) -> String {
    encode(
        &Header::new(Algorithm::HS256),
        claims,
        &EncodingKey::from_secret(key).expect("hmac key"),
    )
    .expect("encode")
}

/// A token with exactly `claims`, signed with the tutorial key.
pub fn claims(claims: Value) -> String {
    with_key(&claims, TUTORIAL_KEY.as_bytes())
}

/// The tutorial's token for `sub` with `scopes`, valid for 30 minutes.
pub fn for_user(sub: &str, scopes: &[&str]) -> String {
    claims(json!({ "sub": sub, "scopes": scopes, "exp": now() + 1800 }))
}

/// Minted by python-jose 3.5.0 (the original app's library) with the tutorial key:
/// `jwt.encode({"sub": "johndoe", "scopes": ["me", "items"], "exp": 4102444800}, KEY)`.
pub const PYTHON_JOHNDOE_ME_ITEMS: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJqb2huZG9lIiwic2NvcGVzIjpbIm1lIiwiaXRlbXMiXSwiZXhwIjo0MTAyNDQ0ODAwfQ.ocUNIJR9nd2fkH8Dev8yhaAYH8uMh1XhPhfYN6QxJCI";

/// The same with `"scopes": ["me"]`.
pub const PYTHON_JOHNDOE_ME: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJqb2huZG9lIiwic2NvcGVzIjpbIm1lIl0sImV4cCI6NDEwMjQ0NDgwMH0.jzBRCdBROgaW68nBVTGy1UWTej3LR-ynQuwg9ZPMS-I";

/// The payload of a JWT, decoded without checking anything.
pub fn claims_of(token: &str) -> Value {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let payload = token.split('.').nth(1).expect("a payload");
    let (mut bytes, mut acc, mut bits) = (Vec::new(), 0u32, 0);
    for c in payload.bytes() {
        let v = ALPHABET.iter().position(|&a| a == c).expect("base64url") as u32;
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            bytes.push((acc >> bits) as u8);
        }
    }
    serde_json::from_slice(&bytes).expect("JSON claims")
}
