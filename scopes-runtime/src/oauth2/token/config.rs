//! [`TokenConfig`]: keys plus validation settings; issues and verifies tokens.

use core::time::Duration;
use std::sync::Arc;

use actix_web::HttpRequest;
use jsonwebtoken::Header;

use super::cache::{Held, TokenCache};
use super::claims::Payload;
use super::jws::{Jws, VerifyingKey};
use super::key_ring::KeyRing;
use super::key_set::{KeySet, Miss};
use super::rules::Rules;
use super::{Claims, JwtKeys, ScopeClaim, ScopeMapping, TokenError, TokenErrorKind};
use crate::oauth2::jwks::{Due, JwksSource};

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
/// Tokens verified by [`VerifiedToken`](super::VerifiedToken) (and
/// [`verify_cached`](Self::verify_cached)) are kept in a [`TokenCache`], on by default: a
/// token presented again is not verified again until it expires, the keys change, or the
/// entry's maximum age passes.
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
    keys: Keys,
    leeway: u64,
    issuer: Option<String>,
    audience: Vec<String>,
    scope_claim: ScopeClaim,
    mapping: Option<ScopeMapping>,
    max_len: usize,
    cache: TokenCache,
}

/// Where a [`TokenConfig`]'s keys come from.
#[derive(Debug, Clone)]
enum Keys {
    /// One key (pair), one algorithm.
    Fixed(JwtKeys),
    /// The app's own rotating keys, chosen by `kid`.
    Ring(KeyRing),
    /// An identity provider's published keys, chosen by `kid`.
    Jwks(JwksSource),
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
        Self::with_keys(Keys::Fixed(keys))
    }

    /// Verifies tokens with an identity provider's published keys (chosen by the token's
    /// `kid`, each pinned to its algorithm); cannot issue. Set the provider's
    /// [`issuer`](Self::issuer) and this API's [`audience`](Self::audience) too.
    ///
    /// ```
    /// use scopes_runtime::oauth2::JwksSource;
    /// use scopes_runtime::TokenConfig;
    ///
    /// let config = TokenConfig::jwks(JwksSource::url("http://127.0.0.1:9000/jwks"))
    ///     .issuer("http://127.0.0.1:9000")
    ///     .audience(["api"]);
    /// assert!(config.issue("alice", ["me"], std::time::Duration::from_secs(60)).is_err());
    /// ```
    pub fn jwks(source: JwksSource) -> Self {
        Self::with_keys(Keys::Jwks(source))
    }

    /// Issues tokens with `ring`'s signing key (its `kid` in the header) and verifies with
    /// every key of the ring: the app as its own issuer, with rotation. Publish
    /// [`KeyRing::jwks`] for other services.
    pub fn key_ring(ring: KeyRing) -> Self {
        Self::with_keys(Keys::Ring(ring))
    }

    fn with_keys(keys: Keys) -> Self {
        Self {
            keys,
            leeway: Self::DEFAULT_LEEWAY.as_secs(),
            issuer: None,
            audience: Vec::new(),
            scope_claim: ScopeClaim::Auto,
            mapping: None,
            max_len: Self::DEFAULT_MAX_LEN,
            cache: TokenCache::new(),
        }
    }

    /// `self` with `change` made to its rules, and an empty cache: no entry verified under
    /// the old rules answers under the new ones (clones made before keep theirs).
    fn changed(mut self, change: impl FnOnce(&mut Self)) -> Self {
        change(&mut self);
        self.cache = self.cache.emptied();
        self
    }

    /// Clock-skew leeway for `exp` and `nbf` (whole seconds).
    #[must_use]
    pub fn leeway(self, leeway: Duration) -> Self {
        self.changed(|c| c.leeway = leeway.as_secs())
    }

    /// Requires `iss` to be `issuer`, and issues tokens with it.
    #[must_use]
    pub fn issuer(self, issuer: impl Into<String>) -> Self {
        self.changed(|c| c.issuer = Some(issuer.into()))
    }

    /// Requires `aud` to name one of `audience`, and issues tokens for all of them.
    /// Without it, a token that has an `aud` claim is refused (RFC 7519 section 4.1.3).
    #[must_use]
    pub fn audience<S: Into<String>>(self, audience: impl IntoIterator<Item = S>) -> Self {
        self.changed(|c| c.audience = audience.into_iter().map(Into::into).collect())
    }

    /// Where the granted scopes are read from, and written to.
    #[must_use]
    pub fn scope_claim(self, claim: ScopeClaim) -> Self {
        self.changed(|c| c.scope_claim = claim)
    }

    /// Reads the granted scopes from the claims `mapping` names (the union), instead of the
    /// one [`ScopeClaim`] (which still says how tokens are issued).
    ///
    /// ```
    /// # use scopes_runtime::oauth2::{ScopeMapping, ScopeSource};
    /// # use scopes_runtime::{JwtKeys, TokenConfig};
    /// let config = TokenConfig::new(JwtKeys::hs256([0u8; 32])?)
    ///     .scope_mapping(ScopeMapping::standard().with_prefixed(ScopeSource::Roles, "role:"));
    /// # Ok::<(), scopes_runtime::oauth2::KeyError>(())
    /// ```
    #[must_use]
    pub fn scope_mapping(self, mapping: ScopeMapping) -> Self {
        self.changed(|c| c.mapping = Some(mapping))
    }

    /// Refuses tokens longer than `max_len` bytes, before decoding them.
    #[must_use]
    pub fn max_token_len(self, max_len: usize) -> Self {
        self.changed(|c| c.max_len = max_len)
    }

    /// Keeps verified tokens in `cache` (by default a [`TokenCache::new`]);
    /// [`TokenCache::disabled`] verifies every token every time.
    ///
    /// ```
    /// # use scopes_runtime::oauth2::TokenCache;
    /// # use scopes_runtime::{JwtKeys, TokenConfig};
    /// let config = TokenConfig::new(JwtKeys::hs256([0u8; 32])?)
    ///     .token_cache(TokenCache::new().entries(100_000));
    /// assert_eq!(config.cache().capacity(), 131_072);
    /// # Ok::<(), scopes_runtime::oauth2::KeyError>(())
    /// ```
    #[must_use]
    pub fn token_cache(mut self, cache: TokenCache) -> Self {
        self.cache = cache;
        self
    }

    /// The cache of verified tokens.
    pub fn cache(&self) -> &TokenCache {
        &self.cache
    }

    /// The fixed keys, unless the keys come from a [`KeyRing`] or a [`JwksSource`].
    pub fn keys(&self) -> Option<&JwtKeys> {
        match &self.keys {
            Keys::Fixed(keys) => Some(keys),
            Keys::Ring(_) | Keys::Jwks(_) => None,
        }
    }

    /// The algorithm new tokens are signed with, if this configuration can sign.
    pub fn signing_algorithm(&self) -> Option<jsonwebtoken::Algorithm> {
        match &self.keys {
            Keys::Fixed(keys) => keys.encoding.as_ref().map(|_| keys.algorithm),
            Keys::Ring(ring) => Some(ring.current().sign_with().1),
            Keys::Jwks(_) => None,
        }
    }

    /// The provider's key source, when the keys come from one.
    pub fn jwks_source(&self) -> Option<&JwksSource> {
        match &self.keys {
            Keys::Jwks(source) => Some(source),
            Keys::Fixed(_) | Keys::Ring(_) => None,
        }
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
        let cannot_sign = || TokenError::new(TokenErrorKind::CannotSign);
        let sign = |header: Header, key| {
            jsonwebtoken::encode(&header, &claims.to_json(self.scope_claim), key).map_err(|e| {
                TokenError {
                    kind: TokenErrorKind::CannotSign,
                    source: Some(e),
                }
            })
        };
        match &self.keys {
            Keys::Fixed(keys) => {
                let key = keys.encoding.as_ref().ok_or_else(cannot_sign)?;
                sign(Header::new(keys.algorithm), key)
            }
            Keys::Ring(ring) => {
                let ring = ring.current();
                let (kid, algorithm, key) = ring.sign_with();
                let mut header = Header::new(algorithm);
                header.kid = Some(kid.to_owned());
                sign(header, key)
            }
            Keys::Jwks(_) => Err(cannot_sign()),
        }
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
        let jws = Jws::parse(token)?;
        match &self.keys {
            Keys::Fixed(keys) => self.decode(&jws, keys.algorithm, &keys.verifying),
            Keys::Ring(ring) => self.verify_in(&jws, &ring.current().verifying),
            Keys::Jwks(source) => self.verify_in(&jws, &source.keys()),
        }
    }

    /// Verifies `token` like [`verify`](Self::verify), unless the [`cache`](Self::cache)
    /// answers for it, and keeps the outcome there when it is a success: the claims shared
    /// with the cache. With the keys at hand (a [`JwksSource`] is not refreshed).
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use scopes_runtime::{JwtKeys, TokenConfig};
    /// let config = TokenConfig::new(JwtKeys::hs256([0u8; 32])?);
    /// let token = config.issue("johndoe", ["me"], Duration::from_secs(60))?;
    /// assert_eq!(config.verify_cached(&token)?.sub, "johndoe");
    /// assert!(config.verify_cached(&format!("{token}x")).is_err()); // a tampered copy
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn verify_cached(&self, token: &str) -> Result<Arc<Claims>, TokenError> {
        self.verify_held(token).map(Held::shared)
    }

    /// [`verify_cached`](Self::verify_cached), the claims as the cache holds them.
    pub(crate) fn verify_held(&self, token: &str) -> Result<Held, TokenError> {
        match self.look_up(token)? {
            Lookup::Hit(claims) => Ok(Held::Shared(claims)),
            Lookup::Miss(miss) => miss.settle(self, token, self.verify(token)),
        }
    }

    /// The cache's claims for `token`, or what a verification of it is kept under. The keys'
    /// epoch is read before verifying, so an entry never claims newer keys than it was
    /// verified with.
    fn look_up(&self, token: &str) -> Result<Lookup, TokenError> {
        if token.len() > self.max_len {
            return Err(TokenError::new(TokenErrorKind::TooLarge));
        }
        let miss = CacheMiss {
            epoch: self.key_epoch(),
            now: super::claims::now(),
        };
        Ok(match self.cache.get(token, miss.epoch, miss.now) {
            Some(claims) => Lookup::Hit(claims),
            None => Lookup::Miss(miss),
        })
    }

    /// Which verification keys are in use: changes whenever they do.
    fn key_epoch(&self) -> u64 {
        match &self.keys {
            Keys::Fixed(_) => 0,
            Keys::Ring(ring) => ring.epoch(),
            Keys::Jwks(source) => source.epoch(),
        }
    }

    /// Verifies `token` like [`verify`](Self::verify), first refreshing a
    /// [`JwksSource`]'s keys when they were never fetched, have expired, or lack the
    /// token's `kid` (single-flight, at most once per cooldown). What `Security<VerifiedToken>`
    /// and the `VerifiedToken` extractor do.
    pub async fn verify_fresh(&self, token: &str) -> Result<Claims, TokenError> {
        self.verify_fresh_held(token).await.map(Held::into_owned)
    }

    /// [`verify_fresh`](Self::verify_fresh) through the cache, which answers once the keys
    /// are fresh.
    pub(crate) async fn verify_fresh_held(&self, token: &str) -> Result<Held, TokenError> {
        let Keys::Jwks(source) = &self.keys else {
            return self.verify_held(token);
        };
        let seen = source.generation();
        match source.due() {
            Due::Missing => {
                source.refresh_for(seen).await;
            }
            Due::Expired => source.refresh_if_idle().await,
            Due::Fresh => {}
        }
        let seen = source.generation();
        match self.verify_held(token) {
            Err(e) if e.kind == TokenErrorKind::UnknownKey && source.refresh_for(seen).await => {
                self.verify_held(token)
            }
            outcome => outcome,
        }
    }

    /// [`verify_held`](Self::verify_held), unless a fetch could change the answer: `None`
    /// when the JWK Set source was never fetched, has expired, or lacks the token's `kid`
    /// (then [`verify_fresh_held`](Self::verify_fresh_held) decides).
    pub(crate) fn verify_at_hand(&self, token: &str) -> Option<Result<Held, TokenError>> {
        let Keys::Jwks(source) = &self.keys else {
            return Some(self.verify_held(token));
        };
        if !source.is_fresh() {
            return None;
        }
        let miss = match self.look_up(token) {
            Ok(Lookup::Hit(claims)) => return Some(Ok(Held::Shared(claims))),
            Ok(Lookup::Miss(miss)) => miss,
            Err(e) => return Some(Err(e)),
        };
        let outcome = Jws::parse(token).and_then(|jws| self.verify_in(&jws, &source.keys()));
        match outcome {
            Err(e) if e.kind == TokenErrorKind::UnknownKey => None,
            outcome => Some(miss.settle(self, token, outcome)),
        }
    }

    /// Verifies `jws` with the key of `keys` its header chooses.
    fn verify_in(&self, jws: &Jws<'_>, keys: &KeySet) -> Result<Claims, TokenError> {
        let key = keys.find(jws.alg(), jws.kid()).map_err(|miss| {
            TokenError::new(match miss {
                Miss::UnknownKid => TokenErrorKind::UnknownKey,
                Miss::Unusable => TokenErrorKind::AlgorithmMismatch,
            })
        })?;
        self.decode(jws, jws.alg(), key)
    }

    /// Verifies `jws`'s signature with `key` under `algorithm`, its times and claims.
    fn decode(
        &self,
        jws: &Jws<'_>,
        algorithm: jsonwebtoken::Algorithm,
        key: &VerifyingKey,
    ) -> Result<Claims, TokenError> {
        jws.verify(algorithm, key)?;
        let payload: Payload = jws.payload()?;
        self.rules().check(&payload)?;
        Claims::from_payload(payload, self.scope_claim, self.mapping.as_ref())
    }

    /// The registered claims' rules, now.
    fn rules(&self) -> Rules<'_> {
        Rules {
            leeway: self.leeway,
            issuer: self.issuer.as_deref(),
            audience: &self.audience,
            now: super::claims::now(),
        }
    }
}

/// What the cache said of a token.
enum Lookup {
    Hit(Arc<Claims>),
    Miss(CacheMiss),
}

/// A token the cache did not know: when it was looked up, under which keys.
struct CacheMiss {
    epoch: u64,
    now: u64,
}

impl CacheMiss {
    /// The token's verification, kept in `config`'s cache when it is a success.
    fn settle(
        self,
        config: &TokenConfig,
        token: &str,
        outcome: Result<Claims, TokenError>,
    ) -> Result<Held, TokenError> {
        outcome.map(|claims| config.cache.keep(token, self.epoch, self.now, claims))
    }
}
