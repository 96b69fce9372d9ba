use scopes_runtime::dependency;

#[dependency(scopes = "items")]
async fn dep() {}

fn main() {}
