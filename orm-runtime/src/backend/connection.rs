//! [`Connection`]: one database connection of either backend, with its transaction state.

use std::sync::Arc;

use crate::backend::error_map::{from_pg, from_sqlite};
use crate::backend::events::{hooked, EngineHooks};
use crate::backend::postgres_conn::PgConn;
use crate::backend::{sqlite_conn, RowRef};
use crate::dialect::{Dialect, DialectKind};
use crate::error::{Error, Result};
use crate::types::Value;

#[derive(Debug)]
pub(crate) enum Inner {
    Sqlite(rusqlite::Connection),
    Postgres(Box<PgConn>),
}

/// A connection: runs SQL with bound parameters through cached prepared statements.
///
/// It remembers whether a transaction is open and whether it is broken; the pool uses both
/// to decide, when it gets the connection back, whether to roll back or discard it.
pub struct Connection {
    pub(crate) inner: Inner,
    in_transaction: bool,
    broken: bool,
    /// Statement listeners (`None` when the engine has none).
    hooks: Option<Arc<EngineHooks>>,
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("inner", &self.inner)
            .field("in_transaction", &self.in_transaction)
            .field("broken", &self.broken)
            .finish()
    }
}

impl Connection {
    pub(crate) fn new(inner: Inner, hooks: Option<Arc<EngineHooks>>) -> Self {
        Connection { inner, in_transaction: false, broken: false, hooks }
    }

    /// The dialect to render statements for this connection.
    pub fn dialect(&self) -> &'static dyn Dialect {
        self.dialect_kind().dialect()
    }

    /// The dialect's key.
    pub fn dialect_kind(&self) -> DialectKind {
        match self.inner {
            Inner::Sqlite(_) => DialectKind::Sqlite,
            Inner::Postgres(_) => DialectKind::Postgres,
        }
    }

    /// Whether this connection has been found unusable (it will not return to the pool).
    pub fn is_broken(&self) -> bool {
        self.broken
    }

    /// Whether a transaction is open on this connection.
    pub fn in_transaction(&self) -> bool {
        match &self.inner {
            Inner::Sqlite(c) => !c.is_autocommit(),
            Inner::Postgres(_) => self.in_transaction,
        }
    }

    fn note(&mut self, e: Error) -> Error {
        if e.is_disconnect() {
            self.broken = true;
        }
        e
    }

    /// Execute a statement, returning the number of rows it changed.
    ///
    /// Transaction control sent this way (`BEGIN`, `COMMIT`, ...) is noticed, so that the
    /// connection knows it is inside a transaction (SQLite reports it itself).
    pub fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64> {
        self.execute_params(sql, params)
    }

    /// [`Connection::execute`] with any kind of parameter (borrowed ones, say).
    pub fn execute_params<P: BindParam>(&mut self, sql: &str, params: &[P]) -> Result<u64> {
        let Connection { inner, hooks, .. } = self;
        let r = hooked(hooks.as_deref(), sql, params, || match inner {
            Inner::Sqlite(c) => sqlite_conn::execute(c, sql, params),
            Inner::Postgres(c) => c.execute(sql, params),
        });
        if r.is_ok() {
            self.note_transaction_control(sql);
        }
        r.map_err(|e| self.note(e))
    }

    fn note_transaction_control(&mut self, sql: &str) {
        let mut words = sql.split_whitespace().map(str::to_ascii_uppercase);
        match (words.next().as_deref(), words.next().as_deref()) {
            (Some("BEGIN" | "START"), _) => self.in_transaction = true,
            (Some("ROLLBACK" | "ABORT"), Some("TO")) => {}
            (Some("COMMIT" | "END" | "ROLLBACK" | "ABORT"), _) => self.in_transaction = false,
            _ => {}
        }
    }

    /// Run a query, handing each row to `f`. On PostgreSQL the result is fetched whole
    /// (the fast path); see [`Connection::stream`] for row-by-row fetching.
    pub fn query<F>(&mut self, sql: &str, params: &[Value], mut f: F) -> Result<()>
    where
        F: FnMut(&RowRef<'_>) -> Result<()>,
    {
        self.query_while(sql, params, |row| f(row).map(|()| true))
    }

    /// Like [`Connection::query`], but `f` returns whether to go on: `false` stops reading
    /// rows (the rest of the result is discarded).
    pub fn query_while<P: BindParam, F>(&mut self, sql: &str, params: &[P], f: F) -> Result<()>
    where
        F: FnMut(&RowRef<'_>) -> Result<bool>,
    {
        let Connection { inner, hooks, .. } = self;
        let r = hooked(hooks.as_deref(), sql, params, || match inner {
            Inner::Sqlite(c) => sqlite_conn::query(c, sql, params, f),
            Inner::Postgres(c) => c.query(sql, params, f),
        });
        r.map_err(|e| self.note(e))
    }

    /// Run a query, handing each row to `f` as it arrives (memory stays flat for large
    /// results).
    pub fn stream<F>(&mut self, sql: &str, params: &[Value], mut f: F) -> Result<()>
    where
        F: FnMut(&RowRef<'_>) -> Result<()>,
    {
        let f = move |row: &RowRef<'_>| f(row).map(|()| true);
        let Connection { inner, hooks, .. } = self;
        let r = hooked(hooks.as_deref(), sql, params, || match inner {
            Inner::Sqlite(c) => sqlite_conn::query(c, sql, params, f),
            Inner::Postgres(c) => c.stream(sql, params, f),
        });
        r.map_err(|e| self.note(e))
    }

    /// Prepare `sql` once (through the statement cache) and run it many times with
    /// [`Prepared::execute`]: the fast path for inserting many rows one by one.
    pub fn prepared(&mut self, sql: &str) -> Result<Prepared<'_>> {
        let Connection { inner, broken, hooks, .. } = self;
        let r = match inner {
            Inner::Sqlite(c) => {
                c.prepare_cached(sql).map(|stmt| PreparedInner::Sqlite(stmt, c)).map_err(|e| from_sqlite(e, None))
            }
            Inner::Postgres(c) => c.prepare(sql).map(|stmt| PreparedInner::Postgres(&mut c.client, stmt)),
        };
        match r {
            Ok(inner) => Ok(Prepared { inner, sql: sql.to_owned(), hooks: hooks.clone(), broken }),
            Err(e) => {
                if e.is_disconnect() {
                    *broken = true;
                }
                Err(e)
            }
        }
    }

    /// SQLite: the rowid of the last row this connection inserted (`None` on PostgreSQL).
    pub fn last_insert_rowid(&self) -> Option<i64> {
        match &self.inner {
            Inner::Sqlite(c) => Some(c.last_insert_rowid()),
            Inner::Postgres(_) => None,
        }
    }

    /// Execute SQL without parameters (one or more statements; DDL).
    pub fn batch(&mut self, sql: &str) -> Result<()> {
        let Connection { inner, hooks, .. } = self;
        let r = hooked(hooks.as_deref(), sql, &[] as &[Value], || match inner {
            Inner::Sqlite(c) => {
                // DDL changes result shapes: cached statements must not outlive it.
                c.flush_prepared_statement_cache();
                c.execute_batch(sql).map_err(|e| from_sqlite(e, None))
            }
            Inner::Postgres(c) => c.batch(sql),
        });
        r.map_err(|e| self.note(e))
    }

    /// Begin a transaction. On SQLite, `write` takes the write lock at once
    /// (`BEGIN IMMEDIATE`): a deferred transaction that reads and then writes fails with
    /// `SQLITE_BUSY_SNAPSHOT` when another connection wrote in between.
    pub fn begin(&mut self, write: bool) -> Result<()> {
        let sql = match (&self.inner, write) {
            (Inner::Sqlite(_), true) => "BEGIN IMMEDIATE",
            _ => "BEGIN",
        };
        self.control(sql)?;
        self.in_transaction = true;
        Ok(())
    }

    /// Commit the open transaction.
    pub fn commit(&mut self) -> Result<()> {
        let r = self.control("COMMIT");
        if r.is_ok() || !self.in_transaction() {
            self.in_transaction = false;
        }
        r
    }

    /// Roll back the open transaction, if any. A failed rollback marks the connection broken.
    pub fn rollback(&mut self) -> Result<()> {
        if !self.in_transaction() {
            self.in_transaction = false;
            return Ok(());
        }
        let r = self.control("ROLLBACK");
        match &r {
            Ok(()) => self.in_transaction = false,
            Err(_) => self.broken = true,
        }
        r
    }

    /// `SAVEPOINT name`, `RELEASE SAVEPOINT name` or `ROLLBACK TO SAVEPOINT name`.
    pub(crate) fn savepoint_command(&mut self, command: SavepointCommand, name: &str) -> Result<()> {
        let mut sql = String::from(match command {
            SavepointCommand::Create => "SAVEPOINT ",
            SavepointCommand::Release => "RELEASE SAVEPOINT ",
            SavepointCommand::RollbackTo => "ROLLBACK TO SAVEPOINT ",
        });
        self.dialect().push_identifier(&mut sql, name)?;
        self.control(&sql)
    }

    fn control(&mut self, sql: &str) -> Result<()> {
        let Connection { inner, hooks, .. } = self;
        let r = hooked(hooks.as_deref(), sql, &[] as &[Value], || match inner {
            Inner::Sqlite(c) => c.execute_batch(sql).map_err(|e| from_sqlite(e, None)),
            Inner::Postgres(c) => c.client.batch_execute(sql).map_err(|e| from_pg(e, None)),
        });
        r.map_err(|e| self.note(e))
    }

    /// The checkout probe (one round trip): fails if the connection is dead *or* inside a
    /// transaction block, including an aborted one. The pool runs it on every checkout.
    pub fn ping(&mut self) -> Result<()> {
        match &mut self.inner {
            Inner::Sqlite(c) => {
                if !c.is_autocommit() {
                    return Err(Error::InvalidState("pooled SQLite connection is inside a transaction".into()));
                }
                c.query_row("SELECT 1", [], |_| Ok(())).map_err(|e| from_sqlite(e, None))
            }
            Inner::Postgres(c) => {
                // now() is the transaction's start; it equals statement_timestamp() only
                // outside a transaction block, and the query errors inside an aborted one.
                // The simple protocol sends one message, so both timestamps coincide then.
                let messages =
                    c.client.simple_query("SELECT now() = statement_timestamp()").map_err(|e| from_pg(e, None))?;
                let idle = messages.iter().any(|m| match m {
                    postgres::SimpleQueryMessage::Row(row) => row.get(0) == Some("t"),
                    _ => false,
                });
                if idle {
                    Ok(())
                } else {
                    Err(Error::InvalidState("pooled PostgreSQL connection is inside a transaction".into()))
                }
            }
        }
    }

    /// Called when the pool gets the connection back: roll back an open transaction and
    /// report whether the connection must be discarded instead of reused.
    pub(crate) fn reset_on_return(&mut self) -> bool {
        if std::thread::panicking() || self.broken {
            return true;
        }
        if let Inner::Postgres(c) = &self.inner {
            if c.client.is_closed() {
                return true;
            }
        }
        if self.in_transaction() {
            return self.rollback().is_err();
        }
        false
    }
}

enum PreparedInner<'c> {
    Sqlite(rusqlite::CachedStatement<'c>, &'c rusqlite::Connection),
    Postgres(&'c mut postgres::Client, postgres::Statement),
}

/// A bind parameter of either backend: [`Value`] or a borrowed [`Param`](crate::types::Param).
pub trait BindParam: rusqlite::ToSql + postgres::types::ToSql + Sync {
    /// An owned copy, for hooks.
    fn to_value(&self) -> Value;
}

impl BindParam for Value {
    fn to_value(&self) -> Value {
        self.clone()
    }
}

impl BindParam for crate::types::Param<'_> {
    fn to_value(&self) -> Value {
        crate::types::Param::to_value(self)
    }
}

/// A statement prepared once and executed many times (see [`Connection::prepared`]).
pub struct Prepared<'c> {
    inner: PreparedInner<'c>,
    sql: String,
    hooks: Option<Arc<EngineHooks>>,
    broken: &'c mut bool,
}

impl std::fmt::Debug for Prepared<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Prepared").field("sql", &self.sql).finish()
    }
}

impl Prepared<'_> {
    /// Execute with these parameters; returns the number of rows changed.
    pub fn execute<P: BindParam>(&mut self, params: &[P]) -> Result<u64> {
        let Prepared { inner, sql, hooks, .. } = self;
        let r = hooked(hooks.as_deref(), sql, params, || match inner {
            PreparedInner::Sqlite(stmt, _) => stmt
                .execute(rusqlite::params_from_iter(params.iter()))
                .map(|n| n as u64)
                .map_err(|e| from_sqlite(e, None)),
            PreparedInner::Postgres(client, stmt) => {
                let refs: Vec<&(dyn postgres::types::ToSql + Sync)> =
                    params.iter().map(|p| p as &(dyn postgres::types::ToSql + Sync)).collect();
                client.execute(&*stmt, &refs).map_err(|e| from_pg(e, None))
            }
        });
        if let Err(e) = &r {
            if e.is_disconnect() {
                *self.broken = true;
            }
        }
        r
    }

    /// SQLite: the rowid of the row the last execution inserted (`None` on PostgreSQL).
    pub fn last_insert_rowid(&self) -> Option<i64> {
        match &self.inner {
            PreparedInner::Sqlite(_, c) => Some(c.last_insert_rowid()),
            PreparedInner::Postgres(..) => None,
        }
    }
}

/// What to do with a savepoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SavepointCommand {
    Create,
    Release,
    RollbackTo,
}
