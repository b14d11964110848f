//! Transaction control: `BEGIN` with its isolation level and settings, and SQLite's way of
//! taking the write lock inside a transaction that has only read so far.

use std::time::Duration;

use crate::dialect::begin::Begin;
use crate::dialect::Dialect;
use crate::error::Result;

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

/// `COMMIT`.
pub(crate) fn commit_statement(d: &dyn Dialect) -> &'static str {
    let _ = d;
    "COMMIT"
}

/// `ROLLBACK`.
pub(crate) fn rollback_statement(d: &dyn Dialect) -> &'static str {
    let _ = d;
    "ROLLBACK"
}

/// What to do with a savepoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SavepointCommand {
    /// `SAVEPOINT name`.
    Create,
    /// `RELEASE SAVEPOINT name`.
    Release,
    /// `ROLLBACK TO SAVEPOINT name`.
    RollbackTo,
}

/// `SAVEPOINT name`, `RELEASE SAVEPOINT name` or `ROLLBACK TO SAVEPOINT name` (the name
/// quoted and checked).
pub(crate) fn savepoint_statement(d: &dyn Dialect, command: SavepointCommand, name: &str) -> Result<String> {
    let mut sql = String::from(match command {
        SavepointCommand::Create => "SAVEPOINT ",
        SavepointCommand::Release => "RELEASE SAVEPOINT ",
        SavepointCommand::RollbackTo => "ROLLBACK TO SAVEPOINT ",
    });
    d.push_identifier(&mut sql, name)?;
    Ok(sql)
}

/// What a statement the user ran does to the connection's transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TransactionEffect {
    /// `BEGIN` / `START ...`: a transaction is open.
    Begin,
    /// `ROLLBACK TO ...` / `ABORT TO ...`: the transaction goes on, no longer aborted.
    RollbackTo,
    /// `COMMIT` / `END` / `ROLLBACK` / `ABORT`: no transaction is open.
    End,
}

/// The effect of `sql` on the transaction, read from its first two words (`None`: none).
pub(crate) fn transaction_effect(sql: &str) -> Option<TransactionEffect> {
    let mut words = sql.split_whitespace().map(str::to_ascii_uppercase);
    match (words.next().as_deref(), words.next().as_deref()) {
        (Some("BEGIN" | "START"), _) => Some(TransactionEffect::Begin),
        (Some("ROLLBACK" | "ABORT"), Some("TO")) => Some(TransactionEffect::RollbackTo),
        (Some("COMMIT" | "END" | "ROLLBACK" | "ABORT"), _) => Some(TransactionEffect::End),
        _ => None,
    }
}

/// Whether `sql` is transaction control (which commit-as-you-go must not begin a
/// transaction before).
pub(crate) fn is_transaction_control(sql: &str) -> bool {
    let first = sql.trim_start().split(|c: char| !c.is_ascii_alphabetic()).next().unwrap_or("");
    ["BEGIN", "START", "COMMIT", "END", "ROLLBACK", "ABORT"].iter().any(|w| first.eq_ignore_ascii_case(w))
}

/// Whether running `sql` a second time after its connection was lost (before an answer came)
/// cannot change what the database holds: transaction control (nothing was open), or a `SELECT` / `VALUES` /
/// `SHOW` / `TABLE` read. A `WITH` may hold a data-modifying statement and is not counted.
pub(crate) fn rerun_is_harmless(sql: &str) -> bool {
    let word = first_word(sql);
    ["SELECT", "VALUES", "SHOW", "TABLE", "BEGIN", "START"].iter().any(|w| word.eq_ignore_ascii_case(w))
}

/// The first word of `sql`, after blanks, `--` line comments and `/* */` comments.
fn first_word(sql: &str) -> &str {
    let mut rest = sql;
    loop {
        rest = rest.trim_start();
        if let Some(after) = rest.strip_prefix("--") {
            rest = after.split_once('\n').map_or("", |(_, tail)| tail);
        } else if let Some(after) = rest.strip_prefix("/*") {
            rest = after.split_once("*/").map_or("", |(_, tail)| tail);
        } else {
            break;
        }
    }
    let end = rest.find(|c: char| !c.is_ascii_alphabetic()).unwrap_or(rest.len());
    &rest[..end]
}

/// Milliseconds for `SET LOCAL ... = <n>` (at least 1: 0 would turn the timeout off).
fn millis(d: Duration) -> u128 {
    d.as_millis().max(1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dialect::begin::IsolationLevel;
    use crate::dialect::{Postgres, Sqlite};

    #[test]
    fn reads_and_transaction_control_may_run_again() {
        for sql in
            ["SELECT 1", "  select * from t", "-- c\nSELECT 1", "/* x */ VALUES (1)", "BEGIN", "START TRANSACTION"]
        {
            assert!(rerun_is_harmless(sql), "{sql}");
        }
        for sql in
            ["INSERT INTO t VALUES (1)", "WITH x AS (DELETE FROM t) SELECT 1", "UPDATE t SET a = 1", "", "/* open"]
        {
            assert!(!rerun_is_harmless(sql), "{sql}");
        }
    }

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
        assert_eq!(
            savepoint_statement(&Postgres, SavepointCommand::RollbackTo, "sp").unwrap(),
            r#"ROLLBACK TO SAVEPOINT "sp""#
        );
    }

    #[test]
    fn transaction_control_is_read_from_the_first_words() {
        assert_eq!(transaction_effect("begin immediate"), Some(TransactionEffect::Begin));
        assert_eq!(transaction_effect("ROLLBACK TO SAVEPOINT x"), Some(TransactionEffect::RollbackTo));
        assert_eq!(transaction_effect("end"), Some(TransactionEffect::End));
        assert_eq!(transaction_effect("SELECT 1"), None);
        assert!(is_transaction_control("  commit;"));
        assert!(!is_transaction_control("UPDATE t SET x = 1"));
    }
}
