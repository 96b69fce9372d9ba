//! The tutorial's security: the OAuth2 scheme, its two dependencies, and `/token`.
//!
//! | FastAPI tutorial | here |
//! |---|---|
//! | `oauth2_scheme = OAuth2PasswordBearer(tokenUrl="token", scopes={..})` | [`OAUTH2`], its scopes declared by [`Scopes`] |
//! | `async def get_current_user(security_scopes: SecurityScopes, token = Depends(oauth2_scheme))` | [`get_current_user`] |
//! | `async def get_current_active_user(current_user = Security(get_current_user, scopes=["me"]))` | [`get_current_active_user`] |

use std::time::Duration;

use actix_web::http::StatusCode;
use actix_web::{post, web};
use scopes_runtime::oauth2::FormError;
use scopes_runtime::{
    AuthError, ErrorStyle, OAuth2PasswordBearer, OAuth2PasswordRequestForm, PasswordHasher,
    Security, SecurityScopes, TokenConfig, TokenResponse, VerifiedToken, dependency, public,
    scopes,
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

/// The tutorial's `login_for_access_token`, in its four steps: the form, the user, the
/// token, the answer.
///
/// It grants only what the user may have: the requested scopes that the user may be
/// granted and that [`OAUTH2`] declares ([`OAuth2PasswordBearer::grant`]); when they differ
/// from the request, the response says which. In RFC 6750 mode errors take RFC 6749
/// section 5.2's form.
#[public]
#[post("/token")]
pub(crate) async fn login_for_access_token(
    form: Result<OAuth2PasswordRequestForm, FormError>,
    scheme: OAuth2PasswordBearer,
    db: web::Data<UserDb>,
    tokens: web::Data<TokenConfig>,
    lifetime: web::Data<TokenLifetime>,
) -> Result<TokenResponse, actix_web::Error> {
    let form = scheme.password_request(form)?;

    let user = db.get(&form.username);
    let hash = user.map(|u| u.hashed_password);
    let verified = PASSWORDS
        .verify(&form.password, hash)
        .await
        .unwrap_or(false);
    // In RFC 6750 mode a disabled user gets no token: the same answer as a wrong password.
    let strict = scheme.error_style() == ErrorStyle::Rfc6750;
    let usable = |u: &&UserInDb| verified && !(strict && u.user.disabled == Some(true));
    let Some(user) = user.filter(usable) else {
        tracing::info!(reason = "bad username or password", "login refused");
        return Err(AuthError::invalid_grant()
            .with_style(scheme.error_style())
            .into());
    };

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
