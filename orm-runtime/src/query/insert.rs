//! The typed Core `INSERT` builder: model rows (one or many) or column/value pairs.
//!
//! A typed shell over [`InsertRows`](crate::query::insert_rows), which holds the rows behind
//! `dyn` and renders and runs them: what is compiled per model is this file's few lines, not
//! the statement path. How the rows are batched and bound is told there.

use std::marker::PhantomData;

use crate::dialect::{Dialect, Rendered};
use crate::error::{Misuse, Result};
use crate::expr::{AssignValue, Column, Node};
use crate::model::{DynModel, Model};
use crate::query::insert_rows::{fill_table, rows_per_statement, InsertRows};
use crate::query::{Executor, SelectItem};
use crate::types::{SqlType, Value};

/// An INSERT into model `M`'s table: borrowed model rows, or column/value pairs.
pub struct Insert<'a, M: Model> {
    /// The rows, untyped.
    pub(crate) rows: InsertRows<'a>,
    _model: PhantomData<fn() -> M>,
}

impl<M: Model> std::fmt::Debug for Insert<'_, M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.rows.fmt(f)
    }
}

/// Start an INSERT into `M`'s table.
pub fn insert<'a, M: Model>() -> Insert<'a, M> {
    Insert {
        rows: InsertRows { table: M::table(), objs: Vec::new(), pairs: Vec::new(), on_conflict: None },
        _model: PhantomData,
    }
}

impl<'a, M: Model> Insert<'a, M> {
    /// Insert this object's values (an auto-increment key is left to the database). The
    /// object is borrowed: its values are bound without copying.
    pub fn values(mut self, obj: &'a M) -> Self {
        self.rows.objs.push(obj);
        self
    }

    /// Insert many objects, atomically: in one transaction when they take several
    /// statements.
    pub fn values_many(mut self, objs: impl IntoIterator<Item = &'a M>) -> Self {
        self.rows.objs.extend(objs.into_iter().map(|o| -> &'a dyn DynModel { o }));
        self
    }

    /// Set one column of a single-row insert; columns not set take their Rust-side
    /// `default = ...` (bound by this statement), or else the server default.
    pub fn set<T: SqlType, V: AssignValue<T, Sources = ()>>(mut self, col: Column<M, T>, value: V) -> Self {
        let v = match value.into_node() {
            Node::Value(v) => v,
            _ => Value::Null,
        };
        let index = col.def().index;
        self.rows.pairs.retain(|(i, _)| *i != index);
        self.rows.pairs.push((index, v));
        self
    }

    /// How many model rows one INSERT statement carries in `dialect` (the last statement
    /// carries the rest): the dialect's preferred size, under its bind-parameter limit.
    /// A model whose only column is generated inserts `DEFAULT VALUES`, one row at a time.
    pub fn rows_per_statement(dialect: &dyn Dialect) -> usize {
        rows_per_statement(M::table(), dialect)
    }

    /// Render in a dialect (for logging and tests): the statements [`Insert::execute`] runs.
    pub fn render(&self, dialect: &dyn Dialect) -> Result<Vec<Rendered>> {
        self.rows.render(dialect)
    }

    /// The statements with the ON CONFLICT clause and the RETURNING expressions `returning`.
    pub(crate) fn render_with(&self, d: &dyn Dialect, returning: &[SelectItem]) -> Result<Vec<Rendered>> {
        self.rows.render_with(d, returning)
    }

    /// Run it; returns the number of rows inserted.
    pub fn execute<X: Executor>(&self, ex: X) -> Result<u64> {
        self.rows.check()?;
        ex.with_connection(true, |conn| self.rows.execute_on(conn)).map_err(|e| fill_table(e, M::table().name))
    }

    /// Run it and return the primary keys of the inserted rows, in the order given. Not with
    /// [`Insert::on_conflict`] (a skipped row has no key): use `.returning(M::id)` there.
    pub fn returning_keys<X: Executor>(&self, ex: X) -> Result<Vec<M::Key>> {
        self.rows.check()?;
        let table = M::table();
        if self.rows.on_conflict.is_some() {
            return Err(Misuse::ReturningKeysWithOnConflict { table: table.name }.into());
        }
        ex.with_connection(true, |conn| {
            if !self.rows.pairs.is_empty() {
                let key_cols: Vec<&'static str> = table.primary_key_columns().map(|c| c.name).collect();
                let r = crate::dialect::render(
                    conn.dialect(),
                    crate::query::Statement::Insert(&self.rows.pairs_statement(&key_cols)),
                )?;
                let mut keys = Vec::with_capacity(1);
                conn.query(&r.sql, &r.params, |row| {
                    keys.push(M::decode_key(row, 0)?);
                    Ok(())
                })?;
                return Ok(keys);
            }
            if table.auto_increment_column().is_none() {
                // The keys are the objects' own.
                self.rows.execute_on(conn)?;
                return self.rows.objs.iter().map(|o| M::key_from_values(&o.key_values_now())).collect();
            }
            let ids = self.rows.generated_keys_on(conn)?;
            ids.into_iter().map(|id| M::key_from_values(&[Value::I64(id)])).collect()
        })
        .map_err(|e| fill_table(e, table.name))
    }
}
