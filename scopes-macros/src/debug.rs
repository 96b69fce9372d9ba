//! `SCOPES_MACROS_DEBUG=1` prints each expansion to stderr, as axum and Rocket do.

use proc_macro2::TokenStream;

pub(crate) fn maybe_print(name: &str, tokens: &TokenStream) {
    if std::env::var_os("SCOPES_MACROS_DEBUG").is_some_and(|v| v != "0") {
        eprintln!("// scopes-macros expansion of `{name}`\n{tokens}\n");
    }
}
