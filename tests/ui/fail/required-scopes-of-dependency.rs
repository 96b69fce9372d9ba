use scopes_runtime::{dependency, required_scopes};

#[dependency(scopes = ["me"])]
async fn current_user() {}

const SCOPES: &[&str] = required_scopes!(current_user);

fn main() {}
