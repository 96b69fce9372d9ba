//! The application: its state, services and fallback, shared by the server and the tests.

use std::time::Duration;

use actix_web::http::Method;
use actix_web::{HttpRequest, web};
use scopes_runtime::{ErrorStyle, OAuth2PasswordBearer, TokenConfig};
use utoipa_swagger_ui::{Config, SwaggerUi};

use crate::auth::{OAUTH2, TokenLifetime, login_for_access_token};
use crate::fallback::RouteTable;
use crate::handlers::SECURED;
use crate::users::UserDb;

/// Everything the app shares between workers.
#[derive(Clone)]
pub struct AppState {
    oauth2: OAuth2PasswordBearer,
    tokens: web::Data<TokenConfig>,
    users: web::Data<UserDb>,
    lifetime: web::Data<TokenLifetime>,
    routes: web::Data<RouteTable>,
    openapi: web::Data<utoipa::openapi::OpenApi>,
}

impl AppState {
    /// The tutorial's users, tokens made and checked by `tokens`, errors in `style`.
    pub fn new(tokens: TokenConfig, lifetime: Duration, style: ErrorStyle) -> Self {
        Self {
            oauth2: OAUTH2.with_error_style(style),
            tokens: web::Data::new(tokens),
            users: web::Data::new(UserDb::tutorial()),
            lifetime: web::Data::new(TokenLifetime(lifetime)),
            routes: web::Data::new(route_table()),
            openapi: web::Data::new(crate::openapi::document()),
        }
    }

    /// Registers the app's data, services and fallback.
    pub fn configure(&self, cfg: &mut web::ServiceConfig) {
        let routes = self.routes.clone();
        cfg.app_data(self.oauth2)
            .app_data(self.tokens.clone())
            .app_data(self.users.clone())
            .app_data(self.lifetime.clone())
            .service(login_for_access_token)
            .service(SECURED)
            .service(crate::docs::swagger_ui)
            .service(crate::docs::swagger_ui_slash)
            .service(
                SwaggerUi::new("/docs/{_:.*}")
                    .url("/openapi.json", self.openapi.as_ref().clone())
                    .config(Config::new(["/openapi.json"]).persist_authorization(false)),
            )
            .default_service(web::to(move |req: HttpRequest| {
                let routes = routes.clone();
                async move { routes.answer(&req) }
            }));
    }
}

/// The routes of the app, for the fallback's 405s and redirects.
pub fn route_table() -> RouteTable {
    SECURED.handlers().iter().fold(
        RouteTable::default()
            .route(Method::POST, "/token")
            .route(Method::GET, "/openapi.json")
            .route(Method::GET, "/docs")
            .route(Method::GET, "/docs/{_:.*}"),
        |table, handler| table.handler(handler.info),
    )
}
