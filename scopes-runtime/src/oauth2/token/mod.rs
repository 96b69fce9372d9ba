//! Access tokens: JWTs issued and verified with `jsonwebtoken` under one configured algorithm.

mod authorized;
mod cache;
mod claims;
mod config;
mod error;
mod key_ring;
mod key_set;
mod keys;
mod response;
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
