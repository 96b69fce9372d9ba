//! The tutorial's security: the OAuth2 scheme, its two dependencies, and `/token`.
//!
//! | FastAPI tutorial | here |
//! |---|---|
//! | `oauth2_scheme = OAuth2PasswordBearer(tokenUrl="token", scopes={..})` | [`OAUTH2`] |
//! | `async def get_current_user(security_scopes: SecurityScopes, token = Depends(oauth2_scheme))` | [`get_current_user`] |
//! | `async def get_current_active_user(current_user = Security(get_current_user, scopes=["me"]))` | [`get_current_active_user`] |

use std::time::Duration;

use actix_web::http::StatusCode;
use actix_web::http::header::{CACHE_CONTROL, HeaderValue, PRAGMA};
use actix_web::{HttpRequest, HttpResponse, post, web};
use scopes_runtime::{
    AuthError, ErrorStyle, FormError, OAuth2PasswordBearer, OAuth2PasswordRequestForm,
    PasswordHasher, Security, SecurityScopes, TokenConfig, TokenResponse, VerifiedToken,
    dependency,
};
use serde_json::json;

use crate::users::{User, UserDb};

/// The scheme and the one place scopes are described.
pub const OAUTH2: OAuth2PasswordBearer = OAuth2PasswordBearer::new(
    "token",
    &[
        ("me", "Read information about the current user."),
        ("items", "Read items."),
    ],
);

/// bcrypt at the tutorial's cost, on actix-web's blocking pool.
pub static PASSWORDS: PasswordHasher = PasswordHasher::new();

/// How long issued tokens live.
#[derive(Debug, Clone, Copy)]
pub struct TokenLifetime(pub Duration);

/// The tutorial's `get_current_user`: a valid token, a known user, every required scope.
#[dependency]
pub async fn get_current_user(
    security_scopes: SecurityScopes,
    token: Security<VerifiedToken>,
    db: web::Data<UserDb>,
) -> Result<User, AuthError> {
    let Some(user) = db.get(token.sub()) else {
        tracing::info!(reason = "unknown subject", "authentication failed");
        return Err(token.credentials_error(security_scopes));
    };
    if let Err(error) = token.require_scopes(security_scopes) {
        tracing::info!(
            reason = "insufficient scope",
            missing = ?error.missing_scopes(),
            "authorization failed"
        );
        return Err(error);
    }
    Ok(user.user.clone())
}

/// The tutorial's `get_current_active_user`.
#[dependency(scopes = ["me"])]
pub async fn get_current_active_user(
    current_user: Security<get_current_user>,
) -> Result<User, AuthError> {
    if current_user.disabled == Some(true) {
        return Err(AuthError::custom(StatusCode::BAD_REQUEST, "Inactive user"));
    }
    Ok(current_user.into_inner())
}

/// The tutorial's `login_for_access_token`, granting only what the user may have.
///
/// The granted scopes are the requested ones that the user may be granted and that
/// [`OAUTH2`] declares, in request order; when they differ from the request, the response
/// says which (`scope`, RFC 6749 section 5.1). In RFC 6750 mode errors take RFC 6749
/// section 5.2's form.
#[post("/token")]
pub(crate) async fn login_for_access_token(
    req: HttpRequest,
    form: Result<OAuth2PasswordRequestForm, FormError>,
    db: web::Data<UserDb>,
    tokens: web::Data<TokenConfig>,
    lifetime: web::Data<TokenLifetime>,
) -> HttpResponse {
    let style = ErrorStyle::of(&req);
    let form = match form {
        Ok(form) => form,
        Err(error) if style == ErrorStyle::Rfc6750 => return rfc6749_form_error(&error),
        Err(error) => return actix_web::ResponseError::error_response(&error),
    };
    let user = db.get(&form.username);
    let hash = user.map(|u| u.hashed_password);
    let verified = PASSWORDS
        .verify(&form.password, hash)
        .await
        .unwrap_or(false);
    let Some(user) = user.filter(|_| verified) else {
        tracing::info!(reason = "bad username or password", "login refused");
        let mut res =
            actix_web::ResponseError::error_response(&AuthError::invalid_grant().with_style(style));
        if style == ErrorStyle::Rfc6750 {
            no_store(&mut res);
        }
        return res;
    };

    let mut granted: Vec<&str> = Vec::new();
    let mut undeclared = false;
    for scope in &form.scopes {
        let declared = OAUTH2.description_of(scope).is_some();
        undeclared |= !declared;
        if declared
            && user.grantable.contains(&scope.as_str())
            && !granted.contains(&scope.as_str())
        {
            granted.push(scope);
        }
    }
    if undeclared && style == ErrorStyle::Rfc6750 {
        return rfc6749_error(
            "invalid_scope",
            "A requested scope is not declared by this server",
        );
    }
    let token = match tokens.issue(&user.user.username, granted.iter().copied(), lifetime.0) {
        Ok(token) => token,
        Err(error) => {
            tracing::error!(%error, "could not issue a token");
            return HttpResponse::InternalServerError()
                .json(json!({"detail": "Internal Server Error"}));
        }
    };
    let mut body = serde_json::to_value(TokenResponse::bearer(token)).unwrap_or_default();
    if granted.len() != form.scopes.len() || granted.iter().zip(&form.scopes).any(|(g, r)| g != r) {
        body["scope"] = json!(granted.join(" "));
    }
    let mut res = HttpResponse::Ok().json(body);
    no_store(&mut res);
    res
}

/// A form error as RFC 6749 section 5.2 writes it.
fn rfc6749_form_error(error: &FormError) -> HttpResponse {
    let bad_grant = error.issues().iter().any(|i| i.field() == "grant_type");
    if bad_grant {
        rfc6749_error("unsupported_grant_type", "grant_type must be password")
    } else {
        rfc6749_error("invalid_request", "username and password are required")
    }
}

fn rfc6749_error(error: &str, description: &str) -> HttpResponse {
    let mut res = HttpResponse::BadRequest()
        .json(json!({ "error": error, "error_description": description }));
    no_store(&mut res);
    res
}

/// RFC 6749 section 5.1: token endpoint answers are never cached.
fn no_store(res: &mut HttpResponse) {
    let headers = res.headers_mut();
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(PRAGMA, HeaderValue::from_static("no-cache"));
}
