use scopes_runtime::dependency;

#[dependency]
fn dep() -> u8 {
    0
}

fn main() {}
