//! SQLite connections: pragmas on open, cached prepared statements, `BEGIN IMMEDIATE`.

use std::time::Duration;

use crate::backend::error_map::from_sqlite;
use crate::error::Result;
use crate::types::RowRef;

/// Statements cached per connection.
const STATEMENT_CACHE: usize = 256;

/// How long a writer waits for another writer's lock before `Busy`.
pub(crate) const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Open a SQLite connection with the ORM's settings: foreign keys on, a busy timeout, WAL for
/// files, double-quoted string literals off, case-sensitive LIKE (as on PostgreSQL).
pub(crate) fn open(path: &str, memory: bool) -> Result<rusqlite::Connection> {
    use rusqlite::OpenFlags;
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_CREATE
        | OpenFlags::SQLITE_OPEN_URI
        | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = rusqlite::Connection::open_with_flags(path, flags).map_err(|e| from_sqlite(e, None))?;
    configure(&conn, memory).map_err(|e| from_sqlite(e, None))?;
    Ok(conn)
}

fn configure(conn: &rusqlite::Connection, memory: bool) -> rusqlite::Result<()> {
    use rusqlite::config::DbConfig;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_DQS_DML, false)?;
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_DQS_DDL, false)?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.pragma_update(None, "case_sensitive_like", "ON")?;
    if !memory {
        let _mode: String = conn.pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
    }
    Ok(())
}

/// Bind `params` to `stmt`, one by one (rusqlite's generic `Params` path inlined unevenly
/// from build to build: +5 % instructions on bulk inserts for an unrelated change). A count
/// that differs from the statement's placeholders is refused, as rusqlite's `execute` does.
fn bind<P: rusqlite::ToSql>(stmt: &mut rusqlite::CachedStatement<'_>, params: &[P]) -> rusqlite::Result<()> {
    let expected = stmt.parameter_count();
    if params.len() != expected {
        return Err(rusqlite::Error::InvalidParameterCount(params.len(), expected));
    }
    for (i, p) in params.iter().enumerate() {
        stmt.raw_bind_parameter(i + 1, p)?;
    }
    Ok(())
}

pub(crate) fn execute<P: rusqlite::ToSql>(conn: &rusqlite::Connection, sql: &str, params: &[P]) -> Result<u64> {
    let mut stmt = conn.prepare_cached(sql).map_err(|e| from_sqlite(e, None))?;
    let before = conn.total_changes();
    bind(&mut stmt, params).map_err(|e| from_sqlite(e, None))?;
    let n = stmt.raw_execute().map_err(|e| from_sqlite(e, None))?;
    // SQLite's per-statement count is the last INSERT / UPDATE / DELETE's, also after DDL;
    // the running total moves only when this statement changed rows.
    Ok(if conn.total_changes() == before { 0 } else { n as u64 })
}

/// Run a query; `f` returns whether to go on with the next row.
pub(crate) fn query<P: rusqlite::ToSql>(
    conn: &rusqlite::Connection,
    sql: &str,
    params: &[P],
    f: &mut dyn FnMut(&RowRef<'_>) -> Result<bool>,
) -> Result<()> {
    let mut stmt = conn.prepare_cached(sql).map_err(|e| from_sqlite(e, None))?;
    bind(&mut stmt, params).map_err(|e| from_sqlite(e, None))?;
    let mut rows = stmt.raw_query();
    while let Some(row) = rows.next().map_err(|e| from_sqlite(e, None))? {
        if !f(&RowRef::Sqlite(row))? {
            break;
        }
    }
    Ok(())
}

/// Binds a statement's parameters one at a time, in order (see [`execute_binding`]). SQLite
/// copies each value as it is bound, so nothing bound has to outlive the call.
pub(crate) struct Binder<'s, 'c> {
    stmt: &'s mut rusqlite::CachedStatement<'c>,
    /// The next placeholder (1-based).
    next: usize,
    /// The statement's number of placeholders.
    expected: usize,
}

impl std::fmt::Debug for Binder<'_, '_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Binder").field("next", &self.next).field("expected", &self.expected).finish()
    }
}

impl Binder<'_, '_> {
    /// Bind `p` to the next placeholder; more values than placeholders is refused.
    pub(crate) fn bind(&mut self, p: &crate::types::Param<'_>) -> Result<()> {
        if self.next > self.expected {
            return Err(from_sqlite(rusqlite::Error::InvalidParameterCount(self.next, self.expected), None));
        }
        // Plain kinds bind without a conversion step (as Core's batched INSERT binds them).
        let r = match crate::types::lent::Lent::of(p) {
            Some(lent) => self.stmt.raw_bind_parameter(self.next, lent),
            None => self.stmt.raw_bind_parameter(self.next, p),
        };
        r.map_err(|e| from_sqlite(e, None))?;
        self.next += 1;
        Ok(())
    }
}

/// Execute `sql`, its parameters bound in turn by `bind` (each copied by SQLite as it is
/// bound: a caller binds values borrowed from one object after another, without collecting
/// them). Fewer or more values than placeholders is refused before the statement runs.
pub(crate) fn execute_binding(
    conn: &rusqlite::Connection,
    sql: &str,
    bind: &mut dyn FnMut(&mut Binder<'_, '_>) -> Result<()>,
) -> Result<u64> {
    let mut stmt = conn.prepare_cached(sql).map_err(|e| from_sqlite(e, None))?;
    let expected = stmt.parameter_count();
    let before = conn.total_changes();
    let mut binder = Binder { stmt: &mut stmt, next: 1, expected };
    bind(&mut binder)?;
    let bound = binder.next - 1;
    if bound != expected {
        return Err(from_sqlite(rusqlite::Error::InvalidParameterCount(bound, expected), None));
    }
    let n = stmt.raw_execute().map_err(|e| from_sqlite(e, None))?;
    Ok(if conn.total_changes() == before { 0 } else { n as u64 })
}
