// A node's scopes with more alternatives than the runtime holds (16): five choices times
// four is twenty, refused on the list rather than cut.
use scopes_runtime::{Authorized, Security, secured};

#[secured(scopes = [any("a1", "a2", "a3", "a4", "a5"), any("b1", "b2", "b3", "b4")])]
async fn wide(_token: Security<Authorized>) -> &'static str {
    "too wide"
}

fn main() {}
