#![no_main]

#[path = "../checks.rs"]
mod checks;
// `crate::errors`, for the macros' `scope_expr.rs` (see `checks.rs`).
use checks::errors;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::password_form_urlencoded(data));
