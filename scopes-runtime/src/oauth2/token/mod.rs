//! Access tokens: JWTs issued and verified with `jsonwebtoken` under one configured algorithm.

mod authorized;
mod claims;
mod config;
mod error;
mod keys;
mod response;
mod verified;

pub use jsonwebtoken::Algorithm as JwtAlgorithm;

pub use authorized::Authorized;
pub use claims::{Claims, ScopeClaim};
pub use config::TokenConfig;
pub use error::{TokenError, TokenErrorKind};
pub use keys::{JwtKeys, KeyError};
pub use response::TokenResponse;
pub use verified::VerifiedToken;
