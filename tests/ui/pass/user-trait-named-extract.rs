// A trait of the user's with a method named like the runtime's, implemented for every type
// and in scope where the macros expand, does not take over the generated extraction.
#![deny(warnings)]

use actix_web::{HttpRequest, web};
use scopes_runtime::{Security, dependency, secured};

#[allow(dead_code)]
trait Extract: Sized {
    fn extract(self, cx: &mut u8) -> u8;
}

impl<T> Extract for T {
    fn extract(self, cx: &mut u8) -> u8 {
        *cx
    }
}

#[dependency]
async fn header_count(req: HttpRequest, limit: web::Data<usize>) -> usize {
    req.headers().len().min(**limit)
}

#[secured]
async fn handler(count: Security<header_count>) -> String {
    count.to_string()
}

fn main() {
    let _ = actix_web::App::new().route("/", web::get().to(handler));
}
