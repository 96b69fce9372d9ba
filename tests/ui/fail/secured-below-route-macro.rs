use actix_web::{Responder, get};
use scopes_runtime::secured;

#[get("/")]
#[secured]
async fn handler() -> impl Responder {
    "ok"
}

fn main() {}
