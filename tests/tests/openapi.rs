//! OpenAPI security comes from the graph: a derived utoipa document gets each secured
//! operation's `security` from `required_scopes!`, and changing only `#[secured(scopes)]`
//! changes the document.

use actix_web::{HttpResponse, Responder, get, post};
use scopes_runtime::openapi::SecuredRoutes;
use scopes_runtime::{Authorized, OAuth2PasswordBearer, Security, dependency, secured};
use serde_json::{Value, json};
use utoipa::OpenApi;

const OAUTH2: OAuth2PasswordBearer = OAuth2PasswordBearer::new(
    "token",
    &[
        ("me", "Read information about the current user."),
        ("items", "Read items."),
        ("admin", "Administer."),
    ],
);

#[dependency(scopes = ["me"])]
async fn current_user(token: Security<Authorized>) -> String {
    token.sub().to_owned()
}

/// Documented with utoipa as users already do; `#[secured]` goes on top.
#[secured(scopes = ["items"])]
#[utoipa::path(responses((status = 200, description = "The user's items")))]
#[get("/users/me/items/")]
async fn read_own_items(user: Security<current_user>) -> impl Responder {
    HttpResponse::Ok().body(user.into_inner())
}

#[secured]
#[utoipa::path(responses((status = 200, description = "The user")))]
#[get("/users/me/")]
async fn read_users_me(user: Security<current_user>) -> impl Responder {
    HttpResponse::Ok().body(user.into_inner())
}

/// `#[utoipa::path]` above `#[secured]` sees the handler's own parameters.
#[utoipa::path(params(("id" = u32, Path, description = "The item")), responses((status = 200, description = "One item")))]
#[secured(scopes = ["items"])]
#[get("/items/{id}")]
async fn read_item(id: actix_web::web::Path<u32>, _user: Security<current_user>) -> impl Responder {
    HttpResponse::Ok().body(id.to_string())
}

/// Registered by hand: no route macro, so the route is given to `SecuredRoutes`.
#[secured(scopes = ["admin"])]
async fn purge(_user: Security<current_user>) -> impl Responder {
    HttpResponse::NoContent().finish()
}

/// Not secured: documented without security.
#[utoipa::path(responses((status = 200, description = "A token")))]
#[post("/token")]
async fn login() -> impl Responder {
    HttpResponse::Ok().finish()
}

#[derive(OpenApi)]
#[openapi(paths(read_own_items, read_users_me, read_item, login))]
struct ApiDoc;

fn document() -> Value {
    let mut doc = ApiDoc::openapi();
    doc.paths.paths.insert(
        "/admin/purge".to_owned(),
        utoipa::openapi::PathItem::new(
            utoipa::openapi::HttpMethod::Delete,
            utoipa::openapi::path::OperationBuilder::new(),
        ),
    );
    let undocumented = SecuredRoutes::new("OAuth2PasswordBearer", &OAUTH2)
        .handler::<read_own_items>()
        .handler::<read_users_me>()
        .handler::<read_item>()
        .route::<purge>("DELETE", "/admin/purge")
        .route::<purge>("POST", "/admin/not-documented")
        .apply(&mut doc);
    assert_eq!(undocumented.len(), 1);
    assert_eq!(undocumented[0].path, "/admin/not-documented");
    serde_json::to_value(&doc).expect("serializable")
}

#[test]
fn derived_documents_get_security_from_the_graph() {
    let doc = document();
    let security = |path: &str, method: &str| doc["paths"][path][method]["security"].clone();
    assert_eq!(
        security("/users/me/items/", "get"),
        json!([{"OAuth2PasswordBearer": ["items", "me"]}])
    );
    assert_eq!(
        security("/users/me/", "get"),
        json!([{"OAuth2PasswordBearer": ["me"]}])
    );
    assert_eq!(
        security("/admin/purge", "delete"),
        json!([{"OAuth2PasswordBearer": ["admin", "me"]}])
    );
    assert_eq!(security("/token", "post"), Value::Null);
    assert_eq!(
        security("/items/{id}", "get"),
        json!([{"OAuth2PasswordBearer": ["items", "me"]}])
    );
    assert_eq!(
        doc["paths"]["/items/{id}"]["get"]["parameters"][0]["name"],
        "id"
    );
    assert_eq!(
        doc["components"]["securitySchemes"]["OAuth2PasswordBearer"],
        json!({"type": "oauth2", "flows": {"password": {"tokenUrl": "token", "scopes": {
            "me": "Read information about the current user.", "items": "Read items.", "admin": "Administer."}}}})
    );
}

/// The same handler and document, with only the `#[secured(..)]` arguments changed.
macro_rules! variant {
    ($name:ident, $($secured:tt)*) => {
        mod $name {
            use super::*;

            #[secured($($secured)*)]
            #[utoipa::path(responses((status = 200, description = "ok")))]
            #[get("/reports/")]
            pub(super) async fn reports(_user: Security<current_user>) -> &'static str {
                "[]"
            }

            #[derive(OpenApi)]
            #[openapi(paths(reports))]
            struct Doc;

            pub(super) fn document() -> Value {
                let mut doc = Doc::openapi();
                SecuredRoutes::new("OAuth2PasswordBearer", &OAUTH2).handler::<reports>().apply(&mut doc);
                serde_json::to_value(&doc).expect("serializable")
            }
        }
    };
}

variant!(bare,);
variant!(admin, scopes = ["admin"]);
variant!(admin_items, scopes = ["admin", "items"]);

#[test]
fn changing_only_the_attribute_changes_the_document() {
    let security = |doc: Value| doc["paths"]["/reports/"]["get"]["security"].clone();
    assert_eq!(
        security(bare::document()),
        json!([{"OAuth2PasswordBearer": ["me"]}])
    );
    assert_eq!(
        security(admin::document()),
        json!([{"OAuth2PasswordBearer": ["admin", "me"]}])
    );
    assert_eq!(
        security(admin_items::document()),
        json!([{"OAuth2PasswordBearer": ["admin", "items", "me"]}])
    );
    let (mut a, mut b) = (bare::document(), admin::document());
    a["paths"]["/reports/"]["get"]["security"] = Value::Null;
    b["paths"]["/reports/"]["get"]["security"] = Value::Null;
    assert_eq!(a, b, "nothing else differs");
}

/// One handler with a path parameter, a query and a JSON body, documented with
/// `#[utoipa::path]` above `#[secured]` or below it: the same document either way.
macro_rules! order {
    ($name:ident, above) => {
        order!(@module $name,
            #[utoipa::path(params(Options), responses((status = 200, description = "The note")))]
            #[secured(scopes = [any("notes:write", "admin")])]
            #[put("/notes/{id}")]
        );
    };
    ($name:ident, below) => {
        order!(@module $name,
            #[secured(scopes = [any("notes:write", "admin")])]
            #[put("/notes/{id}")]
            #[utoipa::path(params(Options), responses((status = 200, description = "The note")))]
        );
    };
    (@module $name:ident, $(#[$attr:meta])*) => {
        mod $name {
            use super::*;
            use actix_web::{put, web};

            #[derive(serde::Deserialize, utoipa::ToSchema)]
            pub(super) struct Note {
                pub(super) text: String,
            }

            #[derive(serde::Deserialize, utoipa::IntoParams)]
            pub(super) struct Options {
                /// Keep the previous version.
                pub(super) keep: Option<bool>,
            }

            /// Replace a note.
            ///
            /// The whole note is replaced.
            $(#[$attr])*
            pub(super) async fn put_note(
                id: web::Path<u32>,
                options: web::Query<Options>,
                _user: Security<current_user>,
                note: web::Json<Note>,
            ) -> String {
                format!("{id} {} {:?}", note.text, options.keep)
            }

            #[derive(OpenApi)]
            #[openapi(paths(put_note), components(schemas(Note)))]
            struct Doc;

            pub(super) fn document() -> Value {
                let mut doc = Doc::openapi();
                SecuredRoutes::new("OAuth2PasswordBearer", &OAUTH2)
                    .handler::<put_note>()
                    .apply(&mut doc);
                serde_json::to_value(&doc).expect("serializable")
            }
        }
    };
}

order!(utoipa_above, above);
order!(utoipa_below, below);

#[test]
fn the_order_of_utoipa_path_and_secured_does_not_change_the_document() {
    let (above, below) = (utoipa_above::document(), utoipa_below::document());
    let operation = &below["paths"]["/notes/{id}"]["put"];
    assert_eq!(operation["operationId"], "put_note");
    assert_eq!(operation["summary"], "Replace a note.");
    let parameters: Vec<&str> = operation["parameters"]
        .as_array()
        .expect("parameters")
        .iter()
        .map(|p| p["name"].as_str().expect("name"))
        .collect();
    assert_eq!(parameters, ["keep", "id"]);
    assert_eq!(
        operation["requestBody"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/Note"
    );
    assert_eq!(
        operation["security"],
        json!([{"OAuth2PasswordBearer": ["notes:write", "me"]}, {"OAuth2PasswordBearer": ["admin", "me"]}])
    );
    assert_eq!(above, below);
}

/// `documenting_rejections` and `responding` read each handler's tree: a route documents
/// the bearer check's rejections only when its tree holds the check (not as an optional
/// dependency), 403 only where it requires scopes, and a dependency's own response only
/// where the tree holds that dependency.
mod rejections {
    use super::*;
    use scopes_runtime::{ErrorStyle, VerifiedToken, public};
    use utoipa::openapi::ResponseBuilder;

    #[dependency]
    async fn active_user(user: Security<current_user>) -> Result<String, actix_web::Error> {
        Ok(user.into_inner())
    }

    /// Checks its scopes itself, without the runtime's bearer check.
    #[dependency]
    async fn api_key(scopes: scopes_runtime::SecurityScopes) -> Result<(), actix_web::Error> {
        scopes
            .check(&["reports"])
            .map_err(|_| actix_web::error::ErrorForbidden("scope"))
    }

    #[secured(scopes = ["items"])]
    #[get("/scoped/")]
    async fn scoped(_user: Security<active_user>) -> &'static str {
        ""
    }

    #[secured]
    #[get("/any-token/")]
    async fn any_token(_token: Security<VerifiedToken>) -> &'static str {
        ""
    }

    #[secured(scopes = ["reports"])]
    #[get("/api-key/")]
    async fn with_api_key(_key: Security<api_key>) -> &'static str {
        ""
    }

    #[secured(scopes = ["reports"])]
    #[get("/optional/")]
    async fn optional_token(
        _key: Security<api_key>,
        _user: Option<Security<current_user>>,
    ) -> &'static str {
        ""
    }

    #[public]
    #[post("/login")]
    async fn open() -> &'static str {
        ""
    }

    fn document(style: ErrorStyle) -> Value {
        let paths = ["/scoped/", "/any-token/", "/api-key/", "/optional/"];
        let mut doc = utoipa::openapi::OpenApiBuilder::new().build();
        for path in paths {
            // The app documents its own 401 on one route.
            let mut operation = utoipa::openapi::path::OperationBuilder::new();
            if path == "/any-token/" {
                operation = operation.response(
                    "401",
                    ResponseBuilder::new().description("the app's own").build(),
                );
            }
            doc.paths.paths.insert(
                path.to_owned(),
                utoipa::openapi::PathItem::new(utoipa::openapi::HttpMethod::Get, operation),
            );
        }
        doc.paths.paths.insert(
            "/login".to_owned(),
            utoipa::openapi::PathItem::new(
                utoipa::openapi::HttpMethod::Post,
                utoipa::openapi::path::OperationBuilder::new(),
            ),
        );
        let inactive = ResponseBuilder::new().description("Inactive user").build();
        SecuredRoutes::new("OAuth2PasswordBearer", &OAUTH2.with_error_style(style))
            .handler::<scoped>()
            .handler::<any_token>()
            .handler::<with_api_key>()
            .handler::<optional_token>()
            .handler::<open>()
            .documenting_rejections()
            .responding::<active_user>("400", inactive)
            .apply(&mut doc);
        serde_json::to_value(&doc).expect("serializable")
    }

    fn statuses(doc: &Value, path: &str, method: &str) -> Vec<String> {
        doc["paths"][path][method]["responses"]
            .as_object()
            .map(|r| r.keys().cloned().collect())
            .unwrap_or_default()
    }

    #[test]
    fn each_route_documents_what_its_tree_answers() {
        let tutorial = document(ErrorStyle::Tutorial);
        assert_eq!(statuses(&tutorial, "/scoped/", "get"), ["400", "401"]);
        assert_eq!(
            tutorial["paths"]["/scoped/"]["get"]["responses"]["400"]["description"],
            "Inactive user"
        );
        assert_eq!(statuses(&tutorial, "/any-token/", "get"), ["401"]);
        // The app's own 401 stays: a status already documented is left as it is.
        assert_eq!(
            tutorial["paths"]["/any-token/"]["get"]["responses"]["401"]["description"],
            "the app's own"
        );
        // No bearer check in the tree, or only under an optional dependency: nothing known.
        assert_eq!(
            statuses(&tutorial, "/api-key/", "get"),
            Vec::<String>::new()
        );
        assert_eq!(
            statuses(&tutorial, "/optional/", "get"),
            Vec::<String>::new()
        );
        assert_eq!(statuses(&tutorial, "/login", "post"), Vec::<String>::new());
        assert!(tutorial["components"]["schemas"]["HTTPError"].is_object());
        assert!(tutorial["components"]["schemas"]["BearerError"].is_null());

        let rfc = document(ErrorStyle::Rfc6750);
        assert_eq!(statuses(&rfc, "/scoped/", "get"), ["400", "401", "403"]);
        // RFC 6750's 400, not "Inactive user": the first response for a status wins.
        assert_eq!(
            rfc["paths"]["/scoped/"]["get"]["responses"]["400"]["content"]["application/json"]["schema"],
            json!({"$ref": "#/components/schemas/BearerError"})
        );
        assert_eq!(
            rfc["paths"]["/scoped/"]["get"]["responses"]["403"]["headers"]["WWW-Authenticate"]["schema"]
                ["pattern"],
            "^Bearer error=\"insufficient_scope\""
        );
        // No scope required: no 403.
        assert_eq!(statuses(&rfc, "/any-token/", "get"), ["400", "401"]);
        assert_eq!(statuses(&rfc, "/api-key/", "get"), Vec::<String>::new());
        assert_eq!(statuses(&rfc, "/optional/", "get"), Vec::<String>::new());
        assert_eq!(
            rfc["components"]["schemas"]["BearerError"]["required"],
            json!(["error"])
        );
    }
}
