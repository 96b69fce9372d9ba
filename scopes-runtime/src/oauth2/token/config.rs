//! [`TokenConfig`]: keys plus validation settings; issues and verifies tokens.

use core::time::Duration;

use actix_web::HttpRequest;
use jsonwebtoken::{Header, Validation};
use serde_json::{Map, Value};

use super::{Claims, JwtKeys, ScopeClaim, TokenError, TokenErrorKind};

/// How tokens are issued and verified: [`JwtKeys`] and validation settings.
///
/// Put it in the app's data (as `web::Data<TokenConfig>` or `TokenConfig`) for
/// [`VerifiedToken`](super::VerifiedToken) to find.
///
/// Verification is strict: the header's `alg` must be the configured one (so `none` and
/// algorithm confusion are rejected), keys never come from `kid`/`jku`/`x5u`/`jwk`
/// headers, `exp` and `sub` are required, `nbf` is checked when present, `iss`/`aud` when
/// configured, and a token longer than [`TokenConfig::DEFAULT_MAX_LEN`] (8 KiB) is refused
/// before any decoding.
///
/// Tokens interoperate with FastAPI's tutorial (python-jose): the tutorial's 64-hex-digit
/// `SECRET_KEY` is used as the bytes of that string, as python-jose does.
///
/// ```
/// use std::time::Duration;
/// use actix_web::{web, App};
/// use scopes_runtime::oauth2::ScopeClaim;
/// use scopes_runtime::{JwtKeys, TokenConfig};
///
/// let config = TokenConfig::new(JwtKeys::hs256(
///     "09d25e094faa6ca2556c818166b7a9563b93f7099f6f0f4caa6cf63b88e8d3e7",
/// )?)
/// .leeway(Duration::from_secs(5))
/// .issuer("https://auth.example.com")
/// .audience(["api"])
/// .scope_claim(ScopeClaim::Auto);
///
/// let token = config.issue("johndoe", ["me"], Duration::from_secs(1800))?;
/// let claims = config.verify(&token)?;
/// assert_eq!((claims.sub.as_str(), claims.scopes.as_slice()), ("johndoe", &["me".to_owned()][..]));
///
/// let app = App::new().app_data(web::Data::new(config));
/// # drop(app);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct TokenConfig {
    keys: JwtKeys,
    leeway: u64,
    issuer: Option<String>,
    audience: Vec<String>,
    scope_claim: ScopeClaim,
    max_len: usize,
}

impl TokenConfig {
    /// The default cap on a token's length: 8 KiB.
    pub const DEFAULT_MAX_LEN: usize = 8 * 1024;
    /// The default clock-skew leeway for `exp` and `nbf`: 30 seconds.
    pub const DEFAULT_LEEWAY: Duration = Duration::from_secs(30);

    /// Verifies with `keys`, a 30 s leeway, no `iss`/`aud` check, scopes read as
    /// [`ScopeClaim::Auto`], tokens capped at 8 KiB.
    ///
    /// ```
    /// # use scopes_runtime::{JwtKeys, TokenConfig};
    /// let config = TokenConfig::new(JwtKeys::hs256([0u8; 32])?);
    /// # Ok::<(), scopes_runtime::oauth2::KeyError>(())
    /// ```
    pub fn new(keys: JwtKeys) -> Self {
        Self {
            keys,
            leeway: Self::DEFAULT_LEEWAY.as_secs(),
            issuer: None,
            audience: Vec::new(),
            scope_claim: ScopeClaim::Auto,
            max_len: Self::DEFAULT_MAX_LEN,
        }
    }

    /// Clock-skew leeway for `exp` and `nbf` (whole seconds).
    #[must_use]
    pub fn leeway(mut self, leeway: Duration) -> Self {
        self.leeway = leeway.as_secs();
        self
    }

    /// Requires `iss` to be `issuer`, and issues tokens with it.
    #[must_use]
    pub fn issuer(mut self, issuer: impl Into<String>) -> Self {
        self.issuer = Some(issuer.into());
        self
    }

    /// Requires `aud` to name one of `audience`, and issues tokens for all of them.
    /// Without it, a token that has an `aud` claim is refused (RFC 7519 section 4.1.3).
    #[must_use]
    pub fn audience<S: Into<String>>(mut self, audience: impl IntoIterator<Item = S>) -> Self {
        self.audience = audience.into_iter().map(Into::into).collect();
        self
    }

    /// Where the granted scopes are read from, and written to.
    #[must_use]
    pub fn scope_claim(mut self, claim: ScopeClaim) -> Self {
        self.scope_claim = claim;
        self
    }

    /// Refuses tokens longer than `max_len` bytes, before decoding them.
    #[must_use]
    pub fn max_token_len(mut self, max_len: usize) -> Self {
        self.max_len = max_len;
        self
    }

    /// The keys.
    pub fn keys(&self) -> &JwtKeys {
        &self.keys
    }

    /// The token config in `req`'s app data, as `web::Data<TokenConfig>` (looked up first:
    /// it is read on every verified request, and usually shared that way) or `TokenConfig`.
    pub fn of(req: &HttpRequest) -> Option<&Self> {
        req.app_data::<actix_web::web::Data<Self>>()
            .map(|data| data.get_ref())
            .or_else(|| req.app_data::<Self>())
    }

    /// A token for `sub` granted `scopes`, valid for `lifetime` from now, with `iat`, and
    /// `iss`/`aud` when configured.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use scopes_runtime::{JwtKeys, TokenConfig};
    /// let config = TokenConfig::new(JwtKeys::hs256([0u8; 32])?);
    /// let token = config.issue("johndoe", ["me"], Duration::from_secs(60))?;
    /// assert_eq!(token.split('.').count(), 3);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn issue<S: Into<String>>(
        &self,
        sub: impl Into<String>,
        scopes: impl IntoIterator<Item = S>,
        lifetime: Duration,
    ) -> Result<String, TokenError> {
        let mut claims = Claims::new(sub, scopes, lifetime);
        claims.iss.clone_from(&self.issuer);
        claims.aud.clone_from(&self.audience);
        self.issue_claims(&claims)
    }

    /// A token with exactly `claims`, signed with the configured algorithm.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use scopes_runtime::oauth2::Claims;
    /// # use scopes_runtime::{JwtKeys, TokenConfig};
    /// let config = TokenConfig::new(JwtKeys::hs256([0u8; 32])?);
    /// let mut claims = Claims::new("johndoe", ["me"], Duration::from_secs(60));
    /// claims.jti = Some("id-1".into());
    /// let token = config.issue_claims(&claims)?;
    /// assert_eq!(config.verify(&token)?.jti.as_deref(), Some("id-1"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn issue_claims(&self, claims: &Claims) -> Result<String, TokenError> {
        let Some(key) = &self.keys.encoding else {
            return Err(TokenError::new(TokenErrorKind::CannotSign));
        };
        jsonwebtoken::encode(
            &Header::new(self.keys.algorithm),
            &claims.to_json(self.scope_claim),
            key,
        )
        .map_err(|e| TokenError {
            kind: TokenErrorKind::CannotSign,
            source: Some(e),
        })
    }

    /// Verifies `token` and reads its claims.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use scopes_runtime::oauth2::TokenErrorKind;
    /// # use scopes_runtime::{JwtKeys, TokenConfig};
    /// let config = TokenConfig::new(JwtKeys::hs256([0u8; 32])?);
    /// assert_eq!(*config.verify("not.a.jwt").unwrap_err().kind(), TokenErrorKind::Malformed);
    /// # Ok::<(), scopes_runtime::oauth2::KeyError>(())
    /// ```
    pub fn verify(&self, token: &str) -> Result<Claims, TokenError> {
        if token.len() > self.max_len {
            return Err(TokenError::new(TokenErrorKind::TooLarge));
        }
        let mut validation = Validation::new(self.keys.algorithm);
        validation.leeway = self.leeway;
        validation.validate_exp = true;
        validation.validate_nbf = true;
        validation.validate_aud = true;
        let mut required = vec!["exp"];
        if let Some(issuer) = &self.issuer {
            validation.set_issuer(&[issuer]);
            required.push("iss");
        }
        if !self.audience.is_empty() {
            validation.set_audience(&self.audience);
            required.push("aud");
        }
        validation.set_required_spec_claims(&required);
        let data =
            jsonwebtoken::decode::<Map<String, Value>>(token, &self.keys.decoding, &validation)
                .map_err(TokenError::from_jwt)?;
        Claims::from_json(data.claims, self.scope_claim)
    }
}
