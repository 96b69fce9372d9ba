// A handler that takes `Security<..>` but is not marked: actix-web would say
// "`Resolved<..>: FromRequest` is not satisfied"; the graph says what to add.
use actix_web::{App, get};
use scopes_runtime::{Authorized, Security};

#[get("/me")]
async fn me(token: Security<Authorized>) -> String {
    token.sub().to_owned()
}

fn main() {
    let _ = App::new().service(me);
}
