use scopes_runtime::dependency;

type Check = Result<(), actix_web::Error>;

// Taken for a plain value, its `Err` would be ignored: refused.
#[dependency]
async fn verify_key() -> Check {
    Ok(())
}

fn main() {}
