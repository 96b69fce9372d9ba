use scopes_runtime::dependency;

#[dependency(scopes = ["read users"])]
async fn dep() {}

fn main() {}
