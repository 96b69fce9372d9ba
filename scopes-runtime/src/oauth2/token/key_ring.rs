//! [`KeyRing`]: an issuer's own asymmetric keys, named by `kid`, rotated while the server
//! runs: one signs, all verify and are published as a JWK Set.

use core::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use jsonwebtoken::jwk::{Jwk, JwkSet};
use jsonwebtoken::{Algorithm, AlgorithmFamily, EncodingKey};

use super::KeyError;
use super::key_set::KeySet;

/// One signing key of a [`KeyRing`]: its `kid`, algorithm, private key and the public JWK
/// derived from it.
#[derive(Clone)]
pub struct SigningKey {
    kid: String,
    algorithm: Algorithm,
    encoding: EncodingKey,
    public: Jwk,
}

impl SigningKey {
    /// The key `kid` from a PEM private key (`RS*`/`PS*`: PKCS#1 or PKCS#8; `ES256`/`ES384`
    /// and `EdDSA`: PKCS#8). Its public half is derived, never read from elsewhere.
    ///
    /// ```
    /// # use scopes_runtime::oauth2::{JwtAlgorithm, KeyError, SigningKey};
    /// let err = SigningKey::from_pem("k1", JwtAlgorithm::HS256, b"").unwrap_err();
    /// assert!(matches!(err, KeyError::UnsupportedAlgorithm(_)));
    /// ```
    pub fn from_pem(
        kid: impl Into<String>,
        algorithm: Algorithm,
        private_pem: &[u8],
    ) -> Result<Self, KeyError> {
        let encoding = match algorithm.family() {
            AlgorithmFamily::Rsa => EncodingKey::from_rsa_pem(private_pem),
            AlgorithmFamily::Ec => EncodingKey::from_ec_pem(private_pem),
            AlgorithmFamily::Ed => EncodingKey::from_ed_pem(private_pem),
            AlgorithmFamily::Hmac => return Err(KeyError::UnsupportedAlgorithm(algorithm)),
        }
        .map_err(KeyError::Invalid)?;
        let kid = kid.into();
        let mut public = Jwk::from_encoding_key(&encoding, algorithm).map_err(KeyError::Invalid)?;
        public.common.key_id = Some(kid.clone());
        public.common.public_key_use = Some(jsonwebtoken::jwk::PublicKeyUse::Signature);
        Ok(Self {
            kid,
            algorithm,
            encoding,
            public,
        })
    }

    /// The key's `kid`.
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The RFC 7638 SHA-256 thumbprint of the public key: a `kid` that names the key by
    /// its content.
    pub fn thumbprint(&self) -> Result<String, KeyError> {
        self.public
            .thumbprint(jsonwebtoken::jwk::ThumbprintHash::SHA256)
            .map_err(KeyError::Invalid)
    }
}

/// An issuer's keys: the last one signs new tokens (with its `kid` in the header), every one
/// verifies, and [`KeyRing::jwks`] publishes their public halves. Cloning shares the ring:
/// [`KeyRing::replace`] rotates it for every worker at once.
///
/// Rotation without downtime: add the new key last (it signs from then on; tokens signed with
/// the old one still verify, and clients fetching the JWK Set see both), then, once the
/// old tokens have expired, replace the ring without the old key (it is withdrawn: its
/// tokens are refused).
///
/// ```no_run
/// use scopes_runtime::oauth2::{JwtAlgorithm, KeyRing, SigningKey};
/// use scopes_runtime::TokenConfig;
///
/// let pem = |path: &str| std::fs::read(path).unwrap();
/// let old = SigningKey::from_pem("2026-11", JwtAlgorithm::ES256, &pem("keys/2026-11.pem"))?;
/// let ring = KeyRing::new([old.clone()])?;
/// let config = TokenConfig::key_ring(ring.clone());
/// // Later: publish and sign with the new key, keep the old one verifying.
/// let new = SigningKey::from_pem("2026-12", JwtAlgorithm::ES256, &pem("keys/2026-12.pem"))?;
/// ring.replace([old, new.clone()])?;
/// // Later still: withdraw the old key.
/// ring.replace([new])?;
/// # Ok::<(), scopes_runtime::oauth2::KeyError>(())
/// ```
#[derive(Clone)]
pub struct KeyRing {
    inner: Arc<Inner>,
}

struct Inner {
    ring: RwLock<Arc<Ring>>,
    /// Bumped by every [`KeyRing::replace`], after the keys changed.
    epoch: AtomicU64,
}

pub(super) struct Ring {
    pub(super) signing: SigningKey,
    pub(super) verifying: KeySet,
    public: JwkSet,
}

impl KeyRing {
    /// A ring of `keys`; the last one signs. Fails when there is none or two share a `kid`.
    pub fn new(keys: impl IntoIterator<Item = SigningKey>) -> Result<Self, KeyError> {
        Ok(Self {
            inner: Arc::new(Inner {
                ring: RwLock::new(Arc::new(Ring::of(keys)?)),
                epoch: AtomicU64::new(0),
            }),
        })
    }

    /// Makes `keys` the ring's keys, for every clone of it: the last one signs, the others
    /// only verify, keys left out are withdrawn.
    pub fn replace(&self, keys: impl IntoIterator<Item = SigningKey>) -> Result<(), KeyError> {
        let ring = Arc::new(Ring::of(keys)?);
        match self.inner.ring.write() {
            Ok(mut current) => *current = ring,
            Err(poisoned) => *poisoned.into_inner() = ring,
        }
        self.inner.epoch.fetch_add(1, Ordering::Release);
        Ok(())
    }

    /// The public keys, as the JWK Set document served at `/.well-known/jwks.json`.
    pub fn jwks(&self) -> JwkSet {
        self.current().public.clone()
    }

    /// The `kid` new tokens are signed with.
    pub fn signing_kid(&self) -> String {
        self.current().signing.kid.clone()
    }

    /// Which keys are in use: changes with every [`replace`](Self::replace). Read before
    /// [`current`](Self::current), it never names newer keys than those.
    pub(super) fn epoch(&self) -> u64 {
        self.inner.epoch.load(Ordering::Acquire)
    }

    pub(super) fn current(&self) -> Arc<Ring> {
        match self.inner.ring.read() {
            Ok(ring) => Arc::clone(&ring),
            Err(poisoned) => Arc::clone(&poisoned.into_inner()),
        }
    }
}

impl Ring {
    fn of(keys: impl IntoIterator<Item = SigningKey>) -> Result<Self, KeyError> {
        let keys: Vec<SigningKey> = keys.into_iter().collect();
        let Some(signing) = keys.last().cloned() else {
            return Err(KeyError::NoKeys);
        };
        for (i, key) in keys.iter().enumerate() {
            if keys[..i].iter().any(|k| k.kid == key.kid) {
                return Err(KeyError::DuplicateKid(key.kid.clone()));
            }
        }
        let public = JwkSet {
            keys: keys.iter().map(|k| k.public.clone()).collect(),
        };
        let mut verifying = KeySet::default();
        for key in &keys {
            let decoding =
                jsonwebtoken::DecodingKey::from_jwk(&key.public).map_err(KeyError::Invalid)?;
            verifying.extend(KeySet::single(
                Some(key.kid.clone()),
                key.algorithm,
                decoding,
            ));
        }
        Ok(Self {
            signing,
            verifying,
            public,
        })
    }

    pub(super) fn sign_with(&self) -> (&str, Algorithm, &EncodingKey) {
        let key = &self.signing;
        (&key.kid, key.algorithm, &key.encoding)
    }
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("kid", &self.kid)
            .field("algorithm", &self.algorithm)
            .finish_non_exhaustive()
    }
}

impl fmt::Debug for KeyRing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ring = self.current();
        f.debug_struct("KeyRing")
            .field("signing", &ring.signing.kid)
            .field("verifying", &ring.verifying)
            .finish()
    }
}
