use scopes_runtime::dependency;

struct Config;

#[dependency]
async fn dep(config: Config) -> u8 {
    let _ = config;
    0
}

fn main() {}
