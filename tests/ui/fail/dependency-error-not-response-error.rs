use scopes_runtime::dependency;

struct NotAnHttpError;

#[dependency]
async fn dep() -> Result<u8, NotAnHttpError> {
    Err(NotAnHttpError)
}

fn main() {}
