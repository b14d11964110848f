//! Migration operations: dialect-neutral changes to a schema, rendered for the database they
//! run on when they run ([`apply`](crate::ops::apply)).
//!
//! ```
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use orm::migrate::ops::{self, ColumnSpec, ColumnType, Operation, TableSpec};
//! use orm::SqlKind;
//!
//! let engine = orm::Engine::connect("sqlite::memory:")?;
//! ops::run(&engine, &[
//!     Operation::CreateTable(TableSpec::new("users")
//!         .column(ColumnSpec::generated_key("id", SqlKind::BigInt))
//!         .column(ColumnSpec::new("name", ColumnType::text(40)))),
//!     Operation::AddColumn {
//!         table: "users".into(),
//!         column: ColumnSpec::new("email", ColumnType::of(SqlKind::Text)).nullable(),
//!     },
//! ])?;
//! let users = orm::reflect::reflect(&engine)?.table("users").cloned().expect("created");
//! assert_eq!(users.columns.len(), 3);
//! # Ok(())
//! # }
//! ```

mod apply;
mod column_type;
mod describe;
mod model;
mod postgres;
mod render;
mod serde_forms;
mod spec;
mod sqlite;

pub use apply::{apply, run};
pub(crate) use apply::{flavor, flavor_of};
pub(crate) use render::{exec, ident, type_sql};
pub use spec::{
    CheckSpec, ColumnChange, ColumnSpec, ColumnType, ForeignKeySpec, IndexSpec, Operation, PrimaryKeySpec, TableSpec,
    UniqueSpec,
};
