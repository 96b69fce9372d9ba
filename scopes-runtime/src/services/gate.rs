//! [`Gate`]: deny by default. Every request that a route registered outside the app's
//! [`Services`] would answer is refused before any of that route's code runs.

use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};
use std::future::{Ready, ready};
use std::rc::Rc;

use actix_web::body::EitherBody;
use actix_web::dev::{ResourceDef, Service, ServiceRequest, ServiceResponse, Transform};
use actix_web::http::Method;
use actix_web::{Error, HttpRequest, HttpResponse};

use super::Services;

/// The middleware that keeps every route closed unless a handler of the app's [`Services`]
/// (each `#[secured]` or `#[public]`) answers it: Spring's `anyRequest().authenticated()`,
/// decided before routing, with nothing to configure for the listed handlers.
///
/// Register it at the app's root, with the list registered there too:
///
/// ```
/// use actix_web::http::Method;
/// use actix_web::{get, web, App, HttpResponse};
/// use scopes_runtime::{public, services, services::Services};
///
/// #[public]
/// #[get("/health")]
/// async fn health() -> &'static str { "ok" }
///
/// const SERVICES: Services = services![health];
///
/// let app = App::new()
///     .wrap(SERVICES.gate().allow(Method::GET, "/static/{file}"))
///     .service(SERVICES)
///     .route("/static/{file}", web::get().to(HttpResponse::Ok))
///     // Refused (404, logged at `error`): neither listed nor allowed.
///     .route("/debug", web::get().to(HttpResponse::Ok));
/// # drop(app);
/// ```
///
/// # Semantics
/// For each request, in the order actix-web routes it (the app's `ResourceMap`, first
/// resource whose pattern matches the path):
/// - the first matching resource is a listed handler's (route macros name their resource
///   after the handler) and some listed route has the request's method for this path:
///   **admitted**; a listed route with another method only: refused, logged at `debug` (a
///   request for a method nothing offers);
/// - the route is [allowed](Gate::allow) for the method: admitted;
/// - no resource matches the path: admitted (the app's default service answers);
/// - otherwise the route was registered some other way (`.route(..)`, `web::resource`, a
///   route macro without `#[secured]`/`#[public]`, a list registered under a `web::scope`):
///   **refused**, logged at `error` with the method and the route's pattern, as the server
///   bug it is.
///
/// A refused request is answered by [`Gate::otherwise`] (default: an empty 404, what
/// actix-web answers for a route that does not exist), never by the route.
///
/// Listed handlers are expected at the app's root: under a `web::scope`, their patterns are
/// not the ones the gate knows, and their requests are refused (closed, not open).
///
/// The gate decides on the path the request has when it reaches the gate: register it with
/// the first `.wrap(..)` (the innermost middleware), so that a middleware that rewrites
/// paths (`NormalizePath`) runs before it, not after. A path that no resource matches is
/// answered by the app's default service, which is code of the app's that runs for any
/// unknown path: keep it free of data (the demo's answers 404/405/307 from its route
/// table). A listed route macro's extra `guard = ".."` that refuses a request lets actix-web
/// route it on to later resources, which the gate does not see.
#[derive(Clone)]
pub struct Gate {
    rules: Rc<Rules>,
}

#[derive(Clone)]
struct Rules {
    listed: Vec<Listed>,
    allowed: Vec<Allowed>,
    otherwise: fn(&HttpRequest) -> HttpResponse,
}

/// A route of a listed handler.
#[derive(Clone)]
struct Listed {
    resource: &'static str,
    path: &'static str,
    method: Method,
    pattern: ResourceDef,
}

/// A route registered another way, open on purpose.
#[derive(Clone)]
struct Allowed {
    method: Method,
    pattern: ResourceDef,
}

/// What the gate decides for one request.
enum Verdict {
    Admit,
    /// A method no listed route offers at this path.
    OtherMethod,
    /// A route registered outside the list.
    Unlisted,
}

impl Gate {
    pub(super) fn new(services: Services) -> Self {
        Self {
            rules: Rc::new(Rules {
                listed: Vec::new(),
                allowed: Vec::new(),
                otherwise: not_found,
            }),
        }
        .and(services)
    }

    /// Admits the routes of another list too (a [`group`](crate::group)'s `SERVICES`),
    /// registered at the app's root as well.
    #[must_use]
    pub fn and(mut self, services: Services) -> Self {
        let listed = services
            .handlers()
            .iter()
            .flat_map(|handler| handler.info.routes)
            .filter_map(|route| {
                let method = Method::from_bytes(route.method.as_bytes()).ok()?;
                Some(Listed {
                    resource: route.resource,
                    path: route.path,
                    method,
                    pattern: ResourceDef::new(route.path),
                })
            });
        self.rules_mut().listed.extend(listed);
        self
    }

    /// Admits `method` on the route `pattern` (actix-web's syntax, from the app's root), a
    /// route registered without a handler of the list that is open on purpose: static files,
    /// a Swagger UI service, a health probe of a framework.
    #[must_use]
    pub fn allow(mut self, method: Method, pattern: &str) -> Self {
        self.rules_mut().allowed.push(Allowed {
            method,
            pattern: ResourceDef::new(pattern),
        });
        self
    }

    /// How refused requests are answered (default: an empty 404), for an app whose default
    /// service answers something else (a 405 naming the allowed methods, say): refusals then
    /// look like any other request for a route the app does not have.
    #[must_use]
    pub fn otherwise(mut self, answer: fn(&HttpRequest) -> HttpResponse) -> Self {
        self.rules_mut().otherwise = answer;
        self
    }

    fn rules_mut(&mut self) -> &mut Rules {
        Rc::make_mut(&mut self.rules)
    }
}

impl Rules {
    fn verdict(&self, req: &ServiceRequest) -> Verdict {
        // The path as routing matches it.
        let path = req.match_info().as_str();
        let method = req.method();
        let rmap = req.resource_map();
        let first = rmap.match_name(path);
        // The first resource is a listed handler's when both its name and its pattern are a
        // listed route's: route macros name resources after the bare fn name, which another
        // module's unlisted handler may share.
        let listed_first = first.is_some_and(|name| {
            let pattern = rmap.match_pattern(path);
            self.listed
                .iter()
                .any(|route| route.resource == name && pattern.as_deref() == Some(route.path))
        });
        if listed_first
            && self
                .listed
                .iter()
                .any(|route| route.method == method && route.pattern.is_match(path))
        {
            return Verdict::Admit;
        }
        if self
            .allowed
            .iter()
            .any(|route| route.method == method && route.pattern.is_match(path))
        {
            return Verdict::Admit;
        }
        if listed_first {
            Verdict::OtherMethod
        } else if first.is_none() && !rmap.has_resource(path) {
            Verdict::Admit
        } else {
            Verdict::Unlisted
        }
    }
}

/// actix-web's answer for a route that does not exist.
fn not_found(_: &HttpRequest) -> HttpResponse {
    HttpResponse::NotFound().finish()
}

impl<S, B> Transform<S, ServiceRequest> for Gate
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error>,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = Error;
    type Transform = GateMiddleware<S>;
    type InitError = ();
    type Future = Ready<Result<GateMiddleware<S>, ()>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(GateMiddleware {
            service,
            rules: Rc::clone(&self.rules),
        }))
    }
}

/// The [`Gate`] around an app's service.
pub struct GateMiddleware<S> {
    service: S,
    rules: Rc<Rules>,
}

impl<S, B> Service<ServiceRequest> for GateMiddleware<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error>,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = Error;
    type Future = GateFuture<S::Future>;

    actix_web::dev::forward_ready!(service);

    fn call(&self, req: ServiceRequest) -> Self::Future {
        match self.rules.verdict(&req) {
            Verdict::Admit => GateFuture::Admitted {
                future: self.service.call(req),
            },
            verdict => {
                let route = req
                    .resource_map()
                    .match_pattern(req.match_info().as_str())
                    .unwrap_or_default();
                match verdict {
                    Verdict::Unlisted => tracing::error!(
                        method = %req.method(),
                        route,
                        "request refused: its route's handler is neither `#[secured]` nor \
                         `#[public]` in the app's `services![..]` (list it, or `Gate::allow` it)"
                    ),
                    _ => tracing::debug!(
                        method = %req.method(),
                        route,
                        "request refused: no listed route has this method"
                    ),
                }
                let (http, _) = req.into_parts();
                let res = (self.rules.otherwise)(&http);
                GateFuture::Refused {
                    response: Some(ServiceResponse::new(http, res)),
                }
            }
        }
    }
}

pin_project_lite::pin_project! {
    /// The answer of a [`GateMiddleware`]: the app's, or the refusal.
    #[project = GateFutureProj]
    #[doc(hidden)]
    pub enum GateFuture<F> {
        Admitted { #[pin] future: F },
        Refused { response: Option<ServiceResponse> },
    }
}

impl<F, B> Future for GateFuture<F>
where
    F: Future<Output = Result<ServiceResponse<B>, Error>>,
{
    type Output = Result<ServiceResponse<EitherBody<B>>, Error>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project() {
            GateFutureProj::Admitted { future } => future
                .poll(cx)
                .map(|res| res.map(ServiceResponse::map_into_left_body)),
            GateFutureProj::Refused { response } => Poll::Ready(
                response
                    .take()
                    .map(ServiceResponse::map_into_right_body)
                    .ok_or_else(|| actix_web::error::ErrorInternalServerError("polled twice")),
            ),
        }
    }
}
