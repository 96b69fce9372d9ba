// `#[group]` shares security between the handlers of an inline module: on anything else it
// is refused, and its prefix must be a path.
use scopes_runtime::group;

#[group(prefix = "/admin")]
fn not_a_module() {}

#[group(prefix = "admin")]
mod admin {}

fn main() {}
