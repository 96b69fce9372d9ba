//! The demo's OpenAPI 3.1 document, on utoipa's model.
//!
//! Paths, bodies and schemas are written here as FastAPI generates them for the tutorial;
//! the security scheme and every operation's `security` come from the compile-time graph
//! through [`SecuredRoutes`], never by hand.

use serde_json::json;
use utoipa::openapi::path::{HttpMethod, OperationBuilder, PathItem};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::schema::{AnyOfBuilder, ArrayBuilder, SchemaFormat, SchemaType, Type};
use utoipa::openapi::{
    ComponentsBuilder, ContentBuilder, InfoBuilder, ObjectBuilder, OpenApi, OpenApiBuilder,
    PathsBuilder, Ref, RefOr, ResponseBuilder, Schema,
};

use scopes_runtime::openapi::SecuredRoutes;

use crate::auth::OAUTH2;
use crate::handlers::SERVICES;

/// The name FastAPI gives the scheme: its class name.
pub const SCHEME: &str = "OAuth2PasswordBearer";

/// The app's routes, from the handlers' route macros and the graph: the secured ones with
/// their security, the public ones without.
pub fn secured_routes() -> SecuredRoutes {
    SecuredRoutes::new(SCHEME, &OAUTH2).services(&SERVICES)
}

/// The whole document.
pub fn document() -> OpenApi {
    let mut doc = OpenApiBuilder::new()
        .info(
            InfoBuilder::new()
                .title("scopes demo-app")
                .version(env!("CARGO_PKG_VERSION"))
                .build(),
        )
        .paths(
            PathsBuilder::new()
                .path("/token", PathItem::new(HttpMethod::Post, token_operation()))
                .path(
                    "/users/me/",
                    get("Read Users Me", "read_users_me_users_me__get", Some("User")),
                )
                .path(
                    "/users/me/items/",
                    get("Read Own Items", "read_own_items_users_me_items__get", None),
                )
                .path(
                    "/status/",
                    get("Read System Status", "read_system_status_status__get", None),
                ),
        )
        .components(Some(
            ComponentsBuilder::new()
                .schema(FORM_SCHEMA, form_schema())
                .schema("HTTPValidationError", http_validation_error())
                .schema("Token", token_schema())
                .schema("User", user_schema())
                .schema("ValidationError", validation_error())
                .build(),
        ))
        .build();
    for route in secured_routes().apply(&mut doc) {
        tracing::warn!(
            path = route.path,
            "secured route missing from the OpenAPI document"
        );
    }
    doc
}

const FORM_SCHEMA: &str = "Body_login_for_access_token_token_post";

fn token_operation() -> OperationBuilder {
    OperationBuilder::new()
        .summary(Some("Login For Access Token"))
        .operation_id(Some("login_for_access_token_token_post"))
        .request_body(Some(
            RequestBodyBuilder::new()
                .content(
                    "application/x-www-form-urlencoded",
                    ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name(FORM_SCHEMA)))
                        .build(),
                )
                .required(Some(utoipa::openapi::Required::True))
                .build(),
        ))
        .response("200", json_response(Some("Token")))
        .response(
            "422",
            ResponseBuilder::new()
                .description("Validation Error")
                .content(
                    "application/json",
                    ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name("HTTPValidationError")))
                        .build(),
                )
                .build(),
        )
}

fn get(summary: &str, operation_id: &str, schema: Option<&str>) -> PathItem {
    PathItem::new(
        HttpMethod::Get,
        OperationBuilder::new()
            .summary(Some(summary))
            .operation_id(Some(operation_id))
            .response("200", json_response(schema)),
    )
}

/// "Successful Response" with a `$ref` body, or FastAPI's `{}` for an untyped one.
fn json_response(schema: Option<&str>) -> utoipa::openapi::Response {
    let schema: RefOr<Schema> = match schema {
        Some(name) => Ref::from_schema_name(name).into(),
        None => Schema::Object(
            ObjectBuilder::new()
                .schema_type(SchemaType::AnyValue)
                .build(),
        )
        .into(),
    };
    ResponseBuilder::new()
        .description("Successful Response")
        .content(
            "application/json",
            ContentBuilder::new().schema(Some(schema)).build(),
        )
        .build()
}

fn string(title: &str) -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .title(Some(title))
}

fn null() -> ObjectBuilder {
    ObjectBuilder::new().schema_type(Type::Null)
}

/// `anyOf: [inner, null]` with a title (and extra keywords) as pydantic writes an `Optional`.
fn optional(inner: ObjectBuilder, title: &str, extra: &[(&str, serde_json::Value)]) -> Schema {
    let mut any = AnyOfBuilder::new().item(inner).item(null()).build();
    let extensions = any.extensions.get_or_insert_with(Default::default);
    extensions.insert("title".to_owned(), json!(title));
    for (key, value) in extra {
        extensions.insert((*key).to_owned(), value.clone());
    }
    Schema::AnyOf(any)
}

fn password_format() -> Option<SchemaFormat> {
    Some(SchemaFormat::Custom("password".to_owned()))
}

fn form_schema() -> ObjectBuilder {
    ObjectBuilder::new()
        .title(Some(FORM_SCHEMA))
        .property(
            "grant_type",
            optional(
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .pattern(Some("^password$")),
                "Grant Type",
                &[],
            ),
        )
        .property("username", string("Username"))
        .property("password", string("Password").format(password_format()))
        .property("scope", string("Scope").default(Some(json!(""))))
        .property(
            "client_id",
            optional(
                ObjectBuilder::new().schema_type(Type::String),
                "Client Id",
                &[],
            ),
        )
        .property(
            "client_secret",
            optional(
                ObjectBuilder::new().schema_type(Type::String),
                "Client Secret",
                &[("format", json!("password"))],
            ),
        )
        .required("username")
        .required("password")
}

fn token_schema() -> ObjectBuilder {
    ObjectBuilder::new()
        .title(Some("Token"))
        .property("access_token", string("Access Token"))
        .property("token_type", string("Token Type"))
        .required("access_token")
        .required("token_type")
}

fn user_schema() -> ObjectBuilder {
    ObjectBuilder::new()
        .title(Some("User"))
        .property("username", string("Username"))
        .property(
            "email",
            optional(ObjectBuilder::new().schema_type(Type::String), "Email", &[]),
        )
        .property(
            "full_name",
            optional(
                ObjectBuilder::new().schema_type(Type::String),
                "Full Name",
                &[],
            ),
        )
        .property(
            "disabled",
            optional(
                ObjectBuilder::new().schema_type(Type::Boolean),
                "Disabled",
                &[],
            ),
        )
        .required("username")
}

fn http_validation_error() -> ObjectBuilder {
    ObjectBuilder::new()
        .title(Some("HTTPValidationError"))
        .property(
            "detail",
            ArrayBuilder::new()
                .items(Ref::from_schema_name("ValidationError"))
                .title(Some("Detail")),
        )
}

fn validation_error() -> ObjectBuilder {
    let loc_item = AnyOfBuilder::new()
        .item(ObjectBuilder::new().schema_type(Type::String))
        .item(ObjectBuilder::new().schema_type(Type::Integer));
    ObjectBuilder::new()
        .title(Some("ValidationError"))
        .property(
            "loc",
            ArrayBuilder::new().items(loc_item).title(Some("Location")),
        )
        .property("msg", string("Message"))
        .property("type", string("Error Type"))
        .property(
            "input",
            ObjectBuilder::new()
                .schema_type(SchemaType::AnyValue)
                .title(Some("Input")),
        )
        .property(
            "ctx",
            ObjectBuilder::new()
                .schema_type(Type::Object)
                .title(Some("Context")),
        )
        .required("loc")
        .required("msg")
        .required("type")
}
