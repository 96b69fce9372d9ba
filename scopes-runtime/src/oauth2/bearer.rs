//! [`BearerToken`]: the extractor that reads `Authorization: Bearer <token>` (RFC 6750
//! section 2.1), and the in-place read the graph's token node uses.

use core::fmt;
use core::future::{Ready, ready};

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest};

use super::rejection::AuthError;

/// The raw token of an `Authorization: Bearer <token>` header (RFC 6750 section 2.1).
///
/// As an extractor it reads only the headers, never the body:
/// - no `Authorization` header, or another scheme: [`AuthError::not_authenticated`];
/// - `Bearer` (any case) followed by anything but exactly one token68 (RFC 7235 section 2.1;
///   spaces around it are allowed), or several `Authorization` headers:
///   [`AuthError::malformed_credentials`].
///
/// The error answers in the [`ErrorStyle`](super::ErrorStyle) of the app's
/// [`OAuth2PasswordBearer`](super::OAuth2PasswordBearer).
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
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The token, owned.
    pub fn into_inner(self) -> String {
        self.0
    }
}

/// The bearer token of `req`, borrowed from its header; errors as
/// [`BearerToken::from_headers`] answers them, in the app's [`ErrorStyle`](super::ErrorStyle) (looked up only
/// then).
pub(crate) fn bearer_str(req: &HttpRequest) -> Result<&str, AuthError> {
    let mut values = req.headers().get_all(header::AUTHORIZATION);
    let token = match (values.next(), values.next()) {
        (Some(value), None) => parse_authorization(value.as_bytes()),
        (None, _) => Err(AuthError::not_authenticated()),
        (Some(_), Some(_)) => Err(AuthError::malformed_credentials()),
    };
    token.map_err(|e| e.with_style_of(req))
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
    // Comparisons only, no early exit: it runs on every request, and the compiler checks
    // a vector's worth of bytes at a time.
    body_len > 0
        && token[..body_len]
            .iter()
            .fold(true, |ok, &b| ok & is_token68_byte(b))
}

/// A byte of token68 before its padding: `ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/"`.
#[inline(always)]
fn is_token68_byte(b: u8) -> bool {
    // `| 0x20` folds `A..=Z` onto `a..=z` and maps no other byte there.
    ((b | 0x20).wrapping_sub(b'a') < 26)
        | (b.wrapping_sub(b'0') < 10)
        | (b == b'-')
        | (b == b'.')
        | (b == b'_')
        | (b == b'~')
        | (b == b'+')
        | (b == b'/')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oauth2::AuthErrorKind;

    #[test]
    fn token68_bytes_are_the_rfc_s_and_no_other() {
        for b in 0..=255u8 {
            let rfc = b.is_ascii_alphanumeric() || b"-._~+/".contains(&b);
            assert_eq!(is_token68_byte(b), rfc, "byte {b:#04x}");
        }
        assert!(is_token68(b"aB0-._~+/=="));
        assert!(!is_token68(b"=="));
        assert!(!is_token68(b"a=b"));
        assert!(!is_token68(b"a b"));
    }

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
