//! The application: its state, services and fallback, shared by the server and the tests.

use std::time::Duration;

use actix_web::http::Method;
use actix_web::{HttpRequest, HttpResponse, web};
use scopes_runtime::oauth2::{KeyRing, LoginLimits};
use scopes_runtime::services::Gate;
use scopes_runtime::services::ProtectedResource;
use scopes_runtime::{ErrorStyle, LoginThrottle, OAuth2PasswordBearer, TokenConfig};
use utoipa_swagger_ui::{Config, SwaggerUi};

use crate::auth::{OAUTH2, TokenLifetime};
use crate::fallback::RouteTable;
use crate::handlers::SERVICES;

/// The routes served by `utoipa-swagger-ui`'s service rather than by a handler of
/// [`SERVICES`]: open on purpose.
const SWAGGER_ASSETS: &str = "/docs/{_:.*}";
const OPENAPI_JSON: &str = "/openapi.json";
/// Where the demo as an issuer publishes its public keys.
pub const JWKS_JSON: &str = "/.well-known/jwks.json";
use crate::users::UserDb;

/// Everything the app shares between workers.
#[derive(Clone)]
pub struct AppState {
    oauth2: OAuth2PasswordBearer,
    tokens: web::Data<TokenConfig>,
    users: web::Data<UserDb>,
    lifetime: web::Data<TokenLifetime>,
    throttle: web::Data<LoginThrottle>,
    routes: web::Data<RouteTable>,
    openapi: web::Data<utoipa::openapi::OpenApi>,
    ring: Option<KeyRing>,
    resource: Option<ProtectedResource>,
}

impl AppState {
    /// The tutorial's users, tokens made and checked by `tokens`, errors in `style`, failed
    /// logins limited by the default [`LoginLimits`].
    pub fn new(tokens: TokenConfig, lifetime: Duration, style: ErrorStyle) -> Self {
        Self {
            oauth2: OAUTH2.with_error_style(style),
            tokens: web::Data::new(tokens),
            users: web::Data::new(UserDb::tutorial()),
            lifetime: web::Data::new(TokenLifetime(lifetime)),
            throttle: web::Data::new(LoginThrottle::new(LoginLimits::new())),
            routes: web::Data::new(route_table()),
            openapi: web::Data::new(crate::openapi::document_in(style)),
            ring: None,
            resource: None,
        }
    }

    /// Publishes `ring`'s public keys at [`JWKS_JSON`] (the demo as an issuer).
    #[must_use]
    pub fn with_key_ring(mut self, ring: KeyRing) -> Self {
        self.ring = Some(ring);
        self.routes = web::Data::new(self.route_table());
        self
    }

    /// Serves `metadata` (RFC 9728) and names it in every 401 and 403 challenge.
    #[must_use]
    pub fn with_resource(mut self, metadata: ProtectedResource) -> Self {
        self.oauth2 = self.oauth2.with_resource_metadata(metadata.metadata_url());
        self.resource = Some(metadata);
        self.routes = web::Data::new(self.route_table());
        self
    }

    /// The paths served besides [`SERVICES`] and the docs: the key set, the metadata.
    fn extra_paths(&self) -> Vec<String> {
        let jwks = self.ring.as_ref().map(|_| JWKS_JSON.to_owned());
        let metadata = self.resource.as_ref().map(|r| r.metadata_path().to_owned());
        jwks.into_iter().chain(metadata).collect()
    }

    fn route_table(&self) -> RouteTable {
        self.extra_paths()
            .iter()
            .fold(route_table(), |table, path| table.route(Method::GET, path))
    }

    /// The app's gate ([`gate`]), opening the paths this state serves besides.
    pub fn gate(&self) -> Gate {
        self.extra_paths()
            .iter()
            .fold(gate(), |gate, path| gate.allow(Method::GET, path))
    }

    /// Failed logins limited by `limits` instead, in a throttle shared by every worker
    /// (and every clone of this state).
    #[must_use]
    pub fn with_login_limits(mut self, limits: LoginLimits) -> Self {
        self.throttle = web::Data::new(LoginThrottle::new(limits));
        self
    }

    /// Registers the app's data, services and fallback.
    pub fn configure(&self, cfg: &mut web::ServiceConfig) {
        let routes = self.routes.clone();
        cfg.app_data(self.oauth2)
            .app_data(self.tokens.clone())
            .app_data(self.users.clone())
            .app_data(self.lifetime.clone())
            .app_data(self.throttle.clone())
            .app_data(self.routes.clone())
            .service(SERVICES)
            .service(
                SwaggerUi::new(SWAGGER_ASSETS)
                    .url(OPENAPI_JSON, self.openapi.as_ref().clone())
                    .config(Config::new([OPENAPI_JSON]).persist_authorization(false)),
            );
        if let Some(ring) = self.ring.clone() {
            cfg.route(
                JWKS_JSON,
                web::get().to(move || {
                    let jwks = ring.jwks();
                    async move {
                        HttpResponse::Ok()
                            .insert_header(("Cache-Control", "public, max-age=60"))
                            .json(jwks)
                    }
                }),
            );
        }
        if let Some(metadata) = self.resource.clone() {
            cfg.service(metadata);
        }
        cfg.default_service(web::to(move |req: HttpRequest| {
            let routes = routes.clone();
            async move { routes.answer(&req) }
        }));
    }
}

/// The app's gate, at its root: every route is a handler of [`SERVICES`] or the Swagger UI
/// service; anything else registered later is refused. Refusals are answered as the
/// fallback answers (a 405 for a method the path does not offer, as FastAPI does).
pub fn gate() -> Gate {
    SERVICES
        .gate()
        .allow(Method::GET, OPENAPI_JSON)
        .allow(Method::GET, SWAGGER_ASSETS)
        .otherwise(refused)
}

/// What the gate answers: the fallback's answer for the request.
fn refused(req: &HttpRequest) -> HttpResponse {
    match req.app_data::<web::Data<RouteTable>>() {
        Some(routes) => routes.answer(req),
        None => HttpResponse::NotFound().json(serde_json::json!({ "detail": "Not Found" })),
    }
}

/// The routes of the app, for the fallback's 405s and redirects.
pub fn route_table() -> RouteTable {
    SERVICES.handlers().iter().fold(
        RouteTable::default()
            .route(Method::GET, OPENAPI_JSON)
            .route(Method::GET, SWAGGER_ASSETS),
        |table, handler| table.handler(handler.info),
    )
}
