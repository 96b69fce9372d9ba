// Every handler of the app's one list is `#[secured]` or `#[public]`: a plain route is
// refused where it is listed.
use actix_web::get;
use scopes_runtime::services::Services;
use scopes_runtime::{public, services};

#[public]
#[get("/health")]
async fn health() -> &'static str {
    "ok"
}

#[get("/debug")]
async fn debug() -> &'static str {
    "debug"
}

const SERVICES: Services = services![health, debug];

fn main() {
    let _ = SERVICES;
}
