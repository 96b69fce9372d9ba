use scopes_runtime::{dependency, secured};

#[dependency]
async fn check() {}

#[secured(dependencies = check)]
async fn handler() -> &'static str {
    "ok"
}

fn main() {}
