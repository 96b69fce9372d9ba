//! [`Jws`]: a token in the JWS compact serialization (RFC 7515 section 7.1) as the verifier
//! reads it, and [`VerifyingKey`]: a key with what verifying needs made once.
//!
//! `jsonwebtoken::decode` builds its verifier for every token: for HMAC that hashes the key's
//! inner and outer pads (two SHA-256 compressions, the price of a 64-byte message) before
//! the token is even looked at, and it reads the claims twice. Here the keyed MAC is made
//! once per key and cloned per token, the header and payload are decoded on the stack, and
//! the payload is read once. What is accepted and refused is `jsonwebtoken`'s: the split,
//! the header's rules (`b64`, `crit`), base64url without padding; the claims' rules are
//! [`rules`](super::rules)'. The unit tests hold both to `jsonwebtoken::decode` itself.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, KeyInit as _, Mac};
use jsonwebtoken::jwk::Jwk;
use jsonwebtoken::{Algorithm, AlgorithmFamily, DecodingKey};
use serde::Deserialize;
use sha2::{Sha256, Sha384, Sha512};

use super::{TokenError, TokenErrorKind};

/// A verification key: `jsonwebtoken`'s key, and for an HMAC key its keyed MAC.
#[derive(Clone)]
pub(crate) struct VerifyingKey {
    key: DecodingKey,
    /// Boxed: a keyed SHA-512 MAC is some 400 bytes.
    mac: Box<Prepared>,
}

/// The keyed MAC of an HMAC key under the algorithm it is pinned to.
#[derive(Clone)]
enum Prepared {
    Hs256(Hmac<Sha256>),
    Hs384(Hmac<Sha384>),
    Hs512(Hmac<Sha512>),
    /// Not an HMAC key: `jsonwebtoken` verifies.
    None,
}

impl VerifyingKey {
    /// `key`, to verify tokens signed under `algorithm`.
    pub(crate) fn new(algorithm: Algorithm, key: DecodingKey) -> Self {
        let secret = match key.family() {
            AlgorithmFamily::Hmac => key.try_get_as_bytes().ok(),
            _ => None,
        };
        let mac = match (algorithm, secret) {
            (Algorithm::HS256, Some(s)) => Hmac::new_from_slice(s).map(Prepared::Hs256),
            (Algorithm::HS384, Some(s)) => Hmac::new_from_slice(s).map(Prepared::Hs384),
            (Algorithm::HS512, Some(s)) => Hmac::new_from_slice(s).map(Prepared::Hs512),
            _ => Ok(Prepared::None),
        };
        Self {
            key,
            mac: Box::new(mac.unwrap_or(Prepared::None)),
        }
    }

    /// Whether `signature` (base64url) signs `message` under `algorithm`.
    fn verify(
        &self,
        algorithm: Algorithm,
        message: &str,
        signature: &str,
    ) -> Result<(), TokenError> {
        match (&*self.mac, algorithm) {
            (Prepared::Hs256(mac), Algorithm::HS256) => check(mac, message, signature),
            (Prepared::Hs384(mac), Algorithm::HS384) => check(mac, message, signature),
            (Prepared::Hs512(mac), Algorithm::HS512) => check(mac, message, signature),
            _ => match jsonwebtoken::crypto::verify(
                signature,
                message.as_bytes(),
                &self.key,
                algorithm,
            ) {
                Ok(true) => Ok(()),
                Ok(false) => Err(TokenError::new(TokenErrorKind::InvalidSignature)),
                Err(e) => Err(TokenError::from_jwt(e)),
            },
        }
    }
}

/// Whether `signature` is `mac`'s tag of `message`, compared in constant time.
fn check<M: Mac + Clone>(mac: &M, message: &str, signature: &str) -> Result<(), TokenError> {
    decode_part(signature, |tag| {
        let mut mac = mac.clone();
        mac.update(message.as_bytes());
        mac.verify_slice(tag)
            .map_err(|_| TokenError::new(TokenErrorKind::InvalidSignature))
    })?
}

/// `part` decoded from base64url without padding, handed to `read`: on the stack unless it
/// is long, in a buffer near its size (clearing a buffer costs in proportion to it).
fn decode_part<R>(part: &str, read: impl FnOnce(&[u8]) -> R) -> Result<R, TokenError> {
    match base64::decoded_len_estimate(part.len()) {
        0..=96 => decode_on_stack::<96, R>(part, read),
        97..=384 => decode_on_stack::<384, R>(part, read),
        385..=1536 => decode_on_stack::<1536, R>(part, read),
        _ => {
            let bytes = URL_SAFE_NO_PAD.decode(part).map_err(malformed)?;
            Ok(read(&bytes))
        }
    }
}

/// [`decode_part`] into an `N`-byte buffer, which the estimate says is large enough: so
/// every error is the input's.
fn decode_on_stack<const N: usize, R>(
    part: &str,
    read: impl FnOnce(&[u8]) -> R,
) -> Result<R, TokenError> {
    let mut buffer = [0u8; N];
    let len = URL_SAFE_NO_PAD
        .decode_slice(part, &mut buffer)
        .map_err(|e| match e {
            base64::DecodeSliceError::DecodeError(e) => malformed(e),
            base64::DecodeSliceError::OutputSliceTooSmall => {
                TokenError::new(TokenErrorKind::Malformed)
            }
        })?;
    Ok(read(&buffer[..len]))
}

fn malformed(e: base64::DecodeError) -> TokenError {
    TokenError::from_jwt(e.into())
}

/// A token split into its parts, its header read.
pub(crate) struct Jws<'t> {
    header: Header,
    /// `header.payload`: what the signature signs.
    message: &'t str,
    payload: &'t str,
    signature: &'t str,
}

impl<'t> Jws<'t> {
    /// Splits `token` at its last two dots and reads its header; refuses a header
    /// `jsonwebtoken` refuses.
    pub(crate) fn parse(token: &'t str) -> Result<Self, TokenError> {
        let malformed = || TokenError::new(TokenErrorKind::Malformed);
        let (message, signature) = token.rsplit_once('.').ok_or_else(malformed)?;
        let (header, payload) = message.rsplit_once('.').ok_or_else(malformed)?;
        let header: Header = decode_part(header, |json| serde_json::from_slice(json))?
            .map_err(|e| TokenError::from_jwt(e.into()))?;
        header.check()?;
        Ok(Self {
            header,
            message,
            payload,
            signature,
        })
    }

    /// The header's `alg`.
    pub(crate) fn alg(&self) -> Algorithm {
        self.header.alg
    }

    /// The header's `kid`.
    pub(crate) fn kid(&self) -> Option<&str> {
        self.header.kid.as_deref()
    }

    /// Checks that the header names `algorithm` and that the signature verifies with `key`.
    pub(crate) fn verify(
        &self,
        algorithm: Algorithm,
        key: &VerifyingKey,
    ) -> Result<(), TokenError> {
        if self.header.alg != algorithm {
            return Err(TokenError::new(TokenErrorKind::AlgorithmMismatch));
        }
        key.verify(algorithm, self.message, self.signature)
    }

    /// The payload, read as `T`.
    pub(crate) fn payload<T: for<'de> Deserialize<'de>>(&self) -> Result<T, TokenError> {
        decode_part(self.payload, |json| serde_json::from_slice(json))?
            .map_err(|e| TokenError::from_jwt(e.into()))
    }
}

/// A JOSE header, read as `jsonwebtoken::Header` reads it (the same fields must have the same
/// types), keeping only what verification uses.
#[derive(Deserialize)]
struct Header {
    alg: Algorithm,
    kid: Option<String>,
    crit: Option<Vec<String>>,
    /// RFC 7797's `b64`, present (even as `null`) or not.
    #[serde(default, deserialize_with = "present")]
    b64: Option<serde_json::Value>,
    #[serde(rename = "typ")]
    _typ: Option<Text>,
    #[serde(rename = "cty")]
    _cty: Option<Text>,
    #[serde(rename = "jku")]
    _jku: Option<Text>,
    #[serde(rename = "jwk")]
    _jwk: Option<Typed<Jwk>>,
    #[serde(rename = "x5u")]
    _x5u: Option<Text>,
    #[serde(rename = "x5c")]
    _x5c: Option<Typed<Vec<Text>>>,
    #[serde(rename = "x5t")]
    _x5t: Option<Text>,
    #[serde(rename = "x5t#S256")]
    _x5t_s256: Option<Text>,
    #[serde(rename = "enc")]
    _enc: Option<Text>,
    #[serde(rename = "zip")]
    _zip: Option<Text>,
    #[serde(rename = "url")]
    _url: Option<Text>,
    #[serde(rename = "nonce")]
    _nonce: Option<Text>,
}

impl Header {
    /// `jsonwebtoken`'s rules: `b64` is a boolean and not `false` (the payload is always
    /// base64url); `crit` is absent, or exactly `["b64"]` with `b64` present.
    fn check(&self) -> Result<(), TokenError> {
        let malformed = || TokenError::new(TokenErrorKind::Malformed);
        let b64 = match &self.b64 {
            None => None,
            Some(serde_json::Value::Bool(b64)) => Some(*b64),
            Some(_) => return Err(malformed()),
        };
        if b64 == Some(false) {
            return Err(malformed());
        }
        match &self.crit {
            None => Ok(()),
            Some(crit) if crit.len() == 1 && crit[0] == "b64" && b64.is_some() => Ok(()),
            Some(_) => Err(malformed()),
        }
    }
}

/// A field that is there, whatever its value.
fn present<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<serde_json::Value>, D::Error> {
    serde_json::Value::deserialize(deserializer).map(Some)
}

/// A value that must read as a `T`, which is then dropped: nothing is kept or allocated for
/// it beyond the reading.
struct Typed<T>(core::marker::PhantomData<T>);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Typed<T> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        T::deserialize(deserializer).map(|_| Self(core::marker::PhantomData))
    }
}

/// A value that must be a string, which is not kept.
struct Text;

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_str(TextVisitor)
    }
}

struct TextVisitor;

impl serde::de::Visitor<'_> for TextVisitor {
    type Value = Text;

    fn expecting(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("a string")
    }

    fn visit_str<E>(self, _: &str) -> Result<Text, E> {
        Ok(Text)
    }
}
