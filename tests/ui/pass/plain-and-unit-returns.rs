//! Dependencies may return plain values, `()`, or any `Result` alias; handlers may be bare.
use actix_web::{App, post, web};
use scopes_runtime::{Depends, dependency, secured};

#[dependency]
async fn unit() {}

#[dependency]
async fn plain(body: web::Bytes) -> usize {
    body.len()
}

#[dependency]
async fn io_result() -> std::io::Result<u8> {
    Ok(1)
}

#[dependency]
async fn r#type() -> u8 {
    2
}

#[secured(dependencies = [unit])]
#[post("/")]
async fn handler(len: Depends<plain>, one: Depends<io_result>, two: Depends<r#type>) -> String {
    format!("{} {} {}", *len, *one, *two)
}

#[secured]
async fn bare() -> &'static str {
    "bare"
}

fn main() {
    let _ = App::new().service(handler).route("/bare", web::get().to(bare));
}
