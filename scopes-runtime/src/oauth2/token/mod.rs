//! Access tokens: JWTs issued and verified with `jsonwebtoken` under one configured algorithm.
//!
//! - [`JwtKeys`]: the key pair and its pinned algorithm (HS256 by default; HS384/HS512,
//!   RS256, ES256 and EdDSA from PEM). An HMAC secret under 32 bytes is refused.
//! - [`TokenConfig`]: keys plus validation settings (leeway, `iss`, `aud`, where the scopes
//!   are read from, size cap). It [`issue`](TokenConfig::issue)s and
//!   [`verify`](TokenConfig::verify)s tokens.
//! - [`Claims`]: the typed claims.
//! - [`VerifiedToken`]: the bearer token verified with the [`TokenConfig`] in app data, at
//!   most once per request (see its docs for code outside the handler's tree): a node of the
//!   dependency graph (`Security<VerifiedToken>`), which the graph shares between its
//!   readers, or an extractor (and the [`VerifiedToken::authenticate`] helper) that keeps the
//!   outcome in the request's extensions for later readers.
//!
//! Verification is strict: the header's `alg` must be the configured one (so `none` and
//! algorithm confusion are rejected), keys never come from `kid`/`jku`/`x5u`/`jwk`
//! headers, `exp` and `sub` are required, `nbf` is checked when present, `iss`/`aud` when
//! configured, and a token longer than [`TokenConfig::DEFAULT_MAX_LEN`] (8 KiB) is refused
//! before any decoding.
//!
//! Tokens interoperate with FastAPI's tutorial (python-jose): the tutorial's 64-hex-digit
//! `SECRET_KEY` is used as the bytes of that string, as python-jose does.

mod claims;
mod config;
mod error;
mod keys;
mod response;
mod verified;

pub use jsonwebtoken::Algorithm as JwtAlgorithm;

pub use claims::{Claims, ScopeClaim};
pub use config::TokenConfig;
pub use error::{TokenError, TokenErrorKind};
pub use keys::{JwtKeys, KeyError};
pub use response::TokenResponse;
pub use verified::VerifiedToken;
