//! The typed Core `INSERT` builder: model rows (one or many, batched under the parameter
//! limit) or column/value pairs.

use std::marker::PhantomData;

use crate::dialect::render;
use crate::error::{Error, Result};
use crate::expr::{AssignValue, Column};
use crate::model::Model;
use crate::query::{check_value, Executor, InsertStatement, Statement};
use crate::types::{SqlType, Value};

/// Most rows in one multi-row INSERT (fewer when the parameter limit says so).
const MAX_ROWS_PER_STATEMENT: usize = 1000;

/// An INSERT into model `M`'s table.
#[derive(Debug)]
pub struct Insert<M> {
    rows: Vec<Vec<Value>>,
    pairs: Vec<(usize, Value)>,
    _model: PhantomData<fn() -> M>,
}

/// Start an INSERT into `M`'s table.
pub fn insert<M: Model>() -> Insert<M> {
    Insert { rows: Vec::new(), pairs: Vec::new(), _model: PhantomData }
}

/// The columns a model row writes: all but an auto-increment key.
fn model_columns<M: Model>() -> impl Iterator<Item = usize> {
    M::table().columns.iter().filter(|c| !c.auto_increment).map(|c| c.index)
}

impl<M: Model> Insert<M> {
    /// Insert this object's values (an auto-increment key is left to the database).
    pub fn values(mut self, obj: &M) -> Self {
        self.rows.push(model_columns::<M>().map(|i| obj.column_value(i)).collect());
        self
    }

    /// Insert many objects; they are sent in as few multi-row statements as the database's
    /// parameter limit allows.
    pub fn values_many<'a>(mut self, objs: impl IntoIterator<Item = &'a M>) -> Self {
        for obj in objs {
            self = self.values(obj);
        }
        self
    }

    /// Set one column of a single-row insert; columns not set take their Rust default, or
    /// the server default.
    pub fn set<T: SqlType, V: AssignValue<T, Sources = ()>>(mut self, col: Column<M, T>, value: V) -> Self {
        let v = match value.into_node() {
            crate::expr::Node::Value(v) => v,
            _ => Value::Null,
        };
        self.pairs.retain(|(i, _)| *i != col.def().index);
        self.pairs.push((col.def().index, v));
        self
    }

    fn statements(&self, limit: usize, returning: &[&'static str]) -> Result<Vec<InsertStatement>> {
        let table = M::table();
        if !self.pairs.is_empty() {
            if !self.rows.is_empty() {
                return Err(Error::InvalidState("an INSERT takes either model rows or column values, not both".into()));
            }
            let mut pairs = self.pairs.clone();
            for c in table.columns {
                if let Some(default) = c.default {
                    if !pairs.iter().any(|(i, _)| *i == c.index) {
                        pairs.push((c.index, default()));
                    }
                }
            }
            pairs.sort_by_key(|(i, _)| *i);
            for (i, v) in &pairs {
                check_value(&table.columns[*i], v)?;
            }
            return Ok(vec![InsertStatement {
                table: table.name,
                columns: pairs.iter().map(|(i, _)| table.columns[*i].name).collect(),
                rows: vec![pairs.into_iter().map(|(_, v)| crate::expr::Node::Value(v)).collect()],
                returning: returning.to_vec(),
            }]);
        }
        let cols: Vec<usize> = model_columns::<M>().collect();
        for row in &self.rows {
            for (v, &i) in row.iter().zip(&cols) {
                check_value(&table.columns[i], v)?;
            }
        }
        let per_row = cols.len().max(1);
        let chunk = (limit / per_row).clamp(1, MAX_ROWS_PER_STATEMENT);
        Ok(self
            .rows
            .chunks(chunk)
            .map(|rows| InsertStatement {
                table: table.name,
                columns: cols.iter().map(|&i| table.columns[i].name).collect(),
                rows: rows.iter().map(|r| r.iter().cloned().map(crate::expr::Node::Value).collect()).collect(),
                returning: returning.to_vec(),
            })
            .collect())
    }

    /// Render in a dialect: one statement per batch (for logging and tests).
    pub fn render(&self, dialect: &dyn crate::dialect::Dialect) -> Result<Vec<crate::dialect::Rendered>> {
        self.statements(dialect.capabilities().max_params, &[])?
            .iter()
            .map(|s| render(dialect, Statement::Insert(s)))
            .collect()
    }

    /// Run it; returns the number of rows inserted.
    pub fn execute<X: Executor>(&self, ex: X) -> Result<u64> {
        ex.with_connection(true, |conn| {
            let d = conn.dialect();
            let mut n = 0;
            for s in self.statements(d.capabilities().max_params, &[])? {
                let r = render(d, Statement::Insert(&s))?;
                n += conn.execute(&r.sql, &r.params).map_err(|e| fill_table(e, M::table().name))?;
            }
            Ok(n)
        })
    }

    /// Run it with `RETURNING` the primary key; returns the keys of the inserted rows.
    pub fn returning_keys<X: Executor>(&self, ex: X) -> Result<Vec<M::Key>> {
        let table = M::table();
        let key_cols: Vec<&'static str> = table.primary_key_columns().map(|c| c.name).collect();
        ex.with_connection(true, |conn| {
            let d = conn.dialect();
            let mut keys = Vec::with_capacity(self.rows.len().max(1));
            for s in self.statements(d.capabilities().max_params, &key_cols)? {
                let r = render(d, Statement::Insert(&s))?;
                conn.query(&r.sql, &r.params, |row| {
                    keys.push(M::decode_key(row, 0)?);
                    Ok(())
                })
                .map_err(|e| fill_table(e, table.name))?;
            }
            Ok(keys)
        })
    }
}

/// Name the table in constraint errors whose backend message did not.
pub(crate) fn fill_table(e: Error, table: &str) -> Error {
    match e {
        Error::ForeignKeyViolation { table: t, columns, message } if t.is_empty() => {
            Error::ForeignKeyViolation { table: table.to_owned(), columns, message }
        }
        Error::CheckViolation { table: t, constraint } if t.is_empty() => {
            Error::CheckViolation { table: table.to_owned(), constraint }
        }
        other => other,
    }
}
