// The only checking dependency sits beside the node that names `b`, not below it: it sees
// `a` on its path, never `b`, so no request could pass. Refused at compile time.
use scopes_runtime::{Authorized, Security, dependency, secured};

#[dependency(scopes = ["b"])]
async fn names_b() {}

#[secured(scopes = ["a"])]
async fn handler(_b: Security<names_b>, _token: Security<Authorized>) -> &'static str {
    "never"
}

fn main() {}
