use scopes_runtime::secured;

#[secured(scopes = ["ok", "", "a b", "ok"], color = "red", dependencies = [1])]
fn handler<T>(&self) -> &'static str {
    "ok"
}

fn main() {}
