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

/// The URL without its password, for messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{}:***{}", &url[..s + 3], user, &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}
