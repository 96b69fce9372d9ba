// A scope named twice in one node's expression is a mistake, reported on the repeat.
use scopes_runtime::{SecurityScopes, dependency};

#[dependency(scopes = [any("items:read", "items:admin"), all("me", "items:read")])]
async fn current_user(_scopes: SecurityScopes) {}

fn main() {}
