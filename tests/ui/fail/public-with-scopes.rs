// `#[public]` means open on purpose: a scope on it is a contradiction, refused on the scope.
use scopes_runtime::public;

#[public(scopes = ["admin"])]
async fn health() -> &'static str {
    "ok"
}

fn main() {}
