use scopes_runtime::{Authorized, Security, assert_required_scopes, dependency, secured};

#[dependency(scopes = ["me"])]
async fn current_user(_token: Security<Authorized>) {}

#[secured(scopes = ["items"])]
async fn read_items(_user: Security<current_user>) -> &'static str {
    "[]"
}

assert_required_scopes!(read_items, ["items"]);

fn main() {}
