use scopes_runtime::dependency;

#[dependency]
async fn dep(extractor: impl actix_web::FromRequest) -> impl Clone {
    let _ = extractor;
    0u8
}

fn main() {}
