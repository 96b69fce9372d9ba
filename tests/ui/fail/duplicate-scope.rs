use scopes_runtime::secured;

#[secured(scopes = ["items", "me", "items"])]
async fn handler() -> &'static str {
    "ok"
}

fn main() {}
