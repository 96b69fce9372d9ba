use scopes_runtime::dependency;

#[dependency]
async fn dep<T: Default>() -> T {
    T::default()
}

fn main() {}
