//! [`Executor`]: where a Core statement runs (an engine, a session, a connection).

use crate::backend::{Connection, Engine, PooledConnection};
use crate::error::Result;
use crate::query::SelectStatement;

/// Something that can lend a connection to run a statement on.
///
/// `&Engine` checks one out for the statement (autocommit: each statement commits on its
/// own); `&mut Session` runs inside the session's transaction; `&mut PooledConnection` /
/// `&mut Connection` use that connection (from [`Engine::connection`]: inside its
/// commit-as-you-go transaction, until `commit()`).
pub trait Executor {
    /// Run `f` on a connection. `write` says whether the statement writes (on SQLite a session
    /// then takes the write lock first).
    fn with_connection<R>(self, write: bool, f: impl FnOnce(&mut Connection) -> Result<R>) -> Result<R>;

    /// Run `f` on the connection that reads `stmt`: for a locking read (`FOR UPDATE`) a
    /// session first takes the lock SQLite needs (its write lock). `None`: nothing to read
    /// (`SKIP LOCKED` with every row locked).
    fn with_reading_connection<R>(
        self,
        stmt: &SelectStatement,
        f: impl FnOnce(&mut Connection) -> Result<R>,
    ) -> Result<Option<R>>
    where
        Self: Sized,
    {
        let _ = stmt;
        self.with_connection(false, f).map(Some)
    }
}

impl Executor for &Engine {
    fn with_connection<R>(self, _write: bool, f: impl FnOnce(&mut Connection) -> Result<R>) -> Result<R> {
        let mut conn = self.checkout()?;
        f(&mut conn)
    }
}

impl Executor for &mut PooledConnection {
    fn with_connection<R>(self, write: bool, f: impl FnOnce(&mut Connection) -> Result<R>) -> Result<R> {
        (**self).with_connection(write, f)
    }
}

impl Executor for &mut Connection {
    fn with_connection<R>(self, write: bool, f: impl FnOnce(&mut Connection) -> Result<R>) -> Result<R> {
        // Commit as you go: a write begins the transaction with the write lock (SQLite's
        // `BEGIN IMMEDIATE`), even when it is sent as a query (`RETURNING`).
        self.autobegin_for(write)?;
        f(self)
    }
}
