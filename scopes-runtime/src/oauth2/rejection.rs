//! [`AuthError`]: the one rejection type of authentication, authorization and the token
//! endpoint, and the two [`ErrorStyle`]s its responses can take.

use core::fmt;
use core::time::Duration;
use std::borrow::Cow;

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::{HttpResponse, ResponseError};

use crate::graph::SecurityScopes;

/// How [`AuthError`] responses look. Chosen once, in the app's
/// [`OAuth2PasswordBearer`](super::OAuth2PasswordBearer) configuration, and looked up with
/// [`ErrorStyle::of`].
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
    /// `{"error": "…", "error_description": "…"}` bodies; RFC 6749 section 5.2 errors from
    /// the token endpoint.
    Rfc6750,
}

/// What went wrong, which fixes an [`AuthError`]'s status and body (see [`AuthError`] for
/// the table).
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
    /// The token endpoint's request lacks a parameter or is malformed (RFC 6749 section 5.2).
    InvalidRequest,
    /// The token endpoint was asked for another grant type than `password`.
    UnsupportedGrantType,
    /// The token endpoint was asked for a scope the server does not declare.
    InvalidScope,
    /// The token endpoint refuses logins of this username or from this address for a while:
    /// too many failed ([`LoginThrottle`](super::LoginThrottle)). 429 with `Retry-After`.
    TooManyLogins,
    /// The token endpoint cannot check a password now (no bcrypt slot free in time,
    /// [`PasswordError::Busy`](super::PasswordError::Busy)). 503 with `Retry-After`.
    TemporarilyUnavailable,
    /// An application error with its own status and detail, like FastAPI's `HTTPException`
    /// (e.g. 400 "Inactive user").
    Custom,
}

/// The rejection of authentication, authorization and the token endpoint: an
/// [`AuthErrorKind`], the [`ErrorStyle`] to answer in, and optionally the
/// [`SecurityScopes`] that were required.
///
/// | kind | [`ErrorStyle::Tutorial`] (default) | [`ErrorStyle::Rfc6750`] |
/// |------|-----------------------------------|-------------------------|
/// | [`NotAuthenticated`](AuthErrorKind::NotAuthenticated) | 401 `{"detail":"Not authenticated"}`, `WWW-Authenticate: Bearer` | 401 `{"detail":"Not authenticated"}`, `WWW-Authenticate: Bearer` (+ `scope="…"`) |
/// | [`MalformedCredentials`](AuthErrorKind::MalformedCredentials) | 401 `{"detail":"Could not validate credentials"}`, `WWW-Authenticate: Bearer scope="…"` (FastAPI passes what follows `Bearer ` to the decoder) | 400 `{"error":"invalid_request",..}`, `WWW-Authenticate: Bearer error="invalid_request"` |
/// | [`InvalidToken`](AuthErrorKind::InvalidToken) | 401 `{"detail":"Could not validate credentials"}`, `WWW-Authenticate: Bearer scope="…"` | 401 `{"error":"invalid_token",..}`, `WWW-Authenticate: Bearer error="invalid_token"` |
/// | [`InsufficientScope`](AuthErrorKind::InsufficientScope) | 401 `{"detail":"Not enough permissions"}`, `WWW-Authenticate: Bearer scope="…"` | 403 `{"error":"insufficient_scope",..}`, `WWW-Authenticate: Bearer error="insufficient_scope", scope="…"` |
/// | [`InvalidGrant`](AuthErrorKind::InvalidGrant) | 400 `{"detail":"Incorrect username or password"}` | 400 `{"error":"invalid_grant",..}`, `Cache-Control: no-store` |
/// | [`InvalidRequest`](AuthErrorKind::InvalidRequest), [`UnsupportedGrantType`](AuthErrorKind::UnsupportedGrantType), [`InvalidScope`](AuthErrorKind::InvalidScope) | 400 `{"detail": …}` | 400 `{"error":"invalid_request"` (or `unsupported_grant_type`, `invalid_scope`)`,..}`, `Cache-Control: no-store` (RFC 6749 section 5.2) |
/// | [`TooManyLogins`](AuthErrorKind::TooManyLogins) | 429 `{"detail":"Too many login attempts"}`, `Retry-After` | 429 `{"error":"invalid_request","error_description":"Too many login attempts"}`, `Retry-After`, `Cache-Control: no-store` |
/// | [`TemporarilyUnavailable`](AuthErrorKind::TemporarilyUnavailable) | 503 `{"detail":"Service temporarily unavailable"}`, `Retry-After` | 503 `{"error":"temporarily_unavailable",..}`, `Retry-After`, `Cache-Control: no-store` |
/// | [`Custom`](AuthErrorKind::Custom) | the given status, `{"detail": …}` | the same |
///
/// RFC 6749 has no error code for a throttled login: of section 5.2's codes only
/// `invalid_request` fits (`invalid_grant` would tell the client the password is wrong),
/// and the 429 status and `Retry-After` say the rest. A 503 takes `temporarily_unavailable`,
/// the registered code (section 4.1.2.1) whose meaning it is.
///
/// In the tutorial style the `scope="…"` attribute is present only when the error was given
/// the [`SecurityScopes`] of the dependency that raised it ([`AuthError::with_scopes`]) and
/// they are not empty; otherwise the header is `Bearer` alone, as in FastAPI's tutorial.
///
/// Bodies never carry JWT or bcrypt details: those are in [`std::error::Error::source`] and
/// in the `tracing` event logged when the response is built. Tokens and passwords are never
/// logged.
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
    reason: Reason,
    style: ErrorStyle,
    scope: Cow<'static, str>,
    resource_metadata: Option<&'static str>,
    source: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
}

/// An [`AuthErrorKind`] with what that kind carries, and nothing another kind would.
enum Reason {
    NotAuthenticated,
    MalformedCredentials,
    InvalidToken,
    InsufficientScope { missing: Vec<&'static str> },
    InvalidGrant,
    InvalidRequest { description: &'static str },
    UnsupportedGrantType,
    InvalidScope,
    TooManyLogins { retry_after: u64 },
    TemporarilyUnavailable { retry_after: u64 },
    Custom(Box<Custom>),
}

struct Custom {
    status: StatusCode,
    detail: Cow<'static, str>,
    headers: Vec<(HeaderName, HeaderValue)>,
}

/// Which `WWW-Authenticate` challenge a response carries.
#[derive(Clone, Copy)]
enum Challenge {
    None,
    /// `Bearer` alone.
    Bearer,
    /// `Bearer`, with the `scope` attribute when the error names scopes.
    Scope,
    /// `Bearer error="…"`.
    Error,
    /// `Bearer error="…", scope="…"`.
    ErrorAndScope,
}

/// Everything a response shows of an [`AuthError`], in one place per kind and style.
struct Spec<'a> {
    status: StatusCode,
    /// The RFC 6749/6750 `error` code: the body is then `{"error", "error_description"}`,
    /// otherwise FastAPI's `{"detail"}`.
    code: Option<&'static str>,
    /// The `detail`, or the `error_description`.
    description: &'a str,
    challenge: Challenge,
    /// A token endpoint error in the RFC style: `Cache-Control: no-store`, as section 5.1
    /// requires of the endpoint's successful answers, so that no answer of it is cached.
    no_store: bool,
}

impl AuthError {
    fn new(reason: Reason) -> Self {
        Self {
            reason,
            style: ErrorStyle::Tutorial,
            scope: Cow::Borrowed(""),
            resource_metadata: None,
            source: None,
        }
    }

    /// 401 "Not authenticated": no bearer credentials.
    pub fn not_authenticated() -> Self {
        Self::new(Reason::NotAuthenticated)
    }

    /// A malformed `Authorization: Bearer` header.
    pub fn malformed_credentials() -> Self {
        Self::new(Reason::MalformedCredentials)
    }

    /// 401 "Could not validate credentials": the token is invalid, or its subject is unknown.
    pub fn invalid_token() -> Self {
        Self::new(Reason::InvalidToken)
    }

    /// "Not enough permissions": `missing` are the required scopes the token lacks.
    ///
    /// ```
    /// # use scopes_runtime::AuthError;
    /// let err = AuthError::insufficient_scope(vec!["items"]);
    /// assert_eq!(err.missing_scopes(), ["items"]);
    /// ```
    pub fn insufficient_scope(missing: Vec<&'static str>) -> Self {
        Self::new(Reason::InsufficientScope { missing })
    }

    /// 400 "Incorrect username or password", for the token endpoint.
    pub fn invalid_grant() -> Self {
        Self::new(Reason::InvalidGrant)
    }

    /// 400 `invalid_request`, for the token endpoint: a required parameter is missing or
    /// the request is malformed; `description` says which, in the body.
    pub fn invalid_request(description: &'static str) -> Self {
        Self::new(Reason::InvalidRequest { description })
    }

    /// 400 `unsupported_grant_type`, for the token endpoint: `grant_type` is not `password`.
    pub fn unsupported_grant_type() -> Self {
        Self::new(Reason::UnsupportedGrantType)
    }

    /// 400 `invalid_scope`, for the token endpoint: a requested scope is not declared.
    pub fn invalid_scope() -> Self {
        Self::new(Reason::InvalidScope)
    }

    /// 429 "Too many login attempts", for the token endpoint: the login is refused for
    /// `retry_after` (sent as `Retry-After`, in whole seconds rounded up, at least one).
    /// A [`LoginRefused`](super::LoginRefused) converts into it.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use scopes_runtime::AuthError;
    /// # use actix_web::ResponseError;
    /// let err = AuthError::too_many_logins(Duration::from_millis(1500));
    /// assert_eq!(err.status_code().as_u16(), 429);
    /// assert_eq!(err.retry_after(), Some(Duration::from_secs(2)));
    /// let res = err.error_response();
    /// assert_eq!(res.headers().get("retry-after").unwrap(), "2");
    /// ```
    pub fn too_many_logins(retry_after: Duration) -> Self {
        Self::new(Reason::TooManyLogins {
            retry_after: super::throttle::whole_seconds(retry_after).as_secs(),
        })
    }

    /// 503 "Service temporarily unavailable", for the token endpoint: the password cannot be
    /// checked now; retry after `retry_after` (sent as `Retry-After`, in whole seconds
    /// rounded up, at least one).
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use scopes_runtime::{AuthError, ErrorStyle};
    /// # use actix_web::ResponseError;
    /// let err = AuthError::temporarily_unavailable(Duration::from_secs(2))
    ///     .with_style(ErrorStyle::Rfc6750);
    /// assert_eq!(err.status_code().as_u16(), 503);
    /// assert_eq!(err.retry_after(), Some(Duration::from_secs(2)));
    /// ```
    pub fn temporarily_unavailable(retry_after: Duration) -> Self {
        Self::new(Reason::TemporarilyUnavailable {
            retry_after: super::throttle::whole_seconds(retry_after).as_secs(),
        })
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
        Self::new(Reason::Custom(Box::new(Custom {
            status,
            detail: detail.into(),
            headers: Vec::new(),
        })))
    }

    /// 500 `{"detail":"Internal Server Error"}`: a failure of the server's own (a missing
    /// configuration, a token that cannot be signed). Log the cause; the body says no more.
    pub fn internal() -> Self {
        Self::custom(StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error")
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

    /// Points the `WWW-Authenticate` challenge of a 401 or 403 at the resource's RFC 9728
    /// metadata (`resource_metadata="…"`), as MCP clients expect; usually set from the app's
    /// [`OAuth2PasswordBearer::with_resource_metadata`](super::OAuth2PasswordBearer::with_resource_metadata)
    /// with [`AuthError::with_style_of`].
    ///
    /// ```
    /// # use scopes_runtime::{AuthError, ErrorStyle};
    /// # use actix_web::ResponseError;
    /// let err = AuthError::not_authenticated()
    ///     .with_resource_metadata(Some("https://api.example.com/.well-known/oauth-protected-resource"));
    /// let res = err.error_response();
    /// assert_eq!(
    ///     res.headers().get("www-authenticate").unwrap(),
    ///     r#"Bearer resource_metadata="https://api.example.com/.well-known/oauth-protected-resource""#
    /// );
    /// ```
    #[must_use]
    pub fn with_resource_metadata(mut self, url: Option<&'static str>) -> Self {
        self.resource_metadata = url;
        self
    }

    /// Names the scopes the failing dependency required, for the `scope="…"` attribute of
    /// `WWW-Authenticate` (the tutorial's `security_scopes.scope_str`; with alternatives, the
    /// one needing the fewest scopes: a `scope` attribute names scopes that are all needed).
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
        self.scope = match scopes.requirement().alternatives().len() {
            0 | 1 => Cow::Borrowed(scopes.scope_str()),
            _ => Cow::Owned(scopes.closest::<&str>(&[]).0.to_string()),
        };
        self
    }

    /// Adds a response header to a [`custom`](Self::custom) error; the other kinds' headers
    /// are fixed, and this leaves them as they are.
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
        if let Reason::Custom(custom) = &mut self.reason {
            custom.headers.push((name, value));
        }
        self
    }

    /// Records the underlying error ([`source`](std::error::Error::source)); it is logged,
    /// never put in the body.
    #[must_use]
    pub fn with_source(mut self, source: impl std::error::Error + Send + Sync + 'static) -> Self {
        self.source = Some(Box::new(source));
        self
    }

    /// What went wrong.
    pub fn kind(&self) -> AuthErrorKind {
        match self.reason {
            Reason::NotAuthenticated => AuthErrorKind::NotAuthenticated,
            Reason::MalformedCredentials => AuthErrorKind::MalformedCredentials,
            Reason::InvalidToken => AuthErrorKind::InvalidToken,
            Reason::InsufficientScope { .. } => AuthErrorKind::InsufficientScope,
            Reason::InvalidGrant => AuthErrorKind::InvalidGrant,
            Reason::InvalidRequest { .. } => AuthErrorKind::InvalidRequest,
            Reason::UnsupportedGrantType => AuthErrorKind::UnsupportedGrantType,
            Reason::InvalidScope => AuthErrorKind::InvalidScope,
            Reason::TooManyLogins { .. } => AuthErrorKind::TooManyLogins,
            Reason::TemporarilyUnavailable { .. } => AuthErrorKind::TemporarilyUnavailable,
            Reason::Custom(_) => AuthErrorKind::Custom,
        }
    }

    /// When to retry, sent as `Retry-After` ([`AuthErrorKind::TooManyLogins`] and
    /// [`AuthErrorKind::TemporarilyUnavailable`] only; whole seconds).
    pub fn retry_after(&self) -> Option<Duration> {
        match self.reason {
            Reason::TooManyLogins { retry_after }
            | Reason::TemporarilyUnavailable { retry_after } => {
                Some(Duration::from_secs(retry_after))
            }
            _ => None,
        }
    }

    /// The style the response is built in.
    pub fn style(&self) -> ErrorStyle {
        self.style
    }

    /// The required scopes the token lacked ([`AuthErrorKind::InsufficientScope`] only).
    pub fn missing_scopes(&self) -> &[&'static str] {
        match &self.reason {
            Reason::InsufficientScope { missing } => missing,
            _ => &[],
        }
    }

    /// The response's facts: the one table of what each kind answers in each style.
    fn spec(&self) -> Spec<'_> {
        use ErrorStyle::{Rfc6750, Tutorial};
        const BAD_REQUEST: StatusCode = StatusCode::BAD_REQUEST;
        const UNAUTHORIZED: StatusCode = StatusCode::UNAUTHORIZED;
        let spec = |status, code, description, challenge, no_store| Spec {
            status,
            code,
            description,
            challenge,
            no_store,
        };
        let rfc = self.style == Rfc6750;
        match (&self.reason, self.style) {
            (Reason::NotAuthenticated, _) => spec(
                UNAUTHORIZED,
                None,
                "Not authenticated",
                // FastAPI's tutorial answers a plain `Bearer` challenge.
                if rfc {
                    Challenge::Scope
                } else {
                    Challenge::Bearer
                },
                false,
            ),
            // FastAPI hands whatever follows `Bearer ` to the decoder, which refuses it.
            (Reason::MalformedCredentials, Tutorial) => spec(
                UNAUTHORIZED,
                None,
                "Could not validate credentials",
                Challenge::Scope,
                false,
            ),
            (Reason::MalformedCredentials, Rfc6750) => spec(
                BAD_REQUEST,
                Some("invalid_request"),
                "The Authorization header is not a single bearer token",
                Challenge::Error,
                false,
            ),
            (Reason::InvalidToken, Tutorial) => spec(
                UNAUTHORIZED,
                None,
                "Could not validate credentials",
                Challenge::Scope,
                false,
            ),
            (Reason::InvalidToken, Rfc6750) => spec(
                UNAUTHORIZED,
                Some("invalid_token"),
                "The access token is invalid or expired",
                Challenge::Error,
                false,
            ),
            (Reason::InsufficientScope { .. }, Tutorial) => spec(
                UNAUTHORIZED,
                None,
                "Not enough permissions",
                Challenge::Scope,
                false,
            ),
            (Reason::InsufficientScope { .. }, Rfc6750) => spec(
                StatusCode::FORBIDDEN,
                Some("insufficient_scope"),
                "The access token lacks a required scope",
                Challenge::ErrorAndScope,
                false,
            ),
            (Reason::InvalidGrant, _) => spec(
                BAD_REQUEST,
                rfc.then_some("invalid_grant"),
                "Incorrect username or password",
                Challenge::None,
                rfc,
            ),
            (Reason::InvalidRequest { description }, _) => spec(
                BAD_REQUEST,
                rfc.then_some("invalid_request"),
                description,
                Challenge::None,
                rfc,
            ),
            (Reason::UnsupportedGrantType, _) => spec(
                BAD_REQUEST,
                rfc.then_some("unsupported_grant_type"),
                "grant_type must be password",
                Challenge::None,
                rfc,
            ),
            (Reason::InvalidScope, _) => spec(
                BAD_REQUEST,
                rfc.then_some("invalid_scope"),
                "A requested scope is not declared by this server",
                Challenge::None,
                rfc,
            ),
            (Reason::TooManyLogins { .. }, _) => spec(
                StatusCode::TOO_MANY_REQUESTS,
                rfc.then_some("invalid_request"),
                "Too many login attempts",
                Challenge::None,
                rfc,
            ),
            (Reason::TemporarilyUnavailable { .. }, _) => spec(
                StatusCode::SERVICE_UNAVAILABLE,
                rfc.then_some("temporarily_unavailable"),
                "Service temporarily unavailable",
                Challenge::None,
                rfc,
            ),
            (Reason::Custom(custom), _) => {
                spec(custom.status, None, &custom.detail, Challenge::None, false)
            }
        }
    }

    /// The `WWW-Authenticate` value of `spec`, if it has one.
    fn challenge(&self, spec: &Spec<'_>) -> Option<String> {
        let mut value = String::from("Bearer");
        let code = spec.code.unwrap_or_default();
        match spec.challenge {
            Challenge::None => return None,
            Challenge::Bearer => {}
            Challenge::Scope => push_param(&mut value, "scope", &self.scope),
            Challenge::Error => push_param(&mut value, "error", code),
            Challenge::ErrorAndScope => {
                push_param(&mut value, "error", code);
                push_param(&mut value, "scope", &self.scope);
            }
        }
        if let Some(url) = self.resource_metadata
            && matches!(spec.status.as_u16(), 401 | 403)
        {
            push_param(&mut value, "resource_metadata", url);
        }
        Some(value)
    }
}

/// `Ok` when `granted` holds every scope of `required` (with alternatives, of one of them);
/// otherwise "Not enough permissions" ([`AuthError::insufficient_scope`], tutorial style)
/// naming `required` in `WWW-Authenticate` (with alternatives, the one `granted` comes
/// closest to, RFC 6750 section 3) and listing the scopes it lacks in
/// [`AuthError::missing_scopes`].
///
/// Scopes compare exactly (case-sensitive), as RFC 6749 section 3.3 says. A successful
/// check counts as the check of these scopes that `#[secured]` requires before it runs the
/// handler's body ([`SecurityScopes::check`]).
///
/// ```
/// use scopes_runtime::oauth2::require_scopes;
/// use scopes_runtime::{dependency, AuthError, SecurityScopes};
///
/// #[dependency]
/// async fn check(required: SecurityScopes) -> Result<(), AuthError> {
///     let granted = ["me".to_owned()];
///     require_scopes(required, &granted)
/// }
/// ```
pub fn require_scopes<S: AsRef<str>>(
    required: SecurityScopes,
    granted: &[S],
) -> Result<(), AuthError> {
    required.check(granted).map_err(|missing| {
        let error = AuthError::insufficient_scope(missing).with_scopes(required);
        match required.requirement().alternatives().len() {
            0 | 1 => error,
            _ => AuthError {
                scope: Cow::Owned(required.closest(granted).0.to_string()),
                ..error
            },
        }
    })
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
            .field("kind", &self.kind())
            .field("style", &self.style)
            .field("scope", &self.scope)
            .field("missing", &self.missing_scopes())
            .field("detail", &self.spec().description)
            .field("source", &self.source)
            .finish()
    }
}

impl fmt::Display for AuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.reason {
            Reason::InsufficientScope { missing } => {
                write!(f, "missing scopes: {}", missing.join(" "))
            }
            _ => f.write_str(self.spec().description),
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
        self.spec().status
    }

    fn error_response(&self) -> HttpResponse {
        match &self.source {
            Some(source) => {
                tracing::debug!(kind = ?self.kind(), error = %source, "request rejected")
            }
            None => tracing::debug!(kind = ?self.kind(), "request rejected"),
        }
        let spec = self.spec();
        let mut res = HttpResponse::build(spec.status);
        if let Some(challenge) = self.challenge(&spec)
            && let Ok(value) = HeaderValue::from_str(&challenge)
        {
            res.insert_header((header::WWW_AUTHENTICATE, value));
        }
        if spec.no_store {
            res.insert_header((header::CACHE_CONTROL, HeaderValue::from_static("no-store")));
            res.insert_header((header::PRAGMA, HeaderValue::from_static("no-cache")));
        }
        if let Some(retry_after) = self.retry_after() {
            res.insert_header((header::RETRY_AFTER, retry_after.as_secs()));
        }
        if let Reason::Custom(custom) = &self.reason {
            for (name, value) in &custom.headers {
                res.append_header((name.clone(), value.clone()));
            }
        }
        // Errors without an RFC error code keep FastAPI's `{"detail": …}` body in both styles.
        let body = match spec.code {
            Some(code) => serde_json::json!({
                "error": code,
                "error_description": spec.description,
            }),
            None => serde_json::json!({ "detail": spec.description }),
        };
        res.content_type(header::ContentType::json())
            .body(body.to_string())
    }
}

impl From<super::LoginRefused> for AuthError {
    /// [`AuthError::too_many_logins`], retrying after the refusal's
    /// [`retry_after`](super::LoginRefused::retry_after).
    fn from(refused: super::LoginRefused) -> Self {
        Self::too_many_logins(refused.retry_after())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::body::MessageBody;

    fn answer(err: &AuthError) -> (u16, Option<String>, Option<String>, serde_json::Value) {
        let res = err.error_response();
        let header = |name| {
            res.headers()
                .get(name)
                .map(|v: &HeaderValue| v.to_str().unwrap().to_owned())
        };
        let (retry, cache) = (header(header::RETRY_AFTER), header(header::CACHE_CONTROL));
        let status = res.status().as_u16();
        let body = res.into_body().try_into_bytes().unwrap();
        (status, retry, cache, serde_json::from_slice(&body).unwrap())
    }

    #[test]
    fn throttled_and_busy_logins_say_when_to_retry() {
        use serde_json::json;
        let throttled = AuthError::too_many_logins(Duration::from_secs(90));
        assert_eq!(
            answer(&throttled),
            (
                429,
                Some("90".into()),
                None,
                json!({"detail": "Too many login attempts"})
            )
        );
        assert_eq!(
            answer(&throttled.with_style(ErrorStyle::Rfc6750)),
            (
                429,
                Some("90".into()),
                Some("no-store".into()),
                json!({"error": "invalid_request", "error_description": "Too many login attempts"})
            )
        );
        let busy = AuthError::temporarily_unavailable(Duration::from_millis(10));
        assert_eq!(
            answer(&busy),
            (
                503,
                Some("1".into()),
                None,
                json!({"detail": "Service temporarily unavailable"})
            )
        );
        let busy = busy.with_style(ErrorStyle::Rfc6750);
        assert_eq!(busy.kind(), AuthErrorKind::TemporarilyUnavailable);
        assert_eq!(
            answer(&busy).3,
            json!({"error": "temporarily_unavailable", "error_description": "Service temporarily unavailable"})
        );
        assert_eq!(AuthError::invalid_grant().retry_after(), None);
    }

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
