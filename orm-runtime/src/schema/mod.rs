//! Table metadata produced by `#[derive(Model)]`, and DDL plans ordered by foreign keys.

mod ddl_order;
mod table;

pub use ddl_order::{creation_order, drop_order};
pub use table::{ColumnDef, ForeignKeyDef, IndexDef, Inheritance, ReferentialAction, TableDef};
