//! [`ProtectedResource`]: the OAuth 2.0 Protected Resource Metadata document (RFC 9728)
//! of an app, its `scopes_supported` taken from the scopes its routes require.

use core::fmt;

use actix_web::dev::{AppService, HttpServiceFactory};
use actix_web::http::header;
use actix_web::{HttpResponse, web};

use super::Services;

/// The app's RFC 9728 metadata: served at `/.well-known/oauth-protected-resource` (with the
/// resource's path appended, section 3.1, when it has one), named by every 401 and 403
/// challenge once the scheme knows its URL.
///
/// `scopes_supported` is exactly the set of scopes the listed routes require: the union,
/// in order, of each handler's compile-time [`required_scopes`](super::Endpoint::required_scopes),
/// so it cannot advertise a scope nothing checks nor miss one a route needs.
///
/// # Examples
/// ```
/// use actix_web::http::Method;
/// use actix_web::{get, App};
/// use scopes_runtime::services::{ProtectedResource, Services};
/// use scopes_runtime::{secured, services, Authorized, OAuth2PasswordBearer, Security};
///
/// #[secured(scopes = ["notes:read"])]
/// #[get("/notes")]
/// async fn notes(_user: Security<Authorized>) -> &'static str { "[]" }
///
/// const SERVICES: Services = services![notes];
///
/// let metadata = ProtectedResource::new("https://api.example.com/v1", &SERVICES)?
///     .authorization_server("https://login.example.com");
/// assert_eq!(metadata.metadata_path(), "/.well-known/oauth-protected-resource/v1");
/// assert_eq!(metadata.document()["scopes_supported"], serde_json::json!(["notes:read"]));
///
/// const SCHEME: OAuth2PasswordBearer = OAuth2PasswordBearer::new("token", &[("notes:read", "Read notes.")]);
/// let scheme = SCHEME.with_resource_metadata(metadata.metadata_url());
/// let app = App::new()
///     .wrap(SERVICES.gate().allow(Method::GET, metadata.metadata_path()))
///     .app_data(scheme)
///     .service(SERVICES)
///     .service(metadata.clone());
/// # drop(app);
/// # Ok::<(), scopes_runtime::services::ResourceError>(())
/// ```
#[derive(Clone)]
pub struct ProtectedResource {
    resource: String,
    origin: String,
    path: String,
    url: &'static str,
    authorization_servers: Vec<String>,
    scopes: Vec<&'static str>,
    name: Option<String>,
}

/// A resource identifier RFC 9728 section 2 does not allow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceError(String);

impl fmt::Display for ResourceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "not a resource identifier (an http(s) URL without query or fragment): {:?}",
            self.0
        )
    }
}

impl std::error::Error for ResourceError {}

impl ProtectedResource {
    /// The well-known path prefix (RFC 9728 section 3).
    pub const WELL_KNOWN: &'static str = "/.well-known/oauth-protected-resource";

    /// The metadata of the resource identified by `resource` (an `https` URL, or `http` for
    /// local use, without query or fragment), requiring the scopes `services` require.
    ///
    /// Its metadata URL is made once and kept for the life of the process (a
    /// `&'static str`, so that challenges name it without allocating).
    pub fn new(resource: impl Into<String>, services: &Services) -> Result<Self, ResourceError> {
        let resource = resource.into();
        let rest = resource
            .strip_prefix("https://")
            .or_else(|| resource.strip_prefix("http://"))
            .filter(|rest| !rest.is_empty() && !rest.contains(['?', '#', ' ']))
            .ok_or_else(|| ResourceError(resource.clone()))?;
        let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
        if authority.is_empty() {
            return Err(ResourceError(resource));
        }
        let path = format!("{}{}", Self::WELL_KNOWN, path.trim_end_matches('/'));
        let origin = &resource[..resource.len() - rest.len() + authority.len()];
        let url: &'static str = format!("{origin}{path}").leak();
        let mut scopes: Vec<&'static str> = Vec::new();
        for handler in services.handlers() {
            for scope in handler.required_scopes {
                if !scopes.contains(scope) {
                    scopes.push(scope);
                }
            }
        }
        let origin = origin.to_owned();
        Ok(Self {
            resource,
            origin,
            path,
            url,
            authorization_servers: Vec::new(),
            scopes,
            name: None,
        })
    }

    /// Adds an authorization server (its issuer identifier) clients get tokens from.
    #[must_use]
    pub fn authorization_server(mut self, issuer: impl Into<String>) -> Self {
        self.authorization_servers.push(issuer.into());
        self
    }

    /// A human-readable name (`resource_name`).
    #[must_use]
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// The resource's origin (scheme, host, port): where an app that is its own
    /// authorization server issues tokens.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The path the document is served at.
    pub fn metadata_path(&self) -> &str {
        &self.path
    }

    /// The document's URL: what challenges name in `resource_metadata="…"`.
    pub fn metadata_url(&self) -> &'static str {
        self.url
    }

    /// The scopes the routes require, as `scopes_supported` lists them.
    pub fn scopes_supported(&self) -> &[&'static str] {
        &self.scopes
    }

    /// The metadata document.
    pub fn document(&self) -> serde_json::Value {
        let mut doc = serde_json::json!({
            "resource": self.resource,
            "authorization_servers": self.authorization_servers,
            "scopes_supported": self.scopes,
            "bearer_methods_supported": ["header"],
        });
        if let Some(name) = &self.name {
            doc["resource_name"] = name.clone().into();
        }
        doc
    }
}

impl HttpServiceFactory for ProtectedResource {
    /// `GET` [`metadata_path`](ProtectedResource::metadata_path): the document as JSON.
    fn register(self, config: &mut AppService) {
        let body = web::Bytes::from(self.document().to_string());
        web::resource(self.path.clone())
            .route(web::get().to(move || {
                let body = body.clone();
                async move {
                    HttpResponse::Ok()
                        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
                        .content_type(header::ContentType::json())
                        .body(body)
                }
            }))
            .register(config);
    }
}

impl fmt::Debug for ProtectedResource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProtectedResource")
            .field("resource", &self.resource)
            .field("metadata_url", &self.url)
            .field("scopes_supported", &self.scopes)
            .finish_non_exhaustive()
    }
}
