//! [`OAuth2PasswordRequestForm`] and [`OAuth2PasswordRequestFormStrict`]: the token
//! endpoint's `application/x-www-form-urlencoded` request (RFC 6749 section 4.3.2), read
//! like FastAPI reads it.

use core::fmt;
use core::future::Future;
use core::pin::Pin;
use std::borrow::Cow;

use actix_web::dev::Payload;
use actix_web::http::{StatusCode, header};
use actix_web::web::{Bytes, BytesMut};
use actix_web::{FromRequest, HttpMessage, HttpRequest, HttpResponse, ResponseError};
use futures_core::Stream;
use serde_json::{Value, json};

use crate::graph::check_scope_token;

/// The OAuth2 password-grant form (FastAPI's `OAuth2PasswordRequestForm`).
///
/// Fields are read as FastAPI's form parser reads them, from an
/// `application/x-www-form-urlencoded` or a `multipart/form-data` body: the last occurrence
/// of a field wins, an empty value counts as absent, a body of another content type (JSON,
/// text, none) has no fields at all, bytes that are not UTF-8 are decoded lossily, and `scope` is split
/// on whitespace (Python's `str.split()`); a scope that is not an RFC 6749 scope token is a
/// `value_error`. Every problem is
/// reported at once, in field order, as FastAPI's 422:
///
/// ```json
/// {"detail": [{"type": "missing", "loc": ["body", "username"], "msg": "Field required", "input": null}]}
/// ```
///
/// The body is read up to [`PasswordFormConfig::limit`] bytes (16 KiB by default); a larger
/// one is answered 413 `{"detail":"Request body too large"}`.
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
        Self::from_fields(form_urlencoded::parse(body), strict)
    }

    /// The form from `(name, value)` pairs, in body order.
    fn from_fields<'a, N, V>(
        pairs: impl IntoIterator<Item = (N, V)>,
        strict: bool,
    ) -> Result<Self, FormError>
    where
        N: AsRef<str>,
        V: Into<Cow<'a, str>>,
    {
        let mut fields: [Option<Cow<'a, str>>; 6] = Default::default();
        for (name, value) in pairs {
            if let Some(at) = FIELDS.iter().position(|f| *f == name.as_ref()) {
                let value = value.into();
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
        let scopes: Vec<String> = split_like_python(&scope).map(str::to_owned).collect();
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

/// `s.split()` as FastAPI runs it on `scope`: Python's `str.isspace` is Unicode's
/// White_Space (Rust's `char::is_whitespace`) plus the information separators
/// U+001C..U+001F, which Rust's `split_whitespace` would keep inside a scope.
fn split_like_python(s: &str) -> impl Iterator<Item = &str> {
    s.split(|c: char| c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c))
        .filter(|part| !part.is_empty())
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
    pub fn kind(&self) -> &'static str {
        self.kind
    }

    /// The field's name.
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
    /// 400 `{"detail":"There was an error parsing the body"}` (FastAPI's words): a
    /// `multipart/form-data` body that is not well formed.
    Malformed,
}

impl FormError {
    /// The validation problems (empty unless [`FormError::Invalid`]).
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
            Self::Malformed => f.write_str("malformed multipart body"),
        }
    }
}

impl std::error::Error for FormError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Payload(e) => Some(e),
            Self::Invalid(_) | Self::TooLarge { .. } | Self::Malformed => None,
        }
    }
}

impl ResponseError for FormError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::Payload(_) | Self::Malformed => StatusCode::BAD_REQUEST,
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
            Self::Malformed => json!({ "detail": "There was an error parsing the body" }),
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
/// use scopes_runtime::oauth2::PasswordFormConfig;
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
    #[must_use]
    pub const fn limit(mut self, limit: usize) -> Self {
        self.limit = limit;
        self
    }

    /// The largest body read, in bytes.
    pub const fn get_limit(&self) -> usize {
        self.limit
    }

    fn of(req: &HttpRequest) -> Self {
        super::app_data(req).copied().unwrap_or_default()
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
        Box::pin(async move { body.await?.parse(false).await })
    }
}

impl FromRequest for OAuth2PasswordRequestFormStrict {
    type Error = FormError;
    type Future = FormFuture<Self>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let body = read_form_body(req, payload);
        Box::pin(async move { body.await?.parse(true).await.map(Self) })
    }
}

/// A form body, as read from the request.
enum FormBody {
    /// `application/x-www-form-urlencoded`.
    Urlencoded(Bytes),
    /// `multipart/form-data` with its boundary.
    Multipart(Bytes, String),
    /// Another content type: FastAPI's form parser sees no fields in it.
    NotAForm,
}

/// What the `Content-Type` says the body is.
enum BodyKind {
    NotAForm,
    Urlencoded,
    Multipart {
        boundary: String,
    },
    /// `multipart/form-data` without a boundary: unreadable.
    MultipartWithoutBoundary,
}

impl FormBody {
    async fn parse(self, strict: bool) -> Result<OAuth2PasswordRequestForm, FormError> {
        match self {
            Self::Urlencoded(body) => OAuth2PasswordRequestForm::parse(&body, strict),
            Self::NotAForm => OAuth2PasswordRequestForm::parse(b"", strict),
            Self::Multipart(body, boundary) => {
                let mut multipart = multer::Multipart::new(Once(Some(body)), boundary);
                let mut fields = Vec::new();
                loop {
                    match multipart.next_field().await {
                        Ok(Some(field)) => {
                            let name = field.name().unwrap_or_default().to_owned();
                            let bytes = field.bytes().await.map_err(|_| FormError::Malformed)?;
                            fields.push((name, String::from_utf8_lossy(&bytes).into_owned()));
                        }
                        Ok(None) => break,
                        Err(_) => return Err(FormError::Malformed),
                    }
                }
                OAuth2PasswordRequestForm::from_fields(fields, strict)
            }
        }
    }
}

/// A stream of one chunk: the buffered body, for `multer`.
struct Once(Option<Bytes>);

impl Stream for Once {
    type Item = Result<Bytes, core::convert::Infallible>;

    fn poll_next(
        mut self: Pin<&mut Self>,
        _: &mut core::task::Context<'_>,
    ) -> core::task::Poll<Option<Self::Item>> {
        core::task::Poll::Ready(self.0.take().map(Ok))
    }
}

/// The body when it is a form, up to the configured limit.
fn read_form_body(
    req: &HttpRequest,
    payload: &mut Payload,
) -> impl Future<Output = Result<FormBody, FormError>> + 'static {
    let limit = PasswordFormConfig::of(req).limit;
    let mime = req.mime_type().ok().flatten();
    let kind = match mime
        .as_ref()
        .map(|m| (m.essence_str(), m.get_param("boundary")))
    {
        Some(("application/x-www-form-urlencoded", _)) => BodyKind::Urlencoded,
        Some(("multipart/form-data", Some(boundary))) => BodyKind::Multipart {
            boundary: boundary.as_str().to_owned(),
        },
        Some(("multipart/form-data", None)) => BodyKind::MultipartWithoutBoundary,
        _ => BodyKind::NotAForm,
    };
    let declared_len = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    let mut payload = payload.take();
    async move {
        let boundary = match kind {
            BodyKind::NotAForm => return Ok(FormBody::NotAForm),
            BodyKind::MultipartWithoutBoundary => return Err(FormError::Malformed),
            BodyKind::Urlencoded => None,
            BodyKind::Multipart { boundary } => Some(boundary),
        };

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
        Ok(match boundary {
            None => FormBody::Urlencoded(body.freeze()),
            Some(boundary) => FormBody::Multipart(body.freeze(), boundary),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Found by `fuzz/run.sh` (password_form_urlencoded): FastAPI splits `scope` on the
    /// separators U+001C..U+001F and U+00A0 as on a space.
    #[test]
    fn scope_is_split_as_python_splits_it() {
        let form = OAuth2PasswordRequestForm::parse(
            b"username=j&password=p&scope=me%20items%09%1c%1f%C2%A0x%E2%80%A8y",
            false,
        )
        .unwrap();
        assert_eq!(form.scopes, ["me", "items", "x", "y"]);
    }
}
