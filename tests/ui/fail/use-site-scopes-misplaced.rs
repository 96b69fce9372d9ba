// `#[scopes(..)]` gives scopes to a dependency where it is used: on any other parameter it
// is refused, on that attribute; its scopes are checked as a node's are.
use actix_web::web;
use scopes_runtime::{SecurityScopes, dependency};

#[dependency]
async fn user(scopes: SecurityScopes) -> String {
    scopes.scope_str().to_owned()
}

#[dependency]
async fn misplaced(#[scopes("items")] query: web::Query<String>) -> String {
    query.into_inner()
}

#[dependency]
async fn invalid(#[scopes("read items", any())] u: scopes_runtime::Security<user>) -> String {
    u.into_inner()
}

fn main() {}
