//! Reflection: read the schema of a live database into plain values.
//!
//! ```
//! # fn main() -> orm::Result<()> {
//! use orm::prelude::*;
//!
//! #[derive(Model)]
//! #[orm(table = "users")]
//! struct User {
//!     #[orm(primary_key, auto_increment)]
//!     id: i64,
//!     #[orm(max_length = 40, unique)]
//!     name: String,
//! }
//!
//! let engine = Engine::connect("sqlite::memory:")?;
//! engine.create_all(&[User::table()])?;
//! let schema = orm::reflect::reflect(&engine)?;
//! let users = schema.table("users").expect("reflected");
//! assert_eq!(users.column("name").map(|c| c.data_type.as_str()), Some("VARCHAR(40)"));
//! assert!(users.column("id").is_some_and(|c| c.auto_increment));
//! assert_eq!(users.unique_constraints[0].name.as_deref(), Some("uq_users_name"));
//! # Ok(())
//! # }
//! ```
//!
//! On PostgreSQL the tables are those of the connection's current schema (the first schema
//! of its `search_path` that exists). Types are reported as each database names them
//! (`VARCHAR(40)` as declared on SQLite, `character varying(40)` on PostgreSQL): comparing
//! them with what a model renders is the autogenerate step's business, not reflection's.

mod catalog;
mod postgres;
mod sqlite;
mod sqlite_ddl;
mod types;

use orm_runtime::backend::Connection;
use orm_runtime::dialect::DialectKind;
use orm_runtime::{Engine, Result};

pub use types::{CheckConstraint, Column, ForeignKey, Index, PrimaryKey, Schema, Table, UniqueConstraint};

use catalog::Catalog;

/// The catalog reader of the connection's database.
fn catalog(conn: &Connection) -> &'static dyn Catalog {
    match conn.dialect_kind() {
        DialectKind::Sqlite => &sqlite::SqliteCatalog,
        DialectKind::Postgres => &postgres::PostgresCatalog,
    }
}

/// Every table of the database `engine` connects to (one checkout), ordered by name.
pub fn reflect(engine: &Engine) -> Result<Schema> {
    let mut conn = engine.connection()?;
    reflect_on(&mut conn)
}

/// [`reflect`] on a connection the caller holds (inside its transaction, if one is open).
pub fn reflect_on(conn: &mut Connection) -> Result<Schema> {
    let catalog = catalog(conn);
    let mut tables = Vec::new();
    for name in catalog.table_names(conn)? {
        if let Some(table) = catalog.table(conn, &name)? {
            tables.push(table);
        }
    }
    Ok(Schema { tables })
}

/// The names of the database's tables, ordered.
pub fn table_names(conn: &mut Connection) -> Result<Vec<String>> {
    catalog(conn).table_names(conn)
}

/// One table, `None` if the database has no table of that name.
pub fn reflect_table(conn: &mut Connection, name: &str) -> Result<Option<Table>> {
    catalog(conn).table(conn, name)
}
