//! Groups: security shared by the handlers of a module, declared once, merged at compile
//! time into each handler's union, checks, routes and OpenAPI security; groups nest.

use std::cell::Cell;
use std::rc::Rc;

use actix_web::http::StatusCode;
use actix_web::test as atest;
use actix_web::{App, HttpRequest, web};
use scopes_runtime::graph::Handler;
use scopes_runtime::{Authorized, dependency, group, testing};

/// Counts the runs of the group-level decorator.
#[derive(Clone, Default)]
struct Audited(Rc<Cell<u32>>);

#[dependency]
async fn audit_trail(req: HttpRequest) {
    if let Some(audited) = req.app_data::<web::Data<Audited>>() {
        audited.0.set(audited.0.get() + 1);
    }
}

#[group(prefix = "/admin", scopes = ["admin"], dependencies = [Authorized, audit_trail])]
mod admin {
    use actix_web::{get, post};
    use scopes_runtime::{public, secured};

    #[secured]
    #[get("/users")]
    pub(super) async fn list_users() -> &'static str {
        "[]"
    }

    #[secured(scopes = ["users:write"])]
    #[post("/users")]
    pub(super) async fn create_user() -> &'static str {
        "created"
    }

    /// Public inside a group: the prefix only.
    #[public]
    #[get("/health")]
    pub(super) async fn health() -> &'static str {
        "ok"
    }

    #[group(prefix = "/audit", scopes = ["audit"], dependencies = [scopes_runtime::Authorized])]
    pub(super) mod audit {
        use actix_web::get;
        use scopes_runtime::secured;

        #[secured]
        #[get("/logs")]
        pub(in crate::admin) async fn logs() -> &'static str {
            "logs"
        }
    }
}

#[test]
fn the_group_joins_every_handler_at_compile_time() {
    assert_eq!(<admin::list_users as Handler>::REQUIRED_SCOPES, ["admin"]);
    assert_eq!(
        <admin::create_user as Handler>::REQUIRED_SCOPES,
        ["users:write", "admin"]
    );
    assert_eq!(
        <admin::audit::logs as Handler>::REQUIRED_SCOPES,
        ["audit", "admin"]
    );
    let paths: Vec<_> = admin::SERVICES
        .surface()
        .routes()
        .iter()
        .map(|route| (route.method, route.path, route.public))
        .collect();
    assert_eq!(
        paths,
        [
            ("GET", "/admin/users", false),
            ("POST", "/admin/users", false),
            ("GET", "/admin/health", true),
        ]
    );
    assert_eq!(
        admin::audit::SERVICES.surface().routes()[0].path,
        "/admin/audit/logs"
    );
}

#[actix_web::test]
async fn the_group_is_enforced() {
    let config = testing::token_config();
    let audited = Audited::default();
    let app = atest::init_service(
        App::new()
            .wrap(admin::SERVICES.gate().and(admin::audit::SERVICES))
            .app_data(web::Data::new(config.clone()))
            .app_data(web::Data::new(audited.clone()))
            .service(admin::SERVICES)
            .service(admin::audit::SERVICES),
    )
    .await;
    let status =
        |method: actix_web::http::Method, uri: &'static str, scopes: &'static [&'static str]| {
            let req = testing::request_as(&config, "alice", scopes)
                .method(method)
                .uri(uri)
                .to_request();
            let app = &app;
            async move { atest::call_service(app, req).await.status() }
        };
    use actix_web::http::Method;
    assert_eq!(
        status(Method::GET, "/admin/users", &[]).await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        audited.0.get(),
        0,
        "the token is refused before the decorator runs"
    );
    assert_eq!(
        status(Method::GET, "/admin/users", &["admin"]).await,
        StatusCode::OK
    );
    assert_eq!(audited.0.get(), 1, "the group's decorator ran");
    assert_eq!(
        status(Method::POST, "/admin/users", &["admin"]).await,
        StatusCode::UNAUTHORIZED,
        "`users:write` missing"
    );
    assert_eq!(
        status(Method::POST, "/admin/users", &["admin", "users:write"]).await,
        StatusCode::OK
    );
    assert_eq!(
        status(Method::GET, "/admin/health", &[]).await,
        StatusCode::OK
    );
    assert_eq!(
        status(Method::GET, "/admin/audit/logs", &["audit"]).await,
        StatusCode::UNAUTHORIZED,
        "the outer group's `admin` applies too"
    );
    assert_eq!(
        status(Method::GET, "/admin/audit/logs", &["audit", "admin"]).await,
        StatusCode::OK
    );
}
