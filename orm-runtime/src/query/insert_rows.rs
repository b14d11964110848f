//! The untyped core of the Core `INSERT` builder: the rows (objects of any model behind
//! `dyn`, or column/value pairs) of one table, their checks, the statements they render to
//! and how they run. [`Insert`](crate::query::Insert) is a typed shell over it, so this code
//! is compiled once, not once per model.
//!
//! Many rows go in as multi-row `INSERT ... VALUES (...), (...)` statements inside one
//! transaction (a single statement is sent alone: it is atomic by itself), each under the
//! dialect's bind-parameter limit, with the statement text
//! rendered once per (table, dialect, rows, RETURNING) and cached. How many rows one statement
//! carries is the dialect's choice ([`Dialect::insert_rows_per_statement`], where the
//! measurements are), under its bind-parameter limit.
//!
//! Values are bound borrowed from the objects. Where the driver binds plain values as they are
//! ([`Capabilities::borrowed_binds`](crate::dialect::Capabilities::borrowed_binds): SQLite),
//! the plain ones (text, bytes, numbers, booleans, NULL) are bound as [`Lent`] values, which
//! skips a conversion step.
//!
//! Keys returned where they are read by rowid
//! ([`Capabilities::keys_by_rowid`](crate::dialect::Capabilities::keys_by_rowid): SQLite) still
//! execute one prepared single-row statement per row, to read each row's rowid exactly.

use std::sync::Arc;

use crate::backend::{Connection, RowRef};
use crate::dialect::{render, Dialect, Rendered};
use crate::error::{Error, Misuse, Result};
use crate::expr::Node;
use crate::model::{ColumnMask, DynModel};
use crate::query::{
    check_param, check_value, insert_rows_sql, render_insert_rows, DmlClauses, InsertStatement, OnConflict, SelectItem,
    Statement,
};
use crate::schema::TableDef;
use crate::types::lent::Lent;
use crate::types::{Param, Value};

/// The parameters of one multi-row statement.
#[derive(Debug, Clone, Copy)]
enum Batch<'p, 'a> {
    /// Every value plain, for a driver that binds them borrowed.
    Lent(&'p [Lent<'a>]),
    /// Any other batch.
    Params(&'p [Param<'a>]),
}

/// An INSERT into one table: borrowed objects of its model, or column/value pairs.
pub(crate) struct InsertRows<'a> {
    /// The model's table.
    pub(crate) table: &'static TableDef,
    /// The objects to insert, behind their codec.
    pub(crate) objs: Vec<&'a dyn DynModel>,
    /// The column/value form's values (column index, value).
    pub(crate) pairs: Vec<(usize, Value)>,
    /// `ON CONFLICT ...`.
    pub(crate) on_conflict: Option<OnConflict>,
}

impl std::fmt::Debug for InsertRows<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Insert")
            .field("table", &self.table.name)
            .field("rows", &self.objs.len())
            .field("pairs", &self.pairs)
            .field("on_conflict", &self.on_conflict)
            .finish()
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
        Error::NulInText { table: None, column } => Error::NulInText { table: Some(table.to_owned()), column },
        other => other,
    }
}

/// Run `f` in a write transaction of its own unless one is already open.
pub(crate) fn in_transaction<R>(conn: &mut Connection, f: impl FnOnce(&mut Connection) -> Result<R>) -> Result<R> {
    // Commit as you go: the connection's own transaction (begun by the first statement)
    // holds them until the user commits.
    if conn.in_transaction() || !conn.is_autocommit() {
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

/// Run `statements` statements through `f` atomically: in a transaction of their own
/// ([`in_transaction`]) when there are several; one statement is atomic by itself, and sending
/// it without BEGIN / COMMIT saves two round trips.
pub(crate) fn atomically<R>(
    conn: &mut Connection,
    statements: usize,
    f: impl FnOnce(&mut Connection) -> Result<R>,
) -> Result<R> {
    if statements <= 1 {
        return f(conn);
    }
    in_transaction(conn, f)
}

/// The columns a model row writes of `table`: all but an auto-increment key.
fn written_columns(table: &TableDef) -> Vec<usize> {
    table.columns.iter().filter(|c| !c.auto_increment).map(|c| c.index).collect()
}

/// How many model rows of `table` one INSERT statement carries in `dialect` (the last
/// statement carries the rest): the dialect's preferred size, under its bind-parameter limit.
/// A model whose only column is generated inserts `DEFAULT VALUES`, one row at a time.
pub(crate) fn rows_per_statement(table: &TableDef, dialect: &dyn Dialect) -> usize {
    let written = || table.columns.iter().filter(|c| !c.auto_increment);
    let w = written().count();
    if w == 0 {
        return 1;
    }
    let copied = written().filter(|c| dialect.binds_by_copy(c.kind)).count();
    dialect.insert_rows_per_statement(w, copied).min(dialect.capabilities().max_params / w).max(1)
}

impl<'a> InsertRows<'a> {
    /// Refuse values their columns cannot hold, before anything is sent.
    pub(crate) fn check(&self) -> Result<()> {
        if !self.pairs.is_empty() && !self.objs.is_empty() {
            return Err(Misuse::InsertRowsAndValues { table: self.table.name }.into());
        }
        let columns = self.table.columns;
        for (i, v) in &self.pairs {
            check_value(&columns[*i], v)?;
            if let Some(validate) = columns[*i].validate {
                validate(v)?;
            }
        }
        let limited: Vec<usize> =
            written_columns(self.table).into_iter().filter(|&i| columns[i].max_length.is_some()).collect();
        let all = ColumnMask::all(columns.len());
        for obj in &self.objs {
            // Every row is checked before any statement is sent: a failure writes nothing.
            for &i in &limited {
                check_param(&columns[i], &obj.param_at(i))?;
            }
            obj.validate_at(all)?;
        }
        Ok(())
    }

    /// Every model row is bound through here: its values of `columns` (the written columns,
    /// collected once per statement list), read in one call, appended to `out`. With `subst`
    /// (see [`InsertRows::substitutes`]) the discriminator may be replaced by the model's
    /// polymorphic identity; every other value is bound as the object holds it.
    fn bind_row(&self, out: &mut Vec<Param<'a>>, columns: &[usize], obj: &'a dyn DynModel, subst: bool) {
        let start = out.len();
        obj.params_into(columns, out);
        if subst {
            for (k, &i) in columns.iter().enumerate() {
                if let Some(v) = self.substitute(obj, i) {
                    out[start + k] = Param::Value(v);
                }
            }
        }
    }

    /// [`InsertRows::bind_row`] as [`Lent`] values: `false` (with `out` holding part of the
    /// row) when a value is not of a plain kind, or the model substitutes values.
    fn bind_row_lent(out: &mut Vec<Lent<'a>>, columns: &[usize], obj: &'a dyn DynModel, subst: bool) -> bool {
        !subst && obj.lent_into(columns, out)
    }

    /// Whether rows may bind something other than their fields' values: the model has a
    /// polymorphic identity (Rust-side defaults are not applied here: the objects got them
    /// when they were built, and a value the user wrote is never replaced).
    fn substitutes(&self) -> bool {
        self.table.polymorphic_identity().is_some()
    }

    /// What a row binds for column `i` instead of its field: the model's identity in the
    /// discriminator (a subtype's always, a base's when the field is empty).
    fn substitute(&self, obj: &dyn DynModel, i: usize) -> Option<Value> {
        let table = self.table;
        let c = &table.columns[i];
        if let Some((column, identity)) = table.polymorphic_identity() {
            if c.name == column {
                let subtype = table.inheritance.is_some_and(|inh| inh.base.is_some());
                let empty = matches!(obj.value_at(i), Value::Text(t) if t.is_empty());
                return (subtype || empty).then(|| Value::Text(identity.to_owned()));
            }
        }
        None
    }

    /// The single-row statement of the column/value form.
    pub(crate) fn pairs_statement(&self, returning: &[&'static str]) -> InsertStatement {
        let table = self.table;
        let mut pairs = self.pairs.clone();
        if let Some((column, identity)) = table.polymorphic_identity() {
            if let Some(c) = table.column(column) {
                let subtype = table.inheritance.is_some_and(|inh| inh.base.is_some());
                if subtype || !pairs.iter().any(|(i, _)| *i == c.index) {
                    pairs.retain(|(i, _)| *i != c.index);
                    pairs.push((c.index, Value::Text(identity.to_owned())));
                }
            }
        }
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

    /// The columns a model row writes and, with `returning`, the generated key column: the
    /// shape of the INSERT of model rows.
    fn rows_shape(&self, returning: bool) -> (ColumnMask, ColumnMask) {
        let mut columns = ColumnMask::EMPTY;
        written_columns(self.table).into_iter().for_each(|i| columns.insert(i));
        let key = self.table.auto_increment_column().filter(|_| returning);
        (columns, key.map_or(ColumnMask::EMPTY, |c| ColumnMask::single(c.index)))
    }

    /// The text of an INSERT of `n` model rows, through the process-wide cache.
    fn rows_sql(&self, d: &dyn Dialect, n: usize, returning: bool) -> Result<Arc<str>> {
        let (columns, returning) = self.rows_shape(returning);
        insert_rows_sql(self.table, d, columns, returning, n)
    }

    /// The statements [`InsertRows::execute`] runs, rendered in `dialect`.
    pub(crate) fn render(&self, dialect: &dyn Dialect) -> Result<Vec<Rendered>> {
        if self.on_conflict.is_some() {
            return self.render_with(dialect, &[]);
        }
        self.check()?;
        if !self.pairs.is_empty() {
            return Ok(vec![render(dialect, Statement::Insert(&self.pairs_statement(&[])))?]);
        }
        let columns = written_columns(self.table);
        let subst = self.substitutes();
        let mut params = Vec::new();
        self.objs
            .chunks(rows_per_statement(self.table, dialect))
            .map(|objs| {
                params.clear();
                for obj in objs {
                    self.bind_row(&mut params, &columns, *obj, subst);
                }
                let (columns, returning) = self.rows_shape(false);
                let sql = render_insert_rows(self.table, dialect, columns, returning, objs.len())?;
                Ok(Rendered { sql, params: params.iter().map(Param::to_value).collect() })
            })
            .collect()
    }

    /// The model rows as multi-row statements of [`rows_per_statement`] rows, in one
    /// transaction: `run(conn, sql, batch)` runs each; returns the sum of what `run` returned.
    /// Where the driver binds borrowed values, a batch is bound as [`Lent`] values when all its
    /// values lend themselves (from the first batch that does not on, as [`Param`]s).
    fn run_batches(
        &self,
        conn: &mut Connection,
        returning: bool,
        run: &mut dyn FnMut(&mut Connection, &str, Batch<'_, 'a>) -> Result<u64>,
    ) -> Result<u64> {
        let dialect = conn.dialect();
        let rows = rows_per_statement(self.table, dialect);
        let columns = written_columns(self.table);
        let subst = self.substitutes();
        let capacity = rows.min(self.objs.len()) * columns.len();
        atomically(conn, self.objs.len().div_ceil(rows), |conn| {
            let mut lend = dialect.capabilities().borrowed_binds;
            let mut lent: Vec<Lent<'a>> = Vec::with_capacity(if lend { capacity } else { 0 });
            let mut params: Vec<Param<'a>> = Vec::with_capacity(if lend { 0 } else { capacity });
            let mut n = 0;
            // (rows, text) of the statement last used: every one but the last has `rows` rows.
            let mut sql: (usize, Arc<str>) = (0, Arc::from(""));
            for objs in self.objs.chunks(rows) {
                if sql.0 != objs.len() {
                    sql = (objs.len(), self.rows_sql(dialect, objs.len(), returning)?);
                }
                if lend {
                    lent.clear();
                    if objs.iter().all(|obj| Self::bind_row_lent(&mut lent, &columns, *obj, subst)) {
                        n += run(conn, &sql.1, Batch::Lent(&lent))?;
                        continue;
                    }
                    lend = false;
                }
                params.clear();
                for obj in objs {
                    self.bind_row(&mut params, &columns, *obj, subst);
                }
                n += run(conn, &sql.1, Batch::Params(&params))?;
            }
            Ok(n)
        })
    }

    /// Keys read by rowid: one prepared single-row statement, executed per row; `each` sees
    /// each row's rowid.
    fn run_rows_by_rowid(&self, conn: &mut Connection, each: &mut dyn FnMut(i64)) -> Result<u64> {
        let sql = self.rows_sql(conn.dialect(), 1, false)?;
        let columns = written_columns(self.table);
        let subst = self.substitutes();
        atomically(conn, self.objs.len(), |conn| {
            let mut stmt = conn.prepared(&sql)?;
            let mut params: Vec<Param<'a>> = Vec::with_capacity(columns.len());
            let mut n = 0;
            for obj in &self.objs {
                params.clear();
                self.bind_row(&mut params, &columns, *obj, subst);
                n += stmt.execute(&params)?;
                each(stmt.last_insert_rowid().unwrap_or_default());
            }
            Ok(n)
        })
    }

    /// The statements with the ON CONFLICT clause and the RETURNING expressions `returning`,
    /// every value bound in place (one statement per [`rows_per_statement`] rows).
    pub(crate) fn render_with(&self, d: &dyn Dialect, returning: &[SelectItem]) -> Result<Vec<Rendered>> {
        self.check()?;
        let clauses = DmlClauses { on_conflict: self.on_conflict.clone(), returning: returning.to_vec() };
        if !self.pairs.is_empty() || self.objs.is_empty() {
            let stmt = self.pairs_statement(&[]);
            return Ok(vec![render(d, Statement::InsertWith(&stmt, &clauses))?]);
        }
        let table = self.table;
        let columns = written_columns(table);
        let subst = self.substitutes();
        let mut params = Vec::new();
        self.objs
            .chunks(rows_per_statement(table, d))
            .map(|objs| {
                let rows = objs
                    .iter()
                    .map(|obj| {
                        params.clear();
                        self.bind_row(&mut params, &columns, *obj, subst);
                        params.iter().map(|p| Node::Value(p.to_value())).collect()
                    })
                    .collect();
                let stmt = InsertStatement {
                    table: table.name,
                    columns: columns.iter().map(|&i| table.columns[i].name).collect(),
                    rows,
                    returning: Vec::new(),
                };
                render(d, Statement::InsertWith(&stmt, &clauses))
            })
            .collect()
    }

    /// Run it on `conn`; returns the number of rows inserted. Checked by the caller.
    pub(crate) fn execute_on(&self, conn: &mut Connection) -> Result<u64> {
        if self.on_conflict.is_some() {
            let statements = self.render_with(conn.dialect(), &[])?;
            return atomically(conn, statements.len(), |conn| {
                let mut n = 0;
                for r in &statements {
                    n += conn.execute(&r.sql, &r.params)?;
                }
                Ok(n)
            });
        }
        if !self.pairs.is_empty() {
            let r = render(conn.dialect(), Statement::Insert(&self.pairs_statement(&[])))?;
            return conn.execute(&r.sql, &r.params);
        }
        self.run_batches(conn, false, &mut |conn, sql, batch| match batch {
            Batch::Lent(params) => conn.execute_params(sql, params),
            Batch::Params(params) => conn.execute_params(sql, params),
        })
    }

    /// Run the object rows on `conn` and return the generated keys, in the order given (the
    /// table has an auto-increment key; checked by the caller).
    pub(crate) fn generated_keys_on(&self, conn: &mut Connection) -> Result<Vec<i64>> {
        let mut ids: Vec<i64> = Vec::with_capacity(self.objs.len());
        if conn.dialect().capabilities().keys_by_rowid {
            self.run_rows_by_rowid(conn, &mut |rowid| ids.push(rowid))?;
        } else {
            self.run_batches(conn, true, &mut |conn, sql, batch| {
                let start = ids.len();
                let mut push = |row: &RowRef<'_>| {
                    ids.push(row.integer(0)?);
                    Ok(true)
                };
                match batch {
                    Batch::Lent(params) => conn.query_while(sql, params, &mut push)?,
                    Batch::Params(params) => conn.query_while(sql, params, &mut push)?,
                }
                // Identity values are drawn in row order; RETURNING's own order is not
                // promised, so restore it.
                ids[start..].sort_unstable();
                Ok(0)
            })?;
        }
        Ok(ids)
    }
}
