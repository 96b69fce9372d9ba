use scopes_runtime::dependency;

#[dependency(scopes = ["say\"hi\"", "back\\slash", "café"])]
async fn dep() {}

fn main() {}
