//! [`OAuth2PasswordRequestForm`] and [`OAuth2PasswordRequestFormStrict`]: the token
//! endpoint's `application/x-www-form-urlencoded` request (RFC 6749 section 4.3.2), read
//! like FastAPI reads it.
//!
//! Fields are read as FastAPI's form parser reads them: the last occurrence of a field wins,
//! an empty value counts as absent, a body of another content type (JSON, multipart, none)
//! has no fields at all, bytes that are not UTF-8 are decoded lossily, and `scope` is split
//! on whitespace (Python's `str.split()`); a scope that is not an RFC 6749 scope token is a
//! `value_error`. Every problem is
//! reported at once, in field order, as FastAPI's 422:
//!
//! ```json
//! {"detail": [{"type": "missing", "loc": ["body", "username"], "msg": "Field required", "input": null}]}
//! ```
//!
//! The body is read up to [`PasswordFormConfig::limit`] bytes (16 KiB by default); a larger
//! one is answered 413 `{"detail":"Request body too large"}`.

use core::fmt;
use core::future::Future;
use core::pin::Pin;
use std::borrow::Cow;

use actix_web::dev::Payload;
use actix_web::http::{StatusCode, header};
use actix_web::web::{Bytes, BytesMut};
use actix_web::{FromRequest, HttpMessage, HttpRequest, HttpResponse, ResponseError, web};
use futures_core::Stream;
use serde_json::{Value, json};

use crate::scope_token::check_scope_token;

/// The OAuth2 password-grant form (FastAPI's `OAuth2PasswordRequestForm`).
///
/// `grant_type` may be absent; when present it must be `password`. Use
/// [`OAuth2PasswordRequestFormStrict`] to require it.
///
/// ```
/// use actix_web::{post, HttpResponse};
/// use scopes_runtime::OAuth2PasswordRequestForm;
///
/// #[post("/token")]
/// async fn login(form: OAuth2PasswordRequestForm) -> HttpResponse {
///     HttpResponse::Ok().body(format!("{} asks for {:?}", form.username, form.scopes))
/// }
/// ```
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct OAuth2PasswordRequestForm {
    /// `password`, or `None` when the client left it out.
    pub grant_type: Option<String>,
    /// The resource owner's username.
    pub username: String,
    /// The resource owner's password. Not shown by `Debug`.
    pub password: String,
    /// The requested scopes: the `scope` field split on spaces, empty when absent.
    pub scopes: Vec<String>,
    /// The optional `client_id`.
    pub client_id: Option<String>,
    /// The optional `client_secret`. Not shown by `Debug`.
    pub client_secret: Option<String>,
}

/// [`OAuth2PasswordRequestForm`] that requires `grant_type=password` (FastAPI's
/// `OAuth2PasswordRequestFormStrict`). Derefs to the lenient form.
///
/// ```
/// use actix_web::{post, HttpResponse};
/// use scopes_runtime::OAuth2PasswordRequestFormStrict;
///
/// #[post("/token")]
/// async fn login(form: OAuth2PasswordRequestFormStrict) -> HttpResponse {
///     HttpResponse::Ok().body(form.username.clone())
/// }
/// ```
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct OAuth2PasswordRequestFormStrict(pub OAuth2PasswordRequestForm);

impl core::ops::Deref for OAuth2PasswordRequestFormStrict {
    type Target = OAuth2PasswordRequestForm;

    fn deref(&self) -> &OAuth2PasswordRequestForm {
        &self.0
    }
}

impl OAuth2PasswordRequestFormStrict {
    /// The lenient form.
    ///
    /// ```
    /// # use scopes_runtime::{OAuth2PasswordRequestForm, OAuth2PasswordRequestFormStrict};
    /// fn lenient(form: OAuth2PasswordRequestFormStrict) -> OAuth2PasswordRequestForm {
    ///     form.into_inner()
    /// }
    /// ```
    pub fn into_inner(self) -> OAuth2PasswordRequestForm {
        self.0
    }
}

impl fmt::Debug for OAuth2PasswordRequestForm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OAuth2PasswordRequestForm")
            .field("grant_type", &self.grant_type)
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .field("scopes", &self.scopes)
            .field("client_id", &self.client_id)
            .field(
                "client_secret",
                &self.client_secret.as_ref().map(|_| "<redacted>"),
            )
            .finish()
    }
}

impl OAuth2PasswordRequestForm {
    /// Parses a form body as FastAPI would, `strict` requiring `grant_type=password`.
    /// `body` is the raw `application/x-www-form-urlencoded` bytes.
    ///
    /// ```
    /// use scopes_runtime::OAuth2PasswordRequestForm;
    ///
    /// let form = OAuth2PasswordRequestForm::parse(b"username=johndoe&password=secret&scope=me+items", false)
    ///     .unwrap();
    /// assert_eq!(form.scopes, ["me", "items"]);
    ///
    /// let err = OAuth2PasswordRequestForm::parse(b"grant_type=client_credentials", false).unwrap_err();
    /// assert_eq!(err.issues().len(), 3); // grant_type, username, password
    /// ```
    pub fn parse(body: &[u8], strict: bool) -> Result<Self, FormError> {
        let mut fields: [Option<Cow<'_, str>>; 6] = Default::default();
        for (name, value) in form_urlencoded::parse(body) {
            if let Some(at) = FIELDS.iter().position(|f| *f == name) {
                // FastAPI: the last occurrence wins, and "" counts as absent.
                fields[at] = (!value.is_empty()).then_some(value);
            }
        }
        let [
            grant_type,
            username,
            password,
            scope,
            client_id,
            client_secret,
        ] = fields;
        let mut issues = Vec::new();

        match &grant_type {
            Some(g) if g != "password" => {
                issues.push(FormIssue::pattern_mismatch("grant_type", g, "^password$"))
            }
            None if strict => issues.push(FormIssue::missing("grant_type")),
            _ => {}
        }
        if username.is_none() {
            issues.push(FormIssue::missing("username"));
        }
        if password.is_none() {
            issues.push(FormIssue::missing("password"));
        }
        let scope = scope.unwrap_or_default();
        let scopes: Vec<String> = scope.split_whitespace().map(str::to_owned).collect();
        if let Some(reason) = scopes.iter().find_map(|s| check_scope_token(s).err()) {
            issues.push(FormIssue::value_error("scope", &scope, reason.reason()));
        }

        match (username, password) {
            (Some(username), Some(password)) if issues.is_empty() => Ok(Self {
                grant_type: grant_type.map(Cow::into_owned),
                username: username.into_owned(),
                password: password.into_owned(),
                scopes,
                client_id: client_id.map(Cow::into_owned),
                client_secret: client_secret.map(Cow::into_owned),
            }),
            _ => Err(FormError::Invalid(issues)),
        }
    }
}

const FIELDS: [&str; 6] = [
    "grant_type",
    "username",
    "password",
    "scope",
    "client_id",
    "client_secret",
];

/// One problem of a form field, as a FastAPI (pydantic) validation error item.
#[derive(Debug, Clone, PartialEq)]
pub struct FormIssue {
    kind: &'static str,
    field: &'static str,
    msg: Cow<'static, str>,
    input: Value,
    ctx: Option<Value>,
}

impl FormIssue {
    fn missing(field: &'static str) -> Self {
        Self {
            kind: "missing",
            field,
            msg: Cow::Borrowed("Field required"),
            input: Value::Null,
            ctx: None,
        }
    }

    fn pattern_mismatch(field: &'static str, input: &str, pattern: &'static str) -> Self {
        Self {
            kind: "string_pattern_mismatch",
            field,
            msg: Cow::Owned(format!("String should match pattern '{pattern}'")),
            input: Value::String(input.to_owned()),
            ctx: Some(json!({ "pattern": pattern })),
        }
    }

    fn value_error(field: &'static str, input: &str, reason: &'static str) -> Self {
        Self {
            kind: "value_error",
            field,
            msg: Cow::Owned(format!("Value error, {reason}")),
            input: Value::String(input.to_owned()),
            ctx: Some(json!({ "error": reason })),
        }
    }

    /// The pydantic error type: `missing`, `string_pattern_mismatch` or `value_error`.
    ///
    /// ```
    /// # use scopes_runtime::OAuth2PasswordRequestForm;
    /// let err = OAuth2PasswordRequestForm::parse(b"", false).unwrap_err();
    /// assert_eq!(err.issues()[0].kind(), "missing");
    /// ```
    pub fn kind(&self) -> &'static str {
        self.kind
    }

    /// The field's name.
    ///
    /// ```
    /// # use scopes_runtime::OAuth2PasswordRequestForm;
    /// let err = OAuth2PasswordRequestForm::parse(b"", false).unwrap_err();
    /// assert_eq!(err.issues()[0].field(), "username");
    /// ```
    pub fn field(&self) -> &'static str {
        self.field
    }

    /// The item of FastAPI's `detail` list.
    ///
    /// ```
    /// # use scopes_runtime::OAuth2PasswordRequestForm;
    /// let err = OAuth2PasswordRequestForm::parse(b"username=a", false).unwrap_err();
    /// assert_eq!(
    ///     err.issues()[0].to_json(),
    ///     serde_json::json!({"type": "missing", "loc": ["body", "password"], "msg": "Field required", "input": null}),
    /// );
    /// ```
    pub fn to_json(&self) -> Value {
        let mut item = json!({
            "type": self.kind,
            "loc": ["body", self.field],
            "msg": self.msg,
            "input": self.input,
        });
        if let (Some(ctx), Some(map)) = (&self.ctx, item.as_object_mut()) {
            map.insert("ctx".to_owned(), ctx.clone());
        }
        item
    }
}

/// Why the password form was rejected. Never a 5xx.
///
/// ```
/// use actix_web::{http::StatusCode, ResponseError};
/// use scopes_runtime::OAuth2PasswordRequestForm;
///
/// let err = OAuth2PasswordRequestForm::parse(b"{\"username\":\"a\"}", false).unwrap_err();
/// assert_eq!(err.status_code(), StatusCode::UNPROCESSABLE_ENTITY);
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum FormError {
    /// 422 with FastAPI's `{"detail": [..]}`: fields missing or invalid, in field order.
    Invalid(Vec<FormIssue>),
    /// 413 `{"detail":"Request body too large"}`: the body exceeds the configured limit.
    TooLarge {
        /// The limit, in bytes.
        limit: usize,
    },
    /// 400 `{"detail":"Could not read the request body"}`: the body stream failed.
    Payload(actix_web::error::PayloadError),
}

impl FormError {
    /// The validation problems (empty unless [`FormError::Invalid`]).
    ///
    /// ```
    /// # use scopes_runtime::OAuth2PasswordRequestForm;
    /// let err = OAuth2PasswordRequestForm::parse(b"password=x", false).unwrap_err();
    /// assert_eq!(err.issues()[0].field(), "username");
    /// ```
    pub fn issues(&self) -> &[FormIssue] {
        match self {
            Self::Invalid(issues) => issues,
            _ => &[],
        }
    }
}

impl fmt::Display for FormError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Invalid(issues) => {
                f.write_str("invalid password form:")?;
                for issue in issues {
                    write!(f, " {} ({})", issue.field, issue.kind)?;
                }
                Ok(())
            }
            Self::TooLarge { limit } => write!(f, "request body larger than {limit} bytes"),
            Self::Payload(_) => f.write_str("could not read the request body"),
        }
    }
}

impl std::error::Error for FormError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Payload(e) => Some(e),
            _ => None,
        }
    }
}

impl ResponseError for FormError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::Payload(_) => StatusCode::BAD_REQUEST,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let body = match self {
            Self::Invalid(issues) => {
                json!({ "detail": issues.iter().map(FormIssue::to_json).collect::<Vec<_>>() })
            }
            Self::TooLarge { .. } => json!({ "detail": "Request body too large" }),
            Self::Payload(e) => {
                tracing::debug!(error = %e, "password form: payload error");
                json!({ "detail": "Could not read the request body" })
            }
        };
        HttpResponse::build(self.status_code())
            .content_type(header::ContentType::json())
            .body(body.to_string())
    }
}

/// Settings of the password form extractors, looked up in app data (as
/// `PasswordFormConfig` or `web::Data<PasswordFormConfig>`).
///
/// ```
/// use actix_web::App;
/// use scopes_runtime::PasswordFormConfig;
///
/// let app = App::new().app_data(PasswordFormConfig::default().limit(4096));
/// # drop(app);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PasswordFormConfig {
    limit: usize,
}

impl PasswordFormConfig {
    /// The default body limit: 16 KiB.
    pub const DEFAULT_LIMIT: usize = 16 * 1024;

    /// Sets the largest body read, in bytes.
    ///
    /// ```
    /// # use scopes_runtime::PasswordFormConfig;
    /// assert_eq!(PasswordFormConfig::default().limit(1024).get_limit(), 1024);
    /// ```
    #[must_use]
    pub const fn limit(mut self, limit: usize) -> Self {
        self.limit = limit;
        self
    }

    /// The largest body read, in bytes.
    ///
    /// ```
    /// # use scopes_runtime::PasswordFormConfig;
    /// assert_eq!(PasswordFormConfig::default().get_limit(), 16 * 1024);
    /// ```
    pub const fn get_limit(&self) -> usize {
        self.limit
    }

    fn of(req: &HttpRequest) -> Self {
        req.app_data::<Self>()
            .copied()
            .or_else(|| req.app_data::<web::Data<Self>>().map(|d| *d.get_ref()))
            .unwrap_or_default()
    }
}

impl Default for PasswordFormConfig {
    fn default() -> Self {
        Self {
            limit: Self::DEFAULT_LIMIT,
        }
    }
}

type FormFuture<T> = Pin<Box<dyn Future<Output = Result<T, FormError>>>>;

impl FromRequest for OAuth2PasswordRequestForm {
    type Error = FormError;
    type Future = FormFuture<Self>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let body = read_form_body(req, payload);
        Box::pin(async move { Self::parse(&body.await?, false) })
    }
}

impl FromRequest for OAuth2PasswordRequestFormStrict {
    type Error = FormError;
    type Future = FormFuture<Self>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let body = read_form_body(req, payload);
        Box::pin(async move { OAuth2PasswordRequestForm::parse(&body.await?, true).map(Self) })
    }
}

/// The body when it is `application/x-www-form-urlencoded`, or nothing (FastAPI's form
/// parser sees no fields in another content type).
fn read_form_body(
    req: &HttpRequest,
    payload: &mut Payload,
) -> impl Future<Output = Result<Bytes, FormError>> + 'static {
    let limit = PasswordFormConfig::of(req).limit;
    let is_form = req
        .mime_type()
        .ok()
        .flatten()
        .is_some_and(|m| m.essence_str() == "application/x-www-form-urlencoded");
    let declared_len = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    let mut payload = payload.take();
    async move {
        if !is_form {
            return Ok(Bytes::new());
        }
        if declared_len.is_some_and(|len| len > limit) {
            return Err(FormError::TooLarge { limit });
        }
        let mut body = BytesMut::new();
        while let Some(chunk) =
            core::future::poll_fn(|cx| Pin::new(&mut payload).poll_next(cx)).await
        {
            let chunk = chunk.map_err(FormError::Payload)?;
            if body.len() + chunk.len() > limit {
                return Err(FormError::TooLarge { limit });
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body.freeze())
    }
}
