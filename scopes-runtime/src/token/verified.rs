//! [`VerifiedToken`]: the request's verified claims, verified once per request, and the
//! `/token` endpoint's [`TokenResponse`].

use std::sync::Arc;

use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::{FromRequest, HttpMessage, HttpRequest};
use serde::Serialize;

use super::{Claims, TokenConfig, TokenError};
use crate::bearer::BearerToken;
use crate::error::{AuthError, ErrorStyle};
use crate::security::SecurityScopes;

/// The tutorial's `/token` response: `{"access_token": "…", "token_type": "bearer"}`.
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
}

impl TokenResponse {
    /// A bearer token response.
    ///
    /// ```
    /// # use scopes_runtime::TokenResponse;
    /// assert_eq!(TokenResponse::bearer("abc").token_type, "bearer");
    /// ```
    pub fn bearer(access_token: impl Into<String>) -> Self {
        Self {
            access_token: access_token.into(),
            token_type: "bearer",
        }
    }
}

/// The verified claims of this request's bearer token.
///
/// The token is verified with the [`TokenConfig`] in app data at most once per request,
/// however many dependencies ask: the outcome is cached in the request's extensions.
/// Errors answer in the [`ErrorStyle`] of the app's
/// [`OAuth2PasswordBearer`](crate::OAuth2PasswordBearer).
///
/// As an extractor its errors carry no `scope="…"`; a dependency that receives
/// [`SecurityScopes`] calls [`VerifiedToken::authenticate`] instead, which is FastAPI's
/// tutorial `get_current_user` up to the user lookup:
///
/// ```
/// use actix_web::{web, HttpRequest};
/// use scopes_runtime::{dependency, AuthError, SecurityScopes, VerifiedToken};
///
/// #[derive(Clone)]
/// struct User {
///     username: String,
/// }
///
/// struct Db;
/// impl Db {
///     fn get(&self, username: &str) -> Option<User> {
///         Some(User { username: username.into() })
///     }
/// }
///
/// #[dependency]
/// async fn get_current_user(
///     security_scopes: SecurityScopes,
///     req: HttpRequest,
///     db: web::Data<Db>,
/// ) -> Result<User, AuthError> {
///     let token = VerifiedToken::authenticate(&req, security_scopes)?;
///     let user = db.get(token.sub()).ok_or_else(|| token.credentials_error(security_scopes))?;
///     token.require_scopes(security_scopes)?;
///     Ok(user)
/// }
/// ```
#[derive(Debug, Clone)]
pub struct VerifiedToken {
    claims: Arc<Claims>,
    style: ErrorStyle,
}

/// The outcome of verifying this request's token, kept in its extensions.
#[derive(Clone)]
struct Verified(Result<Arc<Claims>, TokenError>);

impl VerifiedToken {
    /// Reads and verifies `req`'s bearer token; errors name `scopes` in
    /// `WWW-Authenticate` (the tutorial's `credentials_exception`).
    ///
    /// ```
    /// use actix_web::HttpRequest;
    /// use scopes_runtime::{dependency, AuthError, SecurityScopes, VerifiedToken};
    ///
    /// #[dependency]
    /// async fn subject(scopes: SecurityScopes, req: HttpRequest) -> Result<String, AuthError> {
    ///     Ok(VerifiedToken::authenticate(&req, scopes)?.sub().to_owned())
    /// }
    /// ```
    pub fn authenticate(req: &HttpRequest, scopes: SecurityScopes) -> Result<Self, AuthError> {
        Self::verify_request(req).map_err(|e| e.with_scopes(scopes))
    }

    /// Reads and verifies `req`'s bearer token (what the extractor does).
    fn verify_request(req: &HttpRequest) -> Result<Self, AuthError> {
        let style = ErrorStyle::of(req);
        let cached = req.extensions().get::<Verified>().cloned();
        let outcome = match cached {
            Some(Verified(outcome)) => outcome,
            None => {
                let bearer = BearerToken::from_headers(req)?;
                let Some(config) = TokenConfig::of(req) else {
                    tracing::error!(
                        "VerifiedToken: no TokenConfig in app data; add `web::Data<TokenConfig>`"
                    );
                    return Err(AuthError::custom(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        "Internal Server Error",
                    ));
                };
                let outcome = config.verify(bearer.as_str()).map(Arc::new);
                if let Err(e) = &outcome {
                    tracing::debug!(error = %e, "bearer token refused");
                }
                req.extensions_mut().insert(Verified(outcome.clone()));
                outcome
            }
        };
        match outcome {
            Ok(claims) => Ok(Self { claims, style }),
            Err(e) => Err(AuthError::from(e).with_style(style)),
        }
    }

    /// The verified claims.
    ///
    /// ```
    /// # use scopes_runtime::VerifiedToken;
    /// fn audiences(token: &VerifiedToken) -> &[String] {
    ///     &token.claims().aud
    /// }
    /// ```
    pub fn claims(&self) -> &Claims {
        &self.claims
    }

    /// The subject (`sub`).
    ///
    /// ```
    /// # use scopes_runtime::VerifiedToken;
    /// fn username(token: &VerifiedToken) -> &str {
    ///     token.sub()
    /// }
    /// ```
    pub fn sub(&self) -> &str {
        &self.claims.sub
    }

    /// The granted scopes.
    ///
    /// ```
    /// # use scopes_runtime::VerifiedToken;
    /// fn can_read_items(token: &VerifiedToken) -> bool {
    ///     token.scopes().iter().any(|s| s == "items")
    /// }
    /// ```
    pub fn scopes(&self) -> &[String] {
        &self.claims.scopes
    }

    /// Checks that the token grants every scope of `required`; otherwise "Not enough
    /// permissions" ([`AuthError::insufficient_scope`]) listing the missing ones.
    ///
    /// ```
    /// # use scopes_runtime::{AuthError, SecurityScopes, VerifiedToken};
    /// fn check(token: &VerifiedToken, required: SecurityScopes) -> Result<(), AuthError> {
    ///     token.require_scopes(required)
    /// }
    /// ```
    pub fn require_scopes(&self, required: SecurityScopes) -> Result<(), AuthError> {
        crate::scope_check::require_scopes(required, self.scopes())
            .map_err(|e| e.with_style(self.style))
    }

    /// "Could not validate credentials" in this request's style, naming `scopes`: for a
    /// valid token whose subject is unknown.
    ///
    /// ```
    /// # use scopes_runtime::{AuthError, SecurityScopes, VerifiedToken};
    /// fn unknown_user(token: &VerifiedToken, scopes: SecurityScopes) -> AuthError {
    ///     token.credentials_error(scopes)
    /// }
    /// ```
    pub fn credentials_error(&self, scopes: SecurityScopes) -> AuthError {
        AuthError::invalid_token()
            .with_style(self.style)
            .with_scopes(scopes)
    }
}

impl FromRequest for VerifiedToken {
    type Error = AuthError;
    type Future = core::future::Ready<Result<Self, AuthError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        core::future::ready(Self::verify_request(req))
    }
}
