// A handler in one crate, its dependency and the declaration in another: the scope literal is
// still checked against that declaration.
use scopes_runtime::{Security, secured};
use scopes_tests::shared_user;

#[secured(scopes = ["reports:reed"])]
async fn read_reports(user: Security<shared_user>) -> String {
    user.into_inner()
}

fn main() {}
