//! [`Authorized`]: the bearer token, verified, with every scope of its path checked: FastAPI's
//! `get_current_user` check loop, done by the runtime.

use core::ops::Deref;

use crate::graph::{GraphPath, Node, NodeInfo, SecurityScopes};
use crate::oauth2::AuthError;
use crate::resolve::{Dependency, Resolution, Resolved, Security};

use super::VerifiedToken;

/// This request's [`VerifiedToken`], which grants every scope of the path it was resolved at:
/// the common case of a scoped route, with no check to write (or forget).
///
/// As `Security<Authorized>` it verifies the bearer token (once per request, shared with any
/// `VerifiedToken` reader) and checks the scope union of its path (the handler's scopes and
/// every dependency's above it): a token lacking one is refused "Not enough permissions"
/// (401, or 403 `insufficient_scope` in RFC 6750 mode), naming the scopes in
/// `WWW-Authenticate`. It derefs to the [`VerifiedToken`].
///
/// The FastAPI-faithful form, `SecurityScopes` and `Security<VerifiedToken>` with
/// [`VerifiedToken::require_scopes`], stays for dependencies that need the order of the
/// tutorial (user first, then scopes).
///
/// # Examples
/// ```
/// use actix_web::{get, web, Responder};
/// use scopes_runtime::{dependency, secured, AuthError, Authorized, Security};
///
/// #[derive(Clone)]
/// struct User {
///     username: String,
/// }
///
/// // No `SecurityScopes`, no `require_scopes`: the scopes are checked before this runs.
/// #[dependency]
/// async fn current_user(token: Security<Authorized>) -> Result<User, AuthError> {
///     if token.sub() == "banned" {
///         return Err(token.unknown_subject());
///     }
///     Ok(User { username: token.sub().to_owned() })
/// }
///
/// #[secured(scopes = ["notes:read"])]
/// #[get("/notes/")]
/// async fn read_notes(user: Security<current_user>) -> impl Responder {
///     web::Json(vec![format!("{}'s notes", user.username)])
/// }
/// ```
#[derive(Debug)]
pub struct Authorized {
    token: Resolved<VerifiedToken>,
    scopes: SecurityScopes,
}

impl Authorized {
    /// The scopes that were checked: the union of the path, handler first.
    pub fn scopes_checked(&self) -> SecurityScopes {
        self.scopes
    }

    /// "Could not validate credentials", naming the checked scopes: for a valid token whose
    /// subject the app does not know ([`VerifiedToken::credentials_error`]).
    pub fn unknown_subject(&self) -> AuthError {
        self.token.credentials_error(self.scopes)
    }

    /// The verified token.
    pub fn into_token(self) -> Resolved<VerifiedToken> {
        self.token
    }
}

impl Deref for Authorized {
    type Target = VerifiedToken;

    fn deref(&self) -> &VerifiedToken {
        &self.token
    }
}

impl Node for Authorized {
    const INFO: &'static NodeInfo =
        &NodeInfo::leaf("Authorized", "scopes_runtime::Authorized").checking();
}

impl Dependency for Authorized {
    type Output = Self;

    /// The token as `Security<VerifiedToken>` gives it at `path`, then the check of `path`'s
    /// scopes. Not cached itself: the check costs less than a lookup.
    async fn resolve(
        path: GraphPath,
        cx: &mut Resolution,
    ) -> Result<Security<Self>, actix_web::Error> {
        let token = VerifiedToken::resolve(path, cx).await?;
        let scopes = path.scopes();
        token.require_scopes(scopes)?;
        Ok(Resolved::owned(Self { token, scopes }))
    }
}
