//! Helpers shared by the OAuth2 test files.
#![allow(dead_code, unreachable_pub)]

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey};

/// FastAPI's tutorial key, used as the bytes of the string (as python-jose does).
pub const TUTORIAL_SECRET: &str =
    "09d25e094faa6ca2556c818166b7a9563b93f7099f6f0f4caa6cf63b88e8d3e7";

pub fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// A token of the raw `header` and `payload` JSON texts, HS256-signed with `secret`.
pub fn sign_raw(header: &str, payload: &str, secret: &[u8]) -> String {
    let message = format!("{}.{}", b64(header.as_bytes()), b64(payload.as_bytes()));
    let key = EncodingKey::from_secret(secret).unwrap();
    let signature = jsonwebtoken::crypto::sign(message.as_bytes(), &key, Algorithm::HS256).unwrap();
    format!("{message}.{signature}")
}

/// HS256 token with `payload` signed with the testing secret.
pub fn sign_test(payload: &serde_json::Value) -> String {
    sign_raw(
        r#"{"alg":"HS256","typ":"JWT"}"#,
        &payload.to_string(),
        scopes_runtime::testing::TEST_SECRET.as_bytes(),
    )
}

pub fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

pub fn key(name: &str) -> Vec<u8> {
    std::fs::read(format!("{}/tests/keys/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}
