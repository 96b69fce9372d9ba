use scopes_runtime::dependency;

#[dependency]
const async fn dep() -> u8 {
    0
}

fn main() {}
