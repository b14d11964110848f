//! Table metadata produced by `#[derive(Model)]`, and DDL plans ordered by foreign keys.

mod ddl_order;
mod naming;
mod table;

pub use ddl_order::{creation_order, drop_order};
pub use naming::{ConstraintKind, NamingConvention};
pub use table::{CheckDef, ColumnDef, ForeignKeyDef, IndexDef, Inheritance, ReferentialAction, TableDef, UniqueDef};
