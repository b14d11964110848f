//! The typed Core `INSERT` builder: model rows (one or many) or column/value pairs.
//!
//! Many rows go in the fastest way each database offers: on SQLite one prepared single-row
//! statement executed per row inside one transaction (SQLite has no network round trip, and a
//! long multi-row statement only costs parsing); on PostgreSQL multi-row statements batched
//! under the bind-parameter limit.

use crate::backend::Connection;
use crate::dialect::{render, Dialect, DialectKind, Rendered};
use crate::error::{Error, Result};
use crate::expr::{AssignValue, Column, Node};
use crate::model::Model;
use crate::query::{check_param, check_value, Executor, InsertStatement, Statement};
use crate::types::{Param, SqlType, Value};

/// Most rows in one multi-row INSERT (fewer when the parameter limit says so).
const MAX_ROWS_PER_STATEMENT: usize = 1000;

/// An INSERT into model `M`'s table: borrowed model rows, or column/value pairs.
#[derive(Debug)]
pub struct Insert<'a, M: Model> {
    objs: Vec<&'a M>,
    pairs: Vec<(usize, Value)>,
}

/// Start an INSERT into `M`'s table.
pub fn insert<'a, M: Model>() -> Insert<'a, M> {
    Insert { objs: Vec::new(), pairs: Vec::new() }
}

/// The columns a model row writes: all but an auto-increment key.
fn model_columns<M: Model>() -> impl Iterator<Item = usize> + Clone {
    M::table().columns.iter().filter(|c| !c.auto_increment).map(|c| c.index)
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

/// Run `f` in a write transaction of its own unless one is already open.
fn in_transaction<R>(conn: &mut Connection, f: impl FnOnce(&mut Connection) -> Result<R>) -> Result<R> {
    if conn.in_transaction() {
        return f(conn);
    }
    conn.begin(true)?;
    match f(conn) {
        Ok(r) => conn.commit().map(|()| r),
        Err(e) => {
            // The pool discards the connection if this rollback fails too.
            let _ = conn.rollback();
            Err(e)
        }
    }
}

impl<'a, M: Model> Insert<'a, M> {
    /// Insert this object's values (an auto-increment key is left to the database). The
    /// object is borrowed: its values are bound without copying.
    pub fn values(mut self, obj: &'a M) -> Self {
        self.objs.push(obj);
        self
    }

    /// Insert many objects, in one transaction.
    pub fn values_many(mut self, objs: impl IntoIterator<Item = &'a M>) -> Self {
        self.objs.extend(objs);
        self
    }

    /// Set one column of a single-row insert; columns not set take their Rust default, or
    /// the server default.
    pub fn set<T: SqlType, V: AssignValue<T, Sources = ()>>(mut self, col: Column<M, T>, value: V) -> Self {
        let v = match value.into_node() {
            Node::Value(v) => v,
            _ => Value::Null,
        };
        self.pairs.retain(|(i, _)| *i != col.def().index);
        self.pairs.push((col.def().index, v));
        self
    }

    /// Refuse values their columns cannot hold, before anything is sent.
    fn check(&self) -> Result<()> {
        let table = M::table();
        if !self.pairs.is_empty() && !self.objs.is_empty() {
            return Err(Error::InvalidState("an INSERT takes either model rows or column values, not both".into()));
        }
        for (i, v) in &self.pairs {
            check_value(&table.columns[*i], v)?;
        }
        let limited: Vec<usize> = model_columns::<M>().filter(|&i| table.columns[i].max_length.is_some()).collect();
        for obj in &self.objs {
            for &i in &limited {
                check_param(&table.columns[i], &obj.column_param(i))?;
            }
        }
        Ok(())
    }

    /// The single-row statement of the column/value form.
    fn pairs_statement(&self, returning: &[&'static str]) -> InsertStatement {
        let table = M::table();
        let mut pairs = self.pairs.clone();
        for c in table.columns {
            if let Some(default) = c.default {
                if !pairs.iter().any(|(i, _)| *i == c.index) {
                    pairs.push((c.index, default()));
                }
            }
        }
        pairs.sort_by_key(|(i, _)| *i);
        InsertStatement {
            table: table.name,
            columns: pairs.iter().map(|(i, _)| table.columns[*i].name).collect(),
            rows: vec![pairs.into_iter().map(|(_, v)| Node::Value(v)).collect()],
            returning: returning.to_vec(),
        }
    }

    /// The text of an INSERT of `n` model rows (placeholders only; values are bound apart).
    fn rows_sql(d: &dyn Dialect, n: usize, returning: &[&'static str]) -> Result<String> {
        let table = M::table();
        let names: Vec<&'static str> = model_columns::<M>().map(|i| table.columns[i].name).collect();
        let stmt = InsertStatement {
            table: table.name,
            rows: vec![vec![Node::Value(Value::Null); names.len()]; n],
            columns: names,
            returning: returning.to_vec(),
        };
        Ok(render(d, Statement::Insert(&stmt))?.sql)
    }

    /// The parameters of some objects, row after row.
    fn params_of(objs: &[&'a M]) -> Vec<Param<'a>> {
        let cols = model_columns::<M>();
        let mut out = Vec::with_capacity(objs.len() * cols.clone().count());
        for obj in objs {
            out.extend(cols.clone().map(|i| obj.column_param(i)));
        }
        out
    }

    /// Multi-row batches under the parameter limit: (SQL, objects) each.
    fn batches(&self, d: &dyn Dialect, returning: &[&'static str]) -> Result<Vec<(String, &[&'a M])>> {
        let w = model_columns::<M>().count();
        // `DEFAULT VALUES` inserts one row: a model whose only column is generated goes
        // row by row.
        let chunk = d.capabilities().max_params.checked_div(w).map_or(1, |c| c.clamp(1, MAX_ROWS_PER_STATEMENT));
        let mut out = Vec::new();
        let mut cached: Option<(usize, String)> = None;
        for objs in self.objs.chunks(chunk) {
            let sql = match &cached {
                Some((n, sql)) if *n == objs.len() => sql.clone(),
                _ => {
                    let sql = Self::rows_sql(d, objs.len(), returning)?;
                    cached = Some((objs.len(), sql.clone()));
                    sql
                }
            };
            out.push((sql, objs));
        }
        Ok(out)
    }

    /// Render in a dialect (for logging and tests): the statements PostgreSQL would run; on
    /// SQLite many rows run as one single-row statement executed once per row.
    pub fn render(&self, dialect: &dyn Dialect) -> Result<Vec<Rendered>> {
        self.check()?;
        if !self.pairs.is_empty() {
            return Ok(vec![render(dialect, Statement::Insert(&self.pairs_statement(&[])))?]);
        }
        Ok(self
            .batches(dialect, &[])?
            .into_iter()
            .map(|(sql, objs)| Rendered { sql, params: Self::params_of(objs).iter().map(Param::to_value).collect() })
            .collect())
    }

    /// SQLite: one prepared statement, executed per row; `each` sees each row's rowid.
    fn run_rows_sqlite(&self, conn: &mut Connection, mut each: impl FnMut(i64)) -> Result<u64> {
        let sql = Self::rows_sql(conn.dialect(), 1, &[])?;
        let cols = model_columns::<M>();
        in_transaction(conn, |conn| {
            let mut stmt = conn.prepared(&sql)?;
            let mut params: Vec<Param<'a>> = Vec::with_capacity(cols.clone().count());
            let mut n = 0;
            for obj in &self.objs {
                params.clear();
                params.extend(cols.clone().map(|i| obj.column_param(i)));
                n += stmt.execute(&params)?;
                each(stmt.last_insert_rowid().unwrap_or_default());
            }
            Ok(n)
        })
    }

    /// Run it; returns the number of rows inserted.
    pub fn execute<X: Executor>(&self, ex: X) -> Result<u64> {
        self.check()?;
        let table = M::table().name;
        ex.with_connection(true, |conn| {
            if !self.pairs.is_empty() {
                let r = render(conn.dialect(), Statement::Insert(&self.pairs_statement(&[])))?;
                return conn.execute(&r.sql, &r.params);
            }
            if conn.dialect_kind() == DialectKind::Sqlite {
                return self.run_rows_sqlite(conn, |_| {});
            }
            let batches = self.batches(conn.dialect(), &[])?;
            in_transaction(conn, |conn| {
                let mut n = 0;
                for (sql, objs) in &batches {
                    n += conn.execute_params(sql, &Self::params_of(objs))?;
                }
                Ok(n)
            })
        })
        .map_err(|e| fill_table(e, table))
    }

    /// Run it and return the primary keys of the inserted rows, in the order given.
    pub fn returning_keys<X: Executor>(&self, ex: X) -> Result<Vec<M::Key>> {
        self.check()?;
        let table = M::table();
        let key_cols: Vec<&'static str> = table.primary_key_columns().map(|c| c.name).collect();
        let generated = table.auto_increment_column();
        ex.with_connection(true, |conn| {
            if !self.pairs.is_empty() {
                let r = render(conn.dialect(), Statement::Insert(&self.pairs_statement(&key_cols)))?;
                let mut keys = Vec::with_capacity(1);
                conn.query(&r.sql, &r.params, |row| {
                    keys.push(M::decode_key(row, 0)?);
                    Ok(())
                })?;
                return Ok(keys);
            }
            let Some(generated) = generated else {
                // The keys are the objects' own.
                self.execute(conn)?;
                return Ok(self.objs.iter().map(|o| o.key()).collect());
            };
            let mut ids: Vec<i64> = Vec::with_capacity(self.objs.len());
            if conn.dialect_kind() == DialectKind::Sqlite {
                self.run_rows_sqlite(conn, |rowid| ids.push(rowid))?;
            } else {
                let batches = self.batches(conn.dialect(), &[generated.name])?;
                in_transaction(conn, |conn| {
                    for (sql, objs) in &batches {
                        let start = ids.len();
                        let params = Self::params_of(objs);
                        conn.query_while(sql, &params, |row| {
                            ids.push(row.integer(0)?);
                            Ok(true)
                        })?;
                        // Identity values are drawn in row order; RETURNING's own order is
                        // not promised, so restore it.
                        ids[start..].sort_unstable();
                    }
                    Ok(())
                })?;
            }
            ids.into_iter().map(|id| M::key_from_values(&[Value::I64(id)])).collect()
        })
        .map_err(|e| fill_table(e, table.name))
    }
}
