//! [`TokenResponse`]: the token endpoint's answer.

use actix_web::body::BoxBody;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, Responder};
use serde::Serialize;

use crate::oauth2::Grant;

/// The tutorial's `/token` response, `{"access_token": "…", "token_type": "bearer"}`, with
/// `scope` when the grant differs from the request (RFC 6749 section 5.1).
///
/// As a [`Responder`] it answers 200 with `Cache-Control: no-store` and `Pragma: no-cache`:
/// token endpoint answers are never cached.
///
/// ```
/// use scopes_runtime::TokenResponse;
/// let body = serde_json::to_value(TokenResponse::bearer("abc")).unwrap();
/// assert_eq!(body, serde_json::json!({"access_token": "abc", "token_type": "bearer"}));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TokenResponse {
    /// The token.
    pub access_token: String,
    /// Always `bearer`.
    pub token_type: &'static str,
    /// The granted scopes, space-separated, when they are not the requested ones.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
}

impl TokenResponse {
    /// A bearer token response.
    pub fn bearer(access_token: impl Into<String>) -> Self {
        Self {
            access_token: access_token.into(),
            token_type: "bearer",
            scope: None,
        }
    }

    /// Says which scopes were granted when `grant` narrowed the request.
    #[must_use]
    pub fn granting(mut self, grant: &Grant) -> Self {
        if grant.is_narrowed() {
            self.scope = Some(grant.scopes().join(" "));
        }
        self
    }
}

impl Responder for TokenResponse {
    type Body = BoxBody;

    fn respond_to(self, _: &HttpRequest) -> HttpResponse {
        HttpResponse::Ok()
            .insert_header((header::CACHE_CONTROL, HeaderValue::from_static("no-store")))
            .insert_header((header::PRAGMA, HeaderValue::from_static("no-cache")))
            .json(self)
    }
}
