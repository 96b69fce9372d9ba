// One mistake, one error: the dependency with the bad scope still has its marker type and
// stub impls, so its two users compile quietly.
use actix_web::get;
use scopes_runtime::{Security, dependency, secured};

#[derive(Clone)]
struct User;

#[dependency(scopes = ["read users"])]
async fn current_user() -> User {
    User
}

#[dependency]
async fn active_user(user: Security<current_user>) -> User {
    user.into_inner()
}

#[secured]
#[get("/me")]
async fn me(user: Security<current_user>, active: Security<active_user>) -> &'static str {
    let _ = (user, active);
    "me"
}

scopes_runtime::assert_required_scopes!(me, []);

fn main() {
    let _ = actix_web::App::new().service(me);
}
