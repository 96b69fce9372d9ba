//! [`SecurityMatrix`]: the security test cases of every route of an app's [`Services`],
//! derived from its [security surface](Services::surface), sent to the app in process, and
//! the [`MatrixReport`] of what it answered.

use core::fmt;

use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::Method;
use actix_web::test::TestRequest;
use jsonwebtoken::{AlgorithmFamily, EncodingKey};

use crate::oauth2::{ErrorStyle, JwtAlgorithm, TokenConfig};
use crate::services::{RouteSecurity, Services};

use super::route_table::{Piece, pieces};
use super::{bearer_request, into_request, mint};

/// The token of the "malformed token" case: three segments, none of them base64 JSON.
const MALFORMED_TOKEN: &str = "not.a.jwt";

/// The HMAC secret of the "wrongly signed token" case: no app's key.
const OTHER_SECRET: &[u8] = b"scopes-runtime security matrix: another key, not the app's";

/// The value of a path parameter that [`SecurityMatrix::param`] does not name.
const DEFAULT_PARAM: &str = "1";

/// Runs every security case of every route of an app's [`Services`] against the app, in
/// process.
///
/// For a secured route, with `requirement` its alternatives (any one admits; each needs
/// all of its scopes):
///
/// | case | expected |
/// |---|---|
/// | no token | refused, 401 |
/// | malformed token (`not.a.jwt`) | refused, 401 |
/// | wrongly signed token (every scope of the route, signed by another key) | refused, 401 |
/// | for each alternative and each of its scopes: a token with the alternative less that scope | refused: 401 ([`ErrorStyle::Tutorial`]) or 403 ([`ErrorStyle::Rfc6750`]), unless another alternative admits it |
/// | for each alternative: a token with exactly its scopes | not refused |
///
/// and for a public route: no token, not refused. "Not refused" is any status that is
/// neither 401 nor 403 and below 500 (a 400 for a missing body, a 404 for an unknown id,
/// a 307 are answers, not refusals).
///
/// The routes come from [`Services::surface`] alone, so that a route added to the list is
/// tested with no line of test to write. Tokens are minted with the app's [`TokenConfig`]
/// for [`subject`](Self::subject), which the app must know (its user lookup runs for every
/// valid token). Each `{name}` segment of a route's pattern is replaced by the value given
/// with [`param`](Self::param), `1` otherwise.
///
/// # Examples
/// ```
/// use actix_web::{get, test, web, App, HttpResponse};
/// use scopes_runtime::services::Services;
/// use scopes_runtime::testing::{self, SecurityMatrix};
/// use scopes_runtime::{public, secured, services, Authorized, ErrorStyle, OAuth2PasswordBearer, Security};
///
/// #[secured(scopes = ["items"])]
/// #[get("/items/{id}")]
/// async fn read_item(token: Security<Authorized>, id: web::Path<u32>) -> HttpResponse {
///     HttpResponse::Ok().body(format!("item {id} for {}", token.sub()))
/// }
///
/// #[public]
/// #[get("/health")]
/// async fn health() -> &'static str {
///     "ok"
/// }
///
/// const SERVICES: Services = services![read_item, health];
///
/// # actix_web::rt::System::new().block_on(async {
/// let config = testing::token_config();
/// let app = test::init_service(
///     App::new()
///         .wrap(SERVICES.gate())
///         .app_data(web::Data::new(config.clone()))
///         .app_data(OAuth2PasswordBearer::new("token", &[]).with_error_style(ErrorStyle::Rfc6750))
///         .service(SERVICES),
/// )
/// .await;
/// let report = SecurityMatrix::new(&SERVICES, &config)
///     .subject("johndoe")
///     .style(ErrorStyle::Rfc6750)
///     .param("id", "42")
///     .run(&app)
///     .await;
/// report.assert_passed();
/// assert_eq!(report.cases()[0].path, "/items/42");
/// assert_eq!(report.cases().len(), 6); // 3 without a valid token, 1 lacking `items`, 1 exact, 1 public
/// # });
/// ```
#[derive(Debug, Clone)]
pub struct SecurityMatrix<'a> {
    routes: Vec<RouteSecurity>,
    config: &'a TokenConfig,
    subject: String,
    style: ErrorStyle,
    params: Vec<(String, String)>,
}

impl<'a> SecurityMatrix<'a> {
    /// The matrix of every route of `services`, with tokens minted by `config` for the
    /// subject `user`, refusals expected in [`ErrorStyle::Tutorial`].
    pub fn new(services: &Services, config: &'a TokenConfig) -> Self {
        Self {
            routes: services.surface().routes().to_vec(),
            config,
            subject: "user".to_owned(),
            style: ErrorStyle::Tutorial,
            params: Vec::new(),
        }
    }

    /// The `sub` of the minted tokens: a subject the app knows (default `user`).
    #[must_use]
    pub fn subject(mut self, sub: impl Into<String>) -> Self {
        self.subject = sub.into();
        self
    }

    /// The style the app answers in, which fixes the status of a token lacking a scope:
    /// 401 in [`ErrorStyle::Tutorial`] (the default), 403 in [`ErrorStyle::Rfc6750`].
    #[must_use]
    pub fn style(mut self, style: ErrorStyle) -> Self {
        self.style = style;
        self
    }

    /// The value of the path parameter `name` (`{name}` or `{name:regex}` in a pattern) in
    /// every route that has one; parameters not named this way are `1`.
    #[must_use]
    pub fn param(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        let name = name.into();
        self.params.retain(|(n, _)| *n != name);
        self.params.push((name, value.into()));
        self
    }

    /// Sends every case to `app` (a service made by
    /// [`actix_web::test::init_service`], as [`actix_web::test::call_service`] takes it)
    /// and reports what it answered. An error the app returns is read as the response it
    /// would become.
    ///
    /// # Panics
    /// When `app` does not take the requests of [`TestRequest::to_request`] (actix-web does
    /// not export that type by name, so `R` is checked when the first request is made), when
    /// a route's method is no HTTP method, or when `config` cannot sign tokens.
    pub async fn run<S, R, B, E>(&self, app: &S) -> MatrixReport
    where
        S: Service<R, Response = ServiceResponse<B>, Error = E>,
        R: 'static,
        E: Into<actix_web::Error>,
    {
        let mut cases = Vec::new();
        for route in &self.routes {
            let method = match Method::from_bytes(route.method.as_bytes()) {
                Ok(method) => method,
                Err(_) => panic!("`{}` of `{}` is no HTTP method", route.method, route.path),
            };
            let path = concrete_path(route.path, &self.params);
            for probe in self.probes(route) {
                let req = match &probe.token {
                    Some(token) => bearer_request(token),
                    None => TestRequest::default(),
                }
                .method(method.clone())
                .uri(&path);
                let got = match app
                    .call(into_request::<R>(req.to_request(), "the security matrix"))
                    .await
                {
                    Ok(res) => res.status().as_u16(),
                    Err(error) => error.into().error_response().status().as_u16(),
                };
                cases.push(MatrixCase {
                    method: route.method,
                    path: path.clone(),
                    case: probe.case,
                    expected: probe.expected,
                    got,
                });
            }
        }
        MatrixReport { cases }
    }

    /// The cases of `route`, each with its token.
    fn probes(&self, route: &RouteSecurity) -> Vec<Probe> {
        if route.public {
            return vec![Probe::new("public, no token", None, Expected::NotRefused)];
        }
        let unauthenticated = Expected::Refused(401);
        let mut all: Vec<&str> = Vec::new();
        for scope in route
            .requirement
            .iter()
            .flat_map(|alternative| alternative.iter())
        {
            if !all.contains(scope) {
                all.push(scope);
            }
        }
        let mut probes = vec![
            Probe::new("no token", None, unauthenticated),
            Probe::new(
                "malformed token",
                Some(MALFORMED_TOKEN.to_owned()),
                unauthenticated,
            ),
            Probe::new(
                "wrongly signed token",
                Some(wrongly_signed(self.config, &self.subject, &all)),
                unauthenticated,
            ),
        ];
        let lacking = Expected::Refused(match self.style {
            ErrorStyle::Tutorial => 401,
            ErrorStyle::Rfc6750 => 403,
        });
        for alternative in &route.requirement {
            let named = alternative.join(" ");
            for scope in alternative.iter() {
                let held: Vec<&str> = alternative.iter().copied().filter(|s| s != scope).collect();
                let admitted = route
                    .requirement
                    .iter()
                    .any(|other| other.iter().all(|s| held.contains(s)));
                let (case, expected) = match admitted {
                    false => (format!("lacks `{scope}` of [{named}]"), lacking),
                    true => (
                        format!("lacks `{scope}` of [{named}], another alternative admits"),
                        Expected::NotRefused,
                    ),
                };
                probes.push(Probe::new(case, Some(self.mint(&held)), expected));
            }
            probes.push(Probe::new(
                format!("exactly [{named}]"),
                Some(self.mint(alternative)),
                Expected::NotRefused,
            ));
        }
        probes
    }

    fn mint(&self, scopes: &[&str]) -> String {
        mint(self.config, &self.subject, scopes)
    }
}

/// Runs [`SecurityMatrix`] with its defaults (subject `user`, [`ErrorStyle::Tutorial`],
/// path parameters `1`) for every route of `services` against `app`.
///
/// # Examples
/// ```
/// use actix_web::{get, test, web, App, HttpResponse};
/// use scopes_runtime::services::Services;
/// use scopes_runtime::{dependency, public, secured, services, testing, Authorized, Security};
///
/// #[dependency(scopes = ["me"])]
/// async fn current_user(token: Security<Authorized>) -> String {
///     token.sub().to_owned()
/// }
///
/// #[secured(scopes = ["items"])]
/// #[get("/users/me/items/")]
/// async fn read_own_items(user: Security<current_user>) -> HttpResponse {
///     HttpResponse::Ok().body(user.into_inner())
/// }
///
/// #[public]
/// #[get("/health")]
/// async fn health() -> &'static str {
///     "ok"
/// }
///
/// const SERVICES: Services = services![read_own_items, health];
///
/// # actix_web::rt::System::new().block_on(async {
/// let config = testing::token_config();
/// let app = test::init_service(
///     App::new()
///         .wrap(SERVICES.gate())
///         .app_data(web::Data::new(config.clone()))
///         .service(SERVICES),
/// )
/// .await;
/// let report = testing::security_matrix(&app, &SERVICES, &config).await;
/// report.assert_passed();
/// let rows: Vec<_> = report.cases().iter().map(|c| c.case.as_str()).collect();
/// assert_eq!(
///     rows,
///     [
///         "no token",
///         "malformed token",
///         "wrongly signed token",
///         "lacks `items` of [items me]",
///         "lacks `me` of [items me]",
///         "exactly [items me]",
///         "public, no token",
///     ]
/// );
/// # });
/// ```
///
/// # Panics
/// As [`SecurityMatrix::run`].
pub async fn security_matrix<S, R, B, E>(
    app: &S,
    services: &Services,
    config: &TokenConfig,
) -> MatrixReport
where
    S: Service<R, Response = ServiceResponse<B>, Error = E>,
    R: 'static,
    E: Into<actix_web::Error>,
{
    SecurityMatrix::new(services, config).run(app).await
}

/// What a case expects of the app.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Expected {
    /// Refused by security, with exactly this status.
    Refused(u16),
    /// Not refused by security: any status that is neither 401 nor 403 and below 500.
    NotRefused,
}

impl Expected {
    /// Whether `status` is what this expects.
    ///
    /// ```
    /// use scopes_runtime::testing::Expected;
    /// assert!(Expected::Refused(403).admits(403));
    /// assert!(!Expected::Refused(403).admits(401));
    /// assert!(Expected::NotRefused.admits(200) && Expected::NotRefused.admits(404));
    /// assert!(!Expected::NotRefused.admits(401) && !Expected::NotRefused.admits(500));
    /// ```
    pub fn admits(self, status: u16) -> bool {
        match self {
            Self::Refused(expected) => status == expected,
            Self::NotRefused => status != 401 && status != 403 && status < 500,
        }
    }
}

impl fmt::Display for Expected {
    /// The status, or `not refused`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Refused(status) => write!(f, "{status}"),
            Self::NotRefused => f.write_str("not refused"),
        }
    }
}

/// One case of the matrix, as it was sent and answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MatrixCase {
    /// The route's method, upper case.
    pub method: &'static str,
    /// The path requested: the route's pattern with its parameters filled in.
    pub path: String,
    /// What the case is: `no token`, `malformed token`, `wrongly signed token`,
    /// ``lacks `items` of [items me]``, `exactly [items me]`, `public, no token`.
    pub case: String,
    /// What it expects.
    pub expected: Expected,
    /// The status the app answered.
    pub got: u16,
}

impl MatrixCase {
    /// Whether the app answered as expected.
    pub fn passed(&self) -> bool {
        self.expected.admits(self.got)
    }
}

/// What the app answered to every case of a [`SecurityMatrix`]. Its `Display` is an aligned
/// table: route, case, expected, got, and `ok` or `MISMATCH`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MatrixReport {
    cases: Vec<MatrixCase>,
}

impl MatrixReport {
    /// Every case, route by route in the list's order.
    pub fn cases(&self) -> &[MatrixCase] {
        &self.cases
    }

    /// The cases the app did not answer as expected.
    pub fn mismatches(&self) -> Vec<&MatrixCase> {
        self.cases.iter().filter(|case| !case.passed()).collect()
    }

    /// Whether every case passed.
    pub fn passed(&self) -> bool {
        self.cases.iter().all(MatrixCase::passed)
    }

    /// Prints the table (shown by the test harness when the test fails, or with
    /// `--nocapture`) and panics, listing every mismatch, unless every case passed.
    ///
    /// # Panics
    /// When a case did not pass: this is a test's assertion.
    #[track_caller]
    pub fn assert_passed(&self) {
        print!("{self}");
        let mismatches = self.mismatches();
        if !mismatches.is_empty() {
            panic!(
                "security matrix: {} of {} cases mismatched:\n{}",
                mismatches.len(),
                self.cases.len(),
                Table(&mismatches),
            );
        }
    }
}

impl fmt::Display for MatrixReport {
    /// The table of every case.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let cases: Vec<&MatrixCase> = self.cases.iter().collect();
        Table(&cases).fmt(f)
    }
}

/// Cases as an aligned table, a header first.
struct Table<'c>(&'c [&'c MatrixCase]);

impl fmt::Display for Table<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let rows: Vec<[String; 5]> = self
            .0
            .iter()
            .map(|case| {
                [
                    format!("{} {}", case.method, case.path),
                    case.case.clone(),
                    case.expected.to_string(),
                    case.got.to_string(),
                    match case.passed() {
                        true => "ok".to_owned(),
                        false => "MISMATCH".to_owned(),
                    },
                ]
            })
            .collect();
        let header = ["route", "case", "expected", "got", "result"].map(str::to_owned);
        let mut widths = [0; 5];
        for row in core::iter::once(&header).chain(&rows) {
            for (width, cell) in widths.iter_mut().zip(row) {
                *width = (*width).max(cell.chars().count());
            }
        }
        for row in core::iter::once(&header).chain(&rows) {
            for (i, cell) in row.iter().enumerate() {
                if i + 1 == row.len() {
                    writeln!(f, "{cell}")?;
                } else {
                    write!(f, "{cell:<width$}  ", width = widths[i])?;
                }
            }
        }
        Ok(())
    }
}

/// One case before it is sent.
struct Probe {
    case: String,
    token: Option<String>,
    expected: Expected,
}

impl Probe {
    fn new(case: impl Into<String>, token: Option<String>, expected: Expected) -> Self {
        Self {
            case: case.into(),
            token,
            expected,
        }
    }
}

/// `pattern` with each `{name}` / `{name:regex}` segment (and a tail's `*`) replaced by the
/// value `params` gives `name`, or [`DEFAULT_PARAM`].
fn concrete_path(pattern: &str, params: &[(String, String)]) -> String {
    pieces(pattern)
        .iter()
        .map(|piece| match piece {
            Piece::Literal(text) => text,
            Piece::Segment { name, .. } => params
                .iter()
                .find(|(n, _)| n == name)
                .map_or(DEFAULT_PARAM, |(_, v)| v.as_str()),
        })
        .collect()
}

/// A token with the header and claims `config` would issue for `sub` and `scopes`, signed
/// with another key ([`resigned`]).
///
/// # Panics
/// When `config`'s keys cannot sign.
fn wrongly_signed(config: &TokenConfig, sub: &str, scopes: &[&str]) -> String {
    resigned(config, &mint(config, sub, scopes))
}

/// `token` (issued by `config`) with its header and claims signed by another key:
/// [`OTHER_SECRET`], by `config`'s algorithm when it is an HMAC one, by HS256 otherwise (a
/// signature no key of the app made either way).
fn resigned(config: &TokenConfig, token: &str) -> String {
    let signed = token.rsplit_once('.').map_or(token, |(signed, _)| signed);
    let algorithm = match config.signing_algorithm() {
        Some(algorithm) if algorithm.family() == AlgorithmFamily::Hmac => algorithm,
        _ => JwtAlgorithm::HS256,
    };
    let signature = EncodingKey::from_secret(OTHER_SECRET)
        .and_then(|key| jsonwebtoken::crypto::sign(signed.as_bytes(), &key, algorithm));
    match signature {
        Ok(signature) => format!("{signed}.{signature}"),
        Err(e) => panic!("cannot sign a wrongly signed test token: {e}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_parameters_are_filled_in() {
        let params = [("id".to_owned(), "42".to_owned())];
        assert_eq!(concrete_path("/items/", &params), "/items/");
        assert_eq!(concrete_path("/items/{id}", &params), "/items/42");
        assert_eq!(
            concrete_path("/u/{user}/items/{id:\\d{2}}/x", &params),
            "/u/1/items/42/x"
        );
        assert_eq!(concrete_path("/static/{tail}*", &params), "/static/1");
        assert_eq!(concrete_path("/static/{tail:.*}", &params), "/static/1");
        assert_eq!(concrete_path("/broken/{id", &params), "/broken/{id");
    }

    #[test]
    fn each_alternative_is_probed_and_another_one_may_admit() {
        let config = super::super::token_config();
        let route = RouteSecurity {
            method: "GET",
            path: "/reports",
            handler: "reports",
            public: false,
            requirement: vec![vec!["reports", "audit"], vec!["reports"]],
            chain: String::new(),
        };
        let matrix = SecurityMatrix {
            routes: vec![route.clone()],
            config: &config,
            subject: "user".to_owned(),
            style: ErrorStyle::Rfc6750,
            params: Vec::new(),
        };
        let probes: Vec<_> = matrix
            .probes(&route)
            .into_iter()
            .map(|p| {
                let scopes = p.token.as_deref().and_then(|t| config.verify(t).ok());
                (p.case, p.expected, scopes.map(|c| c.scopes))
            })
            .collect();
        let refused = Expected::Refused(401);
        let lacking = Expected::Refused(403);
        let scopes = |s: &[&str]| Some(s.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert_eq!(
            probes,
            [
                ("no token".to_owned(), refused, None),
                ("malformed token".to_owned(), refused, None),
                ("wrongly signed token".to_owned(), refused, None),
                (
                    "lacks `reports` of [reports audit]".to_owned(),
                    lacking,
                    scopes(&["audit"])
                ),
                (
                    "lacks `audit` of [reports audit], another alternative admits".to_owned(),
                    Expected::NotRefused,
                    scopes(&["reports"])
                ),
                (
                    "exactly [reports audit]".to_owned(),
                    Expected::NotRefused,
                    scopes(&["reports", "audit"])
                ),
                (
                    "lacks `reports` of [reports]".to_owned(),
                    lacking,
                    scopes(&[])
                ),
                (
                    "exactly [reports]".to_owned(),
                    Expected::NotRefused,
                    scopes(&["reports"])
                ),
            ]
        );
    }

    #[test]
    fn a_wrongly_signed_token_keeps_its_claims_and_fails_verification() {
        let config = super::super::token_config();
        let good = mint(&config, "johndoe", &["me"]);
        let bad = resigned(&config, &good);
        let (good_signed, _) = good.rsplit_once('.').unwrap();
        let (bad_signed, _) = bad.rsplit_once('.').unwrap();
        assert_eq!(good_signed, bad_signed);
        assert!(config.verify(&good).is_ok());
        assert!(config.verify(&bad).is_err());
    }
}
