//! [`JwtKeys`]: the key pair and its pinned algorithm.

use core::fmt;

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey};

use super::jws::VerifyingKey;

/// Signing and verification keys, pinned to one algorithm.
///
/// ```
/// use scopes_runtime::JwtKeys;
///
/// // The FastAPI tutorial's key, used as the bytes of the string (like python-jose).
/// let keys = JwtKeys::hs256("09d25e094faa6ca2556c818166b7a9563b93f7099f6f0f4caa6cf63b88e8d3e7")?;
/// assert!(JwtKeys::hs256("too short").is_err());
/// # Ok::<(), scopes_runtime::oauth2::KeyError>(())
/// ```
#[derive(Clone)]
pub struct JwtKeys {
    pub(super) algorithm: Algorithm,
    pub(super) encoding: Option<EncodingKey>,
    pub(super) verifying: VerifyingKey,
}

impl JwtKeys {
    /// The shortest HMAC secret accepted, in bytes (RFC 7518 section 3.2: at least the hash
    /// size, 256 bits for HS256).
    pub const MIN_HMAC_SECRET_LEN: usize = 32;

    /// HS256 keys from a shared secret of at least 32 bytes.
    ///
    /// ```
    /// # use scopes_runtime::oauth2::KeyError;
    /// # use scopes_runtime::JwtKeys;
    /// assert!(matches!(JwtKeys::hs256([7u8; 31]), Err(KeyError::SecretTooShort { len: 31, .. })));
    /// assert!(JwtKeys::hs256([7u8; 32]).is_ok());
    /// ```
    pub fn hs256(secret: impl AsRef<[u8]>) -> Result<Self, KeyError> {
        Self::hmac(Algorithm::HS256, secret)
    }

    /// HMAC keys (`HS256`, `HS384` or `HS512`) from a shared secret of at least 32 bytes.
    ///
    /// ```
    /// # use scopes_runtime::oauth2::JwtAlgorithm;
    /// # use scopes_runtime::JwtKeys;
    /// let keys = JwtKeys::hmac(JwtAlgorithm::HS512, [1u8; 64])?;
    /// assert_eq!(keys.algorithm(), JwtAlgorithm::HS512);
    /// # Ok::<(), scopes_runtime::oauth2::KeyError>(())
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
            verifying: VerifyingKey::new(
                algorithm,
                DecodingKey::from_secret(secret).map_err(KeyError::Invalid)?,
            ),
        })
    }

    /// HS256 keys from the secret in the environment variable `var` (its bytes, as is).
    pub fn hs256_from_env(var: &str) -> Result<Self, KeyError> {
        let secret = std::env::var(var).map_err(|source| KeyError::Env {
            var: var.to_owned(),
            source,
        })?;
        Self::hs256(secret)
    }

    /// HS256 keys from the secret in the file at `path` (its bytes, without one trailing
    /// line break).
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
    /// # use scopes_runtime::oauth2::{JwtAlgorithm, KeyError};
    /// # use scopes_runtime::JwtKeys;
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
            verifying: VerifyingKey::new(algorithm, decoding.map_err(KeyError::Invalid)?),
        })
    }

    /// The pinned algorithm.
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
    /// A [`KeyRing`](super::KeyRing) was given no key.
    NoKeys,
    /// Two keys of a [`KeyRing`](super::KeyRing) share this `kid`.
    DuplicateKid(String),
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
            Self::NoKeys => f.write_str("a key ring needs at least one key"),
            Self::DuplicateKid(kid) => write!(f, "two keys have the kid `{kid}`"),
        }
    }
}

impl std::error::Error for KeyError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Invalid(e) => Some(e),
            Self::Env { source, .. } => Some(source),
            Self::File { source, .. } => Some(source),
            Self::SecretTooShort { .. }
            | Self::UnsupportedAlgorithm(_)
            | Self::NoKeys
            | Self::DuplicateKid(_) => None,
        }
    }
}
