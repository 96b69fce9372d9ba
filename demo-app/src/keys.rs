//! The signing keys, from flags and environment; a random secret when none is given.

use std::fmt;

use scopes_runtime::JwtKeys;
use scopes_runtime::oauth2::{JwtAlgorithm, KeyError};

use crate::cli::{Algorithm, ServeArgs};

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
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Key(e) => write!(f, "{e}"),
            Self::Read(path, e) => write!(f, "cannot read {}: {e}", path.display()),
            Self::MissingPem(which) => write!(f, "this algorithm needs {which}"),
            Self::Random(e) => write!(f, "cannot generate a random key: {e}"),
        }
    }
}

impl std::error::Error for ConfigError {}

/// The keys the arguments describe. `Ok((keys, true))` when the secret was generated.
pub fn load(args: &ServeArgs) -> Result<(JwtKeys, bool), ConfigError> {
    let algorithm = match args.algorithm {
        Algorithm::Hs256 => return hmac(args),
        Algorithm::Rs256 => JwtAlgorithm::RS256,
        Algorithm::Es256 => JwtAlgorithm::ES256,
        Algorithm::EdDsa => JwtAlgorithm::EdDSA,
    };
    let read = |path: &std::path::PathBuf| {
        std::fs::read(path).map_err(|e| ConfigError::Read(path.clone(), e))
    };
    let public = args
        .public_key_file
        .as_ref()
        .ok_or(ConfigError::MissingPem("--public-key-file"))
        .and_then(read)?;
    let private = args
        .private_key_file
        .as_ref()
        .ok_or(ConfigError::MissingPem("--private-key-file"))
        .and_then(read)?;
    let keys = JwtKeys::from_pem(algorithm, Some(&private), &public).map_err(ConfigError::Key)?;
    Ok((keys, false))
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
