//! [`KeySet`]: verification keys named by `kid`, each pinned to the algorithms it may verify,
//! read from a JWK Set (RFC 7517) with everything unsafe left out.

use core::fmt;

use jsonwebtoken::jwk::{
    AlgorithmParameters, EllipticCurve, Jwk, JwkSet, KeyAlgorithm, KeyOperations, PublicKeyUse,
};
use jsonwebtoken::{Algorithm, AlgorithmFamily, DecodingKey};

use super::jws::VerifyingKey;

/// The asymmetric signature algorithms: what a key from a JWK Set may verify when the
/// configuration does not narrow it (`KeySet::from_jwks`'s `allowed`).
pub const ASYMMETRIC_ALGORITHMS: &[Algorithm] = &[
    Algorithm::RS256,
    Algorithm::RS384,
    Algorithm::RS512,
    Algorithm::PS256,
    Algorithm::PS384,
    Algorithm::PS512,
    Algorithm::ES256,
    Algorithm::ES384,
    Algorithm::EdDSA,
];

/// Public verification keys, each with its `kid` and the algorithms it is pinned to.
///
/// Built from a JWK Set ([`KeySet::from_jwks`]), a key keeps:
/// - only asymmetric keys (RSA, EC P-256/P-384, Ed25519): a symmetric (`oct`) key in a
///   published set is left out, so `HS256` signed with a public key can never verify;
/// - only signature keys (`use` absent or `sig`, `key_ops` absent or naming `verify`);
/// - its algorithm pinned: the JWK's `alg` when it has one (and it is allowed), else every
///   allowed algorithm of the key's family and curve (`ES256` for P-256, `ES384` for P-384,
///   `EdDSA` for Ed25519, the allowed `RS*`/`PS*` for RSA).
///
/// A token's header only chooses among these keys: its `kid` names one (a token without
/// `kid` is accepted only when exactly one key fits its `alg`), its `alg` must be one the key
/// is pinned to, and keys the header carries (`jwk`, `jku`, `x5u`, `x5c`) are never read.
///
/// ```
/// use scopes_runtime::oauth2::KeySet;
///
/// let jwks = r#"{"keys": [
///     {"kty": "oct", "kid": "secret", "k": "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA"},
///     {"kty": "OKP", "crv": "Ed25519", "kid": "ed-1",
///      "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}
/// ]}"#;
/// let keys = KeySet::from_json(jwks.as_bytes(), &[])?;
/// assert_eq!(keys.kids().collect::<Vec<_>>(), ["ed-1"]); // the symmetric key is left out
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Default)]
pub struct KeySet {
    keys: Vec<PinnedKey>,
}

#[derive(Clone)]
struct PinnedKey {
    kid: Option<String>,
    algorithms: Vec<Algorithm>,
    key: VerifyingKey,
}

/// Why no key of a [`KeySet`] fits a token's header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Miss {
    /// The header names a `kid` the set does not have (a refresh may bring it).
    UnknownKid,
    /// The key exists but is not pinned to the header's `alg`, or the header has no `kid`
    /// and not exactly one key fits its `alg`.
    Unusable,
}

impl KeySet {
    /// The usable keys of `jwks`, pinned to `allowed` (empty: [`ASYMMETRIC_ALGORITHMS`]).
    /// HMAC algorithms in `allowed` are ignored.
    pub fn from_jwks(jwks: &JwkSet, allowed: &[Algorithm]) -> Self {
        let allowed = if allowed.is_empty() {
            ASYMMETRIC_ALGORITHMS
        } else {
            allowed
        };
        let keys = jwks
            .keys
            .iter()
            .filter_map(|jwk| pin(jwk, allowed))
            .collect();
        Self { keys }
    }

    /// The usable keys of the JWK Set document `json` (see [`KeySet::from_jwks`]).
    pub fn from_json(json: &[u8], allowed: &[Algorithm]) -> Result<Self, serde_json::Error> {
        let jwks: JwkSet = serde_json::from_slice(json)?;
        Ok(Self::from_jwks(&jwks, allowed))
    }

    /// A set of one key, without `kid`, pinned to `algorithm`.
    pub(crate) fn single(kid: Option<String>, algorithm: Algorithm, key: DecodingKey) -> Self {
        Self {
            keys: vec![PinnedKey {
                kid,
                algorithms: vec![algorithm],
                key: VerifyingKey::new(algorithm, key),
            }],
        }
    }

    /// Adds `other`'s keys after these.
    pub(crate) fn extend(&mut self, other: Self) {
        self.keys.extend(other.keys);
    }

    /// How many keys the set holds.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether the set holds no key.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// The keys' `kid`s, in order (keys without one are skipped).
    pub fn kids(&self) -> impl Iterator<Item = &str> {
        self.keys.iter().filter_map(|k| k.kid.as_deref())
    }

    /// The key that verifies a token whose header names `alg` and `kid`.
    pub(crate) fn find(&self, alg: Algorithm, kid: Option<&str>) -> Result<&VerifyingKey, Miss> {
        let fits = |key: &&PinnedKey| key.algorithms.contains(&alg);
        match kid {
            Some(kid) => {
                let key = self
                    .keys
                    .iter()
                    .find(|key| key.kid.as_deref() == Some(kid))
                    .ok_or(Miss::UnknownKid)?;
                Some(key).filter(fits).map(|k| &k.key).ok_or(Miss::Unusable)
            }
            None => {
                let mut fitting = self.keys.iter().filter(fits);
                match (fitting.next(), fitting.next()) {
                    (Some(key), None) => Ok(&key.key),
                    _ => Err(Miss::Unusable),
                }
            }
        }
    }
}

/// `jwk` as a pinned verification key, if it is a usable one.
fn pin(jwk: &Jwk, allowed: &[Algorithm]) -> Option<PinnedKey> {
    let common = &jwk.common;
    if matches!(&common.public_key_use, Some(u) if *u != PublicKeyUse::Signature) {
        return None;
    }
    if let Some(ops) = &common.key_operations
        && !ops.contains(&KeyOperations::Verify)
    {
        return None;
    }
    // What the key's material can verify.
    let family: Vec<Algorithm> = match &jwk.algorithm {
        AlgorithmParameters::RSA(_) => allowed
            .iter()
            .copied()
            .filter(|a| a.family() == AlgorithmFamily::Rsa)
            .collect(),
        AlgorithmParameters::EllipticCurve(ec) => match ec.curve {
            EllipticCurve::P256 => vec![Algorithm::ES256],
            EllipticCurve::P384 => vec![Algorithm::ES384],
            _ => return None,
        },
        AlgorithmParameters::OctetKeyPair(okp) => match okp.curve {
            EllipticCurve::Ed25519 => vec![Algorithm::EdDSA],
            _ => return None,
        },
        // Symmetric keys are never taken from a key set; other key types are unknown.
        _ => return None,
    };
    let algorithms: Vec<Algorithm> = match common.key_algorithm {
        None => family,
        Some(KeyAlgorithm::UNKNOWN_ALGORITHM) => return None,
        Some(alg) => {
            let alg = Algorithm::try_from(alg).ok()?;
            family.into_iter().filter(|a| *a == alg).collect()
        }
    };
    let algorithms: Vec<Algorithm> = algorithms
        .into_iter()
        .filter(|a| allowed.contains(a))
        .collect();
    if algorithms.is_empty() {
        return None;
    }
    let key = VerifyingKey::new(algorithms[0], DecodingKey::from_jwk(jwk).ok()?);
    Some(PinnedKey {
        kid: common.key_id.clone(),
        algorithms,
        key,
    })
}

impl fmt::Debug for KeySet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(
                self.keys
                    .iter()
                    .map(|k| (k.kid.as_deref().unwrap_or("-"), &k.algorithms)),
            )
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ED: &str = r#"{"kty":"OKP","crv":"Ed25519","kid":"ed","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}"#;

    fn set(keys: &[&str], allowed: &[Algorithm]) -> KeySet {
        let json = format!(r#"{{"keys":[{}]}}"#, keys.join(","));
        KeySet::from_json(json.as_bytes(), allowed).expect("valid JSON")
    }

    #[test]
    fn keys_are_pinned_to_their_curve_and_alg() {
        let keys = set(&[ED], &[]);
        assert!(keys.find(Algorithm::EdDSA, Some("ed")).is_ok());
        assert_eq!(
            keys.find(Algorithm::HS256, Some("ed")).err(),
            Some(Miss::Unusable)
        );
        assert_eq!(
            keys.find(Algorithm::EdDSA, Some("other")).err(),
            Some(Miss::UnknownKid)
        );
        // Without `kid`: the one key that fits.
        assert!(keys.find(Algorithm::EdDSA, None).is_ok());
        let two = set(&[ED, &ED.replace(r#""ed""#, r#""ed2""#)], &[]);
        assert_eq!(two.find(Algorithm::EdDSA, None).err(), Some(Miss::Unusable));
    }

    #[test]
    fn unsafe_or_unusable_keys_are_left_out() {
        let oct = r#"{"kty":"oct","kid":"s","k":"c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0"}"#;
        let enc = ED.replace(r#""kty""#, r#""use":"enc","kty""#);
        let wrong_alg = ED.replace(r#""kty""#, r#""alg":"ES256","kty""#);
        let not_allowed = set(&[ED], &[Algorithm::RS256]);
        assert!(set(&[oct, &enc, &wrong_alg], &[]).is_empty());
        assert!(not_allowed.is_empty());
        // HMAC in the allowed list does not let symmetric keys in.
        assert!(set(&[oct], &[Algorithm::HS256]).is_empty());
    }
}
