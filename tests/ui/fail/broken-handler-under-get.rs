// One mistake, one error: the handler with the bad scope still becomes a wrapper the route
// macro below accepts, and keeps its description for `handler_info!`.
use actix_web::{App, get};
use scopes_runtime::{Security, dependency, handler_info, secured};

#[dependency]
async fn current_user() -> String {
    "johndoe".to_owned()
}

#[secured(scopes = ["bad scope"])]
#[get("/items")]
async fn read_items(user: Security<current_user>) -> String {
    user.into_inner()
}

scopes_runtime::assert_required_scopes!(read_items, ["items"]);

fn main() {
    let _ = App::new().service(read_items);
    let _ = handler_info!(read_items).name;
}
