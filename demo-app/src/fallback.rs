//! What the app answers when no route matched, the way FastAPI's router (Starlette) does:
//! a 307 redirect to the path with or without its trailing slash when that path exists,
//! 405 with `Allow` when the path exists under other methods, 404 otherwise. All of it
//! happens before any authentication.

use actix_web::dev::ResourceDef;
use actix_web::http::{Method, header};
use actix_web::{HttpRequest, HttpResponse};
use scopes_runtime::graph::NodeInfo;

/// The app's routes: method and path pattern.
#[derive(Debug, Clone, Default)]
pub struct RouteTable {
    routes: Vec<(Method, ResourceDef)>,
}

impl RouteTable {
    /// Adds a route.
    #[must_use]
    pub fn route(mut self, method: Method, path: &str) -> Self {
        self.routes.push((method, ResourceDef::new(path)));
        self
    }

    /// Adds the routes that the route macros gave a `#[secured]` handler.
    #[must_use]
    pub fn handler(mut self, info: &NodeInfo) -> Self {
        for route in info.routes {
            if let Ok(method) = Method::from_bytes(route.method.as_bytes()) {
                self = self.route(method, route.path);
            }
        }
        self
    }

    fn methods_for(&self, path: &str) -> Vec<&Method> {
        let mut methods: Vec<&Method> = Vec::new();
        for (method, def) in &self.routes {
            if def.is_match(path) && !methods.contains(&method) {
                methods.push(method);
            }
        }
        methods
    }

    /// The answer to a request that no route matched.
    pub fn answer(&self, req: &HttpRequest) -> HttpResponse {
        let path = req.path();
        let allowed = self.methods_for(path);
        if !allowed.is_empty() {
            let allow = allowed
                .iter()
                .map(|m| m.as_str())
                .collect::<Vec<_>>()
                .join(", ");
            return HttpResponse::MethodNotAllowed()
                .insert_header((header::ALLOW, allow))
                .json(serde_json::json!({ "detail": "Method Not Allowed" }));
        }
        let other = match path.strip_suffix('/') {
            Some(stripped) if !stripped.is_empty() => stripped.to_owned(),
            _ => format!("{path}/"),
        };
        if !self.methods_for(&other).is_empty() {
            return redirect(req, &other);
        }
        HttpResponse::NotFound().json(serde_json::json!({ "detail": "Not Found" }))
    }
}

/// 307 to `other` on the same host, query kept, as an absolute URL (Starlette's form): the
/// `Host` header verbatim, or the server's address when the request has none.
pub(crate) fn redirect(req: &HttpRequest, other: &str) -> HttpResponse {
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .map_or_else(|| req.app_config().local_addr().to_string(), str::to_owned);
    let query = req.query_string();
    let location = if query.is_empty() {
        format!("http://{host}{other}")
    } else {
        format!("http://{host}{other}?{query}")
    };
    match header::HeaderValue::from_str(&location) {
        Ok(location) => HttpResponse::TemporaryRedirect()
            .insert_header((header::LOCATION, location))
            .finish(),
        Err(_) => HttpResponse::NotFound().json(serde_json::json!({ "detail": "Not Found" })),
    }
}
