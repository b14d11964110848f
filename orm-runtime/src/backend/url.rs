//! Database URLs: `sqlite::memory:`, `sqlite://path.db`, `postgres://user@host:port/db`.

use crate::error::{Error, Result};

/// A parsed database URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// A private in-memory SQLite database shared by every connection of one engine.
    SqliteMemory,
    /// A SQLite database file.
    SqliteFile(String),
    /// A PostgreSQL server (the URL as libpq understands it).
    Postgres(String),
}

impl DatabaseUrl {
    /// Parse a URL.
    ///
    /// ```
    /// use orm_runtime::backend::DatabaseUrl;
    /// assert_eq!(DatabaseUrl::parse("sqlite::memory:").unwrap(), DatabaseUrl::SqliteMemory);
    /// assert_eq!(DatabaseUrl::parse("sqlite://app.db").unwrap(), DatabaseUrl::SqliteFile("app.db".into()));
    /// ```
    pub fn parse(url: &str) -> Result<Self> {
        let invalid = |reason: &str| Error::InvalidUrl { url: redact(url), reason: reason.to_owned() };
        if url == "sqlite::memory:" || url == "sqlite://:memory:" {
            return Ok(DatabaseUrl::SqliteMemory);
        }
        if let Some(path) = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")) {
            if path.is_empty() {
                return Err(invalid("missing file path (use sqlite::memory: for an in-memory database)"));
            }
            if path.contains('\0') {
                return Err(invalid("path contains a NUL character"));
            }
            return Ok(DatabaseUrl::SqliteFile(path.to_owned()));
        }
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            url.parse::<postgres::Config>().map_err(|e| invalid(&e.to_string()))?;
            return Ok(DatabaseUrl::Postgres(url.to_owned()));
        }
        Err(invalid("expected sqlite::memory:, sqlite://PATH or postgres://USER@HOST:PORT/DB"))
    }
}

/// The URL without its password, for messages: the `user:password@` part and any
/// `password=` query parameter (libpq accepts both).
fn redact(url: &str) -> String {
    // The query starts at the first `?` after the credentials (a password may hold a `?`).
    let after_creds = url.rfind('@').map_or(0, |at| at + 1);
    let (base, query) = match url[after_creds..].find('?') {
        Some(q) => (&url[..after_creds + q], Some(&url[after_creds + q + 1..])),
        None => (url, None),
    };
    let mut out = match (base.find("://"), base.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &base[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{}:***{}", &base[..s + 3], user, &base[at..]),
                None => base.to_owned(),
            }
        }
        _ => base.to_owned(),
    };
    if let Some(query) = query {
        let params: Vec<String> = query
            .split('&')
            .map(|p| match p.split_once('=') {
                Some((k, _)) if k.eq_ignore_ascii_case("password") => format!("{k}=***"),
                _ => p.to_owned(),
            })
            .collect();
        out.push('?');
        out.push_str(&params.join("&"));
    }
    out
}

#[cfg(test)]
mod redact_tests {
    #[test]
    fn passwords_never_appear_in_messages() {
        assert_eq!(super::redact("postgres://u:secret@h/db"), "postgres://u:***@h/db");
        assert_eq!(super::redact("postgres://u@h/db?password=secret&x=1"), "postgres://u@h/db?password=***&x=1");
        assert_eq!(super::redact("postgres://u:s@h/db?PASSWORD=secret"), "postgres://u:***@h/db?PASSWORD=***");
        assert_eq!(super::redact("sqlite::memory:"), "sqlite::memory:");
        assert_eq!(super::redact("postgres://u:pa?ss@h/db"), "postgres://u:***@h/db");
    }
}
