use scopes_runtime::dependency;

#[dependency]
async fn dep() -> u8
where
    u8: Copy,
{
    0
}

fn main() {}
