use scopes_runtime::{Security, dependency};

#[dependency]
async fn a(b: Security<b>) -> u8 {
    *b
}

#[dependency]
async fn b(a: Security<a>) -> u8 {
    *a
}

fn main() {}
