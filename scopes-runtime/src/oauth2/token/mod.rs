//! Access tokens: JWTs issued with `jsonwebtoken` under one configured algorithm, and verified
//! by this module's own JWS check, which accepts and refuses exactly what `jsonwebtoken::decode`
//! does (a property test holds it to that) with an HMAC key prepared once instead of per token.

mod authorized;
mod cache;
mod claims;
mod config;
mod error;
mod jws;
mod key_ring;
mod key_set;
mod keys;
#[cfg(test)]
mod oracle_tests;
mod response;
mod rules;
mod verified;

pub use jsonwebtoken::Algorithm as JwtAlgorithm;

pub use authorized::Authorized;
pub use cache::TokenCache;
pub use claims::{Claims, ScopeClaim, ScopeMapping, ScopeSource};
pub use config::TokenConfig;
pub use error::{TokenError, TokenErrorKind};
pub use key_ring::{KeyRing, SigningKey};
pub use key_set::{ASYMMETRIC_ALGORITHMS, KeySet};
pub use keys::{JwtKeys, KeyError};
pub use response::TokenResponse;
pub use verified::VerifiedToken;
