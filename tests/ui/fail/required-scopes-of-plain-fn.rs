use scopes_runtime::required_scopes;

async fn handler() -> &'static str {
    "ok"
}

const SCOPES: &[&str] = required_scopes!(handler);

fn main() {}
