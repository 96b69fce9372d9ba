// An empty `any()` admits nobody, an empty `all()` says nothing, an unknown function is
// neither: one error each, on the call.
use scopes_runtime::{SecurityScopes, dependency};

#[dependency(scopes = [any(), "me"])]
async fn nobody(_scopes: SecurityScopes) {}

#[dependency(scopes = [all()])]
async fn nothing(_scopes: SecurityScopes) {}

#[dependency(scopes = [one_of("a", "b")])]
async fn unknown(_scopes: SecurityScopes) {}

fn main() {}
