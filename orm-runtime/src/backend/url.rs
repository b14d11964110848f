//! Database URLs in SQLAlchemy's forms, parsed into their parts.
//!
//! | URL | meaning |
//! | --- | --- |
//! | `sqlite://`, `sqlite:///:memory:`, `sqlite::memory:`, `sqlite://:memory:` | a private in-memory database, shared by the connections of one engine |
//! | `sqlite:///app.db`, `sqlite://app.db`, `sqlite:app.db` | the file `app.db`, relative to the working directory |
//! | `sqlite:////var/db/app.db`, `sqlite:/var/db/app.db` | the absolute path `/var/db/app.db` |
//! | `sqlite:///file:app.db?mode=ro` | a SQLite URI filename (SQLAlchemy's `?uri=true` is accepted too) |
//! | `postgresql://user:password@host:5432/db?param=value`, `postgres://...` | a PostgreSQL server; libpq's URI parameters |
//! | `scheme+driver://...` | the same, naming the driver: `sqlite+rusqlite`, `postgresql+postgres` |
//!
//! A password never shows: [`DatabaseUrl`]'s `Display` and `Debug`, and every error that
//! quotes a URL, write `***` in its place. [`DatabaseUrl::password`] reads it.

use std::fmt;

use crate::dialect::DialectKind;
use crate::error::{Error, Result};

/// A parsed database URL: which database, through which driver, and the URL's parts.
///
/// ```
/// use orm_runtime::backend::{DatabaseUrl, SslMode};
/// use orm_runtime::dialect::DialectKind;
///
/// let url = DatabaseUrl::parse("postgresql://app:s%40cret@db.example.com:5433/shop?sslmode=require").unwrap();
/// assert_eq!(url.dialect(), DialectKind::Postgres);
/// assert_eq!(url.driver(), "postgres");
/// assert_eq!(url.user(), Some("app"));
/// assert_eq!(url.password(), Some("s@cret")); // percent-decoded
/// assert_eq!(url.host(), Some("db.example.com"));
/// assert_eq!(url.port(), Some(5433));
/// assert_eq!(url.database(), Some("shop"));
/// assert_eq!(url.query_param("sslmode"), Some("require"));
/// assert_eq!(url.ssl_mode(), SslMode::Require);
/// // The password never shows.
/// assert_eq!(url.to_string(), "postgresql://app:***@db.example.com:5433/shop?sslmode=require");
/// assert!(!format!("{url:?}").contains("s@cret"));
///
/// let memory = DatabaseUrl::parse("sqlite:///:memory:").unwrap();
/// assert!(memory.is_memory());
/// let file = DatabaseUrl::parse("sqlite:////var/db/app.db").unwrap();
/// assert_eq!(file.database(), Some("/var/db/app.db"));
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseUrl {
    dialect: DialectKind,
    /// The scheme as written, without the driver (`postgres` or `postgresql`), for display.
    scheme: &'static str,
    /// Whether the URL named the driver (`+driver`).
    explicit_driver: bool,
    user: Option<String>,
    password: Option<String>,
    /// Each host with its port, if given (PostgreSQL accepts several, tried in order).
    hosts: Vec<(String, Option<u16>)>,
    /// PostgreSQL: the database name. SQLite: the file path (`None` in memory).
    database: Option<String>,
    /// The query parameters, decoded, in order (a `password` parameter is kept apart).
    query: Vec<(String, String)>,
    /// Whether the password came from a `password=` parameter (for display).
    password_in_query: bool,
    memory: bool,
    /// SQLite: the database is a SQLite URI filename (`file:...`).
    sqlite_uri: bool,
    ssl: SslMode,
}

/// How a PostgreSQL connection uses TLS: the URL's `sslmode`, with libpq's meanings.
///
/// Without the `tls` cargo feature, `prefer` connects in plaintext and the modes that need
/// TLS are refused ([`Error::Tls`]), as libpq built without SSL does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SslMode {
    /// Never TLS.
    Disable,
    /// TLS when the server offers it, plaintext when it refuses or the TLS handshake fails
    /// (libpq's default). The certificate is not verified, unless `sslrootcert` is given.
    Prefer,
    /// TLS or no connection. Encrypts but does not verify the certificate, unless
    /// `sslrootcert` is given (then as [`SslMode::VerifyCa`], as libpq does).
    Require,
    /// TLS, and the server's certificate chain must lead to a trusted root: `sslrootcert`
    /// (a PEM file), else libpq's `~/.postgresql/root.crt`; its host name is not checked.
    VerifyCa,
    /// As [`SslMode::VerifyCa`], and the certificate must name the host connected to.
    /// `sslrootcert=system` trusts the system's roots (and makes this the default mode).
    VerifyFull,
}

impl SslMode {
    /// The mode's name in a URL (`verify-full`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            SslMode::Disable => "disable",
            SslMode::Prefer => "prefer",
            SslMode::Require => "require",
            SslMode::VerifyCa => "verify-ca",
            SslMode::VerifyFull => "verify-full",
        }
    }

    fn from_param(value: &str) -> Option<SslMode> {
        Some(match value {
            "disable" => SslMode::Disable,
            "prefer" => SslMode::Prefer,
            "require" => SslMode::Require,
            "verify-ca" => SslMode::VerifyCa,
            "verify-full" => SslMode::VerifyFull,
            _ => return None,
        })
    }

    /// Whether this mode refuses to connect without TLS.
    pub fn requires_tls(self) -> bool {
        matches!(self, SslMode::Require | SslMode::VerifyCa | SslMode::VerifyFull)
    }
}

impl fmt::Display for SslMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Query parameters the ORM reads itself instead of passing them to the driver.
#[cfg(feature = "postgres")]
const OWN_PG_PARAMS: &[&str] = &["sslmode", "sslrootcert"];

impl DatabaseUrl {
    /// Parse a URL (the forms are listed on [`DatabaseUrl`]).
    ///
    /// Errors: [`Error::InvalidUrl`] (the URL quoted with its password replaced by `***`),
    /// [`Error::UnknownDriver`] for a `+driver` this build does not have.
    ///
    /// ```
    /// use orm_runtime::backend::DatabaseUrl;
    /// assert!(DatabaseUrl::parse("sqlite::memory:").unwrap().is_memory());
    /// assert!(DatabaseUrl::parse("sqlite://").unwrap().is_memory());
    /// assert_eq!(DatabaseUrl::parse("sqlite:///app.db").unwrap().database(), Some("app.db"));
    /// assert_eq!(DatabaseUrl::parse("sqlite://app.db").unwrap().database(), Some("app.db"));
    /// assert!(matches!(
    ///     DatabaseUrl::parse("postgresql+psycopg2://u@h/db"),
    ///     Err(orm_runtime::Error::UnknownDriver { .. })
    /// ));
    /// ```
    pub fn parse(url: &str) -> Result<Self> {
        let invalid = |reason: &str| Error::InvalidUrl { url: redact(url), reason: reason.to_owned() };
        // `sqlite:` without `//` (this crate's own short forms).
        if let Some(rest) = url.strip_prefix("sqlite:").filter(|r| !r.starts_with("//")) {
            return match rest {
                ":memory:" => Ok(DatabaseUrl::sqlite(false, None, Vec::new(), false)),
                "" => Err(invalid("missing file path (use sqlite:// or sqlite::memory: for an in-memory database)")),
                path => DatabaseUrl::sqlite_path(path, false, &invalid),
            };
        }
        let Some((scheme, rest)) = url.split_once("://") else {
            return Err(invalid(
                "expected sqlite://, sqlite:///PATH, postgresql://USER@HOST:PORT/DB (or another form listed in the docs)",
            ));
        };
        let (base, driver) = match scheme.split_once('+') {
            Some((base, driver)) => (base, Some(driver)),
            None => (scheme, None),
        };
        let (dialect, base, default_driver) = match base {
            "sqlite" => (DialectKind::Sqlite, "sqlite", "rusqlite"),
            "postgresql" => (DialectKind::Postgres, "postgresql", "postgres"),
            "postgres" => (DialectKind::Postgres, "postgres", "postgres"),
            _ => return Err(invalid("unknown database: expected sqlite, postgresql or postgres before ://")),
        };
        if let Some(driver) = driver {
            if driver != default_driver {
                return Err(Error::UnknownDriver {
                    database: base,
                    driver: driver.to_owned(),
                    available: default_driver,
                });
            }
        }
        let explicit = driver.is_some();
        match dialect {
            DialectKind::Sqlite => match rest {
                // SQLAlchemy: `sqlite://` is in memory.
                "" | ":memory:" | "/:memory:" => Ok(DatabaseUrl::sqlite(explicit, None, Vec::new(), false)),
                // SQLAlchemy: `sqlite:///rel.db` is relative, `sqlite:////abs.db` absolute.
                _ => match rest.strip_prefix('/') {
                    Some("") => Err(invalid("missing file path after sqlite:///")),
                    Some(path) => DatabaseUrl::sqlite_path(path, explicit, &invalid),
                    // `sqlite://app.db`: this crate's earlier form, the rest is the path.
                    None => DatabaseUrl::sqlite_path(rest, explicit, &invalid),
                },
            },
            _ => DatabaseUrl::postgres(base, explicit, rest, &invalid),
        }
    }

    fn sqlite(explicit: bool, database: Option<String>, query: Vec<(String, String)>, uri: bool) -> Self {
        DatabaseUrl {
            dialect: DialectKind::Sqlite,
            scheme: "sqlite",
            explicit_driver: explicit,
            user: None,
            password: None,
            hosts: Vec::new(),
            memory: database.is_none(),
            database,
            query,
            password_in_query: false,
            sqlite_uri: uri,
            ssl: SslMode::Disable,
        }
    }

    /// A SQLite file path, with an optional query only for SQLite URI filenames.
    fn sqlite_path(path: &str, explicit: bool, invalid: &dyn Fn(&str) -> Error) -> Result<Self> {
        if path.contains('\0') {
            return Err(invalid("path contains a NUL character"));
        }
        let (file, query) = match path.split_once('?') {
            Some((file, q)) => (file, Some(q)),
            None => (path, None),
        };
        if path == ":memory:" {
            return Ok(DatabaseUrl::sqlite(explicit, None, Vec::new(), false));
        }
        let Some(query) = query else {
            return Ok(DatabaseUrl::sqlite(explicit, Some(path.to_owned()), Vec::new(), false));
        };
        let mut params = parse_query(query, invalid)?;
        let uri_param = params.iter().position(|(k, v)| k == "uri" && v == "true");
        if let Some(i) = uri_param {
            params.remove(i);
        }
        if uri_param.is_none() && !file.starts_with("file:") {
            return Err(invalid(
                "a SQLite URL takes query parameters only for a SQLite URI filename \
                 (sqlite:///file:app.db?mode=ro, or SQLAlchemy's ...?mode=ro&uri=true)",
            ));
        }
        if file.is_empty() {
            return Err(invalid("missing file path"));
        }
        let file = if file.starts_with("file:") { file.to_owned() } else { format!("file:{file}") };
        Ok(DatabaseUrl::sqlite(explicit, Some(file), params, true))
    }

    fn postgres(scheme: &'static str, explicit: bool, rest: &str, invalid: &dyn Fn(&str) -> Error) -> Result<Self> {
        // SQLAlchemy's grammar: `user[:password]@` up to the first `@` (a `/` before any `:`
        // means there is no user part); the password may hold `/`, `?` and `:`.
        let (creds, rest) = match rest.find('@') {
            Some(at) if !rest[..at].split(':').next().unwrap_or("").contains(['/', '?']) => {
                (Some(&rest[..at]), &rest[at + 1..])
            }
            _ => (None, rest),
        };
        let (user, mut password) = match creds {
            Some(c) => match c.split_once(':') {
                Some((u, p)) => (Some(decode(u, invalid)?), Some(decode(p, invalid)?)),
                None => (Some(decode(c, invalid)?), None),
            },
            None => (None, None),
        };
        let user = user.filter(|u| !u.is_empty());
        let end = rest.find(['/', '?']).unwrap_or(rest.len());
        let (authority, rest) = rest.split_at(end);
        let mut hosts = Vec::new();
        if !authority.is_empty() {
            for chunk in authority.split(',') {
                hosts.push(parse_host(chunk, invalid)?);
            }
        }
        let (path, query) = match rest.split_once('?') {
            Some((p, q)) => (p, Some(q)),
            None => (rest, None),
        };
        let database = match path.strip_prefix('/') {
            Some(db) if !db.is_empty() => Some(decode(db, invalid)?),
            _ => None,
        };
        let mut query = match query {
            Some(q) => parse_query(q, invalid)?,
            None => Vec::new(),
        };
        let mut password_in_query = false;
        if let Some(i) = query.iter().position(|(k, _)| k == "password") {
            password = Some(query.remove(i).1);
            password_in_query = true;
        }
        let param = |name: &str| query.iter().rev().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
        let rootcert = param("sslrootcert");
        let ssl = match param("sslmode") {
            Some(mode) => SslMode::from_param(mode).ok_or_else(|| {
                invalid(&format!(
                    "sslmode={mode} is not one of disable, prefer, require, verify-ca, verify-full{}",
                    if mode == "allow" { " (allow is not supported: use prefer or disable)" } else { "" }
                ))
            })?,
            // libpq: sslrootcert=system makes verify-full the default.
            None if rootcert == Some("system") => SslMode::VerifyFull,
            None => SslMode::Prefer,
        };
        if rootcert == Some("system") && ssl != SslMode::VerifyFull {
            return Err(invalid(&format!("sslrootcert=system needs sslmode=verify-full, not {ssl} (as libpq)")));
        }
        let url = DatabaseUrl {
            dialect: DialectKind::Postgres,
            scheme,
            explicit_driver: explicit,
            user,
            password,
            hosts,
            database,
            query,
            password_in_query,
            memory: false,
            sqlite_uri: false,
            ssl,
        };
        // What the driver makes of it: every parameter it does not know is an error here,
        // not at the first connect.
        #[cfg(feature = "postgres")]
        url.postgres_config().map_err(|e| invalid(&e))?;
        Ok(url)
    }

    /// Which database: [`DialectKind::Sqlite`] or [`DialectKind::Postgres`].
    pub fn dialect(&self) -> DialectKind {
        self.dialect
    }

    /// The driver that connects: `rusqlite` or `postgres` (the default, or the one the URL
    /// named after `+`).
    pub fn driver(&self) -> &'static str {
        match self.dialect {
            DialectKind::Sqlite => "rusqlite",
            _ => "postgres",
        }
    }

    /// The user name (percent-decoded), from the URL or its `user` parameter.
    pub fn user(&self) -> Option<&str> {
        self.user.as_deref().or_else(|| self.query_param("user"))
    }

    /// The password (percent-decoded), from the URL or its `password` parameter. The only
    /// way to read it: `Display`, `Debug` and [`DatabaseUrl::query`] never show it.
    pub fn password(&self) -> Option<&str> {
        self.password.as_deref()
    }

    /// The (first) host, or the `host` parameter (a directory for a Unix socket).
    pub fn host(&self) -> Option<&str> {
        self.hosts.first().map(|(h, _)| h.as_str()).or_else(|| self.query_param("host"))
    }

    /// Every host of the URL with its port, in order (PostgreSQL tries them in turn).
    pub fn hosts(&self) -> impl Iterator<Item = (&str, Option<u16>)> + '_ {
        self.hosts.iter().map(|(h, p)| (h.as_str(), *p))
    }

    /// The (first) host's port as written, or the `port` parameter; `None` when the URL
    /// gives none (PostgreSQL then uses 5432).
    pub fn port(&self) -> Option<u16> {
        self.hosts.first().and_then(|(_, p)| *p).or_else(|| self.query_param("port").and_then(|p| p.parse().ok()))
    }

    /// PostgreSQL: the database name (or the `dbname` parameter). SQLite: the file's path
    /// as written (relative to the working directory unless absolute), or the SQLite URI
    /// filename; `None` for an in-memory database.
    pub fn database(&self) -> Option<&str> {
        self.database.as_deref().or_else(|| match self.dialect {
            DialectKind::Postgres => self.query_param("dbname"),
            _ => None,
        })
    }

    /// Whether this is an in-memory SQLite database.
    pub fn is_memory(&self) -> bool {
        self.memory
    }

    /// The query parameters, percent-decoded, in order; never the `password` parameter.
    pub fn query(&self) -> &[(String, String)] {
        &self.query
    }

    /// The value of query parameter `name` (the last one, if repeated).
    pub fn query_param(&self, name: &str) -> Option<&str> {
        self.query.iter().rev().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// PostgreSQL: the TLS mode (`sslmode`, default [`SslMode::Prefer`] as libpq's).
    /// SQLite: [`SslMode::Disable`].
    pub fn ssl_mode(&self) -> SslMode {
        self.ssl
    }

    /// PostgreSQL: the `sslrootcert` parameter (a PEM file of trusted roots, or `system`).
    pub fn ssl_root_cert(&self) -> Option<&str> {
        self.query_param("sslrootcert")
    }

    /// SQLite: what to open (a path or a SQLite URI filename); `None` in memory.
    pub(crate) fn sqlite_open_path(&self) -> Option<String> {
        let file = self.database.as_ref()?;
        if !self.sqlite_uri || self.query.is_empty() {
            return Some(file.clone());
        }
        let params: Vec<String> = self.query.iter().map(|(k, v)| format!("{k}={v}")).collect();
        Some(format!("{file}?{}", params.join("&")))
    }

    /// The driver's configuration: every part of the URL except the parameters the ORM
    /// reads itself (`sslmode`, `sslrootcert`). The TLS mode is set by the caller.
    ///
    /// Built as a libpq key/value string with every value quoted, so that nothing in the
    /// URL can add a parameter.
    #[cfg(feature = "postgres")]
    pub(crate) fn postgres_config(&self) -> std::result::Result<postgres::Config, String> {
        fn quote(v: &str) -> String {
            format!("'{}'", v.replace('\\', "\\\\").replace('\'', "\\'"))
        }
        let mut kv = Vec::new();
        if let Some(u) = &self.user {
            kv.push(format!("user={}", quote(u)));
        }
        if let Some(p) = self.password.as_ref().filter(|_| !self.password_in_query) {
            kv.push(format!("password={}", quote(p)));
        }
        if let Some(db) = &self.database {
            kv.push(format!("dbname={}", quote(db)));
        }
        if !self.hosts.is_empty() {
            let hosts: Vec<&str> = self.hosts.iter().map(|(h, _)| h.as_str()).collect();
            kv.push(format!("host={}", quote(&hosts.join(","))));
            if self.hosts.iter().any(|(_, p)| p.is_some()) {
                let ports: Vec<String> =
                    self.hosts.iter().map(|(_, p)| p.map(|p| p.to_string()).unwrap_or_default()).collect();
                kv.push(format!("port={}", quote(&ports.join(","))));
            }
        }
        for (k, v) in &self.query {
            if OWN_PG_PARAMS.contains(&k.as_str()) {
                continue;
            }
            if k.is_empty() || !k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                return Err(format!("invalid parameter name {k:?}"));
            }
            kv.push(format!("{k}={}", quote(v)));
        }
        if self.password_in_query {
            if let Some(p) = &self.password {
                kv.push(format!("password={}", quote(p)));
            }
        }
        // The driver's messages name the option, never its value.
        kv.join(" ").parse::<postgres::Config>().map_err(|e| e.to_string())
    }
}

/// `host`, `host:port` or `[v6]:port`, percent-decoded (a Unix socket directory is written
/// `%2Fvar%2Frun%2Fpostgresql`).
fn parse_host(chunk: &str, invalid: &dyn Fn(&str) -> Error) -> Result<(String, Option<u16>)> {
    let (host, port) = if let Some(v6) = chunk.strip_prefix('[') {
        let Some((host, after)) = v6.split_once(']') else { return Err(invalid("unclosed [ in an IPv6 host")) };
        match after {
            "" => (host, None),
            _ => match after.strip_prefix(':') {
                Some(port) => (host, Some(port)),
                None => return Err(invalid("unexpected text after an IPv6 host")),
            },
        }
    } else {
        match chunk.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (chunk, None),
        }
    };
    let port = match port {
        None | Some("") => None,
        Some(p) => Some(p.parse::<u16>().map_err(|_| invalid(&format!("port {p:?} is not a number from 0 to 65535")))?),
    };
    Ok((decode(host, invalid)?, port))
}

/// `k=v&k2=v2`, keys and values percent-decoded.
fn parse_query(query: &str, invalid: &dyn Fn(&str) -> Error) -> Result<Vec<(String, String)>> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').ok_or_else(|| invalid("a query parameter without `=`"))?;
            Ok((decode(k, invalid)?, decode(v, invalid)?))
        })
        .collect()
}

/// Percent-decoding (`%40` → `@`); a `%` not followed by two hex digits stays as it is.
fn decode(s: &str, invalid: &dyn Fn(&str) -> Error) -> Result<String> {
    String::from_utf8(decode_bytes(s)).map_err(|_| invalid("a percent-encoded part is not UTF-8"))
}

fn decode_bytes(s: &str) -> Vec<u8> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push(u8::try_from(h * 16 + l).unwrap_or(b'?'));
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    out
}

/// Percent-encoding for display: everything but unreserved characters and `extra`.
fn encode(s: &str, extra: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) || extra.as_bytes().contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

impl fmt::Display for DatabaseUrl {
    /// The URL in its normal form, with `***` for the password.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.scheme)?;
        if self.explicit_driver {
            write!(f, "+{}", self.driver())?;
        }
        f.write_str("://")?;
        let query: Vec<String> = self
            .query
            .iter()
            .map(|(k, v)| format!("{}={}", encode(k, ""), encode(v, "/:,")))
            .chain(self.password_in_query.then(|| "password=***".to_owned()))
            .collect();
        match self.dialect {
            DialectKind::Sqlite => {
                if let Some(db) = &self.database {
                    write!(f, "/{db}")?;
                }
            }
            _ => {
                if let Some(u) = &self.user {
                    f.write_str(&encode(u, ""))?;
                    if self.password.is_some() && !self.password_in_query {
                        f.write_str(":***")?;
                    }
                    f.write_str("@")?;
                }
                let hosts: Vec<String> = self
                    .hosts
                    .iter()
                    .map(|(h, p)| {
                        let h = if h.contains(':') { format!("[{h}]") } else { encode(h, "") };
                        match p {
                            Some(p) => format!("{h}:{p}"),
                            None => h,
                        }
                    })
                    .collect();
                f.write_str(&hosts.join(","))?;
                if let Some(db) = &self.database {
                    write!(f, "/{}", encode(db, ""))?;
                }
            }
        }
        if !query.is_empty() {
            write!(f, "?{}", query.join("&"))?;
        }
        Ok(())
    }
}

impl fmt::Debug for DatabaseUrl {
    /// The parts, with `***` for the password.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DatabaseUrl")
            .field("dialect", &self.dialect)
            .field("driver", &self.driver())
            .field("user", &self.user)
            .field("password", &self.password.as_ref().map(|_| "***"))
            .field("hosts", &self.hosts)
            .field("database", &self.database)
            .field("query", &self.query)
            .field("memory", &self.memory)
            .field("ssl_mode", &self.ssl)
            .finish()
    }
}

/// The URL without its password, for messages about a URL that did not parse: the
/// `user:password@` part and any `password=` query parameter (libpq accepts both).
pub(crate) fn redact(url: &str) -> String {
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
                Some((k, _)) if decode_bytes(k).eq_ignore_ascii_case(b"password") => format!("{k}=***"),
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
        assert_eq!(super::redact("postgres://h/db?pass%77ord=secret&x"), "postgres://h/db?pass%77ord=***&x");
    }
}

#[cfg(test)]
mod url_forms {
    use super::{DatabaseUrl, SslMode};
    use crate::dialect::DialectKind;
    use crate::error::Error;

    fn parse(s: &str) -> DatabaseUrl {
        DatabaseUrl::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn sqlite_memory_forms() {
        for s in ["sqlite::memory:", "sqlite://", "sqlite://:memory:", "sqlite:///:memory:", "sqlite+rusqlite://"] {
            let url = parse(s);
            assert!(url.is_memory(), "{s}");
            assert_eq!(url.database(), None, "{s}");
            assert_eq!(url.dialect(), DialectKind::Sqlite);
            assert_eq!(url.driver(), "rusqlite");
            assert_eq!(url.sqlite_open_path(), None, "{s}");
        }
        assert_eq!(parse("sqlite://").to_string(), "sqlite://");
        assert_eq!(parse("sqlite+rusqlite:///:memory:").to_string(), "sqlite+rusqlite://");
    }

    #[test]
    fn sqlite_relative_and_absolute_files() {
        // SQLAlchemy: three slashes and a relative path, four for an absolute one.
        assert_eq!(parse("sqlite:///rel.db").database(), Some("rel.db"));
        assert_eq!(parse("sqlite:///dir/rel.db").database(), Some("dir/rel.db"));
        assert_eq!(parse("sqlite:////abs/path.db").database(), Some("/abs/path.db"));
        assert_eq!(parse("sqlite+rusqlite:////abs/path.db").database(), Some("/abs/path.db"));
        // This crate's earlier forms keep their meaning.
        assert_eq!(parse("sqlite://app.db").database(), Some("app.db"));
        assert_eq!(parse("sqlite://a/b.db").database(), Some("a/b.db"));
        assert_eq!(parse("sqlite:app.db").database(), Some("app.db"));
        assert_eq!(parse("sqlite:/abs/app.db").database(), Some("/abs/app.db"));
        for s in ["sqlite:///rel.db", "sqlite:////abs/path.db"] {
            let url = parse(s);
            assert!(!url.is_memory());
            assert_eq!(url.to_string(), s);
            assert_eq!(parse(&url.to_string()), url);
        }
        assert_eq!(parse("sqlite://app.db").to_string(), "sqlite:///app.db");
    }

    #[test]
    fn sqlite_uri_filenames() {
        let url = parse("sqlite:///file:app.db?mode=ro");
        assert_eq!(url.sqlite_open_path().as_deref(), Some("file:app.db?mode=ro"));
        assert_eq!(url.query_param("mode"), Some("ro"));
        // SQLAlchemy's spelling: uri=true.
        let sa = parse("sqlite:///file:app.db?mode=ro&uri=true");
        assert_eq!(sa, url);
        assert_eq!(
            parse("sqlite:///app.db?mode=ro&uri=true").sqlite_open_path().as_deref(),
            Some("file:app.db?mode=ro")
        );
        assert_eq!(parse(&url.to_string()), url);
        // Other parameters on a plain path would be silently part of the file name: refused.
        assert!(matches!(DatabaseUrl::parse("sqlite:///app.db?timeout=5"), Err(Error::InvalidUrl { .. })));
    }

    #[test]
    fn sqlite_errors() {
        for s in ["sqlite:", "sqlite:///", "sqlite:///a\0b"] {
            assert!(matches!(DatabaseUrl::parse(s), Err(Error::InvalidUrl { .. })), "{s}");
        }
    }

    #[test]
    #[cfg(feature = "postgres")]
    fn postgres_parts() {
        for scheme in ["postgresql", "postgres", "postgresql+postgres", "postgres+postgres"] {
            let url = parse(&format!("{scheme}://app:pw@db.example.com:5433/shop?application_name=web"));
            assert_eq!(url.dialect(), DialectKind::Postgres);
            assert_eq!(url.driver(), "postgres");
            assert_eq!(url.user(), Some("app"));
            assert_eq!(url.password(), Some("pw"));
            assert_eq!(url.host(), Some("db.example.com"));
            assert_eq!(url.port(), Some(5433));
            assert_eq!(url.database(), Some("shop"));
            assert_eq!(url.query(), &[("application_name".to_owned(), "web".to_owned())]);
            assert_eq!(url.ssl_mode(), SslMode::Prefer);
            assert_eq!(url.to_string(), format!("{scheme}://app:***@db.example.com:5433/shop?application_name=web"));
        }
        let bare = parse("postgresql://localhost/test");
        assert_eq!((bare.user(), bare.password(), bare.port()), (None, None, None));
        let none = parse("postgresql:///test?host=%2Fvar%2Frun%2Fpostgresql&port=5433&user=me");
        assert_eq!(none.host(), Some("/var/run/postgresql"));
        assert_eq!(none.port(), Some(5433));
        assert_eq!(none.user(), Some("me"));
        let multi = parse("postgresql://u@h1:5432,h2,[::1]:6000/db");
        assert_eq!(multi.hosts().collect::<Vec<_>>(), vec![("h1", Some(5432)), ("h2", None), ("::1", Some(6000))]);
        assert_eq!(multi.to_string(), "postgresql://u@h1:5432,h2,[::1]:6000/db");
        let config = multi.postgres_config().unwrap();
        assert_eq!(config.get_hosts().len(), 3);
        assert_eq!(config.get_ports(), &[5432, 5432, 6000]);
    }

    #[test]
    #[cfg(feature = "postgres")]
    fn postgres_percent_decoding() {
        let url = parse("postgresql://us%3Aer:p%40ss%2Fw%3Ad@h/my%20db");
        assert_eq!(url.user(), Some("us:er"));
        assert_eq!(url.password(), Some("p@ss/w:d"));
        assert_eq!(url.database(), Some("my db"));
        let config = url.postgres_config().unwrap();
        assert_eq!(config.get_user(), Some("us:er"));
        assert_eq!(config.get_password(), Some(&b"p@ss/w:d"[..]));
        assert_eq!(config.get_dbname(), Some("my db"));
        // As SQLAlchemy: an unencoded `/`, `?` or `:` in the password is the password's.
        let raw = parse("postgresql://u:a/b?c:d@h/db");
        assert_eq!(raw.password(), Some("a/b?c:d"));
        assert_eq!(raw.database(), Some("db"));
        // A quote or backslash cannot break out of the driver's key/value string.
        let tricky = parse("postgresql://u:x'%20host=evil%5C@h/db");
        assert_eq!(tricky.postgres_config().unwrap().get_password(), Some(&b"x' host=evil\\"[..]));
        assert_eq!(tricky.postgres_config().unwrap().get_hosts().len(), 1);
    }

    #[test]
    fn passwords_never_show() {
        for s in [
            "postgresql://app:Sup3rSecret@h:5432/db",
            "postgres://app:Sup3rSecret@h/db?sslmode=require",
            "postgresql://app@h/db?password=Sup3rSecret&application_name=x",
            "postgresql+postgres://app:Sup3rSecret@h/db",
        ] {
            let url = parse(s);
            assert_eq!(url.password(), Some("Sup3rSecret"));
            for shown in [url.to_string(), format!("{url:?}"), format!("{url:#?}")] {
                assert!(!shown.contains("Sup3rSecret"), "{shown}");
                assert!(shown.contains("***"), "{shown}");
            }
            assert!(url.query().iter().all(|(k, _)| k != "password"));
        }
        // Errors quoting a URL that did not parse.
        for s in ["postgresql://app:Sup3rSecret@h:notaport/db", "postgresql://app:Sup3rSecret@h/db?sslmode=bogus"] {
            let e = DatabaseUrl::parse(s).unwrap_err();
            assert!(matches!(e, Error::InvalidUrl { .. }), "{e:?}");
            assert!(!e.to_string().contains("Sup3rSecret") && !format!("{e:?}").contains("Sup3rSecret"), "{e}");
        }
    }

    #[test]
    #[cfg(feature = "postgres")]
    fn ssl_modes() {
        for (mode, want) in [
            ("disable", SslMode::Disable),
            ("prefer", SslMode::Prefer),
            ("require", SslMode::Require),
            ("verify-ca", SslMode::VerifyCa),
            ("verify-full", SslMode::VerifyFull),
        ] {
            let url = parse(&format!("postgresql://u@h/db?sslmode={mode}&sslrootcert=/tmp/ca.pem"));
            assert_eq!(url.ssl_mode(), want);
            assert_eq!(url.ssl_root_cert(), Some("/tmp/ca.pem"));
            // The ORM reads these; the driver never sees them.
            url.postgres_config().unwrap();
        }
        assert_eq!(parse("postgresql://u@h/db?sslrootcert=system").ssl_mode(), SslMode::VerifyFull);
        for bad in ["sslmode=allow", "sslmode=verify_full", "sslmode=require&sslrootcert=system", "sslcert=c.pem"] {
            let e = DatabaseUrl::parse(&format!("postgresql://u@h/db?{bad}")).unwrap_err();
            assert!(matches!(e, Error::InvalidUrl { .. }), "{bad}: {e:?}");
        }
    }

    #[test]
    fn unknown_drivers_and_schemes() {
        for (s, db, driver) in [
            ("postgresql+psycopg2://u@h/db", "postgresql", "psycopg2"),
            ("postgres+asyncpg://u@h/db", "postgres", "asyncpg"),
            ("sqlite+pysqlite:///:memory:", "sqlite", "pysqlite"),
        ] {
            match DatabaseUrl::parse(s) {
                Err(e @ Error::UnknownDriver { .. }) => {
                    let Error::UnknownDriver { database, driver: d, .. } = &e else { unreachable!() };
                    assert_eq!((*database, d.as_str()), (db, driver));
                    assert!(e.to_string().contains(driver), "{e}");
                }
                other => panic!("{s}: {other:?}"),
            }
        }
        for s in ["mysql://u:secret@h/db", "http://x", "nonsense", "postgresql://u@h/db?x"] {
            match DatabaseUrl::parse(s) {
                Err(Error::InvalidUrl { url, .. }) => assert!(!url.contains("secret"), "{url}"),
                other => panic!("{s}: {other:?}"),
            }
        }
        // An unknown parameter is the driver's error, at parse time.
        assert!(matches!(DatabaseUrl::parse("postgresql://u@h/db?bogus=1"), Err(Error::InvalidUrl { .. })));
    }
}
