use actix_web::get;
use scopes_runtime::secured;

async fn check() {}

#[secured(dependencies = [check])]
#[get("/")]
async fn handler() -> &'static str {
    "ok"
}

fn main() {}
