//! [`unmarked_routes`]: every route of an app that a handler of its
//! [`Services`](crate::services::Services) does not answer, found by probing the app's
//! route table through its [`Gate`](crate::services::Gate).

use core::cell::{Cell, RefCell};
use core::fmt;
use std::collections::HashMap;
use std::rc::Rc;

use actix_web::dev::{ResourceMap, Service, ServiceRequest, ServiceResponse};
use actix_web::http::{Method, StatusCode, header};
use actix_web::test::TestRequest;
use actix_web::{HttpMessage, HttpRequest};

use super::into_request;
use super::route_table::{self, Piece, TableResource, pieces};
use crate::services::{Rules, Verdict};

/// The methods probed on every route (and those a route's `405` names in `Allow`).
const METHODS: [Method; 7] = [
    Method::GET,
    Method::POST,
    Method::PUT,
    Method::PATCH,
    Method::DELETE,
    Method::HEAD,
    Method::OPTIONS,
];

/// A method no route names: what a resource answers to it is what it answers to a method it
/// has no route for.
const NO_ROUTE_METHOD: &str = "SCOPES-ROUTE-PROBE";

/// The values tried for each `{segment}` of a pattern, until the path matches it (regex
/// segments refuse some): numbers, words, a UUID, a path, nothing.
const CANDIDATES: [&str; 15] = [
    "0",
    "a",
    "000",
    "0000",
    "00000000-0000-0000-0000-000000000000",
    "A",
    "a0",
    "0a",
    "0.0",
    "a.a",
    "-",
    "_",
    "a-a",
    "0/0",
    "",
];

/// How many combinations of [`CANDIDATES`] are tried over a pattern's segments (after the
/// same candidate in every segment).
const MAX_COMBINATIONS: usize = 4096;

/// A route of an app that no handler of its `services![..]` answers and that its
/// [`Gate`](crate::services::Gate) does not [allow](crate::services::Gate::allow): a
/// request for `method` at a path matching `path` is answered by a route registered some
/// other way (`.route(..)`, `web::resource`, a plain route macro, a list under a
/// `web::scope`), and the gate refuses it. Found by [`unmarked_routes`].
///
/// # Examples
/// ```
/// use actix_web::http::Method;
/// use scopes_runtime::testing::UnmarkedRoute;
///
/// let route = UnmarkedRoute { method: Some(Method::DELETE), path: "/admin/{id}".into(), name: None };
/// assert_eq!(route.to_string(), "DELETE /admin/{id}");
/// let unprobed = UnmarkedRoute { method: None, path: "/any".into(), name: None };
/// assert_eq!(unprobed.to_string(), "? /any");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnmarkedRoute {
    /// The method a route answers; `None` when the resource could not be probed method by
    /// method: no path could be made that routing gives it, the probes did not reach the
    /// gate, or it answers a method no route names (a route without a method guard, such as
    /// `web::to(..)`, or a `default_service` of its own), so any method may be answered.
    pub method: Option<Method>,
    /// The resource's full pattern, from the app's root: `/admin/{id}` for `/{id}` in
    /// `web::scope("/admin")`.
    pub path: String,
    /// The name of the resource that answered, when it has one and it can be told (route
    /// macros name it after the handler fn).
    pub name: Option<String>,
}

impl fmt::Display for UnmarkedRoute {
    /// `METHOD /path`, `?` for a method that could not be probed.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.method {
            Some(method) => write!(f, "{method} {}", self.path),
            None => write!(f, "? {}", self.path),
        }
    }
}

/// Every route of `app` that its [`Gate`](crate::services::Gate) refuses although a route
/// would answer it: the routes registered outside the app's `services![..]` and not
/// [allowed](crate::services::Gate::allow), with their method and full pattern, in the
/// order of the route table. A test asserts it is empty (or calls
/// [`assert_every_route_marked`]).
///
/// `app` is the app as [`actix_web::test::init_service`] makes it (as
/// [`security_matrix`](super::security_matrix) takes it), wrapped in its gate.
///
/// # How
/// actix-web lists no routes, so the route table is read from the `Debug` of the app's
/// `ResourceMap` (every resource, its name, its patterns and the scopes above it). For each
/// pattern, a path is made that routing gives that resource (each `{segment}` filled with
/// `0`, or other values a regex segment accepts). For each of GET, POST, PUT, PATCH, DELETE,
/// HEAD and OPTIONS that the gate would refuse at that path (the gate's own decision), a
/// probe is sent through the app: a request carrying an extension of this module's, which
/// the gate lets through to routing where it would refuse the request (no client can send
/// a Rust extension, so this opens nothing in production). A route answers the method
/// unless the resource took the probe and answered `405` (or what it answers a method no
/// route names), or the probe went on to another resource or to the default service.
///
/// **The probes run the code of the routes they find** (and of the app's default service),
/// with `0`s for path parameters and no body, as any request would: run it against a test
/// app.
///
/// # Limits
/// - Methods other than those seven are probed only when a resource's `405` names them in
///   `Allow`; a resource that answers methods no route names (`web::to(..)`, its own
///   `default_service`) is listed with [`method: None`](UnmarkedRoute::method), as is one
///   no path could be made for (a regex the candidates do not satisfy) unless it is a
///   listed handler's.
/// - A resource that an earlier one without guards shadows (`.route("/a/{x}", ..)` before
///   `.route("/a/b", ..)`) is answered by nothing: it is not listed.
/// - The gate's decision is taken for the path as sent: behind a middleware outside the
///   gate that rewrites paths (`NormalizePath`), a route whose path it rewrites may be
///   listed as `None` (its probe did not meet the decision it was sent for) or missed.
///
/// # Examples
/// ```
/// use actix_web::http::Method;
/// use actix_web::{get, test, web, App, HttpResponse};
/// use scopes_runtime::services::Services;
/// use scopes_runtime::{public, services, testing};
///
/// #[public]
/// #[get("/health")]
/// async fn health() -> &'static str { "ok" }
///
/// const SERVICES: Services = services![health];
///
/// # actix_web::rt::System::new().block_on(async {
/// let app = test::init_service(
///     App::new()
///         .wrap(SERVICES.gate())
///         .service(SERVICES)
///         .service(web::scope("/admin").route("/{id}", web::delete().to(HttpResponse::Ok))),
/// )
/// .await;
/// let unmarked = testing::unmarked_routes(&app).await;
/// assert_eq!(unmarked.len(), 1);
/// assert_eq!(unmarked[0].method, Some(Method::DELETE));
/// assert_eq!(unmarked[0].path, "/admin/{id}");
/// # });
/// ```
///
/// # Panics
/// When the route table cannot be read (it never answers an empty list for a table it could
/// not read), when no gate saw the probes (the app is not wrapped in one, or a middleware
/// outside it answered them), and as [`security_matrix`](super::security_matrix) when `app`
/// does not take [`TestRequest::to_request`]'s requests.
pub async fn unmarked_routes<S, R, B, E>(app: &S) -> Vec<UnmarkedRoute>
where
    S: Service<R, Response = ServiceResponse<B>, Error = E>,
    R: 'static,
{
    let no_route = match Method::from_bytes(NO_ROUTE_METHOD.as_bytes()) {
        Ok(method) => method,
        Err(_) => panic!("`{NO_ROUTE_METHOD}` is no method token"),
    };
    let mut probes = Probes::default();
    // The route table, from the answer to a first request.
    let first = probes.send(app, &no_route, "/").await;
    let Outcome::Response { request, .. } = &first.outcome else {
        panic!(
            "unmarked_routes: the route table could not be read: the app answered its first \
             request with an error, not a response"
        )
    };
    let rmap = request.resource_map();
    let table = match route_table::read(rmap) {
        Ok(table) => table,
        Err(e) => panic!(
            "unmarked_routes: the route table could not be read from the `Debug` of actix-web's \
             `ResourceMap` ({e}); this actix-web may print it otherwise"
        ),
    };

    // Each pattern of each resource, with a path to probe it by and the answer to a method
    // no route names. The gate hands its rules to the first of these it refuses.
    let mut rules = first.rules.clone();
    let mut targets = Vec::new();
    for resource in &table {
        for i in 0..resource.pattern_count() {
            let sample = sample_path(resource, i, rmap);
            let baseline = match &sample {
                Some(path) => Some(probes.send(app, &no_route, path).await),
                None => None,
            };
            if rules.is_none() {
                rules = baseline.as_ref().and_then(|b| b.rules.clone());
            }
            targets.push(Target {
                resource,
                i,
                sample,
                baseline,
            });
        }
    }
    let mut found = Found::default();
    let Some(rules) = rules else {
        if targets.iter().any(|t| t.sample.is_some()) {
            panic!(
                "unmarked_routes: no `Gate` saw the probes: wrap the app in its gate \
                 (`App::new().wrap(SERVICES.gate())`, the first `.wrap(..)`), and let no \
                 middleware outside it answer them"
            );
        }
        // No resource any path reaches, and no gate to say which are listed: all of them.
        for target in &targets {
            found.unprobed(target);
        }
        return found.0;
    };

    for target in &targets {
        let resource = target.resource;
        let reported = resource.reported_pattern();
        let (Some(sample), Some(baseline)) = (&target.sample, &target.baseline) else {
            // No path routing gives it: a listed handler's is the gate's to admit, any
            // other is listed, unprobed.
            if !rules.is_listed(resource.name.as_deref(), Some(&reported)) {
                found.unprobed(target);
            }
            continue;
        };
        // What the resource answers to a method it has no route for, when it answers it.
        let mut unprobed = baseline.verdict.is_none();
        let mut methods = METHODS.to_vec();
        let no_route_status = match &baseline.outcome {
            Outcome::Response {
                status,
                routed_to,
                allow,
                ..
            } if routed_to.as_deref() == Some(&reported) => {
                unprobed |= *status != StatusCode::METHOD_NOT_ALLOWED;
                methods.extend(allow.iter().filter(|m| !METHODS.contains(m)).cloned());
                Some(*status)
            }
            Outcome::Response { .. } => None,
            Outcome::Error => {
                unprobed = true;
                None
            }
        };
        for method in methods {
            if rules.verdict(&method, sample, rmap) == Verdict::Admit {
                continue;
            }
            let answer = probes.send(app, &method, sample).await;
            if answer.verdict.is_none() {
                unprobed = true;
                continue;
            }
            let name = match &answer.outcome {
                Outcome::Response {
                    status,
                    routed_to,
                    request,
                    ..
                } => {
                    let answered = routed_to.as_deref() == Some(&reported)
                        && *status != StatusCode::METHOD_NOT_ALLOWED
                        && Some(*status) != no_route_status;
                    if !answered {
                        continue;
                    }
                    answering_name(request, &reported, &table)
                }
                // Not a response: the route's code (or the resource's) failed, which is
                // code that ran for the method.
                Outcome::Error => resource.name.clone(),
            };
            found.push(UnmarkedRoute {
                method: Some(method),
                path: resource.full_pattern(target.i),
                name,
            });
        }
        if unprobed {
            found.unprobed(target);
        }
    }
    found.0
}

/// Fails the test, with a table of every route [`unmarked_routes`] finds (method, path,
/// resource name), unless there is none: every route of `app` is a `#[secured]` or
/// `#[public]` handler of its `services![..]`, or [allowed](crate::services::Gate::allow).
///
/// # Examples
/// ```
/// use actix_web::{get, test, App};
/// use scopes_runtime::services::Services;
/// use scopes_runtime::{public, services, testing};
///
/// #[public]
/// #[get("/health")]
/// async fn health() -> &'static str { "ok" }
///
/// const SERVICES: Services = services![health];
///
/// # actix_web::rt::System::new().block_on(async {
/// let app = test::init_service(App::new().wrap(SERVICES.gate()).service(SERVICES)).await;
/// testing::assert_every_route_marked(&app).await;
/// # });
/// ```
///
/// # Panics
/// When a route is unmarked (this is a test's assertion), and as [`unmarked_routes`].
pub async fn assert_every_route_marked<S, R, B, E>(app: &S)
where
    S: Service<R, Response = ServiceResponse<B>, Error = E>,
    R: 'static,
{
    let unmarked = unmarked_routes(app).await;
    if !unmarked.is_empty() {
        panic!(
            "{} unmarked route(s): answered by a route registered outside the app's \
             `services![..]` (not `#[secured]` or `#[public]` there) and not `Gate::allow`ed, \
             so the gate refuses them; list their handlers, or allow them:\n{}",
            unmarked.len(),
            Table(&unmarked)
        );
    }
}

/// The marker of a probe of [`unmarked_routes`], a request extension: the
/// [`Gate`](crate::services::Gate) lets a request that carries one through to routing where
/// it would refuse it, and records its rules and verdict in it.
///
/// Only this module can make one (its field is private, the type is the crate's), and only
/// Rust code in the server's process can put an extension on a request: no client can
/// send one, so no request from the network is ever let through by it. The gate looks for
/// it on its refusal path only: an admitted request costs nothing more.
#[derive(Clone)]
pub(crate) struct RouteProbe(Rc<Seen>);

/// What the gate recorded in a probe.
#[derive(Default)]
struct Seen {
    rules: RefCell<Option<Rc<Rules>>>,
    verdict: Cell<Option<Verdict>>,
}

impl RouteProbe {
    /// Called by the gate for `req`, which it refuses with `verdict`: whether `req` is a
    /// probe, to let through (having recorded the gate's `rules` and `verdict` in it).
    pub(crate) fn let_through(req: &ServiceRequest, rules: &Rc<Rules>, verdict: Verdict) -> bool {
        let Some(probe) = req.extensions().get::<Self>().cloned() else {
            return false;
        };
        *probe.0.rules.borrow_mut() = Some(Rc::clone(rules));
        probe.0.verdict.set(Some(verdict));
        tracing::debug!(
            method = %req.method(),
            path = req.path(),
            "route probe (`testing::unmarked_routes`) let through"
        );
        true
    }
}

/// A pattern of a resource, and what probing it takes.
struct Target<'t> {
    resource: &'t TableResource,
    /// Which of its patterns.
    i: usize,
    /// A path that routing gives the resource, matching this pattern.
    sample: Option<String>,
    /// The answer to [`NO_ROUTE_METHOD`] there.
    baseline: Option<Rc<Answer>>,
}

/// What a probe found.
struct Answer {
    /// The gate's verdict, when it saw (refused, and let through) the probe.
    verdict: Option<Verdict>,
    /// The gate's rules, likewise.
    rules: Option<Rc<Rules>>,
    outcome: Outcome,
}

enum Outcome {
    Response {
        status: StatusCode,
        /// The full pattern of the resource that answered, when one took the whole path
        /// (not the default service).
        routed_to: Option<String>,
        /// The methods of a `405`'s `Allow`.
        allow: Vec<Method>,
        /// The request, as routing left it.
        request: HttpRequest,
    },
    /// An error instead of a response.
    Error,
}

/// The name of the resource of the pattern `pattern` that answered `request`, when it can be
/// told: `HttpRequest::match_name` gives it for a named resource, and for an unnamed one the
/// name of the first resource matching the path, which is then no answer.
fn answering_name(request: &HttpRequest, pattern: &str, table: &[TableResource]) -> Option<String> {
    let name = request.match_name()?;
    let first = request.resource_map().match_name(request.path());
    let an_unnamed_one_may_have = table
        .iter()
        .any(|r| r.name.is_none() && r.reported_pattern() == pattern);
    match an_unnamed_one_may_have && first == Some(name) {
        true => None,
        false => Some(name.to_owned()),
    }
}

/// The probes sent, each `(method, path)` once: resources of the same pattern share them, so
/// that no route runs twice.
#[derive(Default)]
struct Probes(HashMap<(Method, String), Rc<Answer>>);

impl Probes {
    /// What a probe for `method` at `path` found, sending it to `app` the first time.
    async fn send<S, R, B, E>(&mut self, app: &S, method: &Method, path: &str) -> Rc<Answer>
    where
        S: Service<R, Response = ServiceResponse<B>, Error = E>,
        R: 'static,
    {
        let key = (method.clone(), path.to_owned());
        if let Some(answer) = self.0.get(&key) {
            return Rc::clone(answer);
        }
        let answer = Rc::new(send(app, method, path).await);
        self.0.insert(key, Rc::clone(&answer));
        answer
    }
}

/// Sends a probe for `method` at `path` to `app`.
async fn send<S, R, B, E>(app: &S, method: &Method, path: &str) -> Answer
where
    S: Service<R, Response = ServiceResponse<B>, Error = E>,
    R: 'static,
{
    let probe = RouteProbe(Rc::default());
    let req = TestRequest::default()
        .method(method.clone())
        .uri(&encode(path))
        .to_request();
    req.extensions_mut().insert(probe.clone());
    let outcome = match app.call(into_request::<R>(req, "`unmarked_routes`")).await {
        Ok(res) => {
            let request = res.request().clone();
            // A resource takes the whole path (a scope its prefix and hands on the rest);
            // the default service none.
            let routed_to = match request.match_info().unprocessed().is_empty() {
                true => request.match_pattern(),
                false => None,
            };
            let allow = res
                .headers()
                .get_all(header::ALLOW)
                .filter_map(|v| v.to_str().ok())
                .flat_map(|v| v.split(','))
                .filter_map(|m| Method::from_bytes(m.trim().as_bytes()).ok())
                .collect();
            Outcome::Response {
                status: res.status(),
                routed_to,
                allow,
                request,
            }
        }
        Err(_) => Outcome::Error,
    };
    Answer {
        verdict: probe.0.verdict.get(),
        rules: probe.0.rules.borrow().clone(),
        outcome,
    }
}

/// The routes found, each `(method, path)` once.
#[derive(Default)]
struct Found(Vec<UnmarkedRoute>);

impl Found {
    fn push(&mut self, route: UnmarkedRoute) {
        if !self
            .0
            .iter()
            .any(|r| r.method == route.method && r.path == route.path)
        {
            self.0.push(route);
        }
    }

    /// `target`'s pattern, methods unknown.
    fn unprobed(&mut self, target: &Target<'_>) {
        self.push(UnmarkedRoute {
            method: None,
            path: target.resource.full_pattern(target.i),
            name: target.resource.name.clone(),
        });
    }
}

/// A path matching the `i`-th pattern of `resource` that routing gives it: the first path
/// it matches first (`ResourceMap::match_pattern` names it), else one that it matches after
/// another resource (reached only where that one's guards refuse a request).
fn sample_path(resource: &TableResource, i: usize, rmap: &ResourceMap) -> Option<String> {
    let pattern = resource.full_pattern(i);
    let pieces = pieces(&pattern);
    let segments = pieces
        .iter()
        .filter(|p| matches!(p, Piece::Segment { .. }))
        .count();
    let n = CANDIDATES.len();
    let combinations = match u32::try_from(segments).ok().and_then(|s| n.checked_pow(s)) {
        Some(c) if segments > 1 && c <= MAX_COMBINATIONS => c,
        _ => 0,
    };
    let uniform = CANDIDATES.iter().map(|c| fill(&pieces, |_| c));
    let mixed = (0..combinations).map(|k| {
        fill(&pieces, |segment| {
            let place = n.pow(u32::try_from(segment).unwrap_or(0));
            CANDIDATES[(k / place) % n]
        })
    });
    let reported = resource.reported_pattern();
    let mut after_another = None;
    for path in uniform.chain(mixed) {
        if !resource.matches(i, &path) {
            continue;
        }
        if rmap.match_pattern(&path).as_deref() == Some(&reported) {
            return Some(path);
        }
        after_another.get_or_insert(path);
    }
    after_another
}

/// `pieces` with the `k`-th segment replaced by `value(k)`.
fn fill<'v>(pieces: &[Piece<'_>], value: impl Fn(usize) -> &'v str) -> String {
    let mut out = String::new();
    let mut segment = 0;
    for piece in pieces {
        match piece {
            Piece::Literal(text) => out.push_str(text),
            Piece::Segment { .. } => {
                out.push_str(value(segment));
                segment += 1;
            }
        }
    }
    out
}

/// `path` as a request target: bytes a URI path cannot hold percent-encoded.
fn encode(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for byte in path.bytes() {
        match byte {
            b'A'..=b'Z'
            | b'a'..=b'z'
            | b'0'..=b'9'
            | b'-'
            | b'.'
            | b'_'
            | b'~'
            | b'/'
            | b'%'
            | b'!'
            | b'$'
            | b'&'
            | b'\''
            | b'('
            | b')'
            | b'*'
            | b'+'
            | b','
            | b';'
            | b'='
            | b':'
            | b'@' => out.push(char::from(byte)),
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

/// Unmarked routes as an aligned table: method, path, resource.
struct Table<'r>(&'r [UnmarkedRoute]);

impl fmt::Display for Table<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let rows: Vec<[String; 3]> = self
            .0
            .iter()
            .map(|route| {
                [
                    route
                        .method
                        .as_ref()
                        .map_or_else(|| "?".to_owned(), Method::to_string),
                    route.path.clone(),
                    route.name.clone().unwrap_or_else(|| "-".to_owned()),
                ]
            })
            .collect();
        let header = ["method", "path", "resource"].map(str::to_owned);
        let mut widths = [0; 3];
        for row in core::iter::once(&header).chain(&rows) {
            for (width, cell) in widths.iter_mut().zip(row) {
                *width = (*width).max(cell.chars().count());
            }
        }
        for row in core::iter::once(&header).chain(&rows) {
            writeln!(
                f,
                "{:<w0$}  {:<w1$}  {}",
                row[0],
                row[1],
                row[2],
                w0 = widths[0],
                w1 = widths[1]
            )?;
        }
        if self.0.iter().any(|route| route.method.is_none()) {
            writeln!(
                f,
                "(?: its methods could not be probed one by one: see `UnmarkedRoute::method`)"
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fills_each_segment_and_encodes_what_a_path_cannot_hold() {
        let pieces = pieces("/u/{user}/f/{tail:.*}");
        assert_eq!(fill(&pieces, |k| ["7", "a/b"][k]), "/u/7/f/a/b");
        assert_eq!(encode("/a b/é/{x}\"%20"), "/a%20b/%C3%A9/%7Bx%7D%22%20");
    }

    #[test]
    fn the_table_aligns_and_explains_unprobed_methods() {
        let routes = [
            UnmarkedRoute {
                method: Some(Method::DELETE),
                path: "/admin/{id}".to_owned(),
                name: None,
            },
            UnmarkedRoute {
                method: None,
                path: "/x".to_owned(),
                name: Some("plain".to_owned()),
            },
        ];
        assert_eq!(
            Table(&routes).to_string(),
            "method  path         resource\n\
             DELETE  /admin/{id}  -\n\
             ?       /x           plain\n\
             (?: its methods could not be probed one by one: see `UnmarkedRoute::method`)\n"
        );
    }
}
