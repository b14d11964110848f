//! Compile-time checks: every misuse the macros and typed queries catch has a case under
//! `ui/` with its expected error in a committed `.stderr`; `pass/` holds the happy paths.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*/*.rs");
    t.pass("tests/pass/*.rs");
}
