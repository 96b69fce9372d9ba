use scopes_runtime::secured;

#[secured(scopes = ["items"], scopes = ["me"])]
async fn handler() -> &'static str {
    "ok"
}

fn main() {}
