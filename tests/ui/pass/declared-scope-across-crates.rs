// Declared scopes, from another crate's declaration, compile.
use scopes_runtime::{Security, secured};
use scopes_tests::{SharedScopes, shared_user};

#[secured(scopes = ["reports:read", any("reports:export")])]
async fn read_reports(user: Security<shared_user>) -> String {
    user.into_inner()
}

fn main() {
    assert_eq!(SharedScopes::ALL.len(), 2);
}
