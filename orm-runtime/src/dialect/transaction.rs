//! Transaction control: `BEGIN` with its isolation level and settings, and SQLite's way of
//! taking the write lock inside a transaction that has only read so far.

use std::time::Duration;

use crate::dialect::Dialect;
use crate::error::Result;
use crate::dialect::begin::Begin;

/// The `BEGIN` a connection sends: `BEGIN [ISOLATION LEVEL ...]` and the `SET LOCAL`s of
/// its settings in one batch (PostgreSQL), or `BEGIN` / `BEGIN IMMEDIATE` (SQLite). Only
/// integers (milliseconds) and fixed keywords reach the text.
pub(crate) fn render_begin(d: &dyn Dialect, b: &Begin) -> String {
    let caps = d.capabilities();
    let mut sql = String::from("BEGIN");
    if caps.begin_immediate && b.write_lock {
        sql.push_str(" IMMEDIATE");
    }
    if caps.isolation_levels {
        if let Some(level) = b.isolation {
            sql.push_str(" ISOLATION LEVEL ");
            sql.push_str(level.as_sql());
        }
    }
    if caps.transaction_settings {
        if let Some(t) = b.statement_timeout {
            sql.push_str(&format!("; SET LOCAL statement_timeout = {}", t.map_or(0, millis)));
        }
        if let Some(t) = b.lock_timeout {
            sql.push_str(&format!("; SET LOCAL lock_timeout = {}", t.map_or(0, millis)));
        }
    }
    sql
}

/// A statement that changes nothing but makes the open transaction a write transaction
/// (SQLite: `DELETE FROM "t" WHERE 0` takes the database's write lock, waiting for another
/// writer up to the busy timeout, and fails with `SQLITE_BUSY_SNAPSHOT` when another
/// connection committed since this transaction's first read). `table` is any table of the
/// database.
pub(crate) fn write_lock_statement(d: &dyn Dialect, table: &str) -> Result<String> {
    let mut sql = String::from("DELETE FROM ");
    d.push_identifier(&mut sql, table)?;
    sql.push_str(" WHERE 0");
    Ok(sql)
}

/// Milliseconds for `SET LOCAL ... = <n>` (at least 1: 0 would turn the timeout off).
fn millis(d: Duration) -> u128 {
    d.as_millis().max(1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dialect::{Postgres, Sqlite};
    use crate::dialect::begin::IsolationLevel;

    #[test]
    fn begin_statements_per_dialect() {
        let plain = Begin::default();
        let serializable = Begin { isolation: Some(IsolationLevel::Serializable), ..plain };
        let locked = Begin { write_lock: true, ..serializable };
        let timed =
            Begin { statement_timeout: Some(Some(Duration::from_millis(250))), lock_timeout: Some(None), ..locked };
        assert_eq!(render_begin(&Sqlite, &plain), "BEGIN");
        assert_eq!(render_begin(&Sqlite, &serializable), "BEGIN");
        assert_eq!(render_begin(&Sqlite, &locked), "BEGIN IMMEDIATE");
        assert_eq!(render_begin(&Sqlite, &timed), "BEGIN IMMEDIATE");
        assert_eq!(render_begin(&Postgres, &plain), "BEGIN");
        assert_eq!(render_begin(&Postgres, &serializable), "BEGIN ISOLATION LEVEL SERIALIZABLE");
        assert_eq!(render_begin(&Postgres, &locked), "BEGIN ISOLATION LEVEL SERIALIZABLE");
        assert_eq!(
            render_begin(&Postgres, &timed),
            "BEGIN ISOLATION LEVEL SERIALIZABLE; SET LOCAL statement_timeout = 250; SET LOCAL lock_timeout = 0"
        );
        assert_eq!(write_lock_statement(&Sqlite, "a\"b").unwrap(), r#"DELETE FROM "a""b" WHERE 0"#);
    }
}
