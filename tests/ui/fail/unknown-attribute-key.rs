use scopes_runtime::secured;

#[secured(scope = ["items"])]
async fn handler() -> &'static str {
    "ok"
}

fn main() {}
