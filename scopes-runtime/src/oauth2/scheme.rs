//! [`OAuth2PasswordBearer`], the app's OAuth2 password-flow security scheme: the token URL,
//! the scope catalogue and the error style, configured once and read from app data by
//! everything that answers for the scheme (the bearer extractors, the token node, the token
//! endpoint).

use core::future::{Ready, ready};

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};

use super::form::{FormError, OAuth2PasswordRequestForm};
use super::rejection::{AuthError, ErrorStyle};
use crate::graph::{check_scope_token, str_eq};

/// The OAuth2 password flow of an app: where tokens are obtained (`token_url`), the catalogue
/// of scopes with their descriptions, and the [`ErrorStyle`] of authentication errors (FastAPI's
/// `OAuth2PasswordBearer(tokenUrl=…, scopes={…})`).
///
/// It is the single place where scopes are described. Declare it as a `const` (or `static`)
/// and put it in the app's data; [`BearerToken`](super::BearerToken) and the token helpers
/// read it from there.
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
    resource_metadata: Option<&'static str>,
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
                if str_eq(scopes[i].0, scopes[j].0) {
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
            resource_metadata: None,
        }
    }

    /// The same scheme, its 401 and 403 challenges naming the resource's RFC 9728 metadata
    /// URL (`resource_metadata="…"`, see
    /// [`ProtectedResource::metadata_url`](crate::services::ProtectedResource::metadata_url)).
    #[must_use]
    pub const fn with_resource_metadata(mut self, url: &'static str) -> Self {
        self.resource_metadata = Some(url);
        self
    }

    /// The RFC 9728 metadata URL the challenges name, if any.
    pub const fn resource_metadata(&self) -> Option<&'static str> {
        self.resource_metadata
    }

    /// The same scheme, answering authentication errors in `style`.
    #[must_use]
    pub const fn with_error_style(mut self, style: ErrorStyle) -> Self {
        self.error_style = style;
        self
    }

    /// Where clients obtain tokens (OpenAPI's `tokenUrl`).
    pub const fn token_url(&self) -> &'static str {
        self.token_url
    }

    /// The scope catalogue, `(name, description)`, in declaration order.
    pub const fn scopes(&self) -> &'static [(&'static str, &'static str)] {
        self.scopes
    }

    /// The description of `scope`, if the catalogue declares it.
    pub fn description_of(&self, scope: &str) -> Option<&'static str> {
        self.declared(scope).map(|(_, description)| description)
    }

    /// The catalogue's entry for `scope`, if it declares it.
    fn declared(&self, scope: &str) -> Option<(&'static str, &'static str)> {
        self.scopes.iter().copied().find(|(name, _)| *name == scope)
    }

    /// The style of authentication errors.
    pub const fn error_style(&self) -> ErrorStyle {
        self.error_style
    }

    /// The scheme in `req`'s app data, as `OAuth2PasswordBearer` or
    /// `web::Data<OAuth2PasswordBearer>`.
    pub fn of(req: &HttpRequest) -> Option<&Self> {
        super::app_data(req)
    }

    /// The token endpoint's grant: the `requested` scopes that this catalogue declares and
    /// that the user may be granted (`grantable`), in request order, without repeats
    /// (requested ∩ grantable ∩ declared).
    ///
    /// A requested scope the catalogue does not declare is dropped in the tutorial style, and
    /// refused with `invalid_scope` (RFC 6749 section 5.2) in the RFC 6750 style.
    ///
    /// ```
    /// use scopes_runtime::{ErrorStyle, OAuth2PasswordBearer};
    ///
    /// const OAUTH2: OAuth2PasswordBearer =
    ///     OAuth2PasswordBearer::new("token", &[("me", "Me."), ("items", "Items.")]);
    /// let requested = ["items".to_owned(), "me".to_owned(), "admin".to_owned()];
    ///
    /// let grant = OAUTH2.grant(&requested, &["me"]).unwrap();
    /// assert_eq!(grant.scopes(), ["me"]);
    /// assert!(grant.is_narrowed());
    ///
    /// let strict = OAUTH2.with_error_style(ErrorStyle::Rfc6750);
    /// assert!(strict.grant(&requested, &["me"]).is_err());
    /// ```
    pub fn grant<S: AsRef<str>>(
        &self,
        requested: &[S],
        grantable: &[&str],
    ) -> Result<Grant, AuthError> {
        let mut scopes: Vec<&'static str> = Vec::with_capacity(requested.len());
        for scope in requested {
            let scope = scope.as_ref();
            let Some((declared, _)) = self.declared(scope) else {
                if self.error_style == ErrorStyle::Rfc6750 {
                    return Err(AuthError::invalid_scope().with_style(self.error_style));
                }
                continue;
            };
            if grantable.contains(&declared) && !scopes.contains(&declared) {
                scopes.push(declared);
            }
        }
        let narrowed = scopes.len() != requested.len()
            || scopes.iter().zip(requested).any(|(g, r)| *g != r.as_ref());
        Ok(Grant { scopes, narrowed })
    }

    /// The token endpoint's password request, in this scheme's style: a form that could not
    /// be read or is invalid answers as [`form_error`](Self::form_error) says; in the RFC
    /// 6750 style, a form without `grant_type` is also refused, `invalid_request` (RFC 6749
    /// section 4.3.2 requires the parameter; FastAPI's lenient form, and so the tutorial
    /// style, lets it out).
    ///
    /// ```
    /// use scopes_runtime::{ErrorStyle, OAuth2PasswordBearer, OAuth2PasswordRequestForm};
    ///
    /// let strict = OAuth2PasswordBearer::new("token", &[]).with_error_style(ErrorStyle::Rfc6750);
    /// let form = || OAuth2PasswordRequestForm::parse(b"username=a&password=b", false);
    /// assert!(strict.password_request(form()).is_err());
    /// assert!(OAuth2PasswordBearer::new("token", &[]).password_request(form()).is_ok());
    /// ```
    pub fn password_request(
        &self,
        form: Result<OAuth2PasswordRequestForm, FormError>,
    ) -> Result<OAuth2PasswordRequestForm, actix_web::Error> {
        let form = form.map_err(|error| self.form_error(error))?;
        if self.error_style == ErrorStyle::Rfc6750 && form.grant_type.is_none() {
            return Err(AuthError::invalid_request("grant_type is required")
                .with_style(self.error_style)
                .into());
        }
        Ok(form)
    }

    /// A token endpoint's form error in this scheme's style: FastAPI's own answer (422 with
    /// the field errors, ..) in the tutorial style; RFC 6749 section 5.2's
    /// `unsupported_grant_type`, `invalid_scope` (a malformed `scope`, the only problem) or
    /// `invalid_request` in the RFC 6750 style.
    ///
    /// ```
    /// use actix_web::body::MessageBody;
    /// use scopes_runtime::{ErrorStyle, OAuth2PasswordBearer, OAuth2PasswordRequestForm};
    ///
    /// let strict = OAuth2PasswordBearer::new("token", &[]).with_error_style(ErrorStyle::Rfc6750);
    /// let body = |form: &[u8]| {
    ///     let error = OAuth2PasswordRequestForm::parse(form, false).unwrap_err();
    ///     let body = strict.form_error(error).error_response().into_body().try_into_bytes();
    ///     String::from_utf8(body.unwrap().to_vec()).unwrap()
    /// };
    /// assert!(body(b"username=a&password=b&scope=a%00b").contains(r#""error":"invalid_scope""#));
    /// assert!(body(b"username=a").contains(r#""error":"invalid_request""#));
    /// ```
    pub fn form_error(&self, error: FormError) -> actix_web::Error {
        match self.error_style {
            ErrorStyle::Rfc6750 => {
                let issues = error.issues();
                let bad_grant = issues.iter().any(|i| i.field() == "grant_type");
                let bad_scope_only =
                    !issues.is_empty() && issues.iter().all(|i| i.field() == "scope");
                let error = if bad_grant {
                    AuthError::unsupported_grant_type()
                } else if bad_scope_only {
                    AuthError::invalid_scope()
                } else if let FormError::Invalid(_) = error {
                    AuthError::invalid_request("username and password are required")
                } else {
                    AuthError::invalid_request("The request body could not be read as a form")
                };
                error.with_style(self.error_style).into()
            }
            _ => error.into(),
        }
    }
}

/// The scopes the token endpoint grants: see [`OAuth2PasswordBearer::grant`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    scopes: Vec<&'static str>,
    narrowed: bool,
}

impl Grant {
    /// The granted scopes, in request order.
    pub fn scopes(&self) -> &[&'static str] {
        &self.scopes
    }

    /// Whether the grant differs from the request, which the token response must then say
    /// (`scope`, RFC 6749 section 5.1).
    pub fn is_narrowed(&self) -> bool {
        self.narrowed
    }
}

/// The app's scheme, from app data; a misconfigured app (no scheme) answers 500 and logs why.
impl FromRequest for OAuth2PasswordBearer {
    type Error = AuthError;
    type Future = Ready<Result<Self, AuthError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Self::of(req).copied().ok_or_else(|| {
            tracing::error!("no OAuth2PasswordBearer in app data; add it with `.app_data(..)`");
            AuthError::internal()
        }))
    }
}

impl ErrorStyle {
    /// The style configured for this request's app: the one of the [`OAuth2PasswordBearer`]
    /// in app data, or the default.
    pub fn of(req: &HttpRequest) -> Self {
        OAuth2PasswordBearer::of(req)
            .map(|b| b.error_style())
            .unwrap_or_default()
    }
}

impl AuthError {
    /// Answers as `req`'s app's scheme says: in its style ([`ErrorStyle::of`]), naming
    /// its resource metadata URL, if any.
    #[must_use]
    pub fn with_style_of(self, req: &HttpRequest) -> Self {
        self.presented(Presentation::of(req))
    }

    /// Answers as `presentation` says.
    pub(crate) fn presented(self, presentation: Presentation) -> Self {
        self.with_style(presentation.style)
            .with_resource_metadata(presentation.resource_metadata)
    }
}

/// How the app's [`AuthError`]s look: its scheme's style and resource metadata URL.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Presentation {
    pub(crate) style: ErrorStyle,
    pub(crate) resource_metadata: Option<&'static str>,
}

impl Presentation {
    /// The presentation of `req`'s app: its [`OAuth2PasswordBearer`]'s, or the default.
    pub(crate) fn of(req: &HttpRequest) -> Self {
        OAuth2PasswordBearer::of(req).map_or_else(Self::default, |scheme| Self {
            style: scheme.error_style,
            resource_metadata: scheme.resource_metadata,
        })
    }
}
