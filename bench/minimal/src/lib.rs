//! The benchmarks' second baseline: FastAPI's tutorial route `GET /users/me/items/` written
//! the obvious way on plain actix-web and `jsonwebtoken`, sharing nothing with
//! `scopes-runtime` or demo-app (no token config, no extractor, no middleware, no logging,
//! no fallback service).
//!
//! One handler does what the tutorial's `get_current_user`, `get_current_active_user` and
//! `read_own_items` do together: read `Authorization: Bearer <token>`, `jsonwebtoken::decode`
//! it (HS256 with the tutorial's key, `exp` required and checked) into `{ sub, scopes }`,
//! look `sub` up in a `HashMap` of the tutorial's `fake_users_db`, check that `items` and
//! `me` were granted and that the user is not disabled, and answer
//! `[{"item_id":"Foo","owner":"johndoe"}]`. Refusals are the tutorial's: 401
//! `{"detail":"Not authenticated"}` with `WWW-Authenticate: Bearer` without a bearer token,
//! 401 "Could not validate credentials" or "Not enough permissions" with
//! `WWW-Authenticate: Bearer scope="items me"`, 400 "Inactive user".
//!
//! The `minimal-server` binary serves [`configure`]; the benchmark harness calls it in
//! process too (allocations per request).

use std::collections::HashMap;

use actix_web::http::header::{AUTHORIZATION, WWW_AUTHENTICATE};
use actix_web::{HttpRequest, HttpResponse, get, web};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;
use serde_json::json;

/// The tutorial's `SECRET_KEY`, used as the bytes of this string (as python-jose does).
pub const SECRET_KEY: &str = "09d25e094faa6ca2556c818166b7a9563b93f7099f6f0f4caa6cf63b88e8d3e7";

/// The route's scopes in the tutorial's order: the handler's `items`, then the `me` of
/// `get_current_active_user`.
const REQUIRED_SCOPES: [&str; 2] = ["items", "me"];
const CHALLENGE: &str = "Bearer scope=\"items me\"";
const CREDENTIALS: &str = "Could not validate credentials";

/// The claims the route reads (the tutorial's `TokenData`).
#[derive(Deserialize)]
struct Claims {
    sub: String,
    #[serde(default)]
    scopes: Vec<String>,
}

/// A user of the tutorial's `fake_users_db`.
#[derive(Debug, Clone)]
pub struct User {
    /// The login name.
    pub username: String,
    /// The full name.
    pub full_name: String,
    /// The e-mail address.
    pub email: String,
    /// Whether the account is disabled.
    pub disabled: bool,
}

/// What the route needs: the decoding key, the validation rules and the users.
pub struct AppState {
    key: DecodingKey,
    validation: Validation,
    users: HashMap<String, User>,
}

impl AppState {
    /// The tutorial's key and users (`johndoe`, and `alice`, who is disabled).
    pub fn tutorial() -> Self {
        let user = |username: &str, full_name: &str, email: &str, disabled: bool| {
            let user = User {
                username: username.to_owned(),
                full_name: full_name.to_owned(),
                email: email.to_owned(),
                disabled,
            };
            (username.to_owned(), user)
        };
        Self {
            key: DecodingKey::from_secret(SECRET_KEY.as_bytes())
                .expect("the tutorial's key is not empty"),
            // HS256 only; `exp` required and checked (jsonwebtoken's defaults).
            validation: Validation::new(Algorithm::HS256),
            users: HashMap::from([
                user("johndoe", "John Doe", "johndoe@example.com", false),
                user("alice", "Alice Chains", "alicechains@example.com", true),
            ]),
        }
    }
}

/// A 401 `{"detail": ..}` with `WWW-Authenticate: <challenge>`.
fn unauthorized(detail: &str, challenge: &'static str) -> HttpResponse {
    HttpResponse::Unauthorized()
        .insert_header((WWW_AUTHENTICATE, challenge))
        .json(json!({ "detail": detail }))
}

/// The token of `Authorization: Bearer <token>` (the scheme in any case, as FastAPI's
/// `OAuth2PasswordBearer` reads it).
fn bearer(req: &HttpRequest) -> Option<&str> {
    let value = req.headers().get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then_some(token)
}

/// `GET /users/me/items/`: the tutorial's three functions in one.
#[get("/users/me/items/")]
async fn read_own_items(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let Some(token) = bearer(&req) else {
        return unauthorized("Not authenticated", "Bearer");
    };
    let Ok(token) = jsonwebtoken::decode::<Claims>(token, &state.key, &state.validation) else {
        return unauthorized(CREDENTIALS, CHALLENGE);
    };
    let Some(user) = state.users.get(&token.claims.sub) else {
        return unauthorized(CREDENTIALS, CHALLENGE);
    };
    let granted = &token.claims.scopes;
    if !REQUIRED_SCOPES
        .iter()
        .all(|scope| granted.iter().any(|g| g == scope))
    {
        return unauthorized("Not enough permissions", CHALLENGE);
    }
    if user.disabled {
        return HttpResponse::BadRequest().json(json!({ "detail": "Inactive user" }));
    }
    HttpResponse::Ok().json(json!([{ "item_id": "Foo", "owner": user.username }]))
}

/// The app: its state and its one route.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.app_data(web::Data::new(AppState::tutorial()))
        .service(read_own_items);
}
