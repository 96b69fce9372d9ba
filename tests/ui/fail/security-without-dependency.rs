use scopes_runtime::{Security, dependency};

#[dependency]
async fn dep(a: Security, b: Security<u8, u16>) {}

fn main() {}
