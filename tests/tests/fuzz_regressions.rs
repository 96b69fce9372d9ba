//! The fuzz targets' checks (`fuzz/checks.rs`) on stable: every input of the corpus
//! (`fuzz/corpus/<target>/`) and every crash the fuzzer found (`fuzz/regressions/<target>/`,
//! each fixed) is run through the same invariants as under libFuzzer.

#[path = "../../fuzz/checks.rs"]
mod checks;
// `crate::errors`, for the macros' `scope_expr.rs` (see `checks.rs`).
use checks::errors;

use std::path::Path;

/// Runs `check` on every file of the corpus and the regressions of `target`; how many.
fn replay(target: &str, check: fn(&[u8])) -> usize {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz");
    let mut inputs = 0;
    for dir in ["corpus", "regressions"] {
        let Ok(entries) = std::fs::read_dir(root.join(dir).join(target)) else {
            assert_eq!(dir, "regressions", "no corpus for {target}");
            continue;
        };
        for entry in entries {
            let path = entry.expect("a directory entry").path();
            let data = std::fs::read(&path).expect("an input");
            let run = std::panic::catch_unwind(|| check(&data));
            assert!(run.is_ok(), "{} fails its check", path.display());
            inputs += 1;
        }
    }
    assert!(inputs > 0, "no inputs for {target}");
    inputs
}

#[test]
fn authorization_header() {
    replay("authorization_header", checks::authorization_header);
}

#[test]
fn token_verify() {
    replay("token_verify", checks::token_verify);
}

#[test]
fn password_form_urlencoded() {
    replay("password_form_urlencoded", checks::password_form_urlencoded);
}

#[test]
fn password_form_multipart() {
    replay("password_form_multipart", checks::password_form_multipart);
}

#[test]
fn scope_token() {
    replay("scope_token", checks::scope_token);
}

#[test]
fn scope_expression() {
    // syn's parser recurses per prefix operator, and a debug build's frames are large: the
    // corpus's sources need more than a test thread's 2 MiB of stack.
    let replay = || replay("scope_expression", checks::scope_expression);
    let thread = std::thread::Builder::new()
        .stack_size(64 << 20)
        .spawn(replay);
    thread
        .expect("a thread")
        .join()
        .expect("the corpus replays");
}

/// The checks can fail: inputs a wrong parser would let through are caught by them.
#[test]
fn the_checks_compare_with_their_models() {
    assert_eq!(
        checks::python_split("me\u{1c}items\u{a0} x"),
        ["me", "items", "x"]
    );
    // A model that disagreed with the runtime on these would panic.
    checks::authorization_header(b"bearer   abc.def==");
    checks::authorization_header(b"Bearer a b");
    checks::password_form_urlencoded(b"username=a&password=b&scope=me%1citems");
    checks::scope_token(b"items:read");
    checks::scope_token(b"\"quoted\"");
    checks::scope_expression(b"\0[any(\"items:read\", \"items:admin\"), \"me\"]");
    checks::scope_expression(b"\0[any(), \"me\", \"me\", other(\"x\")]");
}
