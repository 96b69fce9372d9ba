//! The tutorial's security: the OAuth2 scheme, its two dependencies, and `/token`.
//!
//! | FastAPI tutorial | here |
//! |---|---|
//! | `oauth2_scheme = OAuth2PasswordBearer(tokenUrl="token", scopes={..})` | [`OAUTH2`], its scopes declared by [`Scopes`] |
//! | `async def get_current_user(security_scopes: SecurityScopes, token = Depends(oauth2_scheme))` | [`get_current_user`] |
//! | `async def get_current_active_user(current_user = Security(get_current_user, scopes=["me"]))` | [`get_current_active_user`] |

use std::time::Duration;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, post, web};
use scopes_runtime::oauth2::{FormError, PasswordError};
use scopes_runtime::{
    AuthError, ErrorStyle, LoginThrottle, OAuth2PasswordBearer, OAuth2PasswordRequestForm,
    PasswordHasher, Security, SecurityScopes, TokenConfig, TokenResponse, VerifiedToken,
    dependency, public, scopes,
};

use crate::users::{User, UserDb, UserInDb};

scopes! {
    /// The one place scopes are declared and described: the scheme's catalogue (and so the
    /// OpenAPI document's), and what every scope literal of the app is checked against at
    /// compile time (it sits in the tree under [`get_current_user`]).
    pub Scopes {
        "me" => "Read information about the current user.",
        "items" => "Read items.",
    }
}

/// The scheme, with the declared scopes.
pub const OAUTH2: OAuth2PasswordBearer = OAuth2PasswordBearer::new("token", Scopes::ALL);

/// bcrypt at the tutorial's cost, on actix-web's blocking pool.
pub static PASSWORDS: PasswordHasher = PasswordHasher::new();

/// How long issued tokens live.
#[derive(Debug, Clone, Copy)]
pub struct TokenLifetime(pub Duration);

/// The tutorial's `get_current_user`: a valid token, a known user, every required scope.
#[dependency(dependencies = [Scopes])]
pub async fn get_current_user(
    security_scopes: SecurityScopes,
    token: Security<VerifiedToken>,
    db: web::Data<UserDb>,
) -> Result<User, AuthError> {
    let user = db
        .get(token.sub())
        .ok_or_else(|| token.credentials_error(security_scopes))?;
    token.require_scopes(security_scopes)?;
    Ok(user.user.clone())
}

/// The tutorial's `get_current_active_user`. A disabled user's token is refused as the
/// tutorial does (400 "Inactive user"), or in RFC 6750 mode as a token that is no longer
/// valid (401 `invalid_token`).
#[dependency(scopes = ["me"])]
pub async fn get_current_active_user(
    current_user: Security<get_current_user>,
    scheme: OAuth2PasswordBearer,
) -> Result<User, AuthError> {
    if current_user.disabled == Some(true) {
        return Err(match scheme.error_style() {
            ErrorStyle::Rfc6750 => AuthError::invalid_token().with_style(ErrorStyle::Rfc6750),
            _ => AuthError::custom(StatusCode::BAD_REQUEST, "Inactive user"),
        });
    }
    Ok(current_user.into_inner())
}

/// The longest username a log line carries, in characters.
const LOGGED_USERNAME_CHARS: usize = 64;

/// `username` as a log line carries it: at most 64 characters (and
/// `…` when cut). Log it with `?`, which quotes it and escapes control characters, so that
/// it cannot forge a line or a field.
pub fn loggable_username(username: &str) -> String {
    match username.char_indices().nth(LOGGED_USERNAME_CHARS) {
        Some((cut, _)) => format!("{}…", &username[..cut]),
        None => username.to_owned(),
    }
}

/// The tutorial's `login_for_access_token`, in its four steps: the form, the user, the
/// token, the answer.
///
/// It grants only what the user may have: the requested scopes that the user may be
/// granted and that [`OAUTH2`] declares ([`OAuth2PasswordBearer::grant`]); when they differ
/// from the request, the response says which. In RFC 6750 mode errors take RFC 6749
/// section 5.2's form.
///
/// Before the password is checked, the [`LoginThrottle`] may refuse the login (429 with
/// `Retry-After`: too many failures for the username or from the client address, or too
/// many logins under way from the address); a full bcrypt queue answers 503 with
/// `Retry-After`. A login that looks like guessing (the username or the address has failed
/// in the window, or the address has another login under way) has its password checked at
/// [`Priority::Low`](scopes_runtime::oauth2::Priority::Low), behind the others.
///
/// Failed logins are logged at `info` with the username (cut and escaped, see
/// [`loggable_username`]) and the client address, never the password; the failure that
/// locks a username or an address out at `warn`; the refusals that follow, one a request
/// under a flood, at `debug`.
#[public]
#[post("/token")]
pub(crate) async fn login_for_access_token(
    req: HttpRequest,
    form: Result<OAuth2PasswordRequestForm, FormError>,
    scheme: OAuth2PasswordBearer,
    db: web::Data<UserDb>,
    tokens: web::Data<TokenConfig>,
    lifetime: web::Data<TokenLifetime>,
    throttle: web::Data<LoginThrottle>,
) -> Result<TokenResponse, actix_web::Error> {
    let form = scheme.password_request(form)?;
    let style = scheme.error_style();
    // Verifying an identity provider's tokens, the demo has no key to issue its own.
    if tokens.signing_algorithm().is_none() {
        return Err(AuthError::invalid_request(
            "this server issues no tokens: obtain one from the identity provider",
        )
        .with_style(style)
        .into());
    }
    // Failed logins count against the access log's client address (trusted proxies honoured).
    let client = crate::logging::client_addr(&req);
    let username = || loggable_username(&form.username);

    // Refused before the password is checked: one line per request of a flood, so at
    // debug level (the failure that started the refusals is logged at info, below).
    let attempt = match throttle.begin(&form.username, client) {
        Ok(attempt) => attempt,
        Err(refusal) => {
            tracing::debug!(username = ?username(), %client, reason = %refusal.reason(), "login refused");
            return Err(AuthError::from(refusal).with_style(style).into());
        }
    };
    let user = db.get(&form.username);
    let hash = user.map(|u| u.hashed_password);
    // A login that looks like guessing waits behind the others for bcrypt.
    let checked = PASSWORDS.verify_with_priority(&form.password, hash, attempt.priority());
    let verified = match checked.await {
        Ok(verified) => verified,
        Err(PasswordError::Busy { retry_after }) => {
            attempt.abandon();
            let reason = "no bcrypt slot free in time";
            tracing::debug!(username = ?username(), %client, reason, "login refused");
            return Err(AuthError::temporarily_unavailable(retry_after)
                .with_style(style)
                .into());
        }
        Err(error) => {
            tracing::error!(%error, "could not check a password");
            false
        }
    };
    // In RFC 6750 mode a disabled user gets no token: the same answer as a wrong password.
    let strict = style == ErrorStyle::Rfc6750;
    let usable = |u: &&UserInDb| verified && !(strict && u.user.disabled == Some(true));
    let Some(user) = user.filter(usable) else {
        let used_up = attempt.failed();
        let reason = "bad username or password";
        tracing::info!(username = ?username(), %client, reason, "login refused");
        if let Some(limit) = used_up {
            let window_s = throttle.limits().get_window().as_secs();
            tracing::warn!(username = ?username(), %client, %limit, window_s, "logins locked");
        }
        return Err(AuthError::invalid_grant().with_style(style).into());
    };
    attempt.succeeded();

    let grant = scheme.grant(&form.scopes, user.grantable)?;
    let token = tokens
        .issue(
            &user.user.username,
            grant.scopes().iter().copied(),
            lifetime.0,
        )
        .map_err(|error| {
            tracing::error!(%error, "could not issue a token");
            AuthError::internal()
        })?;

    Ok(TokenResponse::bearer(token).granting(&grant))
}
