//! What each fuzz target checks, shared by the targets (`fuzz_targets/*.rs`, nightly,
//! libFuzzer) and by `tests/tests/fuzz_regressions.rs`, which replays the corpus and every
//! regression on stable in `cargo test`.
//!
//! Each check compares the runtime with a model written here from the specification, so
//! that a wrong answer fails as surely as a panic:
//! - `Authorization` header: RFC 6750 section 2.1's `Bearer` credentials with RFC 7235's
//!   token68, case-insensitive scheme, any run of spaces between;
//! - token verification: a token is accepted only if the JWT library alone (another code
//!   path) accepts it with the same key and HS256, with the same `sub` and `exp`, and what
//!   is accepted re-issues to the same claims;
//! - the password form: FastAPI's `OAuth2PasswordRequestForm` (the last non-empty occurrence
//!   of a field wins, `scope` split like Python's `str.split()`), never a 5xx;
//! - a scope token: RFC 6749 section 3.3's `scope-token = 1*( %x21 / %x23-5B / %x5D-7E )`.
#![allow(dead_code)]

use actix_web::http::header::{AUTHORIZATION, CONTENT_TYPE, HeaderValue};
use actix_web::test::TestRequest;
use actix_web::{FromRequest, ResponseError};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use scopes_runtime::graph::check_scope_token;
use scopes_runtime::{BearerToken, JwtKeys, OAuth2PasswordRequestForm, TokenConfig};

/// The key the token corpus is signed with (`fuzz/seed.py`).
pub(crate) const KEY: &[u8] = b"fuzzing-key-0123456789abcdefghijklmnopqrstuv";

/// `Authorization: <data>` through [`BearerToken::from_headers`].
pub(crate) fn authorization_header(data: &[u8]) {
    // Bytes a header value cannot hold never reach the parser.
    let Ok(value) = HeaderValue::from_bytes(data) else {
        return;
    };
    let req = TestRequest::default()
        .insert_header((AUTHORIZATION, value))
        .to_http_request();
    let expected = bearer_model(data);
    match BearerToken::from_headers(&req) {
        Ok(token) => assert_eq!(Some(token.as_str().as_bytes()), expected, "{data:?}"),
        Err(error) => {
            assert_eq!(expected, None, "refused: {data:?}");
            assert!(error.status_code().is_client_error(), "{error:?}");
        }
    }
}

/// The token68 of `Bearer` credentials, read from the grammar.
fn bearer_model(value: &[u8]) -> Option<&[u8]> {
    let value = value.trim_ascii();
    if value.len() < 7 || !value[..6].eq_ignore_ascii_case(b"bearer") || value[6] != b' ' {
        return None;
    }
    let token = value[7..].trim_ascii_start();
    let padding = token.iter().rev().take_while(|b| **b == b'=').count();
    let body = &token[..token.len() - padding];
    let token68 = !body.is_empty()
        && body
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~+/".contains(b));
    token68.then_some(token)
}

/// `data` as a JWT through [`TokenConfig::verify`] with [`KEY`].
pub(crate) fn token_verify(data: &[u8]) {
    let Ok(token) = std::str::from_utf8(data) else {
        return;
    };
    let config = TokenConfig::new(JwtKeys::hs256(KEY).expect("a 32-byte key"));
    let Ok(claims) = config.verify(token) else {
        return;
    };
    let header = jsonwebtoken::decode_header(token).expect("an accepted token has a header");
    assert_eq!(header.alg, Algorithm::HS256, "{token}");
    let plain = jsonwebtoken::decode::<serde_json::Value>(
        token,
        &DecodingKey::from_secret(KEY).expect("an HMAC key"),
        &Validation::new(Algorithm::HS256),
    )
    .unwrap_or_else(|e| panic!("accepted by the runtime, refused by the library ({e}): {token}"));
    assert_eq!(plain.claims["sub"].as_str(), Some(claims.sub.as_str()));
    // A NumericDate may have a fraction (RFC 7519 section 2): whole seconds are kept.
    let exp = &plain.claims["exp"];
    let exp = exp
        .as_u64()
        .or_else(|| exp.as_f64().map(|e| e.floor() as u64));
    assert_eq!(exp, Some(claims.exp), "{token}");
    let reissued = config
        .issue_claims(&claims)
        .expect("accepted claims re-issue");
    assert_eq!(
        config.verify(&reissued).ok().as_ref(),
        Some(&claims),
        "{token}"
    );
}

/// `data` as an `application/x-www-form-urlencoded` body, lax and strict.
pub(crate) fn password_form_urlencoded(data: &[u8]) {
    let model =
        FormModel::of(form_urlencoded::parse(data).map(|(n, v)| (n.into_owned(), v.into_owned())));
    for strict in [false, true] {
        let parsed = OAuth2PasswordRequestForm::parse(data, strict);
        model.assert_same(parsed.as_ref().map_err(|e| e.issues().len()), strict, data);
    }
}

/// `data` as a `multipart/form-data` body with the boundary `b`, through the extractor.
pub(crate) fn password_form_multipart(data: &[u8]) {
    let (req, mut payload) = TestRequest::post()
        .insert_header((CONTENT_TYPE, "multipart/form-data; boundary=b"))
        .set_payload(data.to_vec())
        .to_http_parts();
    let parsed = runtime().block_on(OAuth2PasswordRequestForm::from_request(&req, &mut payload));
    match parsed {
        Ok(form) => {
            assert!(!form.username.is_empty() && !form.password.is_empty());
            assert!(form.grant_type.as_deref().is_none_or(|g| g == "password"));
            for scope in &form.scopes {
                assert!(scope_token_model(scope), "{scope:?} in {data:?}");
            }
        }
        Err(error) => assert!(
            error.status_code().is_client_error(),
            "{error} ({}) for {data:?}",
            error.status_code()
        ),
    }
}

/// One actix runtime per thread, for the multipart extractor.
fn runtime() -> &'static actix_rt::Runtime {
    thread_local! {
        static RUNTIME: &'static actix_rt::Runtime =
            Box::leak(Box::new(actix_rt::Runtime::new().expect("a runtime")));
    }
    RUNTIME.with(|rt| *rt)
}

/// `data` as a scope token through [`check_scope_token`].
pub(crate) fn scope_token(data: &[u8]) {
    let Ok(scope) = std::str::from_utf8(data) else {
        return;
    };
    assert_eq!(
        check_scope_token(scope).is_ok(),
        scope_token_model(scope),
        "{scope:?}"
    );
}

fn scope_token_model(scope: &str) -> bool {
    !scope.is_empty()
        && scope
            .bytes()
            .all(|b| matches!(b, 0x21 | 0x23..=0x5b | 0x5d..=0x7e))
}

/// Python's `str.split()` with no argument: runs of whitespace as `str.isspace` sees it,
/// which is Unicode's White_Space plus the separators U+001C..U+001F.
pub(crate) fn python_split(s: &str) -> Vec<String> {
    s.split(|c: char| c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c))
        .filter(|part| !part.is_empty())
        .map(str::to_owned)
        .collect()
}

/// What FastAPI makes of a form's fields.
struct FormModel {
    grant_type: Option<String>,
    username: Option<String>,
    password: Option<String>,
    scopes: Vec<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
}

impl FormModel {
    fn of(fields: impl Iterator<Item = (String, String)>) -> Self {
        let mut last = std::collections::HashMap::new();
        for (name, value) in fields {
            last.insert(name, value);
        }
        let mut field = |name: &str| last.remove(name).filter(|v| !v.is_empty());
        Self {
            grant_type: field("grant_type"),
            username: field("username"),
            password: field("password"),
            scopes: python_split(&field("scope").unwrap_or_default()),
            client_id: field("client_id"),
            client_secret: field("client_secret"),
        }
    }

    fn assert_same(
        &self,
        parsed: Result<&OAuth2PasswordRequestForm, usize>,
        strict: bool,
        data: &[u8],
    ) {
        let grant_ok = match &self.grant_type {
            Some(g) => g == "password",
            None => !strict,
        };
        let valid = grant_ok
            && self.username.is_some()
            && self.password.is_some()
            && self.scopes.iter().all(|s| scope_token_model(s));
        match parsed {
            Ok(form) => {
                assert!(
                    valid,
                    "accepted an invalid form (strict: {strict}): {data:?}"
                );
                assert_eq!(Some(&form.username), self.username.as_ref());
                assert_eq!(Some(&form.password), self.password.as_ref());
                assert_eq!(form.grant_type, self.grant_type);
                assert_eq!(form.scopes, self.scopes, "{data:?}");
                assert_eq!(form.client_id, self.client_id);
                assert_eq!(form.client_secret, self.client_secret);
            }
            Err(issues) => {
                assert!(!valid, "refused a valid form (strict: {strict}): {data:?}");
                assert!(issues > 0, "a refusal names its issues: {data:?}");
            }
        }
    }
}
