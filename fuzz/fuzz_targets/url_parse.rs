//! `DatabaseUrl::parse` on arbitrary text: a typed error or a URL, never a panic; the error's
//! copy of the URL never shows the password of a `scheme://user:password@host` URL.
//!
//! With `ORM_FUZZ_STRICT_REDACTION=1` it also requires that a `password=` query parameter
//! never shows (a known leak at the time of writing: see fuzz/README.md).
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use orm::DatabaseUrl;

fn strict() -> bool {
    static STRICT: OnceLock<bool> = OnceLock::new();
    *STRICT.get_or_init(|| std::env::var("ORM_FUZZ_STRICT_REDACTION").is_ok_and(|v| v == "1"))
}

/// The password of `scheme://user:password@host...` (the part the redaction hides).
fn userinfo_password(text: &str) -> Option<&str> {
    let (_, rest) = text.split_once("://")?;
    let at = rest.rfind('@')?;
    let (_, password) = rest[..at].split_once(':')?;
    Some(password)
}

/// The value of a `password=` query parameter.
fn query_password(text: &str) -> Option<&str> {
    let (_, query) = text.split_once('?')?;
    query.split('&').find_map(|kv| kv.strip_prefix("password="))
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    match DatabaseUrl::parse(text) {
        Ok(url) => {
            // Parsing is a function of the text.
            assert_eq!(DatabaseUrl::parse(text).ok(), Some(url));
        }
        Err(orm::Error::InvalidUrl { url, .. }) => {
            let shown = url.split_once("://").map_or(url.as_str(), |(_, rest)| rest);
            if let Some(pw) = userinfo_password(text).filter(|p| p.len() >= 4) {
                assert!(!shown.contains(&format!(":{pw}@")), "password shown in {url:?}");
            }
            if strict() {
                if let Some(pw) = query_password(text).filter(|p| p.len() >= 4) {
                    assert!(!url.contains(pw), "password= parameter shown in {url:?}");
                }
            }
        }
        // `scheme+driver://` naming a driver this build lacks.
        Err(orm::Error::UnknownDriver { .. }) => {}
        Err(other) => panic!("unexpected error kind: {other:?}"),
    }
});
