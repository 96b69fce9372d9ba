//! The signing keys, from flags and environment; a random secret when none is given; an
//! identity provider's keys; the scope claims.

use std::fmt;

use std::path::{Path, PathBuf};
use std::time::Duration;

use scopes_runtime::oauth2::{
    JwksError, JwksLocation, JwksOptions, JwksSource, JwtAlgorithm, KeyError, KeyRing,
    ScopeMapping, ScopeSource, SigningKey, TokenCache,
};
use scopes_runtime::{JwtKeys, TokenConfig};

use crate::cli::{Algorithm, ProviderArgs, ServeArgs};

/// The keys the arguments describe.
pub enum Keys {
    /// One HMAC secret; `true` when it was generated.
    Secret(JwtKeys, bool),
    /// The demo's own asymmetric keys, published as a JWK Set; reloaded from the directory
    /// when there is one.
    Ring(KeyRing, Option<PathBuf>),
    /// An identity provider's keys (the demo issues nothing).
    Provider(JwksSource, Option<String>),
}

/// Why the keys could not be loaded.
#[derive(Debug)]
pub enum ConfigError {
    /// The key material is unusable.
    Key(KeyError),
    /// A key file could not be read.
    Read(std::path::PathBuf, std::io::Error),
    /// An asymmetric algorithm without its PEM files.
    MissingPem(&'static str),
    /// The system's random source failed.
    Random(getrandom::Error),
    /// The identity provider's discovery document could not be used.
    Provider(JwksError),
    /// A `--scope-claims` entry is not one of the known claims.
    ScopeClaim(String),
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Key(e) => write!(f, "{e}"),
            Self::Read(path, e) => write!(f, "cannot read {}: {e}", path.display()),
            Self::MissingPem(which) => write!(f, "this algorithm needs {which}"),
            Self::Random(e) => write!(f, "cannot generate a random key: {e}"),
            Self::Provider(e) => write!(f, "identity provider: {e}"),
            Self::ScopeClaim(c) => write!(f, "unknown scope claim in --scope-claims: {c:?}"),
        }
    }
}

impl std::error::Error for ConfigError {}

/// The keys the arguments describe (the identity provider's are discovered by [`provider`],
/// which needs the runtime).
pub fn load(args: &ServeArgs) -> Result<Keys, ConfigError> {
    let algorithm = match args.algorithm {
        Algorithm::Hs256 => {
            return hmac(args).map(|(keys, generated)| Keys::Secret(keys, generated));
        }
        Algorithm::Rs256 => JwtAlgorithm::RS256,
        Algorithm::Es256 => JwtAlgorithm::ES256,
        Algorithm::EdDsa => JwtAlgorithm::EdDSA,
    };
    if let Some(dir) = &args.provider.key_dir {
        return Ok(Keys::Ring(
            KeyRing::new(read_dir(dir, algorithm)?).map_err(ConfigError::Key)?,
            Some(dir.clone()),
        ));
    }
    let read = |path: &PathBuf| std::fs::read(path).map_err(|e| ConfigError::Read(path.clone(), e));
    let private = args
        .private_key_file
        .as_ref()
        .ok_or(ConfigError::MissingPem("--private-key-file or --key-dir"))
        .and_then(read)?;
    // Without a name, the key is named by its RFC 7638 thumbprint.
    let key = SigningKey::from_pem("", algorithm, &private).map_err(ConfigError::Key)?;
    let kid = key.thumbprint().map_err(ConfigError::Key)?;
    let key = SigningKey::from_pem(kid, algorithm, &private).map_err(ConfigError::Key)?;
    Ok(Keys::Ring(
        KeyRing::new([key]).map_err(ConfigError::Key)?,
        None,
    ))
}

/// The keys of `dir`: every `*.pem` file, in name order, named by its stem.
pub fn read_dir(dir: &Path, algorithm: JwtAlgorithm) -> Result<Vec<SigningKey>, ConfigError> {
    let entries = std::fs::read_dir(dir).map_err(|e| ConfigError::Read(dir.to_owned(), e))?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "pem"))
        .collect();
    files.sort();
    files
        .iter()
        .map(|path| {
            let pem = std::fs::read(path).map_err(|e| ConfigError::Read(path.clone(), e))?;
            let kid = path
                .file_stem()
                .map_or_else(String::new, |s| s.to_string_lossy().into_owned());
            SigningKey::from_pem(kid, algorithm, &pem).map_err(ConfigError::Key)
        })
        .collect()
}

/// The identity provider the arguments name, if any: discovered from `--oidc-issuer`
/// (whose document must name that issuer), or `--jwks-url` with `--issuer`. Its keys are
/// fetched once before serving; a failure then is logged and the keys are fetched on the
/// first token instead.
pub async fn provider(args: &ProviderArgs) -> Result<Option<Keys>, ConfigError> {
    let options = JwksOptions::default().cooldown(Duration::from_secs(args.jwks_cooldown_s));
    let (source, issuer) = if let Some(issuer) = &args.oidc_issuer {
        let (source, found) = scopes_runtime::oauth2::discover(issuer, options)
            .await
            .map_err(ConfigError::Provider)?;
        (source, Some(found.issuer))
    } else if let Some(url) = &args.jwks_url {
        (
            JwksSource::new(JwksLocation::Url(url.clone()), options),
            args.issuer.clone(),
        )
    } else {
        return Ok(None);
    };
    if let Err(error) = source.refresh().await {
        tracing::warn!(%error, "the identity provider's keys could not be fetched yet");
    }
    Ok(Some(Keys::Provider(source, issuer)))
}

/// The token configuration of `keys`, with the arguments' audience and scope claims.
pub fn token_config(keys: &Keys, args: &ProviderArgs) -> Result<TokenConfig, ConfigError> {
    let config = match keys {
        Keys::Secret(keys, _) => TokenConfig::new(keys.clone()),
        Keys::Ring(ring, _) => TokenConfig::key_ring(ring.clone()),
        Keys::Provider(source, issuer) => {
            let config = TokenConfig::jwks(source.clone());
            match issuer {
                Some(issuer) => config.issuer(issuer.clone()),
                None => config,
            }
        }
    };
    let config = if args.audience.is_empty() {
        config
    } else {
        config.audience(args.audience.iter().cloned())
    };
    let config = config.token_cache(
        TokenCache::new()
            .entries(args.token_cache_entries)
            .max_age(Duration::from_secs(args.token_cache_max_age_s)),
    );
    if args.scope_claims.is_empty() {
        return Ok(config);
    }
    let mapping = args
        .scope_claims
        .iter()
        .try_fold(ScopeMapping::new(), |mapping, entry| {
            let (claim, prefix) = entry.split_once('=').unwrap_or((entry, ""));
            let source = match claim.trim() {
                "scope" => ScopeSource::Scope,
                "scp" => ScopeSource::Scp,
                "scopes" => ScopeSource::Scopes,
                "roles" => ScopeSource::Roles,
                "permissions" => ScopeSource::Permissions,
                "realm_roles" => ScopeSource::RealmRoles,
                other => match other.strip_prefix("client_roles/") {
                    Some(client) if !client.is_empty() => {
                        ScopeSource::ClientRoles(client.to_owned())
                    }
                    _ => return Err(ConfigError::ScopeClaim(entry.clone())),
                },
            };
            Ok(mapping.with_prefixed(source, prefix))
        })?;
    Ok(config.scope_mapping(mapping))
}

fn hmac(args: &ServeArgs) -> Result<(JwtKeys, bool), ConfigError> {
    if let Some(secret) = &args.secret_key {
        return JwtKeys::hs256(secret.as_bytes())
            .map(|k| (k, false))
            .map_err(ConfigError::Key);
    }
    if let Some(path) = &args.secret_key_file {
        return JwtKeys::hs256_from_file(path)
            .map(|k| (k, false))
            .map_err(ConfigError::Key);
    }
    let mut secret = [0u8; 32];
    getrandom::fill(&mut secret).map_err(ConfigError::Random)?;
    JwtKeys::hs256(secret)
        .map(|k| (k, true))
        .map_err(ConfigError::Key)
}

/// Reads `dir` again every `every`, and replaces `ring`'s keys when its files changed: a
/// new file rotates (it signs from then on, the others keep verifying), a removed one is
/// withdrawn. A directory that cannot be read, or holds a bad key, keeps the ring as it is.
pub async fn reload(ring: KeyRing, dir: PathBuf, algorithm: Algorithm, every: Duration) {
    let algorithm = match algorithm {
        Algorithm::Rs256 => JwtAlgorithm::RS256,
        Algorithm::Es256 => JwtAlgorithm::ES256,
        Algorithm::EdDsa => JwtAlgorithm::EdDSA,
        Algorithm::Hs256 => return,
    };
    let mut interval = actix_web::rt::time::interval(every);
    interval.tick().await;
    loop {
        interval.tick().await;
        let kids =
            |keys: &[SigningKey]| keys.iter().map(|k| k.kid().to_owned()).collect::<Vec<_>>();
        let current: Vec<String> = ring
            .jwks()
            .keys
            .iter()
            .filter_map(|k| k.common.key_id.clone())
            .collect();
        match read_dir(&dir, algorithm) {
            Ok(keys) if kids(&keys) == current => {}
            Ok(keys) => match ring.replace(keys.clone()) {
                Ok(()) => {
                    tracing::info!(kids = ?kids(&keys), signing = %ring.signing_kid(), "signing keys reloaded")
                }
                Err(error) => tracing::warn!(%error, "signing keys not reloaded"),
            },
            Err(error) => tracing::warn!(%error, "signing keys not reloaded"),
        }
    }
}
