use scopes_runtime::{handler_info, required_scopes};

const A: &[&str] = required_scopes!(1 + 1);
const B: &[&str] = required_scopes!(a, b);
const C: &scopes_runtime::graph::NodeInfo = handler_info!();

fn main() {}
