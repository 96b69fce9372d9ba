use scopes_runtime::dependency;

mod db {}

#[dependency]
async fn db() -> u8 {
    0
}

fn main() {}
