//! SQL dialects: the AST rendered as SQL text plus bound parameters. No I/O happens here.
//!
//! [`Dialect`] has a default rendering for everything; [`Sqlite`] and [`Postgres`] override
//! only what differs (placeholders, type names, auto-increment, ILIKE). What a dialect can do
//! is data ([`Capabilities`]).

pub(crate) mod begin;
mod ddl;
mod inspect;
mod postgres;
mod render;
mod sqlite;
mod transaction;

pub use self::postgres::Postgres;
pub use self::sqlite::Sqlite;
pub use ddl::{column_check_name, render_ddl, render_ddl_with};
#[cfg(feature = "postgres")]
pub(crate) use inspect::written_target;
pub use render::{render, Rendered};
pub(crate) use transaction::{
    commit_statement, is_transaction_control, render_begin, rerun_is_harmless, rollback_statement, savepoint_statement,
    transaction_effect, write_lock_statement, SavepointCommand, TransactionEffect,
};

use crate::error::{Error, Result};
use crate::expr::{Builtin, BuiltinSql, SqlPart};
use crate::schema::ColumnDef;
use crate::types::SqlKind;

/// Which dialect, as a small copyable key (for caches).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DialectKind {
    /// SQLite.
    Sqlite,
    /// PostgreSQL.
    Postgres,
}

impl DialectKind {
    /// The dialect's renderer.
    pub fn dialect(self) -> &'static dyn Dialect {
        match self {
            DialectKind::Sqlite => &Sqlite,
            DialectKind::Postgres => &Postgres,
        }
    }
}

impl From<DialectKind> for &'static dyn Dialect {
    fn from(kind: DialectKind) -> Self {
        kind.dialect()
    }
}

/// What a dialect supports, as data.
#[derive(Debug, Clone, Copy)]
pub struct Capabilities {
    /// Most bind parameters one statement may carry.
    pub max_params: usize,
    /// Array parameters: a list of values compared with a column is one parameter
    /// (`"t"."c" IN (SELECT unnest($1::int8[]))`), so the statement's text does not depend
    /// on the list's length (see [`Dialect::array_type`]).
    pub array_params: bool,
    /// Longest identifier in bytes (longer ones are refused, not truncated).
    pub max_identifier_len: usize,
    /// `NULLS FIRST` / `NULLS LAST` in ORDER BY.
    pub nulls_ordering: bool,
    /// Native `ILIKE`.
    pub ilike: bool,
    /// Members of a compound select (`UNION`, ...) may be parenthesized (SQLite refuses it).
    pub parenthesized_compound_members: bool,
    /// Row locks (`FOR UPDATE`, `FOR SHARE`, `NOWAIT`, `SKIP LOCKED`, `OF`). Without them a
    /// locking read takes the database's write lock instead (SQLite).
    pub row_locks: bool,
    /// `BEGIN ISOLATION LEVEL ...`. Without it (SQLite) transactions are serializable, and
    /// `READ COMMITTED` is had by reading outside a transaction until the first write.
    pub isolation_levels: bool,
    /// `BEGIN IMMEDIATE`: a transaction may take the database's write lock when it begins.
    pub begin_immediate: bool,
    /// `SET LOCAL` of settings (timeouts) for one transaction.
    pub transaction_settings: bool,
    /// `LIKE` stops at a NUL character (SQLite): `contains` / `starts_with` / `ends_with` then
    /// compare bytes (`instr` / `substr` over `CAST(.. AS BLOB)`) instead of using LIKE.
    pub like_stops_at_nul: bool,
    /// The driver binds plain values (text, bytes, numbers, booleans, NULL) borrowed, without a
    /// conversion step (rusqlite): batched INSERTs bind them so.
    pub borrowed_binds: bool,
    /// Generated keys are read from the connection's last inserted rowid, one prepared
    /// single-row INSERT per row (SQLite), not from a multi-row `RETURNING`.
    pub keys_by_rowid: bool,
}

/// A SQL dialect. Default methods render standard SQL.
pub trait Dialect: std::fmt::Debug + Send + Sync {
    /// Human-readable name ("SQLite", "PostgreSQL").
    fn name(&self) -> &'static str;
    /// Which database it is, for users (e.g. `Session::dialect_kind`). Rendering and query
    /// decisions never match on it: each difference is a method of this trait or a field of
    /// [`Capabilities`].
    fn kind(&self) -> DialectKind;
    /// A small index of the dialect for caches of rendered text (`0` SQLite, `1` PostgreSQL);
    /// a statement cache keeps one text per slot.
    fn cache_slot(&self) -> usize {
        self.kind() as usize
    }
    /// What it supports.
    fn capabilities(&self) -> Capabilities;

    /// Append the placeholder of the `n`-th (1-based) parameter.
    fn push_placeholder(&self, out: &mut String, n: usize);

    /// Append a quoted identifier after checking it.
    fn push_identifier(&self, out: &mut String, ident: &str) -> Result<()> {
        push_quoted(out, ident, self.capabilities().max_identifier_len)
    }

    /// The type name used in CAST (and in DDL, through [`column_type_name`]).
    ///
    /// [`column_type_name`]: Dialect::column_type_name
    fn type_name(&self, kind: SqlKind, max_length: Option<u32>) -> String {
        self.column_type_name(kind, max_length, None)
    }

    /// The type name of a column in DDL: with its `max_length` (`VARCHAR(n)`) and, for
    /// [`SqlKind::Numeric`], its precision and scale (`NUMERIC(p, s)`) where the dialect has
    /// them. Dialects override this one, not [`type_name`](Dialect::type_name).
    fn column_type_name(&self, kind: SqlKind, max_length: Option<u32>, numeric: Option<(u32, u32)>) -> String {
        standard_type_name(kind, max_length, numeric)
    }

    /// The column type and key clause of an auto-increment primary key column.
    fn auto_increment_column(&self, col: &ColumnDef) -> String;

    /// How the dialect writes a function whose spelling is not standard; `None` when it has
    /// none (rendering then fails with [`Error::Unsupported`]). The default is the spelling
    /// both built-in dialects share.
    fn builtin(&self, func: Builtin) -> Option<BuiltinSql> {
        standard_builtin(func)
    }

    /// The LIMIT that means "no limit", for an OFFSET without a LIMIT (`LIMIT ALL OFFSET ?`).
    fn no_limit(&self) -> &'static str {
        "ALL"
    }

    /// The ESCAPE clause of LIKE, for patterns escaped with a backslash. The default is an
    /// `E''` string (PostgreSQL), read the same whatever `standard_conforming_strings` says (a
    /// plain `'\\'` would be an unterminated string with it off).
    fn like_escape(&self) -> &'static str {
        " ESCAPE E'\\\\'"
    }

    /// How many rows of `width` bound columns, `copied` of them bound as text or bytes the
    /// database copies (see [`Dialect::binds_by_copy`]), one multi-row INSERT should carry
    /// (before the bind-parameter limit). The default, up to 1000 rows, saves round trips on
    /// PostgreSQL (500 to 2000 measured the same on 10,000 rows; 4000 and more were slower).
    fn insert_rows_per_statement(&self, width: usize, copied: usize) -> usize {
        let _ = (width, copied);
        1000
    }

    /// Whether a parameter of this kind is bound as text or bytes that the database copies
    /// into memory of its own (what [`Dialect::insert_rows_per_statement`] counts as
    /// `copied`); none by default.
    fn binds_by_copy(&self, kind: crate::types::SqlKind) -> bool {
        let _ = kind;
        false
    }

    /// The statement a pool's checkout probe runs to see that a connection is alive and idle
    /// (outside any transaction block); `None` when the driver tells that without one
    /// (SQLite's autocommit flag).
    fn idle_probe(&self) -> Option<&'static str> {
        None
    }

    /// The SQL name of the array type of `values` (`int8[]`), for a list sent as one array
    /// parameter; `None` where arrays are not parameters (see
    /// [`Capabilities::array_params`]) or for a kind without one.
    fn array_type(&self, values: &crate::types::ArrayValues) -> Option<&'static str> {
        let _ = values;
        None
    }

    /// The query that reads, once per new connection, the server's default isolation level
    /// (one row, one text column such as `read committed`); `None` when the database has one
    /// level only (SQLite).
    fn default_isolation_query(&self) -> Option<&'static str> {
        None
    }

    /// The bound right operand of `doc -> ?` / `doc ->> ?` that selects the object member
    /// `key`. The default (PostgreSQL) binds the key itself.
    fn json_key(&self, key: &str) -> crate::types::Value {
        crate::types::Value::Text(key.to_owned())
    }
}

/// The spelling of a [`Builtin`] that both built-in dialects share; `None` for the others.
pub(crate) fn standard_builtin(func: Builtin) -> Option<BuiltinSql> {
    Some(match func {
        Builtin::Trim => BuiltinSql::Call("TRIM"),
        Builtin::LTrim => BuiltinSql::Call("LTRIM"),
        Builtin::RTrim => BuiltinSql::Call("RTRIM"),
        Builtin::Replace => BuiltinSql::Call("REPLACE"),
        Builtin::Substr => BuiltinSql::Call("SUBSTR"),
        Builtin::NullIf => BuiltinSql::Call("NULLIF"),
        Builtin::CurrentDate => BuiltinSql::Template(&[SqlPart::Text("CURRENT_DATE")]),
        Builtin::CurrentTimestamp => BuiltinSql::Template(&[SqlPart::Text("CURRENT_TIMESTAMP")]),
        Builtin::CurrentTimestampTz => BuiltinSql::Template(&[SqlPart::Text("CURRENT_TIMESTAMP")]),
        _ => return None,
    })
}

/// Standard SQL type names, shared by the dialects.
pub(crate) fn standard_type_name(kind: SqlKind, max_length: Option<u32>, numeric: Option<(u32, u32)>) -> String {
    match kind {
        SqlKind::SmallInt => "SMALLINT".into(),
        SqlKind::Integer => "INTEGER".into(),
        SqlKind::BigInt => "BIGINT".into(),
        SqlKind::Real => "REAL".into(),
        SqlKind::Double => "DOUBLE PRECISION".into(),
        SqlKind::Boolean => "BOOLEAN".into(),
        SqlKind::Text => match max_length {
            Some(n) => format!("VARCHAR({n})"),
            None => "TEXT".into(),
        },
        SqlKind::Blob => "BLOB".into(),
        SqlKind::Json => "JSON".into(),
        SqlKind::Uuid => "UUID".into(),
        SqlKind::Timestamp => "TIMESTAMP".into(),
        SqlKind::TimestampTz => "TIMESTAMP WITH TIME ZONE".into(),
        SqlKind::Date => "DATE".into(),
        SqlKind::Time => "TIME".into(),
        SqlKind::Numeric => match numeric {
            Some((p, s)) => format!("NUMERIC({p}, {s})"),
            None => "NUMERIC".into(),
        },
    }
}

/// Append `ident` in double quotes (inner quotes doubled) after checking it, in one pass.
#[inline]
pub(crate) fn push_quoted(out: &mut String, ident: &str, max_len: usize) -> Result<()> {
    let bytes = ident.as_bytes();
    let mut has_quote = false;
    for &b in bytes {
        has_quote |= b == b'"';
        if b == 0 {
            return check_identifier(ident, max_len);
        }
    }
    if bytes.is_empty() || bytes.len() > max_len {
        return check_identifier(ident, max_len);
    }
    out.push('"');
    if has_quote {
        out.push_str(&ident.replace('"', "\"\""));
    } else {
        out.push_str(ident);
    }
    out.push('"');
    Ok(())
}

/// Refuse identifiers that cannot be quoted safely or would be silently truncated.
pub(crate) fn check_identifier(ident: &str, max_len: usize) -> Result<()> {
    let reason = if ident.is_empty() {
        "empty"
    } else if ident.contains('\0') {
        "contains a NUL character"
    } else if ident.len() > max_len {
        "longer than the database's identifier limit"
    } else {
        return Ok(());
    };
    Err(Error::InvalidIdentifier { name: ident.to_owned(), reason })
}
