//! [`Rules`]: what a token's registered claims (RFC 7519 section 4.1) must satisfy before its
//! claims are read: `exp`, `nbf`, `iss` and `aud`, checked as `jsonwebtoken`'s `Validation`
//! checks them under this crate's settings (`exp` required, `nbf` checked when present,
//! `iss` and `aud` required when configured), so that a token gets the same verdict, for
//! the same reason.

use serde_json::Value;

use super::claims::Payload;
use super::{TokenError, TokenErrorKind};

/// The configured rules, and the time they are applied at.
pub(super) struct Rules<'c> {
    /// Seconds of clock skew allowed on `exp` and `nbf`.
    pub(super) leeway: u64,
    /// The one accepted `iss`, if any.
    pub(super) issuer: Option<&'c str>,
    /// The accepted audiences (empty: a token must not name one).
    pub(super) audience: &'c [String],
    /// Seconds since the Unix epoch.
    pub(super) now: u64,
}

/// A registered claim as `jsonwebtoken` reads it.
enum Read<T> {
    Absent,
    Invalid,
    Parsed(T),
}

impl<T> Read<T> {
    fn is_parsed(&self) -> bool {
        matches!(self, Self::Parsed(_))
    }
}

/// `iss` or `aud`: one string, or an array of them.
enum Names<'p> {
    One(&'p str),
    /// Every item a string.
    Many(&'p [Value]),
}

impl Names<'_> {
    /// Whether one of the names is `accepted`.
    fn any(&self, accepted: impl Fn(&str) -> bool) -> bool {
        match self {
            Self::One(name) => accepted(name),
            Self::Many(names) => names.iter().filter_map(Value::as_str).any(accepted),
        }
    }
}

impl Rules<'_> {
    /// Refuses `payload` as `jsonwebtoken` would: first a missing required claim, then an
    /// unreadable `nbf`, an expired `exp`, a future `nbf`, a foreign `iss`, an unreadable or
    /// foreign `aud`.
    pub(super) fn check(&self, payload: &Payload) -> Result<(), TokenError> {
        let refuse = |kind| Err(TokenError::new(kind));
        let exp = date(payload.exp.as_ref());
        let nbf = date(payload.nbf.as_ref());
        let iss = names(payload.iss.as_ref());
        let aud = names(payload.aud.as_ref());
        let missing = [
            ("exp", true, exp.is_parsed()),
            ("iss", self.issuer.is_some(), iss.is_parsed()),
            ("aud", !self.audience.is_empty(), aud.is_parsed()),
        ];
        if let Some((name, ..)) = missing
            .iter()
            .find(|(_, required, there)| *required && !there)
        {
            return refuse(TokenErrorKind::MissingClaim((*name).into()));
        }
        if matches!(nbf, Read::Invalid) {
            return refuse(TokenErrorKind::InvalidClaim("nbf".into()));
        }
        if matches!(exp, Read::Parsed(exp) if exp < self.now.saturating_sub(self.leeway)) {
            return refuse(TokenErrorKind::Expired);
        }
        if matches!(nbf, Read::Parsed(nbf) if nbf > self.now.saturating_add(self.leeway)) {
            return refuse(TokenErrorKind::NotYetValid);
        }
        if let (Some(issuer), Read::Parsed(iss)) = (self.issuer, &iss)
            && !iss.any(|iss| iss == issuer)
        {
            return refuse(TokenErrorKind::InvalidIssuer);
        }
        let accepted = |aud: &str| self.audience.iter().any(|a| a == aud);
        match aud {
            Read::Invalid => refuse(TokenErrorKind::InvalidClaim("aud".into())),
            Read::Parsed(aud) if !aud.any(accepted) => refuse(TokenErrorKind::InvalidAudience),
            _ => Ok(()),
        }
    }
}

/// A NumericDate: an unsigned integer, or a finite non-negative number (rounded). `null` is
/// unreadable, as `jsonwebtoken` reads it.
fn date(value: Option<&Value>) -> Read<u64> {
    let Some(value) = value else {
        return Read::Absent;
    };
    if let Some(n) = value.as_u64() {
        return Read::Parsed(n);
    }
    match value.as_f64() {
        Some(f) if value.is_f64() && f.is_finite() && f >= 0.0 && f < u64::MAX as f64 => {
            Read::Parsed(f.round() as u64)
        }
        _ => Read::Invalid,
    }
}

/// A string or an array of strings; `null` is absent.
fn names(value: Option<&Value>) -> Read<Names<'_>> {
    match value {
        None | Some(Value::Null) => Read::Absent,
        Some(Value::String(name)) => Read::Parsed(Names::One(name)),
        Some(Value::Array(items)) if items.iter().all(Value::is_string) => {
            Read::Parsed(Names::Many(items))
        }
        Some(_) => Read::Invalid,
    }
}
