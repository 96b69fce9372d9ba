//! The expansions name only absolute paths: they compile without the prelude and with
//! user items that shadow common names.
#![no_implicit_prelude]

#[allow(dead_code)]
struct Result;
#[allow(dead_code)]
struct Ok;
#[allow(dead_code)]
struct Option;
#[allow(dead_code)]
mod core {}
#[allow(dead_code)]
mod actix_web {}

#[::scopes_runtime::dependency(scopes = ["me"])]
async fn dep(scopes: ::scopes_runtime::SecurityScopes) -> &'static str {
    scopes.scope_str()
}

#[::scopes_runtime::dependency]
async fn fallible(
    _d: ::scopes_runtime::Security<dep>,
) -> ::std::result::Result<u8, ::actix_web_real::Error> {
    ::std::result::Result::Ok(1)
}

#[::scopes_runtime::secured(scopes = ["items"], dependencies = [fallible])]
async fn handler(d: ::scopes_runtime::Depends<dep>) -> &'static str {
    *d
}

extern crate actix_web as actix_web_real;

fn main() {
    let _ = actix_web_real::App::new().route("/", actix_web_real::web::get().to(handler));
}
