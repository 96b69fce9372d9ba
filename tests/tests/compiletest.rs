//! UI tests: every compile error the macros give, with its `.stderr`, and the shapes that
//! must compile. Regenerate with `TRYBUILD=overwrite` and read the diff before committing.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.pass("ui/pass/*.rs");
    t.compile_fail("ui/fail/*.rs");
}
