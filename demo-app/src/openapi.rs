//! The demo's OpenAPI 3.1 document, on utoipa's model.
//!
//! Paths, bodies and schemas are written here as FastAPI generates them for the tutorial;
//! the security scheme and every operation's `security` come from the compile-time graph
//! through [`SecuredRoutes`], never by hand.
//!
//! # A deliberate difference from FastAPI's document: every error status is declared
//!
//! FastAPI's document lists only 200 (and 422 where a body is validated); the routes
//! answer more. This document declares every status each route really answers, with its
//! body schema and the headers always sent, so that a client generator or a fuzzer
//! (`scripts/schemathesis.sh` runs schemathesis with every check against it) can hold the
//! server to it. Apart from these additions (and `info`), the document is FastAPI's
//! (`demo-app/tests/openapi.rs` strips exactly the additions and compares the rest).
//!
//! | operation | tutorial style (default) | `--rfc6750` |
//! |---|---|---|
//! | secured routes | 401 [`HTTP_ERROR`] + `WWW-Authenticate` | 400 `invalid_request`, 401 (`{"detail"}` without a token, `invalid_token`), 403 `insufficient_scope` where the route requires scopes: [`BEARER_ERROR`](scopes_runtime::openapi::BEARER_ERROR) + `WWW-Authenticate` |
//! | under `get_current_active_user` | 400 "Inactive user", [`HTTP_ERROR`] | (a disabled user's token is a 401 `invalid_token`) |
//! | `POST /token` form | FastAPI's | `grant_type` required (RFC 6749 section 4.3.2), as the server requires it |
//! | `POST /token` | 400 (wrong credentials, unreadable body), 413 (body over 16 KiB), 429 and 503 with `Retry-After`: [`HTTP_ERROR`]; FastAPI's 422 | 400 [`TOKEN_ERROR`] (RFC 6749 section 5.2, `Cache-Control: no-store`; every form error, so no 422 or 413), 429 and 503 with `Retry-After` |
//!
//! The secured routes' rejections come from the graph, not from a list of routes:
//! [`SecuredRoutes::documenting_rejections`] adds the runtime bearer check's answers to
//! every operation whose tree holds it (403 only where the tree requires scopes), and
//! [`SecuredRoutes::responding`] adds `get_current_active_user`'s 400 to every operation
//! whose tree holds that dependency. The document differs per error style
//! ([`document_in`]); the server serves the one of its `--rfc6750` setting.

use scopes_runtime::ErrorStyle;
use scopes_runtime::openapi::{
    HTTP_ERROR, SecuredRoutes, TOKEN_ERROR, http_error_schema, required_header, token_error_schema,
};
use serde_json::json;
use utoipa::openapi::path::{HttpMethod, OperationBuilder, PathItem};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::schema::{AnyOfBuilder, ArrayBuilder, SchemaFormat, SchemaType, Type};
use utoipa::openapi::{
    ComponentsBuilder, ContentBuilder, Header, InfoBuilder, ObjectBuilder, OpenApi, OpenApiBuilder,
    PathsBuilder, Ref, RefOr, Response, ResponseBuilder, Schema,
};

use crate::auth::{OAUTH2, get_current_active_user};
use crate::handlers::SERVICES;

/// The name FastAPI gives the scheme: its class name.
pub const SCHEME: &str = "OAuth2PasswordBearer";

/// The app's routes, from the handlers' route macros and the graph: the secured ones with
/// their security and, answering in `style`, the rejections their trees can give; the
/// public ones without.
pub fn secured_routes(style: ErrorStyle) -> SecuredRoutes {
    let routes = SecuredRoutes::new(SCHEME, &OAUTH2.with_error_style(style))
        .services(&SERVICES)
        .documenting_rejections();
    match style {
        ErrorStyle::Rfc6750 => routes,
        _ => routes.responding::<get_current_active_user>(
            "400",
            error_response(
                "Inactive user: the token's user is disabled",
                HTTP_ERROR,
                &[],
            ),
        ),
    }
}

/// The whole document, in the tutorial's error style.
pub fn document() -> OpenApi {
    document_in(ErrorStyle::Tutorial)
}

/// The whole document, for a server answering errors in `style`.
pub fn document_in(style: ErrorStyle) -> OpenApi {
    let mut doc = OpenApiBuilder::new()
        .info(
            InfoBuilder::new()
                .title("scopes demo-app")
                .version(env!("CARGO_PKG_VERSION"))
                .build(),
        )
        .paths(
            PathsBuilder::new()
                .path(
                    "/token",
                    PathItem::new(HttpMethod::Post, token_operation(style)),
                )
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
                .schema(FORM_SCHEMA, form_schema(style))
                .schema("HTTPValidationError", http_validation_error())
                .schema("Token", token_schema())
                .schema("User", user_schema())
                .schema("ValidationError", validation_error())
                .schema(HTTP_ERROR, http_error_schema())
                .build(),
        ))
        .build();
    if style == ErrorStyle::Rfc6750
        && let Some(components) = doc.components.as_mut()
    {
        components
            .schemas
            .insert(TOKEN_ERROR.to_owned(), token_error_schema().into());
    }
    for route in secured_routes(style).apply(&mut doc) {
        tracing::warn!(
            path = route.path,
            "secured route missing from the OpenAPI document"
        );
    }
    doc
}

const FORM_SCHEMA: &str = "Body_login_for_access_token_token_post";

fn token_operation(style: ErrorStyle) -> OperationBuilder {
    let operation = OperationBuilder::new()
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
        .response("200", json_response(Some("Token")));
    // The limits' answers, in the style's body: FastAPI's `{"detail"}`, or RFC 6749's
    // `{"error"}` with `Cache-Control: no-store` as every error of the endpoint.
    let busy = |what: &str| match style {
        ErrorStyle::Rfc6750 => error_response(what, TOKEN_ERROR, &[retry_after(), no_store()]),
        _ => error_response(what, HTTP_ERROR, &[retry_after()]),
    };
    let operation = match style {
        ErrorStyle::Rfc6750 => operation.response(
            "400",
            error_response(
                "RFC 6749 section 5.2: `invalid_grant` (wrong username or password, or a \
                 disabled user), `invalid_request` (a missing or unreadable parameter, \
                 `grant_type` absent), `unsupported_grant_type`, `invalid_scope`",
                TOKEN_ERROR,
                &[no_store()],
            ),
        ),
        _ => operation
            .response(
                "400",
                error_response(
                    "Incorrect username or password, or a body that could not be read",
                    HTTP_ERROR,
                    &[],
                ),
            )
            .response(
                "413",
                error_response("Request body too large (over 16 KiB)", HTTP_ERROR, &[]),
            )
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
            ),
    };
    operation
        .response(
            "429",
            busy("Too many login attempts: retry after `Retry-After` seconds"),
        )
        .response(
            "503",
            busy("Too many logins waiting for bcrypt: retry after `Retry-After` seconds"),
        )
}

/// A JSON error response whose body is the component `schema`, with `headers` always sent.
fn error_response(description: &str, schema: &str, headers: &[(&str, Header)]) -> Response {
    let mut response = ResponseBuilder::new().description(description).content(
        "application/json",
        ContentBuilder::new()
            .schema(Some(Ref::from_schema_name(schema)))
            .build(),
    );
    for (name, header) in headers {
        response = response.header(*name, header.clone());
    }
    response.build()
}

/// `Retry-After` in seconds (RFC 9110 section 10.2.3).
fn retry_after() -> (&'static str, Header) {
    (
        "Retry-After",
        required_header(
            ObjectBuilder::new()
                .schema_type(Type::Integer)
                .minimum(Some(0))
                .into(),
            "Seconds to wait before trying again",
        ),
    )
}

/// `Cache-Control: no-store` on the token endpoint's errors (RFC 6749 section 5.2).
fn no_store() -> (&'static str, Header) {
    (
        "Cache-Control",
        required_header(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .enum_values(Some(["no-store"]))
                .into(),
            "Never cache (RFC 6749 section 5.2)",
        ),
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

/// The password form. In the RFC 6750 style `grant_type` is required (RFC 6749 section
/// 4.3.2), as the server requires it there; FastAPI's form leaves it optional.
fn form_schema(style: ErrorStyle) -> ObjectBuilder {
    let grant_type = ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some("^password$"));
    let strict = style == ErrorStyle::Rfc6750;
    let grant_type: Schema = if strict {
        grant_type.title(Some("Grant Type")).into()
    } else {
        optional(grant_type, "Grant Type", &[])
    };
    let form = ObjectBuilder::new()
        .title(Some(FORM_SCHEMA))
        .property("grant_type", grant_type)
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
        );
    let form = if strict {
        form.required("grant_type")
    } else {
        form
    };
    form.required("username").required("password")
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
