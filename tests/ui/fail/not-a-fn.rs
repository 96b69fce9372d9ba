use scopes_runtime::dependency;

#[dependency]
struct NotAFn;

fn main() {}
