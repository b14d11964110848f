//! Identifier quoting on arbitrary text, both dialects: either a typed refusal (empty, NUL,
//! over the dialect's byte limit) or `"…"` with every inner `"` doubled, which unquotes back to
//! the input exactly.
#![no_main]

use libfuzzer_sys::fuzz_target;
use orm::dialect::{Dialect, Postgres, Sqlite};

/// Undo SQL identifier quoting; `None` if `quoted` is not one well-formed quoted identifier.
fn unquote(quoted: &str) -> Option<String> {
    let inner = quoted.strip_prefix('"')?.strip_suffix('"')?;
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c == '"' {
            // A quote inside must be doubled.
            if chars.next() != Some('"') {
                return None;
            }
        }
        out.push(c);
    }
    Some(out)
}

fuzz_target!(|data: &[u8]| {
    let Ok(name) = std::str::from_utf8(data) else { return };
    for d in [&Sqlite as &dyn Dialect, &Postgres] {
        let mut out = String::from("prefix ");
        match d.push_identifier(&mut out, name) {
            Ok(()) => {
                let quoted = out.strip_prefix("prefix ").expect("appends only");
                assert_eq!(unquote(quoted).as_deref(), Some(name), "{} quoted {name:?} as {quoted}", d.name());
                assert!(!name.is_empty() && !name.contains('\0'));
                assert!(name.len() <= d.capabilities().max_identifier_len);
            }
            Err(orm::Error::InvalidIdentifier { name: n, .. }) => {
                assert_eq!(n, name);
                assert_eq!(out, "prefix ", "nothing appended on refusal");
                assert!(name.is_empty() || name.contains('\0') || name.len() > d.capabilities().max_identifier_len);
            }
            Err(other) => panic!("unexpected error kind: {other:?}"),
        }
    }
});
