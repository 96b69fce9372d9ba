//! [`Gate`]: deny by default. Every request that a route registered outside the app's
//! [`Services`] would answer is refused before any of that route's code runs.

use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};
use std::future::{Ready, ready};
use std::rc::Rc;

use actix_web::body::EitherBody;
use actix_web::dev::{
    ResourceDef, ResourceMap, Service, ServiceRequest, ServiceResponse, Transform,
};
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
///
/// # Testing
/// A refused route is a server bug the gate contains, not one it fixes: the route is dead.
/// `testing::unmarked_routes(&app)` (feature `oauth2`) lists, with method and full pattern,
/// every request the gate refuses that a route would answer (the routes registered outside
/// the list and not allowed), and `testing::assert_every_route_marked(&app).await` is the
/// one-line test that there is none. It reads the app's route table and takes this gate's
/// own decision for each route; for each method refused it sends a probe: a request
/// carrying a request extension of the testing module's, which only that module can make.
/// The gate looks for it on its refusal path only (an admitted request costs nothing more)
/// and lets a request carrying it through to routing. A client cannot set a Rust extension,
/// so nothing from the network is ever let through by it.
#[derive(Clone)]
pub struct Gate {
    rules: Rc<Rules>,
}

/// What a [`Gate`] admits: the routes of its lists, the routes allowed, and how it answers
/// the rest. Its [`verdict`](Self::verdict) is the gate's one decision, which the middleware
/// takes for each request and the testing module's route probe for each route it examines.
#[derive(Clone)]
pub(crate) struct Rules {
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
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verdict {
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
    /// The verdict on a request for `method` at `path` (as routing matches it: the
    /// request's `match_info().as_str()`) in the app whose route table is `rmap`.
    pub(crate) fn verdict(&self, method: &Method, path: &str, rmap: &ResourceMap) -> Verdict {
        // The first resource is a listed handler's when both its name and its pattern are a
        // listed route's: route macros name resources after the bare fn name, which another
        // module's unlisted handler may share.
        let first = rmap.match_name(path);
        // (Only a named resource can be a listed one: no pattern to build for the others.)
        let listed_first =
            first.is_some() && self.is_listed(first, rmap.match_pattern(path).as_deref());
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

    /// Whether the resource named `name` with the full pattern `pattern` (as
    /// `ResourceMap::match_pattern` gives it) is a listed handler's.
    pub(crate) fn is_listed(&self, name: Option<&str>, pattern: Option<&str>) -> bool {
        name.is_some_and(|name| {
            self.listed
                .iter()
                .any(|route| route.resource == name && pattern == Some(route.path))
        })
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
        let verdict =
            self.rules
                .verdict(req.method(), req.match_info().as_str(), req.resource_map());
        match verdict {
            Verdict::Admit => GateFuture::Admitted {
                future: self.service.call(req),
            },
            verdict => {
                // A route probe of the testing module (`testing::unmarked_routes`), looked
                // for on this path only: see `RouteProbe`.
                #[cfg(feature = "oauth2")]
                if crate::testing::RouteProbe::let_through(&req, &self.rules, verdict) {
                    return GateFuture::Admitted {
                        future: self.service.call(req),
                    };
                }
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
