//! [`OAuth2PasswordBearer`], the app's OAuth2 password-flow security scheme, and the
//! [`BearerToken`] extractor that reads `Authorization: Bearer <token>` (RFC 6750 section 2.1).

use core::fmt;
use core::future::{Ready, ready};

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};

use crate::error::{AuthError, ErrorStyle};
use crate::scope_token::check_scope_token;

/// The OAuth2 password flow of an app: where tokens are obtained (`token_url`), the catalogue
/// of scopes with their descriptions, and the [`ErrorStyle`] of authentication errors (FastAPI's
/// `OAuth2PasswordBearer(tokenUrl=…, scopes={…})`).
///
/// It is the single place where scopes are described. Declare it as a `const` (or `static`)
/// and put it in the app's data; [`BearerToken`] and the token helpers read it from there.
/// Without it, they work with the defaults (tutorial error style).
///
/// ```
/// use actix_web::App;
/// use scopes_runtime::OAuth2PasswordBearer;
///
/// pub const OAUTH2_SCHEME: OAuth2PasswordBearer = OAuth2PasswordBearer::new(
///     "token",
///     &[
///         ("me", "Read information about the current user."),
///         ("items", "Read items."),
///     ],
/// );
///
/// let app = App::new().app_data(OAUTH2_SCHEME);
/// # drop(app);
/// assert_eq!(OAUTH2_SCHEME.description_of("items"), Some("Read items."));
/// ```
///
/// `web::Data<OAuth2PasswordBearer>` is found as well.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OAuth2PasswordBearer {
    token_url: &'static str,
    scopes: &'static [(&'static str, &'static str)],
    error_style: ErrorStyle,
}

impl OAuth2PasswordBearer {
    /// The scheme whose tokens are obtained at `token_url`, with the scope catalogue
    /// `scopes` (name, description).
    ///
    /// # Panics
    /// When a scope name is not an RFC 6749 scope token (see
    /// [`check_scope_token`]) or appears twice. In a
    /// `const` or `static`, as intended, that is a compile-time error.
    ///
    /// ```
    /// use scopes_runtime::OAuth2PasswordBearer;
    /// const OAUTH2: OAuth2PasswordBearer = OAuth2PasswordBearer::new("/token", &[("me", "Me.")]);
    /// assert_eq!(OAUTH2.token_url(), "/token");
    /// ```
    pub const fn new(
        token_url: &'static str,
        scopes: &'static [(&'static str, &'static str)],
    ) -> Self {
        let mut i = 0;
        while i < scopes.len() {
            if check_scope_token(scopes[i].0).is_err() {
                panic!("OAuth2PasswordBearer: a scope name is not an RFC 6749 scope token");
            }
            let mut j = 0;
            while j < i {
                if crate::scope_set::str_eq(scopes[i].0, scopes[j].0) {
                    panic!("OAuth2PasswordBearer: a scope is declared twice");
                }
                j += 1;
            }
            i += 1;
        }
        Self {
            token_url,
            scopes,
            error_style: ErrorStyle::Tutorial,
        }
    }

    /// The same scheme, answering authentication errors in `style`.
    ///
    /// ```
    /// use scopes_runtime::{ErrorStyle, OAuth2PasswordBearer};
    /// const OAUTH2: OAuth2PasswordBearer =
    ///     OAuth2PasswordBearer::new("token", &[]).with_error_style(ErrorStyle::Rfc6750);
    /// # assert_eq!(OAUTH2.error_style(), ErrorStyle::Rfc6750);
    /// ```
    #[must_use]
    pub const fn with_error_style(mut self, style: ErrorStyle) -> Self {
        self.error_style = style;
        self
    }

    /// Where clients obtain tokens (OpenAPI's `tokenUrl`).
    ///
    /// ```
    /// # use scopes_runtime::OAuth2PasswordBearer;
    /// assert_eq!(OAuth2PasswordBearer::new("token", &[]).token_url(), "token");
    /// ```
    pub const fn token_url(&self) -> &'static str {
        self.token_url
    }

    /// The scope catalogue, `(name, description)`, in declaration order.
    ///
    /// ```
    /// # use scopes_runtime::OAuth2PasswordBearer;
    /// const OAUTH2: OAuth2PasswordBearer = OAuth2PasswordBearer::new("token", &[("me", "Me.")]);
    /// assert_eq!(OAUTH2.scopes(), &[("me", "Me.")]);
    /// ```
    pub const fn scopes(&self) -> &'static [(&'static str, &'static str)] {
        self.scopes
    }

    /// The description of `scope`, if the catalogue declares it.
    ///
    /// ```
    /// # use scopes_runtime::OAuth2PasswordBearer;
    /// const OAUTH2: OAuth2PasswordBearer = OAuth2PasswordBearer::new("token", &[("me", "Me.")]);
    /// assert_eq!(OAUTH2.description_of("me"), Some("Me."));
    /// assert_eq!(OAUTH2.description_of("admin"), None);
    /// ```
    pub fn description_of(&self, scope: &str) -> Option<&'static str> {
        self.scopes
            .iter()
            .find(|(name, _)| *name == scope)
            .map(|(_, description)| *description)
    }

    /// The style of authentication errors.
    ///
    /// ```
    /// # use scopes_runtime::{ErrorStyle, OAuth2PasswordBearer};
    /// assert_eq!(OAuth2PasswordBearer::new("token", &[]).error_style(), ErrorStyle::Tutorial);
    /// ```
    pub const fn error_style(&self) -> ErrorStyle {
        self.error_style
    }

    /// The scheme in `req`'s app data, as `OAuth2PasswordBearer` or
    /// `web::Data<OAuth2PasswordBearer>`.
    ///
    /// ```
    /// # use scopes_runtime::OAuth2PasswordBearer;
    /// let req = actix_web::test::TestRequest::default().to_http_request();
    /// assert!(OAuth2PasswordBearer::of(&req).is_none());
    /// ```
    pub fn of(req: &HttpRequest) -> Option<&Self> {
        req.app_data::<Self>()
            .or_else(|| req.app_data::<web::Data<Self>>().map(|d| d.get_ref()))
    }
}

/// The raw token of an `Authorization: Bearer <token>` header (RFC 6750 section 2.1).
///
/// As an extractor it reads only the headers, never the body:
/// - no `Authorization` header, or another scheme: [`AuthError::not_authenticated`];
/// - `Bearer` (any case) followed by anything but exactly one token68 (RFC 7235 section 2.1;
///   spaces around it are allowed), or several `Authorization` headers:
///   [`AuthError::malformed_credentials`].
///
/// The error answers in the [`ErrorStyle`] of the app's [`OAuth2PasswordBearer`].
///
/// For FastAPI's `auto_error=False`, take `Option<BearerToken>`: actix-web turns any failure
/// into `None`.
///
/// ```
/// use actix_web::{get, HttpResponse};
/// use scopes_runtime::BearerToken;
///
/// #[get("/whoami")]
/// async fn whoami(token: Option<BearerToken>) -> HttpResponse {
///     match token {
///         Some(_) => HttpResponse::Ok().body("a token"),
///         None => HttpResponse::Ok().body("anonymous"),
///     }
/// }
/// ```
///
/// Its `Debug` output does not show the token.
#[derive(Clone, PartialEq, Eq)]
pub struct BearerToken(String);

impl BearerToken {
    /// Reads the bearer token of `req`.
    ///
    /// ```
    /// use actix_web::test::TestRequest;
    /// use scopes_runtime::BearerToken;
    ///
    /// let req = TestRequest::default()
    ///     .insert_header(("Authorization", "bearer  abc.def.ghi "))
    ///     .to_http_request();
    /// assert_eq!(BearerToken::from_headers(&req).unwrap().as_str(), "abc.def.ghi");
    /// ```
    pub fn from_headers(req: &HttpRequest) -> Result<Self, AuthError> {
        bearer_str(req).map(|token| Self(token.to_owned()))
    }

    /// The token.
    ///
    /// ```
    /// # use scopes_runtime::BearerToken;
    /// # let req = actix_web::test::TestRequest::default()
    /// #     .insert_header(("Authorization", "Bearer t0k3n")).to_http_request();
    /// let token = BearerToken::from_headers(&req).unwrap();
    /// assert_eq!(token.as_str(), "t0k3n");
    /// ```
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The token, owned.
    ///
    /// ```
    /// # use scopes_runtime::BearerToken;
    /// # let req = actix_web::test::TestRequest::default()
    /// #     .insert_header(("Authorization", "Bearer t0k3n")).to_http_request();
    /// let token: String = BearerToken::from_headers(&req).unwrap().into_inner();
    /// assert_eq!(token, "t0k3n");
    /// ```
    pub fn into_inner(self) -> String {
        self.0
    }
}

/// The bearer token of `req`, borrowed from its header; errors as
/// [`BearerToken::from_headers`] answers them, in the app's [`ErrorStyle`] (looked up only
/// then).
pub(crate) fn bearer_str(req: &HttpRequest) -> Result<&str, AuthError> {
    let mut values = req.headers().get_all(header::AUTHORIZATION);
    let token = match (values.next(), values.next()) {
        (Some(value), None) => parse_authorization(value.as_bytes()),
        (None, _) => Err(AuthError::not_authenticated()),
        (Some(_), Some(_)) => Err(AuthError::malformed_credentials()),
    };
    token.map_err(|e| e.with_style(ErrorStyle::of(req)))
}

impl fmt::Debug for BearerToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("BearerToken(<redacted>)")
    }
}

impl FromRequest for BearerToken {
    type Error = AuthError;
    type Future = Ready<Result<Self, AuthError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Self::from_headers(req))
    }
}

/// The token68 of a `Bearer` credentials header value, in the default style.
fn parse_authorization(value: &[u8]) -> Result<&str, AuthError> {
    let value = value.trim_ascii();
    let (scheme, rest) = match value.iter().position(|b| *b == b' ') {
        Some(at) => (&value[..at], &value[at..]),
        None => (value, &b""[..]),
    };
    if !scheme.eq_ignore_ascii_case(b"bearer") {
        return Err(AuthError::not_authenticated());
    }
    let token = rest.trim_ascii_start();
    if token.is_empty() || !is_token68(token) {
        return Err(AuthError::malformed_credentials());
    }
    // token68 is ASCII, so this cannot fail.
    core::str::from_utf8(token).map_err(|_| AuthError::malformed_credentials())
}

/// `token68 = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="` (RFC 7235).
fn is_token68(token: &[u8]) -> bool {
    let body_len = token.len() - token.iter().rev().take_while(|b| **b == b'=').count();
    body_len > 0
        && token[..body_len]
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~+/".contains(b))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::AuthErrorKind;

    fn kind(value: &[u8]) -> Result<&str, AuthErrorKind> {
        parse_authorization(value).map_err(|e| e.kind())
    }

    #[test]
    fn the_graph_reads_the_token_in_place() {
        let req = actix_web::test::TestRequest::default()
            .insert_header((header::AUTHORIZATION, "Bearer abc.def.ghi"))
            .to_http_request();
        let token = bearer_str(&req).unwrap();
        assert_eq!(token, "abc.def.ghi");
        // Borrowed from the header, not copied.
        let value = req.headers().get(header::AUTHORIZATION).unwrap().as_bytes();
        assert!(value.as_ptr_range().contains(&token.as_ptr()));

        let two = actix_web::test::TestRequest::default()
            .append_header((header::AUTHORIZATION, "Bearer a"))
            .append_header((header::AUTHORIZATION, "Bearer b"))
            .to_http_request();
        let none = actix_web::test::TestRequest::default().to_http_request();
        assert_eq!(
            bearer_str(&two).map_err(|e| e.kind()),
            Err(AuthErrorKind::MalformedCredentials)
        );
        assert_eq!(
            bearer_str(&none).map_err(|e| e.kind()),
            Err(AuthErrorKind::NotAuthenticated)
        );
    }

    #[test]
    fn parses_rfc6750_credentials() {
        assert_eq!(kind(b"Bearer abc"), Ok("abc"));
        assert_eq!(kind(b"bEaReR a.b-c_d~e+f/g=="), Ok("a.b-c_d~e+f/g=="));
        assert_eq!(kind(b"  Bearer    abc  "), Ok("abc"));
        assert_eq!(kind(b""), Err(AuthErrorKind::NotAuthenticated));
        assert_eq!(kind(b"Basic abc"), Err(AuthErrorKind::NotAuthenticated));
        assert_eq!(kind(b"Bearerabc"), Err(AuthErrorKind::NotAuthenticated));
        assert_eq!(kind(b"Bearer"), Err(AuthErrorKind::MalformedCredentials));
        assert_eq!(kind(b"Bearer   "), Err(AuthErrorKind::MalformedCredentials));
        assert_eq!(
            kind(b"Bearer a b"),
            Err(AuthErrorKind::MalformedCredentials)
        );
        assert_eq!(
            kind(b"Bearer ==="),
            Err(AuthErrorKind::MalformedCredentials)
        );
        assert_eq!(
            kind(b"Bearer a=b"),
            Err(AuthErrorKind::MalformedCredentials)
        );
        assert_eq!(
            kind(b"Bearer a\tb"),
            Err(AuthErrorKind::MalformedCredentials)
        );
        assert_eq!(
            kind(b"Bearer \xff\xfe"),
            Err(AuthErrorKind::MalformedCredentials)
        );
        assert_eq!(
            kind(b"Bearer a,b"),
            Err(AuthErrorKind::MalformedCredentials)
        );
    }
}
