use actix_web::get;
use scopes_runtime::dependency;

#[dependency]
#[get("/")]
async fn dep() -> &'static str {
    "ok"
}

fn main() {}
