//! Statements: the dialect-neutral AST ([`statement`]), the cached CRUD statements of each
//! model, and the typed Core builders ([`select`], [`insert`], [`update`], [`delete`]).

mod crud;
mod executor;
pub(crate) mod insert;
mod modify;
mod select;
mod selection;
pub(crate) mod statement;

pub(crate) use crud::{crud_sql, CrudShape};
pub use crud::{model_statements, ModelStatements, StatementCache};
pub use executor::Executor;
pub use insert::{insert, Insert};
pub use modify::{delete, update, Delete, Update};
pub use select::{model, select, select_model, JoinOn, Select};
pub use selection::{FromClause, ModelSelection, NoFrom, OrElse, Selection, SourceFrom};
pub use statement::{
    Ddl, DeleteStatement, InsertStatement, JoinClause, JoinKind, OrderTerm, SelectItem, SelectStatement, Statement,
    UpdateStatement,
};

use crate::error::{Error, Result};
use crate::schema::ColumnDef;
use crate::types::Value;

/// [`check_value`] for a borrowed parameter.
pub(crate) fn check_param(col: &ColumnDef, p: &crate::types::Param<'_>) -> Result<()> {
    if let (Some(max), Some(actual)) = (col.max_length, p.char_len()) {
        if actual > max as usize {
            return Err(Error::ValueTooLong { table: col.table.to_owned(), column: col.name.to_owned(), max, actual });
        }
    }
    Ok(())
}

/// Refuse a value its column cannot hold before anything is sent (`max_length` is not
/// enforced by SQLite itself).
pub(crate) fn check_value(col: &ColumnDef, v: &Value) -> Result<()> {
    if let (Some(max), Value::Text(s)) = (col.max_length, v) {
        let actual = s.chars().count();
        if actual > max as usize {
            return Err(Error::ValueTooLong { table: col.table.to_owned(), column: col.name.to_owned(), max, actual });
        }
    }
    Ok(())
}
