//! Statements: the typed Core builders ([`select`], [`insert`], [`update`], [`delete`]) and
//! their execution, and the cached CRUD statements of each model. The dialect-neutral
//! statement AST they build lives below, in `expr/` (re-exported here: [`SelectStatement`],
//! ...), so the dialect renders it without knowing this layer.

pub(crate) mod builder;
mod compound;
mod crud;
mod executor;
pub(crate) mod fetch;
mod from_row;
pub(crate) mod insert;
pub(crate) mod insert_rows;
pub(crate) mod join_path;
mod modify;
pub(crate) mod polymorphic;
mod query_expr;
mod select;
mod subquery;
mod text;
mod upsert;

pub use crate::dialect::begin::{IsolationLevel, TransactionOptions};
pub use crate::expr::lock::{LockStrength, LockWait, RowLock};
pub use crate::expr::selection::{
    ColumnAt, FromClause, ModelSelection, NoFrom, OptionalModelSelection, OrElse, ReadFrom, SameColumns, SelectModel,
    Selection, SingleColumn, SourceFrom,
};
pub(crate) use crate::expr::statement::discriminator_filter;
pub use crate::expr::statement::{
    Compound, ConflictAction, Cte, DeleteStatement, DerivedTable, DmlClauses, InsertStatement, JoinClause, JoinKind,
    OnConflict, OrderTerm, SelectItem, SelectStatement, SetOp, Statement, UpdateStatement,
};
pub use crate::expr::InOperand;
pub use crate::schema::Ddl;
pub use crate::schema::StatementCache;
pub use builder::{CompoundResult, OrderLimit, QueryBuilder};
pub use compound::CompoundSelect;
pub(crate) use crud::{crud_sql, insert_rows_sql, key_condition, newest_key_sql, render_insert_rows, CrudShape};
pub use crud::{model_statements, ModelStatements};
pub use executor::Executor;
pub use fetch::Fetch;
pub use from_row::{decode_labeled, FromRow, SelectInto};
pub use insert::{insert, Insert};
pub use join_path::FromModels;
pub use modify::{delete, update, Delete, Filtered, MayRun, Unfiltered, Update};
pub use polymorphic::{PolymorphicRows, PolymorphicSelect, PolymorphicSet};
pub use query_expr::{CheckedQuery, QueryExpr};
pub use select::{model, select, select_model, JoinOn, Select};
pub use subquery::{exists, not_exists, Derived, DerivedColumn};
pub use text::{text, BindValue, FromRawRow, FromStatement, Text, TextRows};
pub use upsert::{excluded, ConflictTarget, OnConflictBuilder, Returning, ReturningStatement, UpsertSet};

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

/// Whether an object read by key belongs to its model: always, except a row of another type
/// read through a single-table subtype (its discriminator holds another identity).
pub(crate) fn is_own_row<M: crate::model::Model>(obj: &M) -> bool {
    let table = M::table();
    if table.single_table_base().is_none() {
        return true;
    }
    match table.polymorphic_identity().and_then(|(column, identity)| Some((table.column(column)?, identity))) {
        Some((col, identity)) => matches!(obj.column_value(col.index), Value::Text(t) if t == identity),
        None => true,
    }
}

/// `"version" + 1`, the one bound with the column's own integer type.
pub(crate) fn version_increment(c: &'static crate::schema::ColumnDef) -> crate::expr::Node {
    let one = match c.kind {
        crate::types::SqlKind::SmallInt => crate::types::Value::I16(1),
        crate::types::SqlKind::Integer => crate::types::Value::I32(1),
        _ => crate::types::Value::I64(1),
    };
    crate::expr::Node::binary(
        crate::expr::BinOp::Add,
        crate::expr::Node::Column { table: c.table, name: c.name },
        crate::expr::Node::Value(one),
    )
}
