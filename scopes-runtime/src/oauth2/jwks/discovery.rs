//! OpenID Connect Discovery: an issuer URL's `/.well-known/openid-configuration` names its
//! `jwks_uri` and the `iss` its tokens carry.

use super::{JwksError, JwksLocation, JwksOptions, JwksSource, fetch};

/// What an issuer's discovery document says, as far as verifying its tokens goes.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Discovered {
    /// The issuer, exactly as the document (and the configuration) names it: the `iss`
    /// its tokens carry.
    pub issuer: String,
    /// Where its keys are published.
    pub jwks_uri: String,
}

/// Reads `issuer`'s discovery document (`{issuer}/.well-known/openid-configuration`,
/// OpenID Connect Discovery 1.0 section 4) and returns a [`JwksSource`] for its
/// `jwks_uri`, with `options`. The document's `issuer` must be exactly `issuer` (section
/// 4.3), or the document is refused.
///
/// ```no_run
/// use scopes_runtime::oauth2::{discover, JwksOptions};
/// use scopes_runtime::TokenConfig;
///
/// # async fn run() -> Result<(), scopes_runtime::oauth2::JwksError> {
/// let (keys, found) = discover("https://idp.example.com/realms/demo", JwksOptions::default()).await?;
/// keys.refresh().await?;
/// let config = TokenConfig::jwks(keys).issuer(found.issuer).audience(["api"]);
/// # drop(config);
/// # Ok(())
/// # }
/// ```
pub async fn discover(
    issuer: &str,
    options: JwksOptions,
) -> Result<(JwksSource, Discovered), JwksError> {
    #[derive(serde::Deserialize)]
    struct Document {
        issuer: String,
        jwks_uri: String,
    }
    let url = format!(
        "{}/.well-known/openid-configuration",
        issuer.trim_end_matches('/')
    );
    let (body, _) = fetch::get(&url, &options).await?;
    let document: Document = serde_json::from_slice(&body).map_err(JwksError::Parse)?;
    if document.issuer != issuer {
        return Err(JwksError::IssuerMismatch {
            expected: issuer.to_owned(),
            found: document.issuer,
        });
    }
    let source = JwksSource::new(JwksLocation::Url(document.jwks_uri.clone()), options);
    Ok((
        source,
        Discovered {
            issuer: document.issuer,
            jwks_uri: document.jwks_uri,
        },
    ))
}
