//! Table metadata produced by `#[derive(Model)]`, and DDL plans ordered by foreign keys.

mod ddl_order;
mod ddl_plan;
mod naming;
pub(crate) mod statement_cache;
mod subtypes;
mod table;

pub use ddl_order::{creation_order, drop_order};
pub use ddl_plan::{create_all_plan, create_table_plan, drop_all_plan, drop_table_plan, Ddl};
pub use naming::{ConstraintKind, NamingConvention};
pub use statement_cache::StatementCache;
pub use subtypes::SubtypeRegistration;
pub use table::{CheckDef, ColumnDef, ForeignKeyDef, IndexDef, Inheritance, ReferentialAction, TableDef, UniqueDef};

/// The registry crate the derive's generated code submits subtypes through.
#[doc(hidden)]
pub use inventory as __inventory;
