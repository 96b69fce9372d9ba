//! [`AuthError`]: the one rejection type of authentication and authorization, and the two
//! [`ErrorStyle`]s its responses can take.
//!
//! | kind | [`ErrorStyle::Tutorial`] (default) | [`ErrorStyle::Rfc6750`] |
//! |------|-----------------------------------|-------------------------|
//! | [`NotAuthenticated`](AuthErrorKind::NotAuthenticated) | 401 `{"detail":"Not authenticated"}`, `WWW-Authenticate: Bearer` | 401 `{"detail":"Not authenticated"}`, `WWW-Authenticate: Bearer` (+ `scope="…"`) |
//! | [`MalformedCredentials`](AuthErrorKind::MalformedCredentials) | 401 `{"detail":"Could not validate credentials"}`, `WWW-Authenticate: Bearer scope="…"` (FastAPI passes what follows `Bearer ` to the decoder) | 400 `{"error":"invalid_request",..}`, `WWW-Authenticate: Bearer error="invalid_request"` |
//! | [`InvalidToken`](AuthErrorKind::InvalidToken) | 401 `{"detail":"Could not validate credentials"}`, `WWW-Authenticate: Bearer scope="…"` | 401 `{"error":"invalid_token",..}`, `WWW-Authenticate: Bearer error="invalid_token"` |
//! | [`InsufficientScope`](AuthErrorKind::InsufficientScope) | 401 `{"detail":"Not enough permissions"}`, `WWW-Authenticate: Bearer scope="…"` | 403 `{"error":"insufficient_scope",..}`, `WWW-Authenticate: Bearer error="insufficient_scope", scope="…"` |
//! | [`InvalidGrant`](AuthErrorKind::InvalidGrant) | 400 `{"detail":"Incorrect username or password"}` | 400 `{"error":"invalid_grant",..}` (RFC 6749 section 5.2) |
//! | [`Custom`](AuthErrorKind::Custom) | the given status, `{"detail": …}` and headers | the same |
//!
//! In the tutorial style the `scope="…"` attribute is present only when the error was given
//! the [`SecurityScopes`] of the dependency that raised it ([`AuthError::with_scopes`]) and
//! they are not empty; otherwise the header is `Bearer` alone, as in FastAPI's tutorial.
//!
//! Bodies never carry JWT or bcrypt details: those are in [`std::error::Error::source`] and
//! in the `tracing` event logged when the response is built. Tokens and passwords are never
//! logged.

use core::fmt;
use std::borrow::Cow;

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, ResponseError};

use crate::security::SecurityScopes;

/// How [`AuthError`] responses look. Chosen once, in the app's
/// [`OAuth2PasswordBearer`](crate::OAuth2PasswordBearer) configuration.
///
/// ```
/// use scopes_runtime::{ErrorStyle, OAuth2PasswordBearer};
///
/// const OAUTH2: OAuth2PasswordBearer =
///     OAuth2PasswordBearer::new("token", &[("me", "Read information about the current user.")])
///         .with_error_style(ErrorStyle::Rfc6750);
/// assert_eq!(OAUTH2.error_style(), ErrorStyle::Rfc6750);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorStyle {
    /// FastAPI's tutorial: `{"detail": "…"}` bodies, every authentication or scope failure is
    /// a 401 with `WWW-Authenticate: Bearer scope="…"`.
    #[default]
    Tutorial,
    /// RFC 6750 section 3: `error="invalid_token"` (401), `error="insufficient_scope"` (403),
    /// `error="invalid_request"` (400) in `WWW-Authenticate`, and
    /// `{"error": "…", "error_description": "…"}` bodies.
    Rfc6750,
}

impl ErrorStyle {
    /// The style configured for this request's app: the one of the
    /// [`OAuth2PasswordBearer`](crate::OAuth2PasswordBearer) in app data, or the default.
    ///
    /// ```
    /// use actix_web::test::TestRequest;
    /// use scopes_runtime::{ErrorStyle, OAuth2PasswordBearer};
    ///
    /// let req = TestRequest::default()
    ///     .app_data(OAuth2PasswordBearer::new("token", &[]).with_error_style(ErrorStyle::Rfc6750))
    ///     .to_http_request();
    /// assert_eq!(ErrorStyle::of(&req), ErrorStyle::Rfc6750);
    /// ```
    pub fn of(req: &HttpRequest) -> Self {
        crate::bearer::OAuth2PasswordBearer::of(req)
            .map(|b| b.error_style())
            .unwrap_or_default()
    }
}

/// What went wrong, which fixes an [`AuthError`]'s status and body (see the
/// [module docs](self) for the table).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AuthErrorKind {
    /// No `Authorization` header, or one with another scheme than `Bearer`.
    NotAuthenticated,
    /// A `Bearer` header that is not exactly one token68: no token, two tokens, bad bytes.
    MalformedCredentials,
    /// The token did not verify, or names no usable subject ("Could not validate credentials").
    InvalidToken,
    /// The token lacks scopes the route requires ("Not enough permissions").
    InsufficientScope,
    /// The token endpoint got a wrong username or password ("Incorrect username or password").
    InvalidGrant,
    /// An application error with its own status and detail, like FastAPI's `HTTPException`
    /// (e.g. 400 "Inactive user").
    Custom,
}

/// The rejection of authentication and authorization: an [`AuthErrorKind`], the
/// [`ErrorStyle`] to answer in, and optionally the [`SecurityScopes`] that were required.
///
/// Dependencies return it as their `Err` (it implements [`ResponseError`]):
///
/// ```
/// use actix_web::http::StatusCode;
/// use scopes_runtime::{dependency, AuthError, SecurityScopes};
///
/// #[derive(Clone)]
/// struct User {
///     disabled: bool,
/// }
///
/// #[dependency]
/// async fn active_user(scopes: SecurityScopes) -> Result<User, AuthError> {
///     let user = User { disabled: true };
///     if user.disabled {
///         return Err(AuthError::custom(StatusCode::BAD_REQUEST, "Inactive user"));
///     }
///     Ok(user)
/// }
///
/// let err = AuthError::invalid_token();
/// assert_eq!(actix_web::ResponseError::status_code(&err), StatusCode::UNAUTHORIZED);
/// ```
pub struct AuthError {
    kind: AuthErrorKind,
    style: ErrorStyle,
    scope: &'static str,
    missing: Vec<&'static str>,
    custom: Option<Box<Custom>>,
    source: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
}

struct Custom {
    status: StatusCode,
    detail: Cow<'static, str>,
    headers: Vec<(HeaderName, HeaderValue)>,
}

impl AuthError {
    fn new(kind: AuthErrorKind) -> Self {
        Self {
            kind,
            style: ErrorStyle::Tutorial,
            scope: "",
            missing: Vec::new(),
            custom: None,
            source: None,
        }
    }

    /// 401 "Not authenticated": no bearer credentials.
    ///
    /// ```
    /// # use scopes_runtime::{AuthError, AuthErrorKind};
    /// assert_eq!(AuthError::not_authenticated().kind(), AuthErrorKind::NotAuthenticated);
    /// ```
    pub fn not_authenticated() -> Self {
        Self::new(AuthErrorKind::NotAuthenticated)
    }

    /// A malformed `Authorization: Bearer` header.
    ///
    /// ```
    /// # use scopes_runtime::{AuthError, AuthErrorKind};
    /// assert_eq!(AuthError::malformed_credentials().kind(), AuthErrorKind::MalformedCredentials);
    /// ```
    pub fn malformed_credentials() -> Self {
        Self::new(AuthErrorKind::MalformedCredentials)
    }

    /// 401 "Could not validate credentials": the token is invalid, or its subject is unknown.
    ///
    /// ```
    /// # use scopes_runtime::{AuthError, AuthErrorKind};
    /// assert_eq!(AuthError::invalid_token().kind(), AuthErrorKind::InvalidToken);
    /// ```
    pub fn invalid_token() -> Self {
        Self::new(AuthErrorKind::InvalidToken)
    }

    /// "Not enough permissions": `missing` are the required scopes the token lacks.
    ///
    /// ```
    /// # use scopes_runtime::{AuthError, AuthErrorKind};
    /// let err = AuthError::insufficient_scope(vec!["items"]);
    /// assert_eq!(err.missing_scopes(), ["items"]);
    /// ```
    pub fn insufficient_scope(missing: Vec<&'static str>) -> Self {
        Self {
            missing,
            ..Self::new(AuthErrorKind::InsufficientScope)
        }
    }

    /// 400 "Incorrect username or password", for the token endpoint.
    ///
    /// ```
    /// # use scopes_runtime::AuthError;
    /// # use actix_web::{http::StatusCode, ResponseError};
    /// assert_eq!(AuthError::invalid_grant().status_code(), StatusCode::BAD_REQUEST);
    /// ```
    pub fn invalid_grant() -> Self {
        Self::new(AuthErrorKind::InvalidGrant)
    }

    /// An application error answered as `status` with `{"detail": detail}` in every style,
    /// like FastAPI's `HTTPException` (add headers with [`with_header`](Self::with_header)).
    ///
    /// ```
    /// # use scopes_runtime::AuthError;
    /// # use actix_web::{http::StatusCode, ResponseError};
    /// let err = AuthError::custom(StatusCode::BAD_REQUEST, "Inactive user");
    /// assert_eq!(err.status_code(), StatusCode::BAD_REQUEST);
    /// ```
    pub fn custom(status: StatusCode, detail: impl Into<Cow<'static, str>>) -> Self {
        Self {
            custom: Some(Box::new(Custom {
                status,
                detail: detail.into(),
                headers: Vec::new(),
            })),
            ..Self::new(AuthErrorKind::Custom)
        }
    }

    /// Answers in `style`.
    ///
    /// ```
    /// # use scopes_runtime::{AuthError, ErrorStyle};
    /// # use actix_web::{http::StatusCode, ResponseError};
    /// let err = AuthError::insufficient_scope(vec!["me"]).with_style(ErrorStyle::Rfc6750);
    /// assert_eq!(err.status_code(), StatusCode::FORBIDDEN);
    /// ```
    #[must_use]
    pub fn with_style(mut self, style: ErrorStyle) -> Self {
        self.style = style;
        self
    }

    /// Answers in the style configured for `req`'s app ([`ErrorStyle::of`]).
    ///
    /// ```
    /// # use scopes_runtime::{AuthError, ErrorStyle};
    /// let req = actix_web::test::TestRequest::default().to_http_request();
    /// assert_eq!(AuthError::invalid_token().with_style_of(&req).style(), ErrorStyle::Tutorial);
    /// ```
    #[must_use]
    pub fn with_style_of(self, req: &HttpRequest) -> Self {
        self.with_style(ErrorStyle::of(req))
    }

    /// Names the scopes the failing dependency required, for the `scope="…"` attribute of
    /// `WWW-Authenticate` (the tutorial's `security_scopes.scope_str`).
    ///
    /// ```
    /// use scopes_runtime::{dependency, AuthError, SecurityScopes};
    ///
    /// #[dependency]
    /// async fn always_fails(scopes: SecurityScopes) -> Result<(), AuthError> {
    ///     Err(AuthError::invalid_token().with_scopes(scopes))
    /// }
    /// ```
    #[must_use]
    pub fn with_scopes(mut self, scopes: SecurityScopes) -> Self {
        self.scope = scopes.scope_str();
        self
    }

    /// Adds a response header (for [`custom`](Self::custom) errors; ignored by the others,
    /// whose headers are fixed).
    ///
    /// ```
    /// # use scopes_runtime::AuthError;
    /// use actix_web::http::{header::{HeaderName, HeaderValue}, StatusCode};
    /// let err = AuthError::custom(StatusCode::TOO_MANY_REQUESTS, "Slow down")
    ///     .with_header(HeaderName::from_static("retry-after"), HeaderValue::from_static("30"));
    /// # drop(err);
    /// ```
    #[must_use]
    pub fn with_header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        if let Some(custom) = &mut self.custom {
            custom.headers.push((name, value));
        }
        self
    }

    /// Records the underlying error ([`source`](std::error::Error::source)); it is logged,
    /// never put in the body.
    ///
    /// ```
    /// # use scopes_runtime::AuthError;
    /// use std::error::Error;
    /// let err = AuthError::invalid_token().with_source(std::fmt::Error);
    /// assert!(err.source().is_some());
    /// ```
    #[must_use]
    pub fn with_source(mut self, source: impl std::error::Error + Send + Sync + 'static) -> Self {
        self.source = Some(Box::new(source));
        self
    }

    /// What went wrong.
    ///
    /// ```
    /// # use scopes_runtime::{AuthError, AuthErrorKind};
    /// assert_eq!(AuthError::invalid_grant().kind(), AuthErrorKind::InvalidGrant);
    /// ```
    pub fn kind(&self) -> AuthErrorKind {
        self.kind
    }

    /// The style the response is built in.
    ///
    /// ```
    /// # use scopes_runtime::{AuthError, ErrorStyle};
    /// assert_eq!(AuthError::invalid_grant().style(), ErrorStyle::Tutorial);
    /// ```
    pub fn style(&self) -> ErrorStyle {
        self.style
    }

    /// The required scopes the token lacked ([`AuthErrorKind::InsufficientScope`] only).
    ///
    /// ```
    /// # use scopes_runtime::AuthError;
    /// assert!(AuthError::invalid_token().missing_scopes().is_empty());
    /// ```
    pub fn missing_scopes(&self) -> &[&'static str] {
        &self.missing
    }

    /// The `detail` of a tutorial-style body, or the `error_description` of an RFC 6750 one.
    fn description(&self) -> &str {
        match (self.kind, self.style) {
            (AuthErrorKind::Custom, _) => self.custom.as_ref().map_or("", |c| &c.detail),
            (AuthErrorKind::NotAuthenticated, _) => "Not authenticated",
            // FastAPI hands whatever follows `Bearer ` to the decoder, which refuses it.
            (AuthErrorKind::MalformedCredentials, ErrorStyle::Tutorial) => {
                "Could not validate credentials"
            }
            (AuthErrorKind::MalformedCredentials, ErrorStyle::Rfc6750) => {
                "The Authorization header is not a single bearer token"
            }
            (AuthErrorKind::InvalidToken, ErrorStyle::Tutorial) => "Could not validate credentials",
            (AuthErrorKind::InvalidToken, ErrorStyle::Rfc6750) => {
                "The access token is invalid or expired"
            }
            (AuthErrorKind::InsufficientScope, ErrorStyle::Tutorial) => "Not enough permissions",
            (AuthErrorKind::InsufficientScope, ErrorStyle::Rfc6750) => {
                "The access token lacks a required scope"
            }
            (AuthErrorKind::InvalidGrant, _) => "Incorrect username or password",
        }
    }

    /// The RFC 6749/6750 `error` code, in the RFC 6750 style.
    fn error_code(&self) -> Option<&'static str> {
        if self.style != ErrorStyle::Rfc6750 {
            return None;
        }
        match self.kind {
            AuthErrorKind::MalformedCredentials => Some("invalid_request"),
            AuthErrorKind::InvalidToken => Some("invalid_token"),
            AuthErrorKind::InsufficientScope => Some("insufficient_scope"),
            AuthErrorKind::InvalidGrant => Some("invalid_grant"),
            AuthErrorKind::NotAuthenticated | AuthErrorKind::Custom => None,
        }
    }

    /// The `WWW-Authenticate` challenge, if this error carries one.
    fn challenge(&self) -> Option<String> {
        let mut value = String::from("Bearer");
        match self.style {
            ErrorStyle::Tutorial => match self.kind {
                AuthErrorKind::NotAuthenticated => {}
                AuthErrorKind::MalformedCredentials
                | AuthErrorKind::InvalidToken
                | AuthErrorKind::InsufficientScope => {
                    push_param(&mut value, "scope", self.scope);
                }
                AuthErrorKind::InvalidGrant | AuthErrorKind::Custom => return None,
            },
            ErrorStyle::Rfc6750 => match self.kind {
                AuthErrorKind::NotAuthenticated => push_param(&mut value, "scope", self.scope),
                AuthErrorKind::MalformedCredentials | AuthErrorKind::InvalidToken => {
                    push_param(&mut value, "error", self.error_code().unwrap_or_default());
                }
                AuthErrorKind::InsufficientScope => {
                    push_param(&mut value, "error", "insufficient_scope");
                    push_param(&mut value, "scope", self.scope);
                }
                AuthErrorKind::InvalidGrant | AuthErrorKind::Custom => return None,
            },
        }
        Some(value)
    }
}

/// Appends ` name="value"` (`, name="value"` after the first) unless `value` is empty, quoting
/// `value` as an RFC 9110 quoted-string: `"` and `\` are escaped, bytes a header cannot carry
/// are dropped.
fn push_param(challenge: &mut String, name: &str, value: &str) {
    if value.is_empty() {
        return;
    }
    challenge.push_str(if challenge.contains('=') { ", " } else { " " });
    challenge.push_str(name);
    challenge.push_str("=\"");
    for c in value.chars() {
        match c {
            '"' | '\\' => {
                challenge.push('\\');
                challenge.push(c);
            }
            ' ' | '\t' | '!'..='~' => challenge.push(c),
            _ => {}
        }
    }
    challenge.push('"');
}

impl fmt::Debug for AuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthError")
            .field("kind", &self.kind)
            .field("style", &self.style)
            .field("scope", &self.scope)
            .field("missing", &self.missing)
            .field("detail", &self.description())
            .field("source", &self.source)
            .finish()
    }
}

impl fmt::Display for AuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            AuthErrorKind::InsufficientScope => {
                write!(f, "missing scopes: {}", self.missing.join(" "))
            }
            _ => f.write_str(self.description()),
        }
    }
}

impl std::error::Error for AuthError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

impl ResponseError for AuthError {
    fn status_code(&self) -> StatusCode {
        match (self.kind, self.style) {
            (AuthErrorKind::Custom, _) => self
                .custom
                .as_ref()
                .map_or(StatusCode::INTERNAL_SERVER_ERROR, |c| c.status),
            (AuthErrorKind::NotAuthenticated | AuthErrorKind::InvalidToken, _) => {
                StatusCode::UNAUTHORIZED
            }
            (AuthErrorKind::MalformedCredentials, ErrorStyle::Tutorial) => StatusCode::UNAUTHORIZED,
            (AuthErrorKind::MalformedCredentials, ErrorStyle::Rfc6750) => StatusCode::BAD_REQUEST,
            (AuthErrorKind::InsufficientScope, ErrorStyle::Tutorial) => StatusCode::UNAUTHORIZED,
            (AuthErrorKind::InsufficientScope, ErrorStyle::Rfc6750) => StatusCode::FORBIDDEN,
            (AuthErrorKind::InvalidGrant, _) => StatusCode::BAD_REQUEST,
        }
    }

    fn error_response(&self) -> HttpResponse {
        match &self.source {
            Some(source) => tracing::debug!(kind = ?self.kind, error = %source, "request rejected"),
            None => tracing::debug!(kind = ?self.kind, "request rejected"),
        }
        let mut res = HttpResponse::build(self.status_code());
        if let Some(challenge) = self.challenge()
            && let Ok(value) = HeaderValue::from_str(&challenge)
        {
            res.insert_header((header::WWW_AUTHENTICATE, value));
        }
        if let Some(custom) = &self.custom {
            for (name, value) in &custom.headers {
                res.append_header((name.clone(), value.clone()));
            }
        }
        // Errors without an RFC error code keep FastAPI's `{"detail": …}` body in both styles.
        let body = match self.error_code() {
            Some(code) => serde_json::json!({
                "error": code,
                "error_description": self.description(),
            }),
            None => serde_json::json!({ "detail": self.description() }),
        };
        res.content_type(header::ContentType::json())
            .body(body.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::push_param;

    #[test]
    fn quotes_header_values_safely() {
        let mut challenge = String::from("Bearer");
        push_param(&mut challenge, "error", "invalid_token");
        push_param(&mut challenge, "scope", "a\"b\\c d\r\n\u{e9}\0");
        push_param(&mut challenge, "empty", "");
        assert_eq!(
            challenge,
            r#"Bearer error="invalid_token", scope="a\"b\\c d""#
        );
        assert!(actix_web::http::header::HeaderValue::from_str(&challenge).is_ok());
    }
}
