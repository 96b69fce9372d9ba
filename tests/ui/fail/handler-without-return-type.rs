use scopes_runtime::secured;

#[secured]
async fn handler() {}

fn main() {}
