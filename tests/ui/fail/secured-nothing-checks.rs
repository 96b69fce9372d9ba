// A handler that requires scopes where no dependency could check them: the route would be
// served to anyone while its documentation says it needs `admin`.
use scopes_runtime::{Security, VerifiedToken, dependency, secured};

#[dependency]
async fn current_user(token: Security<VerifiedToken>) -> String {
    token.sub().to_owned()
}

#[secured(scopes = ["admin"])]
async fn purge(_user: Security<current_user>) -> &'static str {
    "purged"
}

// Scopes from a dependency only: refused on the handler's name.
#[dependency(scopes = ["me"])]
async fn me(user: Security<current_user>) -> String {
    user.into_inner()
}

#[secured]
async fn read_me(user: Security<me>) -> String {
    user.into_inner()
}

fn main() {}
