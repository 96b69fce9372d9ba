use scopes_runtime::dependency;

const ITEMS: &str = "items";

#[dependency(scopes = [ITEMS, 42])]
async fn dep() {}

fn main() {}
