use scopes_runtime::secured;

#[secured("items")]
async fn handler() -> &'static str {
    "ok"
}

fn main() {}
