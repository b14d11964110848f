//! The typed Core `INSERT` builder: model rows (one or many) or column/value pairs.
//!
//! Many rows go in as multi-row `INSERT ... VALUES (...), (...)` statements inside one
//! transaction, each under the dialect's bind-parameter limit, with the statement text
//! rendered once per (model, dialect, rows, RETURNING) and cached. How many rows one statement
//! carries is per dialect ([`Insert::rows_per_statement`]):
//!
//! * PostgreSQL: up to 1000 rows, to save round trips (500 to 2000 measured the same on 10,000
//!   rows; 4000 and more were slower).
//! * SQLite: about 300 parameters' worth of rows (100 rows of 3 columns). Measured on 10,000
//!   rows, that is about 1.7x faster than one prepared single-row statement executed per row;
//!   longer statements got slower again (1000 rows of 3 columns: ~15% slower than 100).
//!
//! Values are bound borrowed from the objects. On SQLite the plain ones (text, bytes, numbers,
//! booleans, NULL) are bound as [`Lent`] values, which the driver binds without a conversion
//! step.
//!
//! `returning_keys` on SQLite still executes one prepared single-row statement per row, to read
//! each row's rowid exactly.

use std::any::TypeId;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use crate::backend::{BindParam, Connection, RowRef};
use crate::dialect::{render, Dialect, DialectKind, Rendered};
use crate::error::{Error, Result};
use crate::expr::{AssignValue, Column, Node};
use crate::model::Model;
use crate::query::{check_param, check_value, Executor, InsertStatement, Statement};
#[cfg(not(feature = "sqlite"))]
use crate::types::sqlite_values as rusqlite;
use crate::types::{Param, SqlType, Value};

/// PostgreSQL: most rows in one multi-row INSERT (fewer when the parameter limit says so).
const PG_ROWS_PER_STATEMENT: usize = 1000;

/// SQLite: about this many parameters in one multi-row INSERT (see the module notes).
const SQLITE_PARAMS_PER_STATEMENT: usize = 300;

/// Rendered multi-row INSERTs kept (the cache is emptied when it grows past this).
const ROWS_SQL_CACHE: usize = 256;

/// Key of a cached multi-row INSERT: model, dialect, rows, whether it returns the generated key.
type RowsSqlKey = (TypeId, DialectKind, usize, bool);

/// Multi-row INSERT texts, rendered once per key.
static ROWS_SQL: OnceLock<Mutex<HashMap<RowsSqlKey, Arc<str>>>> = OnceLock::new();

/// A value of a model row in a form SQLite binds as it is: text and bytes borrowed from the
/// row, scalars copied. Binding one cannot fail and never converts, so the driver's bind loop
/// inlines it; measured, that makes a 10,000-row insert ~15% faster than binding [`Param`]s.
/// Values of other kinds (dates, JSON, UUIDs, owned text, ...) are bound as [`Param`]s.
#[derive(Debug, Clone, Copy)]
enum Lent<'a> {
    Null,
    Bool(bool),
    I16(i16),
    I32(i32),
    I64(i64),
    F32(f32),
    F64(f64),
    Text(&'a str),
    Blob(&'a [u8]),
}

impl<'a> Lent<'a> {
    /// `p` as a lent value, if it is one of the plain kinds.
    fn of(p: &Param<'a>) -> Option<Self> {
        Some(match p {
            Param::Text(s) => Lent::Text(s),
            Param::Blob(b) => Lent::Blob(b),
            Param::Value(v) => match *v {
                Value::Null => Lent::Null,
                Value::Bool(v) => Lent::Bool(v),
                Value::I16(v) => Lent::I16(v),
                Value::I32(v) => Lent::I32(v),
                Value::I64(v) => Lent::I64(v),
                Value::F32(v) => Lent::F32(v),
                Value::F64(v) => Lent::F64(v),
                _ => return None,
            },
        })
    }

    /// The [`Param`] it was made from.
    fn param(self) -> Param<'a> {
        match self {
            Lent::Null => Param::Value(Value::Null),
            Lent::Bool(v) => Param::Value(Value::Bool(v)),
            Lent::I16(v) => Param::Value(Value::I16(v)),
            Lent::I32(v) => Param::Value(Value::I32(v)),
            Lent::I64(v) => Param::Value(Value::I64(v)),
            Lent::F32(v) => Param::Value(Value::F32(v)),
            Lent::F64(v) => Param::Value(Value::F64(v)),
            Lent::Text(s) => Param::Text(s),
            Lent::Blob(b) => Param::Blob(b),
        }
    }
}

impl rusqlite::ToSql for Lent<'_> {
    /// As `Value` binds on SQLite: booleans and integers as INTEGER, floats as REAL.
    #[inline]
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, ValueRef};
        Ok(ToSqlOutput::Borrowed(match *self {
            Lent::Null => ValueRef::Null,
            Lent::Bool(v) => ValueRef::Integer(i64::from(v)),
            Lent::I16(v) => ValueRef::Integer(i64::from(v)),
            Lent::I32(v) => ValueRef::Integer(i64::from(v)),
            Lent::I64(v) => ValueRef::Integer(v),
            Lent::F32(v) => ValueRef::Real(f64::from(v)),
            Lent::F64(v) => ValueRef::Real(v),
            Lent::Text(s) => ValueRef::Text(s.as_bytes()),
            Lent::Blob(b) => ValueRef::Blob(b),
        }))
    }
}

/// Only SQLite binds lent values; this is [`Param`]'s binding, for completeness.
#[cfg(feature = "postgres")]
impl postgres::types::ToSql for Lent<'_> {
    fn to_sql(
        &self,
        ty: &postgres::types::Type,
        out: &mut postgres::types::private::BytesMut,
    ) -> std::result::Result<postgres::types::IsNull, Box<dyn std::error::Error + Sync + Send>> {
        self.param().to_sql(ty, out)
    }

    fn accepts(ty: &postgres::types::Type) -> bool {
        <Param<'_> as postgres::types::ToSql>::accepts(ty)
    }

    fn encode_format(&self, ty: &postgres::types::Type) -> postgres::types::Format {
        self.param().encode_format(ty)
    }

    postgres::types::to_sql_checked!();
}

impl BindParam for Lent<'_> {
    fn to_value(&self) -> Value {
        self.param().to_value()
    }
}

/// The parameters of one multi-row statement.
#[derive(Debug, Clone, Copy)]
enum Batch<'p, 'a> {
    /// SQLite, every value plain.
    Lent(&'p [Lent<'a>]),
    /// Any other batch.
    Params(&'p [Param<'a>]),
}

/// An INSERT into model `M`'s table: borrowed model rows, or column/value pairs.
#[derive(Debug)]
pub struct Insert<'a, M: Model> {
    objs: Vec<&'a M>,
    pairs: Vec<(usize, Value)>,
    /// `ON CONFLICT ...` (see [`Insert::on_conflict`]).
    pub(crate) on_conflict: Option<crate::query::OnConflict>,
}

/// Start an INSERT into `M`'s table.
pub fn insert<'a, M: Model>() -> Insert<'a, M> {
    Insert { objs: Vec::new(), pairs: Vec::new(), on_conflict: None }
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

    /// Set one column of a single-row insert; columns not set take their Rust-side
    /// `default = ...` (bound by this statement), or else the server default.
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
        if !self.pairs.is_empty() && !self.objs.is_empty() {
            return Err(Error::InvalidState("an INSERT takes either model rows or column values, not both".into()));
        }
        let table = M::table();
        for (i, v) in &self.pairs {
            check_value(&table.columns[*i], v)?;
            if let Some(validate) = table.columns[*i].validate {
                validate(v)?;
            }
        }
        let limited: Vec<usize> = model_columns::<M>().filter(|&i| table.columns[i].max_length.is_some()).collect();
        for obj in &self.objs {
            Self::check_row(obj, &limited)?;
        }
        Ok(())
    }

    /// The checks of one model row, run for every row before any statement is sent (a failure
    /// writes nothing). `limited`: the written columns that have a `max_length`.
    fn check_row(obj: &M, limited: &[usize]) -> Result<()> {
        let table = M::table();
        for &i in limited {
            check_param(&table.columns[i], &obj.column_param(i))?;
        }
        if M::HAS_VALIDATORS {
            obj.validate(crate::model::ColumnMask::all(table.columns.len()))?;
        }
        Ok(())
    }

    /// Every model row is bound through here: its values of `columns` (the [`model_columns`],
    /// collected once per statement list), each made a bound parameter by `bind` and
    /// appended to `out`. `false` when `bind` refused a value (`out` then holds part of the row).
    /// With `subst` (see [`Insert::substitutes`]) the discriminator may be replaced by the
    /// model's polymorphic identity; every other value is bound as the object holds it.
    fn bind_row<P>(
        out: &mut Vec<P>,
        columns: &[usize],
        obj: &'a M,
        subst: bool,
        bind: impl Fn(Param<'a>) -> Option<P>,
    ) -> bool {
        for &i in columns {
            let p = match subst.then(|| Self::substitute(obj, i)).flatten() {
                Some(v) => Param::Value(v),
                None => obj.column_param(i),
            };
            match bind(p) {
                Some(p) => out.push(p),
                None => return false,
            }
        }
        true
    }

    /// Whether rows of `M` may bind something other than their fields' values: `M` has a
    /// polymorphic identity (Rust-side defaults are not applied here: the objects got them
    /// when they were built, and a value the user wrote is never replaced).
    fn substitutes() -> bool {
        M::table().polymorphic_identity().is_some()
    }

    /// What a row binds for column `i` instead of its field: the model's identity in the
    /// discriminator (a subtype's always, a base's when the field is empty).
    fn substitute(obj: &M, i: usize) -> Option<Value> {
        let table = M::table();
        let c = &table.columns[i];
        if let Some((column, identity)) = table.polymorphic_identity() {
            if c.name == column {
                let subtype = table.inheritance.is_some_and(|inh| inh.base.is_some());
                let empty = matches!(obj.column_value(i), Value::Text(t) if t.is_empty());
                return (subtype || empty).then(|| Value::Text(identity.to_owned()));
            }
        }
        None
    }

    /// The single-row statement of the column/value form.
    fn pairs_statement(&self, returning: &[&'static str]) -> InsertStatement {
        let table = M::table();
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

    /// How many model rows one INSERT statement carries in `dialect` (the last statement
    /// carries the rest): the dialect's preferred size, under its bind-parameter limit.
    /// A model whose only column is generated inserts `DEFAULT VALUES`, one row at a time.
    pub fn rows_per_statement(dialect: &dyn Dialect) -> usize {
        let w = model_columns::<M>().count();
        if w == 0 {
            return 1;
        }
        let preferred = match dialect.kind() {
            DialectKind::Sqlite => SQLITE_PARAMS_PER_STATEMENT / w,
            DialectKind::Postgres => PG_ROWS_PER_STATEMENT,
        };
        preferred.min(dialect.capabilities().max_params / w).max(1)
    }

    /// The text of an INSERT of `n` model rows (placeholders only; values are bound apart),
    /// returning the generated key column when `returning` is set.
    fn render_rows_sql(d: &dyn Dialect, n: usize, returning: bool) -> Result<String> {
        let table = M::table();
        let names: Vec<&'static str> = model_columns::<M>().map(|i| table.columns[i].name).collect();
        let stmt = InsertStatement {
            table: table.name,
            rows: vec![vec![Node::Value(Value::Null); names.len()]; n],
            columns: names,
            returning: if returning {
                table.auto_increment_column().map(|c| c.name).into_iter().collect()
            } else {
                Vec::new()
            },
        };
        Ok(render(d, Statement::Insert(&stmt))?.sql)
    }

    /// [`Insert::render_rows_sql`] for a built-in dialect, through the process-wide cache.
    fn rows_sql(kind: DialectKind, n: usize, returning: bool) -> Result<Arc<str>> {
        let cache = ROWS_SQL.get_or_init(Mutex::default);
        let key = (TypeId::of::<M>(), kind, n, returning);
        if let Some(sql) = cache.lock().unwrap_or_else(PoisonError::into_inner).get(&key) {
            return Ok(Arc::clone(sql));
        }
        let sql: Arc<str> = Self::render_rows_sql(kind.dialect(), n, returning)?.into();
        let mut map = cache.lock().unwrap_or_else(PoisonError::into_inner);
        if map.len() >= ROWS_SQL_CACHE {
            map.clear();
        }
        map.insert(key, Arc::clone(&sql));
        Ok(sql)
    }

    /// Render in a dialect (for logging and tests): the statements [`Insert::execute`] runs.
    pub fn render(&self, dialect: &dyn Dialect) -> Result<Vec<Rendered>> {
        if self.on_conflict.is_some() {
            return self.render_with(dialect, &[]);
        }
        self.check()?;
        if !self.pairs.is_empty() {
            return Ok(vec![render(dialect, Statement::Insert(&self.pairs_statement(&[])))?]);
        }
        let columns: Vec<usize> = model_columns::<M>().collect();
        let subst = Self::substitutes();
        let mut params = Vec::new();
        self.objs
            .chunks(Self::rows_per_statement(dialect))
            .map(|objs| {
                params.clear();
                for obj in objs {
                    Self::bind_row(&mut params, &columns, obj, subst, Some);
                }
                let sql = Self::render_rows_sql(dialect, objs.len(), false)?;
                Ok(Rendered { sql, params: params.iter().map(Param::to_value).collect() })
            })
            .collect()
    }

    /// The model rows as multi-row statements of [`Insert::rows_per_statement`] rows, in one
    /// transaction: `run(conn, sql, batch)` runs each; returns the sum of what `run` returned.
    /// On SQLite a batch is bound as [`Lent`] values when all its values lend themselves (from
    /// the first batch that does not on, as [`Param`]s).
    fn run_batches(
        &self,
        conn: &mut Connection,
        returning: bool,
        mut run: impl FnMut(&mut Connection, &str, Batch<'_, 'a>) -> Result<u64>,
    ) -> Result<u64> {
        let kind = conn.dialect_kind();
        let rows = Self::rows_per_statement(kind.dialect());
        let columns: Vec<usize> = model_columns::<M>().collect();
        let subst = Self::substitutes();
        let capacity = rows.min(self.objs.len()) * columns.len();
        in_transaction(conn, |conn| {
            let mut lend = kind == DialectKind::Sqlite;
            let mut lent: Vec<Lent<'a>> = Vec::with_capacity(if lend { capacity } else { 0 });
            let mut params: Vec<Param<'a>> = Vec::with_capacity(if lend { 0 } else { capacity });
            let mut n = 0;
            // (rows, text) of the statement last used: every one but the last has `rows` rows.
            let mut sql: (usize, Arc<str>) = (0, Arc::from(""));
            for objs in self.objs.chunks(rows) {
                if sql.0 != objs.len() {
                    sql = (objs.len(), Self::rows_sql(kind, objs.len(), returning)?);
                }
                if lend {
                    lent.clear();
                    if objs.iter().all(|obj| Self::bind_row(&mut lent, &columns, obj, subst, |p| Lent::of(&p))) {
                        n += run(conn, &sql.1, Batch::Lent(&lent))?;
                        continue;
                    }
                    lend = false;
                }
                params.clear();
                for obj in objs {
                    Self::bind_row(&mut params, &columns, obj, subst, Some);
                }
                n += run(conn, &sql.1, Batch::Params(&params))?;
            }
            Ok(n)
        })
    }

    /// SQLite: one prepared single-row statement, executed per row; `each` sees each row's
    /// rowid.
    fn run_rows_sqlite(&self, conn: &mut Connection, mut each: impl FnMut(i64)) -> Result<u64> {
        let sql = Self::rows_sql(DialectKind::Sqlite, 1, false)?;
        let columns: Vec<usize> = model_columns::<M>().collect();
        let subst = Self::substitutes();
        in_transaction(conn, |conn| {
            let mut stmt = conn.prepared(&sql)?;
            let mut params: Vec<Param<'a>> = Vec::with_capacity(columns.len());
            let mut n = 0;
            for obj in &self.objs {
                params.clear();
                Self::bind_row(&mut params, &columns, obj, subst, Some);
                n += stmt.execute(&params)?;
                each(stmt.last_insert_rowid().unwrap_or_default());
            }
            Ok(n)
        })
    }

    /// The statements with the ON CONFLICT clause and the RETURNING expressions `returning`,
    /// every value bound in place (one statement per [`Insert::rows_per_statement`] rows).
    pub(crate) fn render_with(&self, d: &dyn Dialect, returning: &[crate::query::SelectItem]) -> Result<Vec<Rendered>> {
        self.check()?;
        let clauses = crate::query::DmlClauses { on_conflict: self.on_conflict.clone(), returning: returning.to_vec() };
        if !self.pairs.is_empty() || self.objs.is_empty() {
            let stmt = self.pairs_statement(&[]);
            return Ok(vec![render(d, Statement::InsertWith(&stmt, &clauses))?]);
        }
        let table = M::table();
        let columns: Vec<usize> = model_columns::<M>().collect();
        let subst = Self::substitutes();
        let mut params = Vec::new();
        self.objs
            .chunks(Self::rows_per_statement(d))
            .map(|objs| {
                let rows = objs
                    .iter()
                    .map(|obj| {
                        params.clear();
                        Self::bind_row(&mut params, &columns, obj, subst, Some);
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

    /// Run it; returns the number of rows inserted.
    pub fn execute<X: Executor>(&self, ex: X) -> Result<u64> {
        self.check()?;
        let table = M::table().name;
        if self.on_conflict.is_some() {
            return ex
                .with_connection(true, |conn| {
                    let statements = self.render_with(conn.dialect(), &[])?;
                    in_transaction(conn, |conn| {
                        let mut n = 0;
                        for r in &statements {
                            n += conn.execute(&r.sql, &r.params)?;
                        }
                        Ok(n)
                    })
                })
                .map_err(|e| fill_table(e, table));
        }
        ex.with_connection(true, |conn| {
            if !self.pairs.is_empty() {
                let r = render(conn.dialect(), Statement::Insert(&self.pairs_statement(&[])))?;
                return conn.execute(&r.sql, &r.params);
            }
            self.run_batches(conn, false, |conn, sql, batch| match batch {
                Batch::Lent(params) => conn.execute_params(sql, params),
                Batch::Params(params) => conn.execute_params(sql, params),
            })
        })
        .map_err(|e| fill_table(e, table))
    }

    /// Run it and return the primary keys of the inserted rows, in the order given. Not with
    /// [`Insert::on_conflict`] (a skipped row has no key): use `.returning(M::id)` there.
    pub fn returning_keys<X: Executor>(&self, ex: X) -> Result<Vec<M::Key>> {
        self.check()?;
        if self.on_conflict.is_some() {
            return Err(Error::InvalidState(
                "returning_keys() with ON CONFLICT: use .returning(...) to read the rows written".into(),
            ));
        }
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
            if generated.is_none() {
                // The keys are the objects' own.
                self.execute(conn)?;
                return Ok(self.objs.iter().map(|o| o.key()).collect());
            }
            let mut ids: Vec<i64> = Vec::with_capacity(self.objs.len());
            if conn.dialect_kind() == DialectKind::Sqlite {
                self.run_rows_sqlite(conn, |rowid| ids.push(rowid))?;
            } else {
                self.run_batches(conn, true, |conn, sql, batch| {
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
            ids.into_iter().map(|id| M::key_from_values(&[Value::I64(id)])).collect()
        })
        .map_err(|e| fill_table(e, table.name))
    }
}
