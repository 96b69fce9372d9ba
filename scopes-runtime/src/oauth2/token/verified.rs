//! [`VerifiedToken`]: the request's verified claims, verified once per request; a node of
//! the graph implemented by hand (the one place the OAuth2 layer uses the resolution
//! layer's hidden `cached`/`store`: the seam between the two).

use core::any::TypeId;
use core::future::Future;
use std::sync::Arc;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpMessage, HttpRequest};

use super::cache::Held;
use super::{Claims, TokenConfig, TokenError};
use crate::graph::{GraphPath, Node, NodeInfo, SecurityScopes};
use crate::oauth2::scheme::Presentation;
use crate::oauth2::{AuthError, bearer_str, require_scopes};
use crate::resolve::{self, Dependency, Resolution, Security};

/// The verified claims of this request's bearer token.
///
/// The token is verified with the [`TokenConfig`] in app data at most once per request,
/// however many dependencies ask, and not at all when the config's
/// [`TokenCache`](crate::oauth2::TokenCache) has verified it before (a hit shares the cached
/// claims, allocating nothing). Errors answer in the [`ErrorStyle`](crate::ErrorStyle) of the app's
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
    style: Presentation,
}

/// The outcome of verifying this request's token, kept in its extensions.
#[derive(Clone)]
struct Verified(Result<Arc<Claims>, TokenError>);

impl VerifiedToken {
    /// Reads and verifies `req`'s bearer token; errors name `scopes` in
    /// `WWW-Authenticate` (the tutorial's `credentials_exception`). For a dependency that
    /// needs the request anyway; otherwise take `Security<VerifiedToken>`.
    ///
    /// It verifies with the keys at hand: with a [`JwksSource`](crate::oauth2::JwksSource)
    /// it neither fetches nor refreshes them (a token naming a key not yet fetched is
    /// refused), where `Security<VerifiedToken>` and the extractor do.
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

    /// Reads and verifies `req`'s bearer token with the keys at hand, unless an earlier
    /// reader in this request did; keeps the outcome in the request's extensions as `share`
    /// says. A [`JwksSource`](crate::oauth2::JwksSource) is not refreshed here.
    fn verify_request(req: &HttpRequest, share: Share) -> Result<Self, AuthError> {
        match Self::verify_now(req, share, false) {
            Step::Now(outcome) => outcome,
            // Not asked for: `verify_now` defers only when it may.
            Step::Fetch(style) => Err(AuthError::internal().presented(style)),
        }
    }

    /// The verification of `req`'s token, decided now (an earlier reader's outcome, a
    /// missing header or configuration, the keys at hand), or, when `may_fetch` and only a
    /// fetch of a JWK Set source could decide it, deferred to [`verify_fetching`](Self::verify_fetching).
    /// Each of the request's header, app data and extensions is read once.
    fn verify_now(req: &HttpRequest, share: Share, may_fetch: bool) -> Step {
        let style = Presentation::of(req);
        if let Some(Verified(outcome)) = req.extensions().get::<Verified>().cloned() {
            return Step::Now(match outcome {
                Ok(claims) => Ok(Self {
                    claims: Held::Shared(claims),
                    style,
                }),
                Err(e) => Err(AuthError::from(e).presented(style)),
            });
        }
        let bearer = match bearer_str(req) {
            Ok(bearer) => bearer,
            Err(error) => {
                tracing::info!(reason = ?error.kind(), "authentication failed");
                return Step::Now(Err(error));
            }
        };
        let config = match config_of(req) {
            Ok(config) => config,
            Err(error) => return Step::Now(Err(error)),
        };
        let outcome = if may_fetch {
            match config.verify_at_hand(bearer) {
                Some(outcome) => outcome,
                None => return Step::Fetch(style),
            }
        } else {
            config.verify_held(bearer)
        };
        Step::Now(Self::settle(req, share, style, outcome))
    }

    /// The verification [`verify_now`](Self::verify_now) deferred: refreshes the JWK Set
    /// source as needed ([`TokenConfig::verify_fresh`]), then verifies.
    async fn verify_fetching(
        req: HttpRequest,
        share: Share,
        style: Presentation,
    ) -> Result<Self, AuthError> {
        // Held past the request's borrow: one `Rc` clone of the app data (a clone of the
        // configuration when it was registered without `web::Data`).
        let config = match req.app_data::<actix_web::web::Data<TokenConfig>>() {
            Some(data) => Config::Shared(data.clone()),
            None => Config::Owned(Box::new(config_of(&req)?.clone())),
        };
        let outcome = config.verify_fresh_held(bearer_str(&req)?).await;
        Self::settle(&req, share, style, outcome)
    }

    /// The outcome of a verification: logged when it failed, kept for later readers as
    /// `share` says.
    fn settle(
        req: &HttpRequest,
        share: Share,
        style: Presentation,
        outcome: Result<Held, TokenError>,
    ) -> Result<Self, AuthError> {
        if let Err(e) = &outcome {
            tracing::info!(reason = ?e.kind(), "authentication failed");
            tracing::debug!(error = %e, "bearer token refused");
        }
        let outcome = match share {
            Share::Always => {
                let outcome = outcome.map(Held::shared);
                req.extensions_mut().insert(Verified(outcome.clone()));
                outcome.map(Held::Shared)
            }
            Share::Never => outcome,
        };
        match outcome {
            Ok(claims) => Ok(Self { claims, style }),
            Err(e) => Err(AuthError::from(e).presented(style)),
        }
    }

    /// The verified claims.
    pub fn claims(&self) -> &Claims {
        &self.claims
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
            error.presented(self.style)
        })
    }

    /// "Could not validate credentials" in this request's style, naming `scopes`: for a
    /// valid token whose subject is unknown (logged at `info`).
    pub fn credentials_error(&self, scopes: SecurityScopes) -> AuthError {
        tracing::info!(reason = "unknown subject", "authentication failed");
        AuthError::invalid_token()
            .presented(self.style)
            .with_scopes(scopes)
    }
}

impl FromRequest for VerifiedToken {
    type Error = AuthError;
    type Future = VerifyFuture;

    /// Ready at once, unless a [`JwksSource`](crate::oauth2::JwksSource) must be refreshed.
    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        match Self::verify_now(req, Share::Always, true) {
            Step::Now(outcome) => VerifyFuture::Ready(Some(outcome)),
            Step::Fetch(style) => VerifyFuture::Fetching(Box::pin(Self::verify_fetching(
                req.clone(),
                Share::Always,
                style,
            ))),
        }
    }
}

/// The [`VerifiedToken`] extractor's future: ready, or waiting for a key set's refresh.
#[doc(hidden)]
// The ready variant is the common one, as large as the `Ready` future it replaces: boxing
// it would allocate on every request.
#[allow(clippy::large_enum_variant)]
pub enum VerifyFuture {
    /// Verified with the keys at hand.
    Ready(Option<Result<VerifiedToken, AuthError>>),
    /// Verifying with a key source that may fetch.
    Fetching(core::pin::Pin<Box<dyn Future<Output = Result<VerifiedToken, AuthError>>>>),
}

impl Future for VerifyFuture {
    type Output = Result<VerifiedToken, AuthError>;

    fn poll(
        self: core::pin::Pin<&mut Self>,
        cx: &mut core::task::Context<'_>,
    ) -> core::task::Poll<Self::Output> {
        match self.get_mut() {
            Self::Ready(outcome) => match outcome.take() {
                Some(outcome) => core::task::Poll::Ready(outcome),
                None => core::task::Poll::Ready(Err(AuthError::internal())),
            },
            Self::Fetching(future) => future.as_mut().poll(cx),
        }
    }
}

/// What [`VerifiedToken::verify_now`] decided.
// Short-lived, on the stack: boxing the token would allocate.
#[allow(clippy::large_enum_variant)]
enum Step {
    Now(Result<VerifiedToken, AuthError>),
    /// Only a fetch of the key set can decide.
    Fetch(Presentation),
}

/// The app's [`TokenConfig`], or a 500 logged as the server bug it is.
fn config_of(req: &HttpRequest) -> Result<&TokenConfig, AuthError> {
    TokenConfig::of(req).ok_or_else(|| {
        tracing::error!("VerifiedToken: no TokenConfig in app data; add `web::Data<TokenConfig>`");
        AuthError::internal()
    })
}

/// The app's token configuration, held past the borrow of the request.
enum Config {
    Shared(actix_web::web::Data<TokenConfig>),
    Owned(Box<TokenConfig>),
}

impl core::ops::Deref for Config {
    type Target = TokenConfig;

    fn deref(&self) -> &TokenConfig {
        match self {
            Self::Shared(data) => data,
            Self::Owned(config) => config,
        }
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
    async fn resolve(
        path: GraphPath,
        cx: &mut Resolution,
    ) -> Result<Security<Self>, actix_web::Error> {
        if let Some(hit) = resolve::cached::<Self>(TypeId::of::<Self>(), path, cx) {
            return Ok(hit);
        }
        let share = if path.caches() || path.reads_extensions() {
            Share::Always
        } else {
            Share::Never
        };
        let req = cx.request();
        let verified = match Self::verify_now(req, share, true) {
            Step::Now(outcome) => outcome,
            // Boxed: the fetch's future stays out of every handler's future.
            Step::Fetch(style) => Box::pin(Self::verify_fetching(req.clone(), share, style)).await,
        };
        match verified {
            Ok(token) => Ok(resolve::store(TypeId::of::<Self>(), path, cx, token)),
            Err(e) => Err(e.with_scopes(path.scopes()).into()),
        }
    }
}
