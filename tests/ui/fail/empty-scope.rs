use scopes_runtime::dependency;

#[dependency(scopes = [""])]
async fn dep() {}

fn main() {}
