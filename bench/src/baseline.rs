//! The contenders that are not the DSL: the tutorial's security written by hand on plain
//! actix-web (the honest baseline), and the same routes with no security at all (the
//! ceiling).
//!
//! Both are built like demo-app's app (same user store, same [`TokenConfig`], same access
//! log middleware in the server binary, same fallback service, the three tutorial routes
//! registered in the same order) so that the only difference with demo-app is how the
//! security is written:
//!
//! - demo-app: `#[secured]` / `#[dependency]` / `Security<..>`, scopes unioned by the
//!   compiler, the token a node of the graph (`Security<VerifiedToken>`);
//! - [`configure_handwritten`]: `get_current_user` and `get_current_active_user` as plain
//!   functions called explicitly by each handler with a scope list written by hand, the
//!   token read by [`BearerToken::from_headers`] and decoded by [`TokenConfig::verify`]
//!   (the same JWT validation), the scopes compared in a loop, errors built by hand with
//!   the same status, body and `WWW-Authenticate` header;
//! - [`configure_noauth`]: the same routes answering the same JSON for `johndoe`, no checks.
//!
//! `/token` is not part of either: the benchmarks only log in against demo-app and FastAPI.

use actix_web::http::header::WWW_AUTHENTICATE;
use actix_web::{Either, HttpRequest, HttpResponse, Responder, get, web};
use demo_app::users::{User, UserDb};
use scopes_runtime::oauth2::AuthErrorKind;
use scopes_runtime::{BearerToken, TokenConfig, VerifiedToken};
use serde_json::json;

const CREDENTIALS: &str = "Could not validate credentials";

/// Required scopes of `/users/me/items/`, written by hand: the handler's `items`, then the
/// `me` of `get_current_active_user`.
const ITEMS_SCOPES: &[&str] = &["items", "me"];
const ITEMS_CHALLENGE: &str = "Bearer scope=\"items me\"";
/// Required scopes of `/users/me/`.
const ME_SCOPES: &[&str] = &["me"];
const ME_CHALLENGE: &str = "Bearer scope=\"me\"";
/// `/status/` requires no scope.
const STATUS_CHALLENGE: &str = "Bearer";

/// Why a request is refused; [`Rejection::response`] writes the answer.
enum Rejection {
    /// 401 `{"detail": ..}` with `WWW-Authenticate: <challenge>`.
    Unauthorized(&'static str, &'static str),
    /// 400 "Inactive user".
    Inactive,
}

impl Rejection {
    fn response(self) -> HttpResponse {
        match self {
            Self::Unauthorized(detail, challenge) => reject(detail, challenge),
            Self::Inactive => HttpResponse::BadRequest().json(json!({ "detail": "Inactive user" })),
        }
    }
}

/// A 401 `{"detail": ..}` with `WWW-Authenticate: <challenge>`.
fn reject(detail: &'static str, challenge: &'static str) -> HttpResponse {
    HttpResponse::Unauthorized()
        .insert_header((WWW_AUTHENTICATE, challenge))
        .json(json!({ "detail": detail }))
}

/// The tutorial's `get_current_user`, by hand: a valid token, a known user, every scope of
/// `required`.
fn get_current_user(
    req: &HttpRequest,
    users: &UserDb,
    tokens: &TokenConfig,
    required: &[&str],
    challenge: &'static str,
) -> Result<User, Rejection> {
    let bearer = BearerToken::from_headers(req).map_err(|e| match e.kind() {
        AuthErrorKind::NotAuthenticated => Rejection::Unauthorized("Not authenticated", "Bearer"),
        _ => Rejection::Unauthorized(CREDENTIALS, challenge),
    })?;
    let claims = tokens
        .verify(bearer.as_str())
        .map_err(|_| Rejection::Unauthorized(CREDENTIALS, challenge))?;
    let user = users
        .get(&claims.sub)
        .ok_or(Rejection::Unauthorized(CREDENTIALS, challenge))?;
    for scope in required {
        if !claims.scopes.iter().any(|granted| granted == scope) {
            return Err(Rejection::Unauthorized("Not enough permissions", challenge));
        }
    }
    Ok(user.user.clone())
}

/// The tutorial's `get_current_active_user`, by hand.
fn get_current_active_user(
    req: &HttpRequest,
    users: &UserDb,
    tokens: &TokenConfig,
    required: &[&str],
    challenge: &'static str,
) -> Result<User, Rejection> {
    let user = get_current_user(req, users, tokens, required, challenge)?;
    if user.disabled == Some(true) {
        return Err(Rejection::Inactive);
    }
    Ok(user)
}

/// `GET /users/me/`, by hand.
#[get("/users/me/")]
async fn read_users_me(
    req: HttpRequest,
    users: web::Data<UserDb>,
    tokens: web::Data<TokenConfig>,
) -> Either<web::Json<User>, HttpResponse> {
    match get_current_active_user(&req, &users, &tokens, ME_SCOPES, ME_CHALLENGE) {
        Ok(user) => Either::Left(web::Json(user)),
        Err(rejection) => Either::Right(rejection.response()),
    }
}

/// `GET /users/me/items/`, by hand.
#[get("/users/me/items/")]
async fn read_own_items(
    req: HttpRequest,
    users: web::Data<UserDb>,
    tokens: web::Data<TokenConfig>,
) -> impl Responder {
    match get_current_active_user(&req, &users, &tokens, ITEMS_SCOPES, ITEMS_CHALLENGE) {
        Ok(user) => Either::Left(web::Json(
            json!([{ "item_id": "Foo", "owner": user.username }]),
        )),
        Err(rejection) => Either::Right(rejection.response()),
    }
}

/// `GET /status/`, by hand.
#[get("/status/")]
async fn read_system_status(
    req: HttpRequest,
    users: web::Data<UserDb>,
    tokens: web::Data<TokenConfig>,
) -> impl Responder {
    match get_current_user(&req, &users, &tokens, &[], STATUS_CHALLENGE) {
        Ok(_) => Either::Left(web::Json(json!({ "status": "ok" }))),
        Err(rejection) => Either::Right(rejection.response()),
    }
}

/// The routes of the hand-written app, with its data and demo-app's fallback.
pub fn configure_handwritten(cfg: &mut web::ServiceConfig, tokens: TokenConfig) {
    cfg.app_data(web::Data::new(tokens))
        .app_data(web::Data::new(UserDb::tutorial()))
        .service(read_users_me)
        .service(read_own_items)
        .service(read_system_status);
    fallback(cfg);
}

/// `GET /users/me/items/` by hand on the runtime's [`VerifiedToken`] extractor instead of
/// [`TokenConfig::verify`]: what sharing the verified claims through the request's
/// extensions (for later readers) costs.
#[get("/users/me/items/")]
async fn read_own_items_verified(
    token: Result<VerifiedToken, scopes_runtime::AuthError>,
    users: web::Data<UserDb>,
) -> impl Responder {
    let Ok(token) = token else {
        return Either::Right(reject(CREDENTIALS, ITEMS_CHALLENGE));
    };
    let Some(user) = users.get(token.sub()) else {
        return Either::Right(reject(CREDENTIALS, ITEMS_CHALLENGE));
    };
    if !ITEMS_SCOPES
        .iter()
        .all(|s| token.scopes().iter().any(|g| g == s))
    {
        return Either::Right(reject("Not enough permissions", ITEMS_CHALLENGE));
    }
    let user = user.user.clone();
    if user.disabled == Some(true) {
        return Either::Right(
            HttpResponse::BadRequest().json(json!({ "detail": "Inactive user" })),
        );
    }
    Either::Left(web::Json(
        json!([{ "item_id": "Foo", "owner": user.username }]),
    ))
}

/// The hand-written `/users/me/items/` on [`VerifiedToken`] (see
/// [`configure_handwritten`] for the plain one).
pub fn configure_handwritten_verified(cfg: &mut web::ServiceConfig, tokens: TokenConfig) {
    cfg.app_data(web::Data::new(tokens))
        .app_data(web::Data::new(UserDb::tutorial()))
        .service(read_users_me)
        .service(read_own_items_verified)
        .service(read_system_status);
    fallback(cfg);
}

/// `GET /users/me/` with no security: `johndoe`.
#[get("/users/me/")]
async fn read_users_me_open(users: web::Data<UserDb>) -> impl Responder {
    web::Json(users.get("johndoe").map(|u| u.user.clone()))
}

/// `GET /users/me/items/` with no security: the same JSON as for `johndoe`.
#[get("/users/me/items/")]
async fn read_own_items_open() -> impl Responder {
    web::Json(json!([{ "item_id": "Foo", "owner": "johndoe" }]))
}

/// `GET /status/` with no security.
#[get("/status/")]
async fn read_system_status_open() -> impl Responder {
    web::Json(json!({ "status": "ok" }))
}

/// The ceiling: the same routes and fallback, no security.
pub fn configure_noauth(cfg: &mut web::ServiceConfig) {
    cfg.app_data(web::Data::new(UserDb::tutorial()))
        .service(read_users_me_open)
        .service(read_own_items_open)
        .service(read_system_status_open);
    fallback(cfg);
}

/// demo-app's fallback (redirects, 405, 404), so that unmatched requests cost the same.
fn fallback(cfg: &mut web::ServiceConfig) {
    let routes = web::Data::new(demo_app::app::route_table());
    cfg.default_service(web::to(move |req: HttpRequest| {
        let routes = routes.clone();
        async move { routes.answer(&req) }
    }));
}
