// A `#[public]` handler whose dependencies require scopes would be documented as open and
// refuse everyone without them.
use scopes_runtime::{Authorized, Security, dependency, public};

#[dependency(scopes = ["me"])]
async fn current_user(token: Security<Authorized>) -> String {
    token.sub().to_owned()
}

#[public]
async fn profile(user: Security<current_user>) -> String {
    user.into_inner()
}

fn main() {}
