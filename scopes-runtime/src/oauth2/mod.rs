//! FastAPI's `fastapi.security` for the password flow, on top of the graph: the scheme and
//! its scope catalogue, the bearer token, the rejections, the token endpoint's form,
//! passwords and JWTs.
//!
//! - [`OAuth2PasswordBearer`]: the token URL, the scope catalogue and the [`ErrorStyle`],
//!   declared once as a `const` and put in app data; [`BearerToken`] reads
//!   `Authorization: Bearer …`.
//! - [`OAuth2PasswordRequestForm`] (and its strict variant): the token endpoint's form, with
//!   FastAPI's 422 errors; [`OAuth2PasswordBearer::grant`] decides what a login is granted.
//! - [`TokenConfig`], [`JwtKeys`], [`Claims`], [`VerifiedToken`]: issuing and verifying JWTs,
//!   once per request; `Security<VerifiedToken>` is the token as a node of the graph.
//! - [`PasswordHasher`]: bcrypt on the blocking pool, with a dummy hash for unknown users,
//!   a bounded number of jobs at once and a bounded wait for one.
//! - [`LoginThrottle`]: failed logins limited per username and per client address, checked
//!   before bcrypt, in bounded memory.
//! - [`AuthError`]: every rejection, in the tutorial's or RFC 6750's [`ErrorStyle`].
//!
//! Behind the `oauth2` feature (on by default): an app with its own authentication turns it
//! off and keeps the graph without jsonwebtoken, bcrypt and multer.

mod bearer;
mod form;
mod jwks;
mod password;
mod rejection;
mod scheme;
mod throttle;
mod token;

pub use bearer::BearerToken;
pub(crate) use bearer::bearer_str;
pub use form::{
    FormError, FormIssue, OAuth2PasswordRequestForm, OAuth2PasswordRequestFormStrict,
    PasswordFormConfig,
};
#[cfg(feature = "jwks")]
pub use jwks::{Discovered, discover};
pub use jwks::{JwksError, JwksLocation, JwksOptions, JwksSource};
pub use password::{
    DEFAULT_MAX_WAIT, MAX_PASSWORD_LEN, PasswordError, PasswordHasher, Priority, max_concurrent,
    max_wait, max_waiters, set_max_concurrent, set_max_wait, set_max_waiters,
};
pub use rejection::{AuthError, AuthErrorKind, ErrorStyle, require_scopes};
pub use scheme::{Grant, OAuth2PasswordBearer};
pub use throttle::{LoginAttempt, LoginLimits, LoginRefused, LoginThrottle, RefusalReason};
pub use token::{
    ASYMMETRIC_ALGORITHMS, Authorized, Claims, JwtAlgorithm, JwtKeys, KeyError, KeyRing, KeySet,
    ScopeClaim, ScopeMapping, ScopeSource, SigningKey, TokenCache, TokenConfig, TokenError,
    TokenErrorKind, TokenResponse, VerifiedToken,
};

/// The `T` in `req`'s app data, put there as `T` or as `web::Data<T>` (looked up in that
/// order), for the small `Copy` configurations of this module (the scheme, the form
/// limits). `TokenConfig`, shared as `web::Data` in the common case, looks that up first.
fn app_data<T: 'static>(req: &actix_web::HttpRequest) -> Option<&T> {
    req.app_data::<T>().or_else(|| {
        req.app_data::<actix_web::web::Data<T>>()
            .map(|d| d.get_ref())
    })
}
