//! [`SecuredServices`]: an app's `#[secured]` handlers, listed once, registered as actix-web
//! services and described for everything else that must know them (route tables, the
//! OpenAPI document), so that no second list can fall out of step with the first.

use actix_web::dev::{AppService, HttpServiceFactory};

use crate::graph::{Handler, NodeInfo};

/// A `#[secured]` handler as [`SecuredServices`] lists it: its compile-time description and
/// every scope its tree requires.
#[derive(Debug, Clone, Copy)]
pub struct SecuredHandler {
    /// The handler's description: name, routes, own scopes, dependency tree.
    pub info: &'static NodeInfo,
    /// Every scope the handler's tree requires, handler first ([`Handler::REQUIRED_SCOPES`]).
    pub required_scopes: &'static [&'static str],
}

impl SecuredHandler {
    /// The entry of the handler `H`.
    pub const fn of<H: Handler>() -> Self {
        Self {
            info: H::INFO,
            required_scopes: H::REQUIRED_SCOPES,
        }
    }
}

/// Secured handlers under route macros, made by [`secured_services!`]: a service factory
/// that registers them all, and the list of what they are.
///
/// ```
/// use actix_web::{get, App};
/// use scopes_runtime::services::SecuredServices;
/// use scopes_runtime::{secured, secured_services};
///
/// #[secured(scopes = ["items"])]
/// #[get("/items/")]
/// async fn read_items() -> &'static str { "[]" }
///
/// #[secured]
/// #[get("/status/")]
/// async fn status() -> &'static str { "ok" }
///
/// const SECURED: SecuredServices = secured_services![read_items, status];
///
/// let app = App::new().service(SECURED);
/// # drop(app);
/// let routes: Vec<_> = SECURED
///     .handlers()
///     .iter()
///     .map(|h| (h.info.routes[0].path, h.required_scopes))
///     .collect();
/// assert_eq!(routes, [("/items/", &["items"][..]), ("/status/", &[][..])]);
/// ```
///
/// [`secured_services!`]: crate::secured_services
#[derive(Clone, Copy)]
pub struct SecuredServices {
    handlers: &'static [SecuredHandler],
    register: fn(&mut AppService),
}

impl SecuredServices {
    /// What `secured_services!` expands to.
    #[doc(hidden)]
    pub const fn new(handlers: &'static [SecuredHandler], register: fn(&mut AppService)) -> Self {
        Self { handlers, register }
    }

    /// The handlers, in the order they were listed.
    pub const fn handlers(&self) -> &'static [SecuredHandler] {
        self.handlers
    }
}

impl HttpServiceFactory for SecuredServices {
    fn register(self, config: &mut AppService) {
        (self.register)(config);
    }
}

impl core::fmt::Debug for SecuredServices {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_list()
            .entries(self.handlers.iter().map(|h| h.info.name))
            .finish()
    }
}

/// The app's `#[secured]` handlers (each under an actix-web route macro), listed once: a
/// [`SecuredServices`] that registers every one of them as a service and lists their
/// descriptions and required scopes for route tables and the OpenAPI document.
///
/// # Examples
/// See [`SecuredServices`].
///
/// # Grammar
/// ```text
/// secured_services![ path::to::handler, .. ]
/// ```
#[macro_export]
macro_rules! secured_services {
    ($($handler:path),* $(,)?) => {{
        const __SCOPES_HANDLERS: &[$crate::services::SecuredHandler] =
            &[$($crate::services::SecuredHandler::of::<$handler>()),*];
        $crate::services::SecuredServices::new(__SCOPES_HANDLERS, |config| {
            $($crate::__private::actix_web::dev::HttpServiceFactory::register($handler, config);)*
        })
    }};
}
