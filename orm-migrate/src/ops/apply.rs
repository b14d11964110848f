//! Carrying operations out: on a connection inside the caller's transaction, or on an engine
//! in a transaction of their own.

use orm_runtime::backend::Connection;
use orm_runtime::dialect::DialectKind;
use orm_runtime::Engine;

use super::postgres::PostgresFlavor;
use super::render::Flavor;
use super::spec::Operation;
use super::sqlite::SqliteFlavor;
use crate::error::Result;

/// The way of the connection's database.
pub(crate) fn flavor(conn: &Connection) -> &'static dyn Flavor {
    flavor_of(conn.dialect_kind())
}

/// The way of a kind of database.
pub(crate) fn flavor_of(kind: DialectKind) -> &'static dyn Flavor {
    match kind {
        DialectKind::Sqlite => &SqliteFlavor,
        DialectKind::Postgres => &PostgresFlavor,
    }
}

/// Carry out `ops` in order on `conn`, inside the transaction the caller holds (nothing is
/// committed here). On SQLite an operation that rebuilds a table needs foreign keys off for
/// that transaction, and refuses otherwise; [`run`] takes care of it.
pub fn apply(conn: &mut Connection, ops: &[Operation]) -> Result<()> {
    let f = flavor(conn);
    ops.iter().try_for_each(|op| f.apply(conn, op))
}

/// Carry out `ops` in order in one transaction of their own on a connection of `engine`:
/// all of them, or none when one fails (DDL is transactional on SQLite and PostgreSQL). On
/// SQLite foreign keys are off for the transaction and checked before it commits: a row left
/// referencing nothing fails it with [`Error::ForeignKeyCheck`](crate::Error::ForeignKeyCheck).
pub fn run(engine: &Engine, ops: &[Operation]) -> Result<()> {
    let mut conn = engine.connection()?;
    // Its own BEGIN / COMMIT, and the statements around them outside any transaction.
    conn.set_autocommit(true)?;
    let f = flavor(&conn);
    f.in_transaction(&mut conn, &mut |conn| ops.iter().try_for_each(|op| f.apply(conn, op)))
}
