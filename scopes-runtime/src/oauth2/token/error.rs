//! [`TokenError`]: why a token was refused.

use core::fmt;

use jsonwebtoken::errors::ErrorKind as JwtErrorKind;

use crate::oauth2::AuthError;

/// Why a token was refused (or could not be issued).
///
/// The details stay in logs and [`source`](std::error::Error::source); the response is
/// always [`AuthError::invalid_token`].
///
/// ```
/// # use scopes_runtime::oauth2::TokenErrorKind;
/// # use scopes_runtime::{JwtKeys, TokenConfig};
/// let config = TokenConfig::new(JwtKeys::hs256([0u8; 32])?);
/// let err = config.verify("a.b.c").unwrap_err();
/// assert_eq!(*err.kind(), TokenErrorKind::Malformed);
/// # Ok::<(), scopes_runtime::oauth2::KeyError>(())
/// ```
#[derive(Debug, Clone)]
pub struct TokenError {
    pub(super) kind: TokenErrorKind,
    pub(super) source: Option<jsonwebtoken::errors::Error>,
}

/// The kind of a [`TokenError`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TokenErrorKind {
    /// Longer than [`TokenConfig::max_token_len`](super::TokenConfig::max_token_len).
    TooLarge,
    /// Not three base64url parts of JSON, or a header `jsonwebtoken` cannot read (e.g.
    /// `alg: none`).
    Malformed,
    /// The header's `alg` is not the configured algorithm.
    AlgorithmMismatch,
    /// The header's `kid` names no key of the configured key set (after a refresh, for a
    /// [`JwksSource`](crate::oauth2::JwksSource)).
    UnknownKey,
    /// The signature does not verify with the configured key.
    InvalidSignature,
    /// `exp` has passed (beyond the leeway).
    Expired,
    /// `nbf` is in the future (beyond the leeway).
    NotYetValid,
    /// `iss` is not the configured issuer.
    InvalidIssuer,
    /// `aud` names none of the configured audiences, or is present when none is configured.
    InvalidAudience,
    /// A required claim is absent.
    MissingClaim(String),
    /// A claim has the wrong type (e.g. `sub` not a string, `scopes` not an array of scope
    /// tokens).
    InvalidClaim(String),
    /// The keys cannot sign (no private key), or signing failed.
    CannotSign,
}

impl TokenError {
    pub(super) fn new(kind: TokenErrorKind) -> Self {
        Self { kind, source: None }
    }

    pub(super) fn from_jwt(e: jsonwebtoken::errors::Error) -> Self {
        let kind = match e.kind() {
            JwtErrorKind::InvalidSignature => TokenErrorKind::InvalidSignature,
            JwtErrorKind::InvalidAlgorithm
            | JwtErrorKind::MissingAlgorithm
            | JwtErrorKind::InvalidAlgorithmName
            | JwtErrorKind::UnsupportedAlgorithm => TokenErrorKind::AlgorithmMismatch,
            JwtErrorKind::ExpiredSignature => TokenErrorKind::Expired,
            JwtErrorKind::ImmatureSignature => TokenErrorKind::NotYetValid,
            JwtErrorKind::InvalidIssuer => TokenErrorKind::InvalidIssuer,
            JwtErrorKind::InvalidAudience => TokenErrorKind::InvalidAudience,
            JwtErrorKind::MissingRequiredClaim(c) => TokenErrorKind::MissingClaim(c.clone()),
            JwtErrorKind::InvalidClaimFormat(c) => TokenErrorKind::InvalidClaim(c.clone()),
            _ => TokenErrorKind::Malformed,
        };
        Self {
            kind,
            source: Some(e),
        }
    }

    /// What went wrong.
    pub fn kind(&self) -> &TokenErrorKind {
        &self.kind
    }
}

impl fmt::Display for TokenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            TokenErrorKind::TooLarge => f.write_str("token too large"),
            TokenErrorKind::Malformed => f.write_str("malformed token"),
            TokenErrorKind::AlgorithmMismatch => f.write_str("token algorithm mismatch"),
            TokenErrorKind::UnknownKey => f.write_str("token signed with an unknown key"),
            TokenErrorKind::InvalidSignature => f.write_str("invalid token signature"),
            TokenErrorKind::Expired => f.write_str("token expired"),
            TokenErrorKind::NotYetValid => f.write_str("token not yet valid"),
            TokenErrorKind::InvalidIssuer => f.write_str("token issuer refused"),
            TokenErrorKind::InvalidAudience => f.write_str("token audience refused"),
            TokenErrorKind::MissingClaim(c) => write!(f, "token lacks the `{c}` claim"),
            TokenErrorKind::InvalidClaim(c) => write!(f, "token claim `{c}` is invalid"),
            TokenErrorKind::CannotSign => f.write_str("cannot sign a token"),
        }
    }
}

impl std::error::Error for TokenError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_ref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

impl From<TokenError> for AuthError {
    /// [`AuthError::invalid_token`] (tutorial style; see [`VerifiedToken::authenticate`](super::VerifiedToken::authenticate) for
    /// the configured style and scopes).
    fn from(e: TokenError) -> Self {
        AuthError::invalid_token().with_source(e)
    }
}
