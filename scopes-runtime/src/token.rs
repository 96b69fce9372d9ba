//! Access tokens: JWTs issued and verified with `jsonwebtoken` under one configured algorithm.
//!
//! - [`JwtKeys`]: the key pair and its pinned algorithm (HS256 by default; HS384/HS512,
//!   RS256, ES256 and EdDSA from PEM). An HMAC secret under 32 bytes is refused.
//! - [`TokenConfig`]: keys plus validation settings (leeway, `iss`, `aud`, where the scopes
//!   are read from, size cap). It [`issue`](TokenConfig::issue)s and
//!   [`verify`](TokenConfig::verify)s tokens.
//! - [`Claims`]: the typed claims.
//! - [`VerifiedToken`]: the extractor (and [`VerifiedToken::authenticate`] helper) that reads
//!   the bearer token, verifies it with the [`TokenConfig`] in app data, and caches the
//!   outcome in the request's extensions so a token is verified at most once per request.
//!
//! Verification is strict: the header's `alg` must be the configured one (so `none` and
//! algorithm confusion are rejected), keys never come from `kid`/`jku`/`x5u`/`jwk`
//! headers, `exp` and `sub` are required, `nbf` is checked when present, `iss`/`aud` when
//! configured, and a token longer than [`TokenConfig::DEFAULT_MAX_LEN`] (8 KiB) is refused
//! before any decoding.
//!
//! Tokens interoperate with FastAPI's tutorial (python-jose): the tutorial's 64-hex-digit
//! `SECRET_KEY` is used as the bytes of that string, as python-jose does.

use core::fmt;
use core::time::Duration;
use std::sync::Arc;

use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use jsonwebtoken::errors::ErrorKind as JwtErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::Serialize;
use serde_json::{Map, Value};

use crate::bearer::BearerToken;
use crate::error::{AuthError, ErrorStyle};
use crate::scope_token::check_scope_token;
use crate::security::SecurityScopes;

pub use jsonwebtoken::Algorithm as JwtAlgorithm;

/// Signing and verification keys, pinned to one algorithm.
///
/// ```
/// use scopes_runtime::JwtKeys;
///
/// // The FastAPI tutorial's key, used as the bytes of the string (like python-jose).
/// let keys = JwtKeys::hs256("09d25e094faa6ca2556c818166b7a9563b93f7099f6f0f4caa6cf63b88e8d3e7")?;
/// assert!(JwtKeys::hs256("too short").is_err());
/// # Ok::<(), scopes_runtime::KeyError>(())
/// ```
#[derive(Clone)]
pub struct JwtKeys {
    algorithm: Algorithm,
    encoding: Option<EncodingKey>,
    decoding: DecodingKey,
}

impl JwtKeys {
    /// The shortest HMAC secret accepted, in bytes (RFC 7518 section 3.2: at least the hash
    /// size, 256 bits for HS256).
    pub const MIN_HMAC_SECRET_LEN: usize = 32;

    /// HS256 keys from a shared secret of at least 32 bytes.
    ///
    /// ```
    /// # use scopes_runtime::{JwtKeys, KeyError};
    /// assert!(matches!(JwtKeys::hs256([7u8; 31]), Err(KeyError::SecretTooShort { len: 31, .. })));
    /// assert!(JwtKeys::hs256([7u8; 32]).is_ok());
    /// ```
    pub fn hs256(secret: impl AsRef<[u8]>) -> Result<Self, KeyError> {
        Self::hmac(Algorithm::HS256, secret)
    }

    /// HMAC keys (`HS256`, `HS384` or `HS512`) from a shared secret of at least 32 bytes.
    ///
    /// ```
    /// # use scopes_runtime::{JwtAlgorithm, JwtKeys};
    /// let keys = JwtKeys::hmac(JwtAlgorithm::HS512, [1u8; 64])?;
    /// assert_eq!(keys.algorithm(), JwtAlgorithm::HS512);
    /// # Ok::<(), scopes_runtime::KeyError>(())
    /// ```
    pub fn hmac(algorithm: Algorithm, secret: impl AsRef<[u8]>) -> Result<Self, KeyError> {
        let secret = secret.as_ref();
        if !matches!(
            algorithm,
            Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512
        ) {
            return Err(KeyError::UnsupportedAlgorithm(algorithm));
        }
        if secret.len() < Self::MIN_HMAC_SECRET_LEN {
            return Err(KeyError::SecretTooShort {
                len: secret.len(),
                min: Self::MIN_HMAC_SECRET_LEN,
            });
        }
        Ok(Self {
            algorithm,
            encoding: Some(EncodingKey::from_secret(secret).map_err(KeyError::Invalid)?),
            decoding: DecodingKey::from_secret(secret).map_err(KeyError::Invalid)?,
        })
    }

    /// HS256 keys from the secret in the environment variable `var` (its bytes, as is).
    ///
    /// ```
    /// # use scopes_runtime::{JwtKeys, KeyError};
    /// let err = JwtKeys::hs256_from_env("SCOPES_DOCTEST_UNSET_VARIABLE").unwrap_err();
    /// assert!(matches!(err, KeyError::Env { .. }));
    /// ```
    pub fn hs256_from_env(var: &str) -> Result<Self, KeyError> {
        let secret = std::env::var(var).map_err(|source| KeyError::Env {
            var: var.to_owned(),
            source,
        })?;
        Self::hs256(secret)
    }

    /// HS256 keys from the secret in the file at `path` (its bytes, without one trailing
    /// line break).
    ///
    /// ```
    /// # use scopes_runtime::{JwtKeys, KeyError};
    /// let err = JwtKeys::hs256_from_file("/nonexistent/secret").unwrap_err();
    /// assert!(matches!(err, KeyError::File { .. }));
    /// ```
    pub fn hs256_from_file(path: impl AsRef<std::path::Path>) -> Result<Self, KeyError> {
        let path = path.as_ref();
        let secret = std::fs::read(path).map_err(|source| KeyError::File {
            path: path.to_owned(),
            source,
        })?;
        let secret = secret
            .strip_suffix(b"\r\n")
            .or_else(|| secret.strip_suffix(b"\n"))
            .unwrap_or(&secret);
        Self::hs256(secret)
    }

    /// Asymmetric keys from PEM: `RS256`-`RS512`, `PS256`-`PS512`, `ES256`, `ES384` or
    /// `EdDSA`. Without `private_pem` the keys only verify.
    ///
    /// ```
    /// # use scopes_runtime::{JwtAlgorithm, JwtKeys, KeyError};
    /// let err = JwtKeys::from_pem(JwtAlgorithm::ES256, None, b"not a pem").unwrap_err();
    /// assert!(matches!(err, KeyError::Invalid(_)));
    /// ```
    pub fn from_pem(
        algorithm: Algorithm,
        private_pem: Option<&[u8]>,
        public_pem: &[u8],
    ) -> Result<Self, KeyError> {
        use jsonwebtoken::AlgorithmFamily as F;
        let (encoding, decoding) = match algorithm.family() {
            F::Rsa => (
                private_pem.map(EncodingKey::from_rsa_pem).transpose(),
                DecodingKey::from_rsa_pem(public_pem),
            ),
            F::Ec => (
                private_pem.map(EncodingKey::from_ec_pem).transpose(),
                DecodingKey::from_ec_pem(public_pem),
            ),
            F::Ed => (
                private_pem.map(EncodingKey::from_ed_pem).transpose(),
                DecodingKey::from_ed_pem(public_pem),
            ),
            F::Hmac => return Err(KeyError::UnsupportedAlgorithm(algorithm)),
        };
        Ok(Self {
            algorithm,
            encoding: encoding.map_err(KeyError::Invalid)?,
            decoding: decoding.map_err(KeyError::Invalid)?,
        })
    }

    /// The pinned algorithm.
    ///
    /// ```
    /// # use scopes_runtime::{JwtAlgorithm, JwtKeys};
    /// assert_eq!(JwtKeys::hs256([0u8; 32])?.algorithm(), JwtAlgorithm::HS256);
    /// # Ok::<(), scopes_runtime::KeyError>(())
    /// ```
    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }
}

impl fmt::Debug for JwtKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JwtKeys")
            .field("algorithm", &self.algorithm)
            .field("can_sign", &self.encoding.is_some())
            .finish_non_exhaustive()
    }
}

/// Why keys could not be built. Fatal configuration errors, meant for startup.
#[derive(Debug)]
#[non_exhaustive]
pub enum KeyError {
    /// The HMAC secret is shorter than [`JwtKeys::MIN_HMAC_SECRET_LEN`].
    SecretTooShort {
        /// Its length, in bytes.
        len: usize,
        /// The minimum.
        min: usize,
    },
    /// The algorithm does not fit the constructor (e.g. `RS256` given to [`JwtKeys::hmac`]).
    UnsupportedAlgorithm(Algorithm),
    /// The key material was rejected by `jsonwebtoken` (bad PEM, wrong key type).
    Invalid(jsonwebtoken::errors::Error),
    /// The environment variable is unset or not Unicode.
    Env {
        /// The variable.
        var: String,
        /// Why it could not be read.
        source: std::env::VarError,
    },
    /// The file could not be read.
    File {
        /// The file.
        path: std::path::PathBuf,
        /// Why it could not be read.
        source: std::io::Error,
    },
}

impl fmt::Display for KeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::SecretTooShort { len, min } => write!(
                f,
                "the JWT HMAC secret is {len} bytes long; at least {min} random bytes are required"
            ),
            Self::UnsupportedAlgorithm(alg) => {
                write!(f, "the algorithm {alg:?} does not fit this kind of key")
            }
            Self::Invalid(_) => f.write_str("the JWT key material is invalid"),
            Self::Env { var, .. } => write!(f, "cannot read the JWT secret from ${var}"),
            Self::File { path, .. } => {
                write!(f, "cannot read the JWT secret from {}", path.display())
            }
        }
    }
}

impl std::error::Error for KeyError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Invalid(e) => Some(e),
            Self::Env { source, .. } => Some(source),
            Self::File { source, .. } => Some(source),
            Self::SecretTooShort { .. } | Self::UnsupportedAlgorithm(_) => None,
        }
    }
}

/// Which claim holds the granted scopes.
///
/// ```
/// use scopes_runtime::{JwtKeys, ScopeClaim, TokenConfig};
/// let config = TokenConfig::new(JwtKeys::hs256([0u8; 32])?).scope_claim(ScopeClaim::Scope);
/// # Ok::<(), scopes_runtime::KeyError>(())
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ScopeClaim {
    /// Read `scopes`, else `scope`, else `scp`, whichever comes first; issue `scopes`.
    #[default]
    Auto,
    /// `scopes`: an array of strings (FastAPI's tutorial).
    Scopes,
    /// `scope`: one space-delimited string (RFC 9068, RFC 8693).
    Scope,
    /// `scp`: a space-delimited string or an array of strings (as some identity providers
    /// send it). Issued as an array.
    Scp,
}

/// The claims of an access token.
///
/// ```
/// use std::time::Duration;
/// use scopes_runtime::Claims;
///
/// let claims = Claims::new("johndoe", ["me", "items"], Duration::from_secs(900));
/// assert_eq!(claims.sub, "johndoe");
/// assert_eq!(claims.exp - claims.iat.unwrap(), 900);
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Claims {
    /// `sub`: the subject (the tutorial's username). Required, a string.
    pub sub: String,
    /// The granted scopes, from the claim chosen by [`ScopeClaim`]; empty when absent.
    pub scopes: Vec<String>,
    /// `exp`: expiry, seconds since the Unix epoch. Required.
    pub exp: u64,
    /// `iat`: issued at (optional: the tutorial's tokens have none).
    pub iat: Option<u64>,
    /// `nbf`: not before.
    pub nbf: Option<u64>,
    /// `iss`: issuer.
    pub iss: Option<String>,
    /// `aud`: audiences (a JSON string when there is one, an array otherwise).
    pub aud: Vec<String>,
    /// `jti`: token id.
    pub jti: Option<String>,
    /// Every other claim, as is.
    pub extra: Map<String, Value>,
}

impl Claims {
    /// Claims for `sub` granted `scopes`, issued now and expiring after `lifetime`.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use scopes_runtime::Claims;
    /// let mut claims = Claims::new("alice", Vec::<String>::new(), Duration::from_secs(60));
    /// claims.jti = Some("4f1c".into());
    /// ```
    pub fn new<S: Into<String>>(
        sub: impl Into<String>,
        scopes: impl IntoIterator<Item = S>,
        lifetime: Duration,
    ) -> Self {
        let now = now();
        Self {
            sub: sub.into(),
            scopes: scopes.into_iter().map(Into::into).collect(),
            exp: now.saturating_add(lifetime.as_secs()),
            iat: Some(now),
            nbf: None,
            iss: None,
            aud: Vec::new(),
            jti: None,
            extra: Map::new(),
        }
    }

    /// The claims as a JSON object, the scopes written as `scope_claim` says.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use scopes_runtime::{Claims, ScopeClaim};
    /// let json = Claims::new("a", ["me", "items"], Duration::ZERO).to_json(ScopeClaim::Scope);
    /// assert_eq!(json["scope"], "me items");
    /// ```
    pub fn to_json(&self, scope_claim: ScopeClaim) -> Map<String, Value> {
        let mut map = self.extra.clone();
        map.insert("sub".into(), self.sub.clone().into());
        let scopes = Value::from(self.scopes.clone());
        match scope_claim {
            ScopeClaim::Auto | ScopeClaim::Scopes => map.insert("scopes".into(), scopes),
            ScopeClaim::Scope => map.insert("scope".into(), self.scopes.join(" ").into()),
            ScopeClaim::Scp => map.insert("scp".into(), scopes),
        };
        map.insert("exp".into(), self.exp.into());
        let optional = [
            ("iat", self.iat.map(Value::from)),
            ("nbf", self.nbf.map(Value::from)),
            ("iss", self.iss.clone().map(Value::from)),
            ("jti", self.jti.clone().map(Value::from)),
            (
                "aud",
                match self.aud.as_slice() {
                    [] => None,
                    [one] => Some(one.clone().into()),
                    many => Some(many.to_vec().into()),
                },
            ),
        ];
        for (name, value) in optional {
            if let Some(value) = value {
                map.insert(name.into(), value);
            }
        }
        map
    }

    /// Reads verified claims (the signature and times were checked by `jsonwebtoken`).
    fn from_json(mut map: Map<String, Value>, scope_claim: ScopeClaim) -> Result<Self, TokenError> {
        let invalid = |claim: &str| TokenError::new(TokenErrorKind::InvalidClaim(claim.into()));
        let sub = match map.remove("sub") {
            None | Some(Value::Null) => {
                return Err(TokenError::new(TokenErrorKind::MissingClaim("sub".into())));
            }
            Some(Value::String(sub)) => sub,
            Some(_) => return Err(invalid("sub")),
        };
        let exp = match map.remove("exp") {
            Some(exp) => numeric_date(&exp).ok_or_else(|| invalid("exp"))?,
            None => return Err(TokenError::new(TokenErrorKind::MissingClaim("exp".into()))),
        };
        let optional_date = |value: Option<Value>, name: &str| match value {
            None | Some(Value::Null) => Ok(None),
            Some(v) => numeric_date(&v).map(Some).ok_or_else(|| invalid(name)),
        };
        let iat = optional_date(map.remove("iat"), "iat")?;
        let nbf = optional_date(map.remove("nbf"), "nbf")?;
        let optional_string = |value: Option<Value>, name: &str| match value {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(invalid(name)),
        };
        let iss = optional_string(map.remove("iss"), "iss")?;
        let jti = optional_string(map.remove("jti"), "jti")?;
        let aud = match map.remove("aud") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::String(aud)) => vec![aud],
            Some(Value::Array(items)) => string_array(items).ok_or_else(|| invalid("aud"))?,
            Some(_) => return Err(invalid("aud")),
        };
        let scopes = read_scopes(&mut map, scope_claim)?;
        Ok(Self {
            sub,
            scopes,
            exp,
            iat,
            nbf,
            iss,
            aud,
            jti,
            extra: map,
        })
    }
}

fn numeric_date(value: &Value) -> Option<u64> {
    value.as_u64().or_else(|| {
        value
            .as_f64()
            .filter(|f| f.is_finite() && *f >= 0.0 && *f < u64::MAX as f64)
            .map(|f| f as u64)
    })
}

fn string_array(items: Vec<Value>) -> Option<Vec<String>> {
    items
        .into_iter()
        .map(|v| match v {
            Value::String(s) => Some(s),
            _ => None,
        })
        .collect()
}

fn read_scopes(map: &mut Map<String, Value>, claim: ScopeClaim) -> Result<Vec<String>, TokenError> {
    let name = match claim {
        ScopeClaim::Scopes => "scopes",
        ScopeClaim::Scope => "scope",
        ScopeClaim::Scp => "scp",
        ScopeClaim::Auto => ["scopes", "scope", "scp"]
            .into_iter()
            .find(|name| map.get(*name).is_some_and(|v| !v.is_null()))
            .unwrap_or("scopes"),
    };
    let invalid = || TokenError::new(TokenErrorKind::InvalidClaim(name.into()));
    let scopes = match (map.remove(name), name) {
        (None | Some(Value::Null), _) => Vec::new(),
        (Some(Value::Array(items)), "scopes" | "scp") => string_array(items).ok_or_else(invalid)?,
        (Some(Value::String(s)), "scope" | "scp") => s
            .split(' ')
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
        _ => return Err(invalid()),
    };
    if scopes.iter().any(|s| check_scope_token(s).is_err()) {
        return Err(invalid());
    }
    Ok(scopes)
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// How tokens are issued and verified: [`JwtKeys`] and validation settings.
///
/// Put it in the app's data (as `web::Data<TokenConfig>` or `TokenConfig`) for
/// [`VerifiedToken`] to find.
///
/// ```
/// use std::time::Duration;
/// use actix_web::{web, App};
/// use scopes_runtime::{JwtKeys, ScopeClaim, TokenConfig};
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
    /// # Ok::<(), scopes_runtime::KeyError>(())
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
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use scopes_runtime::{JwtKeys, TokenConfig};
    /// let config = TokenConfig::new(JwtKeys::hs256([0u8; 32])?).leeway(Duration::ZERO);
    /// # Ok::<(), scopes_runtime::KeyError>(())
    /// ```
    #[must_use]
    pub fn leeway(mut self, leeway: Duration) -> Self {
        self.leeway = leeway.as_secs();
        self
    }

    /// Requires `iss` to be `issuer`, and issues tokens with it.
    ///
    /// ```
    /// # use scopes_runtime::{JwtKeys, TokenConfig};
    /// let config = TokenConfig::new(JwtKeys::hs256([0u8; 32])?).issuer("me");
    /// # Ok::<(), scopes_runtime::KeyError>(())
    /// ```
    #[must_use]
    pub fn issuer(mut self, issuer: impl Into<String>) -> Self {
        self.issuer = Some(issuer.into());
        self
    }

    /// Requires `aud` to name one of `audience`, and issues tokens for all of them.
    /// Without it, a token that has an `aud` claim is refused (RFC 7519 section 4.1.3).
    ///
    /// ```
    /// # use scopes_runtime::{JwtKeys, TokenConfig};
    /// let config = TokenConfig::new(JwtKeys::hs256([0u8; 32])?).audience(["api", "admin"]);
    /// # Ok::<(), scopes_runtime::KeyError>(())
    /// ```
    #[must_use]
    pub fn audience<S: Into<String>>(mut self, audience: impl IntoIterator<Item = S>) -> Self {
        self.audience = audience.into_iter().map(Into::into).collect();
        self
    }

    /// Where the granted scopes are read from, and written to.
    ///
    /// ```
    /// # use scopes_runtime::{JwtKeys, ScopeClaim, TokenConfig};
    /// let config = TokenConfig::new(JwtKeys::hs256([0u8; 32])?).scope_claim(ScopeClaim::Scp);
    /// # Ok::<(), scopes_runtime::KeyError>(())
    /// ```
    #[must_use]
    pub fn scope_claim(mut self, claim: ScopeClaim) -> Self {
        self.scope_claim = claim;
        self
    }

    /// Refuses tokens longer than `max_len` bytes, before decoding them.
    ///
    /// ```
    /// # use scopes_runtime::{JwtKeys, TokenConfig, TokenErrorKind};
    /// let config = TokenConfig::new(JwtKeys::hs256([0u8; 32])?).max_token_len(16);
    /// assert_eq!(*config.verify(&"a".repeat(17)).unwrap_err().kind(), TokenErrorKind::TooLarge);
    /// # Ok::<(), scopes_runtime::KeyError>(())
    /// ```
    #[must_use]
    pub fn max_token_len(mut self, max_len: usize) -> Self {
        self.max_len = max_len;
        self
    }

    /// The keys.
    ///
    /// ```
    /// # use scopes_runtime::{JwtAlgorithm, JwtKeys, TokenConfig};
    /// let config = TokenConfig::new(JwtKeys::hs256([0u8; 32])?);
    /// assert_eq!(config.keys().algorithm(), JwtAlgorithm::HS256);
    /// # Ok::<(), scopes_runtime::KeyError>(())
    /// ```
    pub fn keys(&self) -> &JwtKeys {
        &self.keys
    }

    /// The token config in `req`'s app data, as `web::Data<TokenConfig>` or `TokenConfig`.
    ///
    /// ```
    /// # use scopes_runtime::TokenConfig;
    /// let req = actix_web::test::TestRequest::default().to_http_request();
    /// assert!(TokenConfig::of(&req).is_none());
    /// ```
    pub fn of(req: &HttpRequest) -> Option<&Self> {
        req.app_data::<web::Data<Self>>()
            .map(|d| d.get_ref())
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
    /// # use scopes_runtime::{Claims, JwtKeys, TokenConfig};
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
    /// # use scopes_runtime::{JwtKeys, TokenConfig, TokenErrorKind};
    /// let config = TokenConfig::new(JwtKeys::hs256([0u8; 32])?);
    /// assert_eq!(*config.verify("not.a.jwt").unwrap_err().kind(), TokenErrorKind::Malformed);
    /// # Ok::<(), scopes_runtime::KeyError>(())
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

/// Why a token was refused (or could not be issued).
///
/// The details stay in logs and [`source`](std::error::Error::source); the response is
/// always [`AuthError::invalid_token`].
///
/// ```
/// # use scopes_runtime::{JwtKeys, TokenConfig, TokenErrorKind};
/// let config = TokenConfig::new(JwtKeys::hs256([0u8; 32])?);
/// let err = config.verify("a.b.c").unwrap_err();
/// assert_eq!(*err.kind(), TokenErrorKind::Malformed);
/// # Ok::<(), scopes_runtime::KeyError>(())
/// ```
#[derive(Debug, Clone)]
pub struct TokenError {
    kind: TokenErrorKind,
    source: Option<jsonwebtoken::errors::Error>,
}

/// The kind of a [`TokenError`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TokenErrorKind {
    /// Longer than [`TokenConfig::max_token_len`].
    TooLarge,
    /// Not three base64url parts of JSON, or a header `jsonwebtoken` cannot read (e.g.
    /// `alg: none`).
    Malformed,
    /// The header's `alg` is not the configured algorithm.
    AlgorithmMismatch,
    /// The signature does not verify with the configured key.
    InvalidSignature,
    /// `exp` has passed (beyond the leeway).
    Expired,
    /// `nbf` is in the future (beyond the leeway).
    NotYetValid,
    /// `iss` is not the configured issuer.
    InvalidIssuer,
    /// `aud` names none of the configured audiences, or is present when none is configured.
    InvalidAudience,
    /// A required claim is absent.
    MissingClaim(String),
    /// A claim has the wrong type (e.g. `sub` not a string, `scopes` not an array of scope
    /// tokens).
    InvalidClaim(String),
    /// The keys cannot sign (no private key), or signing failed.
    CannotSign,
}

impl TokenError {
    fn new(kind: TokenErrorKind) -> Self {
        Self { kind, source: None }
    }

    fn from_jwt(e: jsonwebtoken::errors::Error) -> Self {
        let kind = match e.kind() {
            JwtErrorKind::InvalidSignature => TokenErrorKind::InvalidSignature,
            JwtErrorKind::InvalidAlgorithm
            | JwtErrorKind::MissingAlgorithm
            | JwtErrorKind::InvalidAlgorithmName
            | JwtErrorKind::UnsupportedAlgorithm => TokenErrorKind::AlgorithmMismatch,
            JwtErrorKind::ExpiredSignature => TokenErrorKind::Expired,
            JwtErrorKind::ImmatureSignature => TokenErrorKind::NotYetValid,
            JwtErrorKind::InvalidIssuer => TokenErrorKind::InvalidIssuer,
            JwtErrorKind::InvalidAudience => TokenErrorKind::InvalidAudience,
            JwtErrorKind::MissingRequiredClaim(c) => TokenErrorKind::MissingClaim(c.clone()),
            JwtErrorKind::InvalidClaimFormat(c) => TokenErrorKind::InvalidClaim(c.clone()),
            _ => TokenErrorKind::Malformed,
        };
        Self {
            kind,
            source: Some(e),
        }
    }

    /// What went wrong.
    ///
    /// ```
    /// # use scopes_runtime::{JwtKeys, TokenConfig, TokenErrorKind};
    /// # let config = TokenConfig::new(JwtKeys::hs256([0u8; 32])?);
    /// assert_eq!(*config.verify("").unwrap_err().kind(), TokenErrorKind::Malformed);
    /// # Ok::<(), scopes_runtime::KeyError>(())
    /// ```
    pub fn kind(&self) -> &TokenErrorKind {
        &self.kind
    }
}

impl fmt::Display for TokenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            TokenErrorKind::TooLarge => f.write_str("token too large"),
            TokenErrorKind::Malformed => f.write_str("malformed token"),
            TokenErrorKind::AlgorithmMismatch => f.write_str("token algorithm mismatch"),
            TokenErrorKind::InvalidSignature => f.write_str("invalid token signature"),
            TokenErrorKind::Expired => f.write_str("token expired"),
            TokenErrorKind::NotYetValid => f.write_str("token not yet valid"),
            TokenErrorKind::InvalidIssuer => f.write_str("token issuer refused"),
            TokenErrorKind::InvalidAudience => f.write_str("token audience refused"),
            TokenErrorKind::MissingClaim(c) => write!(f, "token lacks the `{c}` claim"),
            TokenErrorKind::InvalidClaim(c) => write!(f, "token claim `{c}` is invalid"),
            TokenErrorKind::CannotSign => f.write_str("cannot sign a token"),
        }
    }
}

impl std::error::Error for TokenError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_ref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

impl From<TokenError> for AuthError {
    /// [`AuthError::invalid_token`] (tutorial style; see [`VerifiedToken::authenticate`] for
    /// the configured style and scopes).
    fn from(e: TokenError) -> Self {
        AuthError::invalid_token().with_source(e)
    }
}

/// The tutorial's `/token` response: `{"access_token": "…", "token_type": "bearer"}`.
///
/// ```
/// use scopes_runtime::TokenResponse;
/// let body = serde_json::to_value(TokenResponse::bearer("abc")).unwrap();
/// assert_eq!(body, serde_json::json!({"access_token": "abc", "token_type": "bearer"}));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TokenResponse {
    /// The token.
    pub access_token: String,
    /// Always `bearer`.
    pub token_type: &'static str,
}

impl TokenResponse {
    /// A bearer token response.
    ///
    /// ```
    /// # use scopes_runtime::TokenResponse;
    /// assert_eq!(TokenResponse::bearer("abc").token_type, "bearer");
    /// ```
    pub fn bearer(access_token: impl Into<String>) -> Self {
        Self {
            access_token: access_token.into(),
            token_type: "bearer",
        }
    }
}

/// The verified claims of this request's bearer token.
///
/// The token is verified with the [`TokenConfig`] in app data at most once per request,
/// however many dependencies ask: the outcome is cached in the request's extensions.
/// Errors answer in the [`ErrorStyle`] of the app's
/// [`OAuth2PasswordBearer`](crate::OAuth2PasswordBearer).
///
/// As an extractor its errors carry no `scope="…"`; a dependency that receives
/// [`SecurityScopes`] calls [`VerifiedToken::authenticate`] instead, which is FastAPI's
/// tutorial `get_current_user` up to the user lookup:
///
/// ```
/// use actix_web::{web, HttpRequest};
/// use scopes_runtime::{dependency, AuthError, SecurityScopes, VerifiedToken};
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
/// #[dependency]
/// async fn get_current_user(
///     security_scopes: SecurityScopes,
///     req: HttpRequest,
///     db: web::Data<Db>,
/// ) -> Result<User, AuthError> {
///     let token = VerifiedToken::authenticate(&req, security_scopes)?;
///     let user = db.get(token.sub()).ok_or_else(|| token.credentials_error(security_scopes))?;
///     token.require_scopes(security_scopes)?;
///     Ok(user)
/// }
/// ```
#[derive(Debug, Clone)]
pub struct VerifiedToken {
    claims: Arc<Claims>,
    style: ErrorStyle,
}

/// The outcome of verifying this request's token, kept in its extensions.
#[derive(Clone)]
struct Verified(Result<Arc<Claims>, TokenError>);

impl VerifiedToken {
    /// Reads and verifies `req`'s bearer token; errors name `scopes` in
    /// `WWW-Authenticate` (the tutorial's `credentials_exception`).
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
        Self::verify_request(req).map_err(|e| e.with_scopes(scopes))
    }

    /// Reads and verifies `req`'s bearer token (what the extractor does).
    fn verify_request(req: &HttpRequest) -> Result<Self, AuthError> {
        let style = ErrorStyle::of(req);
        let cached = req.extensions().get::<Verified>().cloned();
        let outcome = match cached {
            Some(Verified(outcome)) => outcome,
            None => {
                let bearer = BearerToken::from_headers(req)?;
                let Some(config) = TokenConfig::of(req) else {
                    tracing::error!(
                        "VerifiedToken: no TokenConfig in app data; add `web::Data<TokenConfig>`"
                    );
                    return Err(AuthError::custom(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        "Internal Server Error",
                    ));
                };
                let outcome = config.verify(bearer.as_str()).map(Arc::new);
                if let Err(e) = &outcome {
                    tracing::debug!(error = %e, "bearer token refused");
                }
                req.extensions_mut().insert(Verified(outcome.clone()));
                outcome
            }
        };
        match outcome {
            Ok(claims) => Ok(Self { claims, style }),
            Err(e) => Err(AuthError::from(e).with_style(style)),
        }
    }

    /// The verified claims.
    ///
    /// ```
    /// # use scopes_runtime::VerifiedToken;
    /// fn audiences(token: &VerifiedToken) -> &[String] {
    ///     &token.claims().aud
    /// }
    /// ```
    pub fn claims(&self) -> &Claims {
        &self.claims
    }

    /// The subject (`sub`).
    ///
    /// ```
    /// # use scopes_runtime::VerifiedToken;
    /// fn username(token: &VerifiedToken) -> &str {
    ///     token.sub()
    /// }
    /// ```
    pub fn sub(&self) -> &str {
        &self.claims.sub
    }

    /// The granted scopes.
    ///
    /// ```
    /// # use scopes_runtime::VerifiedToken;
    /// fn can_read_items(token: &VerifiedToken) -> bool {
    ///     token.scopes().iter().any(|s| s == "items")
    /// }
    /// ```
    pub fn scopes(&self) -> &[String] {
        &self.claims.scopes
    }

    /// Checks that the token grants every scope of `required`; otherwise "Not enough
    /// permissions" ([`AuthError::insufficient_scope`]) listing the missing ones.
    ///
    /// ```
    /// # use scopes_runtime::{AuthError, SecurityScopes, VerifiedToken};
    /// fn check(token: &VerifiedToken, required: SecurityScopes) -> Result<(), AuthError> {
    ///     token.require_scopes(required)
    /// }
    /// ```
    pub fn require_scopes(&self, required: SecurityScopes) -> Result<(), AuthError> {
        crate::scope_check::require_scopes(required, self.scopes())
            .map_err(|e| e.with_style(self.style))
    }

    /// "Could not validate credentials" in this request's style, naming `scopes`: for a
    /// valid token whose subject is unknown.
    ///
    /// ```
    /// # use scopes_runtime::{AuthError, SecurityScopes, VerifiedToken};
    /// fn unknown_user(token: &VerifiedToken, scopes: SecurityScopes) -> AuthError {
    ///     token.credentials_error(scopes)
    /// }
    /// ```
    pub fn credentials_error(&self, scopes: SecurityScopes) -> AuthError {
        AuthError::invalid_token()
            .with_style(self.style)
            .with_scopes(scopes)
    }
}

impl FromRequest for VerifiedToken {
    type Error = AuthError;
    type Future = core::future::Ready<Result<Self, AuthError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        core::future::ready(Self::verify_request(req))
    }
}
