//! [`VerifiedToken`]: the request's verified claims, verified once per request; a node of
//! the graph implemented by hand (the one place the OAuth2 layer uses the resolution
//! layer's hidden `cached`/`store`: the seam between the two).

use core::any::TypeId;
use core::future::Future;
use std::sync::Arc;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpMessage, HttpRequest};

use super::{Claims, TokenConfig, TokenError};
use crate::graph::{GraphPath, Node, NodeInfo, SecurityScopes};
use crate::oauth2::{AuthError, ErrorStyle, bearer_str, require_scopes};
use crate::resolve::{self, Dependency, Resolution, Security};

/// The verified claims of this request's bearer token.
///
/// The token is verified with the [`TokenConfig`] in app data at most once per request,
/// however many dependencies ask. Errors answer in the [`ErrorStyle`] of the app's
/// [`OAuth2PasswordBearer`](crate::OAuth2PasswordBearer); each refusal is logged once at
/// `info` (its reason, never the token). It is read in one of three ways:
///
/// - as a node of the dependency graph, `Security<VerifiedToken>` (FastAPI's
///   `Depends(oauth2_scheme)`): its errors name the scopes of its path in
///   `WWW-Authenticate`, like the tutorial's `credentials_exception`;
/// - as an extractor: its errors carry no `scope="…"`;
/// - with [`VerifiedToken::authenticate`], from a dependency that has the request.
///
/// Readers in one handler's tree share one verification. Code outside the tree that reads
/// the token after it (a middleware, a `Responder`) may verify it again.
///
/// ```
/// use actix_web::web;
/// use scopes_runtime::{dependency, AuthError, Security, SecurityScopes, VerifiedToken};
///
/// #[derive(Clone)]
/// struct User {
///     username: String,
/// }
///
/// struct Db;
/// impl Db {
///     fn get(&self, username: &str) -> Option<User> {
///         Some(User { username: username.into() })
///     }
/// }
///
/// // FastAPI's tutorial `get_current_user`.
/// #[dependency]
/// async fn get_current_user(
///     security_scopes: SecurityScopes,
///     token: Security<VerifiedToken>,
///     db: web::Data<Db>,
/// ) -> Result<User, AuthError> {
///     let user = db.get(token.sub()).ok_or_else(|| token.credentials_error(security_scopes))?;
///     token.require_scopes(security_scopes)?;
///     Ok(user)
/// }
/// ```
#[derive(Debug, Clone)]
pub struct VerifiedToken {
    claims: Held,
    style: ErrorStyle,
}

/// The claims: this reader's own (kept inline: boxing them would cost the allocation that not
/// sharing saves), or shared through the request's extensions.
#[derive(Debug, Clone)]
#[allow(clippy::large_enum_variant)]
enum Held {
    Owned(Claims),
    Shared(Arc<Claims>),
}

/// The outcome of verifying this request's token, kept in its extensions.
#[derive(Clone)]
struct Verified(Result<Arc<Claims>, TokenError>);

impl VerifiedToken {
    /// Reads and verifies `req`'s bearer token; errors name `scopes` in
    /// `WWW-Authenticate` (the tutorial's `credentials_exception`). For a dependency that
    /// needs the request anyway; otherwise take `Security<VerifiedToken>`.
    ///
    /// ```
    /// use actix_web::HttpRequest;
    /// use scopes_runtime::{dependency, AuthError, SecurityScopes, VerifiedToken};
    ///
    /// #[dependency]
    /// async fn subject(scopes: SecurityScopes, req: HttpRequest) -> Result<String, AuthError> {
    ///     Ok(VerifiedToken::authenticate(&req, scopes)?.sub().to_owned())
    /// }
    /// ```
    pub fn authenticate(req: &HttpRequest, scopes: SecurityScopes) -> Result<Self, AuthError> {
        Self::verify_request(req, Share::Always).map_err(|e| e.with_scopes(scopes))
    }

    /// Reads and verifies `req`'s bearer token, unless an earlier reader in this request did;
    /// keeps the outcome in the request's extensions as `share` says.
    fn verify_request(req: &HttpRequest, share: Share) -> Result<Self, AuthError> {
        let style = ErrorStyle::of(req);
        let cached = req.extensions().get::<Verified>().cloned();
        let outcome = match cached {
            Some(Verified(outcome)) => outcome.map(Held::Shared),
            None => {
                let bearer = bearer_str(req).inspect_err(|error| {
                    tracing::info!(reason = ?error.kind(), "authentication failed");
                })?;
                let Some(config) = TokenConfig::of(req) else {
                    tracing::error!(
                        "VerifiedToken: no TokenConfig in app data; add `web::Data<TokenConfig>`"
                    );
                    return Err(AuthError::internal());
                };
                let outcome = config.verify(bearer);
                if let Err(e) = &outcome {
                    tracing::info!(reason = ?e.kind(), "authentication failed");
                    tracing::debug!(error = %e, "bearer token refused");
                }
                match share {
                    Share::Always => {
                        let outcome = outcome.map(Arc::new);
                        req.extensions_mut().insert(Verified(outcome.clone()));
                        outcome.map(Held::Shared)
                    }
                    Share::Never => outcome.map(Held::Owned),
                }
            }
        };
        match outcome {
            Ok(claims) => Ok(Self { claims, style }),
            Err(e) => Err(AuthError::from(e).with_style(style)),
        }
    }

    /// The verified claims.
    pub fn claims(&self) -> &Claims {
        match &self.claims {
            Held::Owned(claims) => claims,
            Held::Shared(claims) => claims,
        }
    }

    /// The subject (`sub`).
    pub fn sub(&self) -> &str {
        &self.claims().sub
    }

    /// The granted scopes.
    pub fn scopes(&self) -> &[String] {
        &self.claims().scopes
    }

    /// Checks that the token grants every scope of `required`; otherwise "Not enough
    /// permissions" ([`AuthError::insufficient_scope`]) listing the missing ones, logged at
    /// `info`.
    pub fn require_scopes(&self, required: SecurityScopes) -> Result<(), AuthError> {
        require_scopes(required, self.scopes()).map_err(|error| {
            tracing::info!(
                reason = "insufficient scope",
                missing = ?error.missing_scopes(),
                "authorization failed"
            );
            error.with_style(self.style)
        })
    }

    /// "Could not validate credentials" in this request's style, naming `scopes`: for a
    /// valid token whose subject is unknown (logged at `info`).
    pub fn credentials_error(&self, scopes: SecurityScopes) -> AuthError {
        tracing::info!(reason = "unknown subject", "authentication failed");
        AuthError::invalid_token()
            .with_style(self.style)
            .with_scopes(scopes)
    }
}

impl FromRequest for VerifiedToken {
    type Error = AuthError;
    type Future = core::future::Ready<Result<Self, AuthError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        core::future::ready(Self::verify_request(req, Share::Always))
    }
}

/// Whether a verification is kept in the request's extensions for later readers.
#[derive(Clone, Copy)]
enum Share {
    Always,
    Never,
}

impl Node for VerifiedToken {
    const INFO: &'static NodeInfo =
        &NodeInfo::leaf("VerifiedToken", "scopes_runtime::VerifiedToken");
}

impl Dependency for VerifiedToken {
    type Output = Self;

    /// The graph shares one verification between the dependencies that read it. The claims
    /// stay with their one reader, allocating nothing, unless the tree reaches some node
    /// twice (the per-request cache then shares them, as they may be read under two scope
    /// unions) or some node takes an extractor that may read the request's extensions
    /// ([`NodeInfo::reads_extensions`], e.g. an `HttpRequest`): they are then kept there too,
    /// for the extractor and [`VerifiedToken::authenticate`].
    fn resolve(
        path: GraphPath,
        cx: &mut Resolution,
    ) -> impl Future<Output = Result<Security<Self>, actix_web::Error>> {
        let resolved = match resolve::cached::<Self>(TypeId::of::<Self>(), path, cx) {
            Some(hit) => Ok(hit),
            None => {
                let share = if path.caches() || path.reads_extensions() {
                    Share::Always
                } else {
                    Share::Never
                };
                match Self::verify_request(cx.request(), share) {
                    Ok(token) => Ok(resolve::store(TypeId::of::<Self>(), path, cx, token)),
                    Err(e) => Err(e.with_scopes(path.scopes()).into()),
                }
            }
        };
        core::future::ready(resolved)
    }
}
