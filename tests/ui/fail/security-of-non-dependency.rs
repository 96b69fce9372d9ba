use scopes_runtime::{Security, dependency};

struct User;

#[dependency]
async fn active_user(user: Security<User>) -> u8 {
    let _ = user;
    0
}

fn main() {}
