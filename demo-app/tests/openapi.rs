//! The OpenAPI document: FastAPI's original exactly, apart from the documented additions
//! (every error status each route really answers, demo-app/src/openapi.rs); its security
//! parts come from the compile-time graph. Both error styles' documents are checked, and
//! every status they declare is provoked for real.

mod common;

use common::{Server, tokens};
use serde_json::{Value, json};

fn original() -> Value {
    serde_json::from_str(include_str!("original-openapi.json")).expect("the captured document")
}

fn ours(server: &Server) -> Value {
    let res = server.get("/openapi.json", None);
    assert_eq!(res.status, 200);
    assert_eq!(res.header("content-type"), Some("application/json"));
    res.json()
}

/// The operations, as (path, method).
const OPERATIONS: [(&str, &str); 4] = [
    ("/token", "post"),
    ("/users/me/", "get"),
    ("/users/me/items/", "get"),
    ("/status/", "get"),
];

/// What the document adds to FastAPI's: per operation the statuses it declares on top of
/// the original's, and the component schemas.
struct Additions {
    responses: [(&'static str, &'static str, &'static [&'static str]); 4],
    schemas: &'static [&'static str],
}

const TUTORIAL: Additions = Additions {
    responses: [
        ("/token", "post", &["400", "413", "429", "503"]),
        ("/users/me/", "get", &["400", "401"]),
        ("/users/me/items/", "get", &["400", "401"]),
        ("/status/", "get", &["401"]),
    ],
    schemas: &["HTTPError"],
};

const RFC6750: Additions = Additions {
    responses: [
        ("/token", "post", &["400", "429", "503"]),
        ("/users/me/", "get", &["400", "401", "403"]),
        ("/users/me/items/", "get", &["400", "401", "403"]),
        ("/status/", "get", &["400", "401"]),
    ],
    schemas: &["HTTPError", "BearerError", "TokenError"],
};

/// `doc` without `additions` and `info` (the app's own name and version): asserts that each
/// addition is there and is not in the original.
fn strip(mut doc: Value, additions: &Additions) -> Value {
    let original = original();
    for (path, method, statuses) in additions.responses {
        let responses = doc["paths"][path][method]["responses"]
            .as_object_mut()
            .expect("responses");
        for status in statuses {
            assert!(
                original["paths"][path][method]["responses"][status].is_null(),
                "{path} {status} is FastAPI's, not an addition"
            );
            assert!(
                responses.remove(*status).is_some(),
                "{method} {path} declares {status}"
            );
        }
    }
    let schemas = doc["components"]["schemas"]
        .as_object_mut()
        .expect("schemas");
    for schema in additions.schemas {
        assert!(original["components"]["schemas"][schema].is_null());
        assert!(schemas.remove(*schema).is_some(), "{schema}");
    }
    doc.as_object_mut().expect("a document").remove("info");
    doc
}

fn without_info(mut doc: Value) -> Value {
    doc.as_object_mut().expect("a document").remove("info");
    doc
}

/// The statuses `doc` declares for an operation.
fn statuses(doc: &Value, path: &str, method: &str) -> Vec<String> {
    doc["paths"][path][method]["responses"]
        .as_object()
        .expect("responses")
        .keys()
        .cloned()
        .collect()
}

fn schema_ref(doc: &Value, path: &str, method: &str, status: &str) -> Value {
    doc["paths"][path][method]["responses"][status]["content"]["application/json"]["schema"].clone()
}

fn component(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

#[test]
fn the_document_is_the_originals_plus_the_declared_errors() {
    let server = Server::start(&[]);
    let doc = ours(&server);
    assert_eq!(doc["openapi"], "3.1.0");
    assert_eq!(strip(doc.clone(), &TUTORIAL), without_info(original()));
    // The security parts, from the graph, spelled out.
    assert_eq!(
        doc["components"]["securitySchemes"]["OAuth2PasswordBearer"],
        json!({"type": "oauth2", "flows": {"password": {"tokenUrl": "token", "scopes": {
            "me": "Read information about the current user.", "items": "Read items."}}}})
    );
    let security = |path: &str| doc["paths"][path]["get"]["security"].clone();
    assert_eq!(
        security("/users/me/"),
        json!([{"OAuth2PasswordBearer": ["me"]}])
    );
    assert_eq!(
        security("/users/me/items/"),
        json!([{"OAuth2PasswordBearer": ["items", "me"]}])
    );
    assert_eq!(security("/status/"), json!([{"OAuth2PasswordBearer": []}]));
    assert_eq!(doc["paths"]["/token"]["post"].get("security"), None);

    // The additions, as the server answers them (see `every_declared_status_is_answered`).
    let http_error = component("HTTPError");
    for (path, method) in OPERATIONS {
        for status in statuses(&doc, path, method) {
            if !["200", "422"].contains(&status.as_str()) {
                assert_eq!(
                    schema_ref(&doc, path, method, &status),
                    http_error,
                    "{path} {status}"
                );
            }
        }
    }
    for path in ["/users/me/", "/users/me/items/", "/status/"] {
        let challenge =
            &doc["paths"][path]["get"]["responses"]["401"]["headers"]["WWW-Authenticate"];
        assert_eq!(challenge["required"], true, "{path}");
        assert_eq!(challenge["schema"]["pattern"], "^Bearer( |$)", "{path}");
    }
    // "Inactive user" comes from get_current_active_user, which /status/ does not use.
    assert!(doc["paths"]["/users/me/"]["get"]["responses"]["400"]["headers"].is_null());
    for status in ["429", "503"] {
        let retry = &doc["paths"]["/token"]["post"]["responses"][status]["headers"]["Retry-After"];
        assert_eq!(
            (&retry["required"], &retry["schema"]["type"]),
            (&json!(true), &json!("integer")),
            "{status}"
        );
    }
    assert_eq!(
        doc["components"]["schemas"]["HTTPError"],
        json!({"type": "object", "title": "HTTPError", "required": ["detail"],
               "properties": {"detail": {"type": "string", "title": "Detail"}}})
    );
}

#[test]
fn the_rfc6750_document_declares_the_rfc_errors() {
    let server = Server::start(&["--rfc6750"]);
    let doc = ours(&server);
    let mut stripped = strip(doc.clone(), &RFC6750);
    // The form error is a 400 `invalid_request` there, never FastAPI's 422 ..
    let mut expected = without_info(original());
    expected["paths"]["/token"]["post"]["responses"]
        .as_object_mut()
        .expect("responses")
        .remove("422");
    // .. and `grant_type` is required, a string (RFC 6749 section 4.3.2).
    let form = &mut stripped["components"]["schemas"]["Body_login_for_access_token_token_post"];
    assert_eq!(
        form["required"],
        json!(["grant_type", "username", "password"])
    );
    assert_eq!(
        form["properties"]["grant_type"],
        json!({"type": "string", "title": "Grant Type", "pattern": "^password$"})
    );
    *form = expected["components"]["schemas"]["Body_login_for_access_token_token_post"].clone();
    assert_eq!(stripped, expected);

    let bearer = component("BearerError");
    for (path, codes) in [
        ("/users/me/", &["400", "403"][..]),
        ("/users/me/items/", &["400", "403"]),
        ("/status/", &["400"]),
    ] {
        for status in codes {
            assert_eq!(
                schema_ref(&doc, path, "get", status),
                bearer,
                "{path} {status}"
            );
        }
        assert_eq!(
            schema_ref(&doc, path, "get", "401"),
            json!({"oneOf": [component("HTTPError"), bearer]}),
            "{path}"
        );
        for status in statuses(&doc, path, "get").iter().filter(|s| *s != "200") {
            let challenge =
                &doc["paths"][path]["get"]["responses"][status]["headers"]["WWW-Authenticate"];
            assert_eq!(challenge["required"], true, "{path} {status}");
        }
    }
    let token_400 = &doc["paths"]["/token"]["post"]["responses"]["400"];
    assert_eq!(
        token_400["content"]["application/json"]["schema"],
        component("TokenError")
    );
    assert_eq!(
        token_400["headers"]["Cache-Control"]["schema"]["enum"],
        json!(["no-store"])
    );
    assert_eq!(
        doc["components"]["schemas"]["TokenError"]["properties"]["error"]["enum"],
        json!([
            "invalid_request",
            "invalid_client",
            "invalid_grant",
            "unauthorized_client",
            "unsupported_grant_type",
            "invalid_scope",
            "temporarily_unavailable"
        ])
    );
    assert_eq!(
        doc["components"]["schemas"]["BearerError"]["properties"]["error"]["enum"],
        json!(["invalid_request", "invalid_token", "insufficient_scope"])
    );
}

/// Whether `body` is what the declared `schema` (a component or a `oneOf` of them) allows.
fn conforms(doc: &Value, schema: &Value, body: &Value) -> bool {
    if let Some(alternatives) = schema["oneOf"].as_array() {
        return alternatives
            .iter()
            .filter(|s| conforms(doc, s, body))
            .count()
            == 1;
    }
    let name = schema["$ref"]
        .as_str()
        .and_then(|r| r.strip_prefix("#/components/schemas/"))
        .expect("a component");
    let component = &doc["components"]["schemas"][name];
    match name {
        "HTTPError" => body["detail"].is_string(),
        "HTTPValidationError" => body["detail"].is_array(),
        "BearerError" | "TokenError" => component["properties"]["error"]["enum"]
            .as_array()
            .expect("error codes")
            .contains(&body["error"]),
        other => panic!("no check for {other}"),
    }
}

/// A request: method, path, headers, body.
type Request = (
    &'static str,
    &'static str,
    Vec<(&'static str, String)>,
    Vec<u8>,
);

/// Every error status each document declares, provoked: the status is declared for the
/// operation, the body matches its schema, the required headers are sent; and every
/// declared status is met (429 and 503 come from the login limits, not provoked here).
#[test]
fn every_declared_status_is_answered() {
    let large = format!("username=johndoe&password={}", "a".repeat(17 * 1024));
    for rfc in [false, true] {
        let server = Server::start(if rfc { &["--rfc6750"] } else { &[] });
        let doc = ours(&server);
        let none = tokens::for_user("johndoe", &[]);
        let me = tokens::for_user("johndoe", &["me"]);
        let both = tokens::for_user("johndoe", &["me", "items"]);
        let alice = tokens::for_user("alice", &["me", "items"]);
        let bearer = |token: &str| format!("Bearer {token}");
        let mut requests: Vec<Request> = Vec::new();
        for path in ["/users/me/", "/users/me/items/", "/status/"] {
            for auth in [
                None,
                Some("Basic am9objpzZWNyZXQ=".to_owned()),
                Some("Bearer".to_owned()),
                Some("Bearer a b".to_owned()),
                Some(bearer("garbage")),
                Some(bearer(&none)),
                Some(bearer(&me)),
                Some(bearer(&both)),
                Some(bearer(&alice)),
            ] {
                let headers = auth.map(|a| vec![("Authorization", a)]).unwrap_or_default();
                requests.push(("GET", path, headers, Vec::new()));
            }
        }
        let form = || {
            vec![(
                "Content-Type",
                "application/x-www-form-urlencoded".to_owned(),
            )]
        };
        for body in [
            "grant_type=password&username=johndoe&password=secret&scope=me",
            "grant_type=password&username=johndoe&password=wrong",
            "username=johndoe&password=secret",
            "grant_type=password&username=johndoe",
            "grant_type=client_credentials&username=johndoe&password=secret",
            "grant_type=password&username=johndoe&password=secret&scope=admin",
            "grant_type=password&username=johndoe&password=secret&scope=a%00b",
            large.as_str(),
        ] {
            requests.push(("POST", "/token", form(), body.as_bytes().to_vec()));
        }
        requests.push((
            "POST",
            "/token",
            vec![("Content-Type", "multipart/form-data".to_owned())],
            b"x".to_vec(),
        ));

        let mut met: Vec<(String, String)> = Vec::new();
        for (method, path, headers, body) in &requests {
            let headers: Vec<(&str, &str)> =
                headers.iter().map(|(n, v)| (*n, v.as_str())).collect();
            let res = server.send(method, path, &headers, body);
            let status = res.status.to_string();
            let what = format!(
                "rfc6750={rfc} {method} {path} {headers:?}: {status} {}",
                res.text()
            );
            let declared = &doc["paths"][path][method.to_ascii_lowercase()]["responses"][&status];
            assert!(declared.is_object(), "undeclared: {what}");
            let schema = &declared["content"]["application/json"]["schema"];
            if status != "200" {
                assert!(conforms(&doc, schema, &res.json()), "body: {what}");
            }
            for (name, header) in declared["headers"].as_object().into_iter().flatten() {
                if header["required"] == true {
                    assert!(
                        res.header(&name.to_ascii_lowercase()).is_some(),
                        "{name}: {what}"
                    );
                }
            }
            met.push((path.to_string(), status));
        }
        for (path, method) in OPERATIONS {
            for status in statuses(&doc, path, method) {
                if ["429", "503"].contains(&status.as_str()) {
                    continue;
                }
                assert!(
                    met.contains(&(path.to_owned(), status.clone())),
                    "rfc6750={rfc}: {method} {path} {status} declared, never answered"
                );
            }
        }
    }
}

#[test]
fn openapi_subcommand_prints_the_same_document() {
    let server = Server::start(&[]);
    let served = ours(&server);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_demo-app"))
        .arg("openapi")
        .output()
        .expect("runs");
    assert!(out.status.success());
    let printed: Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    assert_eq!(printed, served);
}

#[test]
fn docs_are_served_offline() {
    let server = Server::start(&[]);
    let res = server.get("/docs/", None);
    assert_eq!(res.status, 307);
    assert_eq!(
        res.header("location"),
        Some(format!("http://{}/docs", server.addr).as_str())
    );
    let page = server.get("/docs", None);
    assert_eq!(page.status, 200);
    assert_eq!(
        page.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    let html = page.text();
    assert!(
        html.contains("SwaggerUIBundle") && html.contains("url: '/openapi.json'"),
        "{html}"
    );
    for asset in [
        "swagger-ui.css",
        "swagger-ui-bundle.js",
        "oauth2-redirect.html",
    ] {
        assert!(html.contains(asset), "{asset}");
        let res = server.get(&format!("/docs/{asset}"), None);
        assert_eq!(res.status, 200, "{asset}");
        assert!(!res.text().contains("cdn.jsdelivr.net"), "{asset}");
    }
    // Every asset comes from this server: no absolute URL in the page.
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "{html}"
    );
}
