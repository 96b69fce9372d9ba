//! [`Claims`]: the typed claims, and where the granted scopes are read from.

use core::time::Duration;

use serde_json::{Map, Value};

use super::{TokenError, TokenErrorKind};
use crate::graph::check_scope_token;

/// Which claim holds the granted scopes.
///
/// ```
/// use scopes_runtime::oauth2::ScopeClaim;
/// use scopes_runtime::{JwtKeys, TokenConfig};
/// let config = TokenConfig::new(JwtKeys::hs256([0u8; 32])?).scope_claim(ScopeClaim::Scope);
/// # Ok::<(), scopes_runtime::oauth2::KeyError>(())
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ScopeClaim {
    /// Read `scopes`, else `scope`, else `scp`, whichever comes first; issue `scopes`.
    #[default]
    Auto,
    /// `scopes`: an array of strings (FastAPI's tutorial).
    Scopes,
    /// `scope`: one space-delimited string (RFC 9068, RFC 8693).
    Scope,
    /// `scp`: a space-delimited string or an array of strings (as some identity providers
    /// send it). Issued as an array.
    Scp,
}

/// A claim granted scopes are read from, for a [`ScopeMapping`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ScopeSource {
    /// `scope`: a space-delimited string (RFC 9068; Keycloak, Auth0).
    Scope,
    /// `scp`: a space-delimited string (Entra ID) or an array (Okta).
    Scp,
    /// `scopes`: an array (FastAPI's tutorial).
    Scopes,
    /// `roles`: an array (Entra ID app roles).
    Roles,
    /// `permissions`: an array (Auth0 with RBAC and "Add Permissions in the Access Token").
    Permissions,
    /// `realm_access.roles` (Keycloak realm roles).
    RealmRoles,
    /// `resource_access.<client>.roles` (Keycloak client roles of this client).
    ClientRoles(String),
}

impl ScopeSource {
    /// The claim's path in the token's payload.
    fn path(&self) -> Vec<&str> {
        match self {
            Self::Scope => vec!["scope"],
            Self::Scp => vec!["scp"],
            Self::Scopes => vec!["scopes"],
            Self::Roles => vec!["roles"],
            Self::Permissions => vec!["permissions"],
            Self::RealmRoles => vec!["realm_access", "roles"],
            Self::ClientRoles(client) => vec!["resource_access", client, "roles"],
        }
    }

    /// Whether the claim is made of scopes (whose every value must be a scope token, or the
    /// token is refused) rather than roles (whose values that are not scope tokens are
    /// ignored: they cannot match a declared scope).
    fn is_scope_claim(&self) -> bool {
        matches!(self, Self::Scope | Self::Scp | Self::Scopes)
    }
}

/// Which claims grant scopes, each with an optional prefix: the granted scopes are the
/// union, in order, without repeats. Configured with
/// [`TokenConfig::scope_mapping`](super::TokenConfig::scope_mapping); without one the
/// [`ScopeClaim`] decides.
///
/// Each claim may be a space-delimited string or an array of strings; an absent claim
/// grants nothing.
///
/// ```
/// use scopes_runtime::oauth2::{ScopeMapping, ScopeSource};
///
/// // Keycloak: the `scope` string, and realm roles as `role:<name>`.
/// let keycloak = ScopeMapping::new()
///     .with(ScopeSource::Scope)
///     .with_prefixed(ScopeSource::RealmRoles, "role:");
/// // Auth0 with RBAC: `scope` and `permissions`.
/// let auth0 = ScopeMapping::new().with(ScopeSource::Scope).with(ScopeSource::Permissions);
/// // Entra ID: delegated `scp`, application `roles`.
/// let entra = ScopeMapping::new().with(ScopeSource::Scp).with(ScopeSource::Roles);
/// # drop((keycloak, auth0, entra));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScopeMapping {
    sources: Vec<(ScopeSource, String)>,
}

impl ScopeMapping {
    /// No claim yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// `scope`, `scp` and `scopes`, unprefixed: every standard scope claim.
    pub fn standard() -> Self {
        Self::new()
            .with(ScopeSource::Scope)
            .with(ScopeSource::Scp)
            .with(ScopeSource::Scopes)
    }

    /// Scopes from `source`, as they are.
    #[must_use]
    pub fn with(self, source: ScopeSource) -> Self {
        self.with_prefixed(source, "")
    }

    /// Scopes from `source`, each as `prefix` followed by the value.
    #[must_use]
    pub fn with_prefixed(mut self, source: ScopeSource, prefix: impl Into<String>) -> Self {
        self.sources.push((source, prefix.into()));
        self
    }

    /// The granted scopes `map` holds; the top-level scope claims read are removed from it.
    fn read(&self, map: &mut Map<String, Value>) -> Result<Vec<String>, TokenError> {
        let mut scopes: Vec<String> = Vec::new();
        for (source, prefix) in &self.sources {
            let path = source.path();
            let invalid = || TokenError::new(TokenErrorKind::InvalidClaim(path.join(".")));
            let mut value = map.get(path[0]);
            for key in &path[1..] {
                value = value.and_then(|v| v.get(key));
            }
            let values: Vec<&str> = match value {
                None | Some(Value::Null) => continue,
                Some(Value::String(s)) => s.split(' ').filter(|s| !s.is_empty()).collect(),
                Some(Value::Array(items)) => items
                    .iter()
                    .map(Value::as_str)
                    .collect::<Option<_>>()
                    .ok_or_else(invalid)?,
                Some(_) => return Err(invalid()),
            };
            for value in values {
                let scope = format!("{prefix}{value}");
                if check_scope_token(&scope).is_err() {
                    if source.is_scope_claim() {
                        return Err(invalid());
                    }
                    continue;
                }
                if !scopes.contains(&scope) {
                    scopes.push(scope);
                }
            }
        }
        for (source, _) in &self.sources {
            if source.is_scope_claim() {
                map.remove(source.path()[0]);
            }
        }
        Ok(scopes)
    }
}

/// The claims of an access token.
///
/// ```
/// use std::time::Duration;
/// use scopes_runtime::oauth2::Claims;
///
/// let claims = Claims::new("johndoe", ["me", "items"], Duration::from_secs(900));
/// assert_eq!(claims.sub, "johndoe");
/// assert_eq!(claims.exp - claims.iat.unwrap(), 900);
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Claims {
    /// `sub`: the subject (the tutorial's username). Required, a string.
    pub sub: String,
    /// The granted scopes, from the claim chosen by [`ScopeClaim`]; empty when absent.
    pub scopes: Vec<String>,
    /// `exp`: expiry, seconds since the Unix epoch. Required.
    pub exp: u64,
    /// `iat`: issued at (optional: the tutorial's tokens have none).
    pub iat: Option<u64>,
    /// `nbf`: not before.
    pub nbf: Option<u64>,
    /// `iss`: issuer.
    pub iss: Option<String>,
    /// `aud`: audiences (a JSON string when there is one, an array otherwise).
    pub aud: Vec<String>,
    /// `jti`: token id.
    pub jti: Option<String>,
    /// Every other claim, as is.
    pub extra: Map<String, Value>,
}

impl Claims {
    /// Claims for `sub` granted `scopes`, issued now and expiring after `lifetime`.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use scopes_runtime::oauth2::Claims;
    /// let mut claims = Claims::new("alice", Vec::<String>::new(), Duration::from_secs(60));
    /// claims.jti = Some("4f1c".into());
    /// ```
    pub fn new<S: Into<String>>(
        sub: impl Into<String>,
        scopes: impl IntoIterator<Item = S>,
        lifetime: Duration,
    ) -> Self {
        let now = now();
        Self {
            sub: sub.into(),
            scopes: scopes.into_iter().map(Into::into).collect(),
            exp: now.saturating_add(lifetime.as_secs()),
            iat: Some(now),
            nbf: None,
            iss: None,
            aud: Vec::new(),
            jti: None,
            extra: Map::new(),
        }
    }

    /// The claims as a JSON object, the scopes written as `scope_claim` says.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use scopes_runtime::oauth2::{Claims, ScopeClaim};
    /// let json = Claims::new("a", ["me", "items"], Duration::ZERO).to_json(ScopeClaim::Scope);
    /// assert_eq!(json["scope"], "me items");
    /// ```
    pub fn to_json(&self, scope_claim: ScopeClaim) -> Map<String, Value> {
        let mut map = self.extra.clone();
        map.insert("sub".into(), self.sub.clone().into());
        let scopes = Value::from(self.scopes.clone());
        match scope_claim {
            ScopeClaim::Auto | ScopeClaim::Scopes => map.insert("scopes".into(), scopes),
            ScopeClaim::Scope => map.insert("scope".into(), self.scopes.join(" ").into()),
            ScopeClaim::Scp => map.insert("scp".into(), scopes),
        };
        map.insert("exp".into(), self.exp.into());
        let optional = [
            ("iat", self.iat.map(Value::from)),
            ("nbf", self.nbf.map(Value::from)),
            ("iss", self.iss.clone().map(Value::from)),
            ("jti", self.jti.clone().map(Value::from)),
            (
                "aud",
                match self.aud.as_slice() {
                    [] => None,
                    [one] => Some(one.clone().into()),
                    many => Some(many.to_vec().into()),
                },
            ),
        ];
        for (name, value) in optional {
            if let Some(value) = value {
                map.insert(name.into(), value);
            }
        }
        map
    }

    /// Reads verified claims (the signature and the [`Rules`](super::rules::Rules) were
    /// checked).
    pub(super) fn from_payload(
        payload: Payload,
        scope_claim: ScopeClaim,
        mapping: Option<&ScopeMapping>,
    ) -> Result<Self, TokenError> {
        let Payload {
            sub,
            exp,
            iat,
            nbf,
            iss,
            jti,
            aud,
            extra: mut map,
        } = payload;
        let invalid = |claim: &str| TokenError::new(TokenErrorKind::InvalidClaim(claim.into()));
        let sub = match sub {
            None | Some(Value::Null) => {
                return Err(TokenError::new(TokenErrorKind::MissingClaim("sub".into())));
            }
            Some(Value::String(sub)) => sub,
            Some(_) => return Err(invalid("sub")),
        };
        let exp = match exp {
            Some(exp) => numeric_date(&exp).ok_or_else(|| invalid("exp"))?,
            None => return Err(TokenError::new(TokenErrorKind::MissingClaim("exp".into()))),
        };
        let optional_date = |value: Option<Value>, name: &str| match value {
            None | Some(Value::Null) => Ok(None),
            Some(v) => numeric_date(&v).map(Some).ok_or_else(|| invalid(name)),
        };
        let iat = optional_date(iat, "iat")?;
        let nbf = optional_date(nbf, "nbf")?;
        let optional_string = |value: Option<Value>, name: &str| match value {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(invalid(name)),
        };
        let iss = optional_string(iss, "iss")?;
        let jti = optional_string(jti, "jti")?;
        let aud = match aud {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::String(aud)) => vec![aud],
            Some(Value::Array(items)) => string_array(items).ok_or_else(|| invalid("aud"))?,
            Some(_) => return Err(invalid("aud")),
        };
        let scopes = match mapping {
            Some(mapping) => mapping.read(&mut map)?,
            None => read_scopes(&mut map, scope_claim)?,
        };
        Ok(Self {
            sub,
            scopes,
            exp,
            iat,
            nbf,
            iss,
            aud,
            jti,
            extra: map,
        })
    }
}

/// A token's payload as it is read: the registered claims apart, every other claim in
/// `extra`, in order (the last of repeated names wins, as in a JSON object read into a map).
/// Read in one pass, so that the registered claims never go through the map.
///
/// `sub`, `exp`, `nbf`, `iss` or `aud` given twice makes the payload unreadable, as it is to
/// `jsonwebtoken`'s validation.
pub(super) struct Payload {
    sub: Option<Value>,
    pub(super) exp: Option<Value>,
    iat: Option<Value>,
    pub(super) nbf: Option<Value>,
    pub(super) iss: Option<Value>,
    jti: Option<Value>,
    pub(super) aud: Option<Value>,
    extra: Map<String, Value>,
}

impl<'de> serde::Deserialize<'de> for Payload {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(PayloadVisitor)
    }
}

struct PayloadVisitor;

impl<'de> serde::de::Visitor<'de> for PayloadVisitor {
    type Value = Payload;

    fn expecting(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("a JSON object of claims")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Payload, A::Error> {
        let mut payload = Payload {
            sub: None,
            exp: None,
            iat: None,
            nbf: None,
            iss: None,
            jti: None,
            aud: None,
            extra: Map::new(),
        };
        while let Some(Name(name)) = map.next_key::<Name<'de>>()? {
            let (slot, once) = match &*name {
                "sub" => (&mut payload.sub, true),
                "exp" => (&mut payload.exp, true),
                "iat" => (&mut payload.iat, false),
                "nbf" => (&mut payload.nbf, true),
                "iss" => (&mut payload.iss, true),
                "jti" => (&mut payload.jti, false),
                "aud" => (&mut payload.aud, true),
                _ => {
                    let value = map.next_value()?;
                    payload.extra.insert(name.into_owned(), value);
                    continue;
                }
            };
            if once && slot.is_some() {
                return Err(serde::de::Error::custom(format_args!(
                    "duplicate claim `{name}`"
                )));
            }
            *slot = Some(map.next_value()?);
        }
        Ok(payload)
    }
}

/// A claim's name, borrowed from the payload unless it has escapes.
struct Name<'de>(std::borrow::Cow<'de, str>);

impl<'de> serde::Deserialize<'de> for Name<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_str(NameVisitor)
    }
}

struct NameVisitor;

impl<'de> serde::de::Visitor<'de> for NameVisitor {
    type Value = Name<'de>;

    fn expecting(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("a claim name")
    }

    fn visit_borrowed_str<E>(self, name: &'de str) -> Result<Name<'de>, E> {
        Ok(Name(std::borrow::Cow::Borrowed(name)))
    }

    fn visit_str<E>(self, name: &str) -> Result<Name<'de>, E> {
        Ok(Name(std::borrow::Cow::Owned(name.to_owned())))
    }

    fn visit_string<E>(self, name: String) -> Result<Name<'de>, E> {
        Ok(Name(std::borrow::Cow::Owned(name)))
    }
}

fn numeric_date(value: &Value) -> Option<u64> {
    value.as_u64().or_else(|| {
        value
            .as_f64()
            .filter(|f| f.is_finite() && *f >= 0.0 && *f < u64::MAX as f64)
            .map(|f| f as u64)
    })
}

fn string_array(items: Vec<Value>) -> Option<Vec<String>> {
    items
        .into_iter()
        .map(|v| match v {
            Value::String(s) => Some(s),
            _ => None,
        })
        .collect()
}

fn read_scopes(map: &mut Map<String, Value>, claim: ScopeClaim) -> Result<Vec<String>, TokenError> {
    let name = match claim {
        ScopeClaim::Scopes => "scopes",
        ScopeClaim::Scope => "scope",
        ScopeClaim::Scp => "scp",
        ScopeClaim::Auto => ["scopes", "scope", "scp"]
            .into_iter()
            .find(|name| map.get(*name).is_some_and(|v| !v.is_null()))
            .unwrap_or("scopes"),
    };
    let invalid = || TokenError::new(TokenErrorKind::InvalidClaim(name.into()));
    let scopes = match (map.remove(name), name) {
        (None | Some(Value::Null), _) => Vec::new(),
        (Some(Value::Array(items)), "scopes" | "scp") => string_array(items).ok_or_else(invalid)?,
        (Some(Value::String(s)), "scope" | "scp") => s
            .split(' ')
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
        _ => return Err(invalid()),
    };
    if scopes.iter().any(|s| check_scope_token(s).is_err()) {
        return Err(invalid());
    }
    Ok(scopes)
}

pub(super) fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}
