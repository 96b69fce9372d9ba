use scopes_runtime::{Security, dependency};

async fn current_user() -> u8 {
    0
}

#[dependency]
async fn active_user(user: Security<current_user>) -> u8 {
    *user
}

fn main() {}
