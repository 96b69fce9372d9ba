//! The scope-token grammar is defined once: `scopes-macros/src/scope_token.rs` is a symbolic
//! link to the runtime's file (which `cargo package` copies in), so the macros and the
//! runtime accept exactly the same scopes.

use std::path::Path;

#[test]
fn the_macros_and_the_runtime_share_one_grammar() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let runtime = root.join("scopes-runtime/src/graph/scope_token.rs");
    let macros = root.join("scopes-macros/src/scope_token.rs");
    let link = std::fs::symlink_metadata(&macros).expect("scopes-macros/src/scope_token.rs");
    assert!(
        link.file_type().is_symlink(),
        "scopes-macros/src/scope_token.rs must stay a link to the runtime's grammar"
    );
    assert_eq!(
        std::fs::canonicalize(&macros).unwrap(),
        std::fs::canonicalize(&runtime).unwrap()
    );
}
