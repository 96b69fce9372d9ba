//! [`Services`]: an app's handlers, each `#[secured]` or `#[public]`, listed once: registered
//! as actix-web services, guarded by a fail-closed [`Gate`] against routes registered any
//! other way, and described for everything else that must know them (route tables, the
//! OpenAPI document, the [security surface](Services::surface)), so that no second list can
//! fall out of step with the first.
//!
//! - [`Services`] and [`services!`](crate::services!): the list;
//! - [`Gate`]: the middleware that refuses every request a listed handler would not answer;
//! - [`SecuritySurface`]: every route, its status and requirement, as data;
//! - `ProtectedResource` (feature `oauth2`): the RFC 9728 metadata of the listed routes.

mod gate;
#[cfg(feature = "oauth2")]
mod resource;
mod surface;

use actix_web::dev::{AppService, HttpServiceFactory};

use crate::graph::{Handler, NodeInfo, NodeKind, Requirement};
pub use gate::{Gate, GateMiddleware};
#[cfg(feature = "oauth2")]
pub(crate) use gate::{Rules, Verdict};
#[cfg(feature = "oauth2")]
pub use resource::{ProtectedResource, ResourceError};
pub use surface::{RouteSecurity, SecuritySurface};

/// A handler as [`Services`] lists it: its compile-time description and every scope its tree
/// requires.
#[derive(Debug, Clone, Copy)]
pub struct Endpoint {
    /// The handler's description: name, routes, own scopes, dependency tree.
    pub info: &'static NodeInfo,
    /// Every scope the handler's tree requires, handler first ([`Handler::REQUIRED_SCOPES`]);
    /// none for a `#[public]` handler.
    pub required_scopes: &'static [&'static str],
    /// How they combine: the alternatives, any one of which admits a request
    /// ([`Handler::REQUIREMENT`]).
    pub requirement: Requirement,
}

impl Endpoint {
    /// The entry of the handler `H`.
    pub const fn of<H: Handler>() -> Self {
        Self {
            info: H::INFO,
            required_scopes: H::REQUIRED_SCOPES,
            requirement: H::REQUIREMENT,
        }
    }

    /// Whether the handler is `#[public]`: open on purpose.
    pub const fn is_public(&self) -> bool {
        matches!(self.info.kind, NodeKind::Public)
    }
}

/// An app's handlers under route macros, each `#[secured]` or `#[public]`, made by
/// [`services!`](crate::services!): a service factory that registers them all, the
/// [`Gate`] that keeps every other route closed, and the list of what they are.
///
/// # Examples
/// ```
/// use actix_web::{get, post, App};
/// use scopes_runtime::services::Services;
/// use scopes_runtime::{dependency, public, secured, services, SecurityScopes};
///
/// # #[dependency]
/// # async fn authorize(scopes: SecurityScopes) -> Result<(), actix_web::Error> {
/// #     scopes.check(&["items"]).map_err(|_| actix_web::error::ErrorForbidden("scope"))
/// # }
/// #[secured(scopes = ["items"], dependencies = [authorize])]
/// #[get("/items/")]
/// async fn read_items() -> &'static str { "[]" }
///
/// #[public]
/// #[post("/token")]
/// async fn login() -> &'static str { "{}" }
///
/// const SERVICES: Services = services![read_items, login];
///
/// let app = App::new().wrap(SERVICES.gate()).service(SERVICES);
/// # drop(app);
/// let routes: Vec<_> = SERVICES
///     .handlers()
///     .iter()
///     .map(|h| (h.info.routes[0].path, h.is_public(), h.required_scopes))
///     .collect();
/// assert_eq!(routes, [("/items/", false, &["items"][..]), ("/token", true, &[][..])]);
/// ```
#[derive(Clone, Copy)]
pub struct Services {
    handlers: &'static [Endpoint],
    register: fn(&mut AppService),
}

impl Services {
    /// What `services!` expands to.
    #[doc(hidden)]
    pub const fn new(handlers: &'static [Endpoint], register: fn(&mut AppService)) -> Self {
        Self { handlers, register }
    }

    /// The handlers, in the order they were listed.
    pub const fn handlers(&self) -> &'static [Endpoint] {
        self.handlers
    }

    /// The middleware that refuses, fail-closed, every request that no handler of this list
    /// would answer, registered at the app's root: `App::new().wrap(SERVICES.gate())`. See
    /// [`Gate`].
    pub fn gate(&self) -> Gate {
        Gate::new(*self)
    }

    /// The scopes of `declared` (a [`scopes!`](crate::scopes!) declaration's `ALL`) that no
    /// listed handler requires: advertised in the OpenAPI document and the token endpoint
    /// for nothing. A test asserts it is empty.
    ///
    /// ```
    /// use scopes_runtime::{public, services, services::Services};
    ///
    /// #[public]
    /// #[actix_web::get("/health")]
    /// async fn health() -> &'static str { "ok" }
    ///
    /// const SERVICES: Services = services![health];
    /// assert_eq!(SERVICES.unused_scopes(&[("admin", "Administer.")]), ["admin"]);
    /// ```
    pub fn unused_scopes(&self, declared: &[(&'static str, &'static str)]) -> Vec<&'static str> {
        declared
            .iter()
            .map(|(scope, _)| *scope)
            .filter(|scope| {
                !self
                    .handlers
                    .iter()
                    .any(|handler| handler.required_scopes.contains(scope))
            })
            .collect()
    }

    /// Every route of the list with its status and requirement: the security surface, as
    /// data (JSON, Markdown) for reviews and snapshot tests.
    pub fn surface(&self) -> SecuritySurface {
        SecuritySurface::of(self)
    }
}

impl HttpServiceFactory for Services {
    fn register(self, config: &mut AppService) {
        (self.register)(config);
    }
}

impl core::fmt::Debug for Services {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_list()
            .entries(self.handlers.iter().map(|h| h.info.name))
            .finish()
    }
}
