//! The typed Core `UPDATE` and `DELETE` builders. Neither runs without a filter unless
//! `.all_rows()` says that every row is meant: the builder's type says which it has
//! ([`Unfiltered`] until `.filter(...)` or `.all_rows()`, then [`Filtered`]), and `execute`
//! does not compile on an unfiltered one.

use std::marker::PhantomData;

use crate::dialect::render;
use crate::error::{Misuse, Result};
use crate::expr::{AppearsIn, AssignValue, Column, Expression};
use crate::model::Model;
use crate::query::insert_rows::fill_table;
use crate::query::{check_value, DeleteStatement, Executor, Statement, UpdateStatement};
use crate::types::SqlType;

/// The state of an UPDATE or DELETE with no filter yet (and no `.all_rows()`): it cannot run.
#[derive(Debug)]
pub enum Unfiltered {}

/// The state of an UPDATE or DELETE with a filter, or `.all_rows()`: it can run.
#[derive(Debug)]
pub enum Filtered {}

/// Whether an UPDATE or DELETE may run: implemented by [`Filtered`] only.
#[diagnostic::on_unimplemented(
    message = "this UPDATE or DELETE has no filter: it would change every row of the table",
    label = "add `.filter(...)` before this call, or `.all_rows()` if every row is meant",
    note = "an UPDATE or DELETE runs once `.filter(...)` or `.all_rows()` says which rows"
)]
pub trait MayRun {}

#[diagnostic::do_not_recommend]
impl MayRun for Filtered {}

/// An UPDATE of model `M`'s table; `W` is [`Unfiltered`] until `.filter(...)` or
/// `.all_rows()`, then [`Filtered`].
#[derive(Debug)]
pub struct Update<M, W = Filtered> {
    stmt: UpdateStatement,
    all_rows: bool,
    /// A user filter was given (a subtype's discriminator condition does not count).
    filtered: bool,
    _model: PhantomData<fn() -> (M, W)>,
}

/// Start an UPDATE of `M`'s table.
pub fn update<M: Model>() -> Update<M, Unfiltered> {
    Update {
        stmt: UpdateStatement {
            table: M::table().name,
            set: Vec::new(),
            filter: crate::query::discriminator_filter(M::table()),
            returning: Vec::new(),
        },
        all_rows: false,
        filtered: false,
        _model: PhantomData,
    }
}

impl<M: Model, W> Update<M, W> {
    /// `SET col = value` (a value, or an expression over `M`'s columns such as `User::age + 1`).
    pub fn set<T: SqlType, V, I>(mut self, col: Column<M, T>, value: V) -> Self
    where
        V: AssignValue<T>,
        V::Sources: AppearsIn<M, I>,
    {
        self.stmt.set.push((col.def().name, value.into_node()));
        self
    }

    /// Add a WHERE condition (ANDed with earlier ones).
    pub fn filter<E, I>(mut self, cond: E) -> Update<M, Filtered>
    where
        E: Expression<Value = bool>,
        E::Sources: AppearsIn<M, I>,
    {
        self.stmt.filter = Some(crate::expr::statement::and(self.stmt.filter.take(), cond.into_node()));
        self.filtered = true;
        self.state()
    }

    /// Update every row of the table (required when there is no filter).
    pub fn all_rows(mut self) -> Update<M, Filtered> {
        self.all_rows = true;
        self.state()
    }

    fn state<V>(self) -> Update<M, V> {
        Update { stmt: self.stmt, all_rows: self.all_rows, filtered: self.filtered, _model: PhantomData }
    }

    /// Render in a dialect (for logging and tests): the statement `execute` runs, with the
    /// `onupdate` columns it adds and, for a model with a version column, `"version" =
    /// "version" + 1` (unless the statement sets the version itself).
    pub fn render(&self, dialect: &dyn crate::dialect::Dialect) -> Result<crate::dialect::Rendered> {
        match self.checked()? {
            Some(stmt) => render(dialect, Statement::Update(&stmt)),
            None => render(dialect, Statement::Update(&self.stmt)),
        }
    }

    /// Run it; returns the number of rows updated.
    pub fn execute<X: Executor>(&self, ex: X) -> Result<u64>
    where
        W: MayRun,
    {
        let Some(stmt) = self.checked()? else { return Ok(0) };
        ex.with_connection(true, |conn| {
            let r = render(conn.dialect(), Statement::Update(&stmt))?;
            conn.execute(&r.sql, &r.params).map_err(|e| fill_table(e, M::table().name))
        })
    }

    /// The statement once checked: a filter (or `.all_rows()`), values that fit their
    /// columns and pass their validators, and the `onupdate` columns it does not set;
    /// `None` when there is nothing to set.
    pub(crate) fn checked(&self) -> Result<Option<std::borrow::Cow<'_, UpdateStatement>>> {
        if !self.filtered && !self.all_rows {
            return Err(Misuse::MissingFilter { statement: "UPDATE", table: self.stmt.table }.into());
        }
        if self.stmt.set.is_empty() {
            return Ok(None);
        }
        let table = M::table();
        for (name, node) in &self.stmt.set {
            if let (Some(col), crate::expr::Node::Value(v)) = (table.column(name), node) {
                check_value(col, v)?;
                if let Some(validate) = col.validate {
                    validate(v)?;
                }
            }
        }
        let missing =
            |c: &&crate::schema::ColumnDef| c.onupdate.is_some() && !self.stmt.set.iter().any(|(n, _)| *n == c.name);
        let bump = table.version_column().filter(|v| !self.stmt.set.iter().any(|(n, _)| *n == v.name));
        if bump.is_none() && !table.columns.iter().any(|c| missing(&c)) {
            return Ok(Some(std::borrow::Cow::Borrowed(&self.stmt)));
        }
        let mut stmt = self.stmt.clone();
        for c in table.columns.iter().filter(missing) {
            if let Some(f) = c.onupdate {
                stmt.set.push((c.name, crate::expr::Node::Value(f())));
            }
        }
        if let Some(v) = bump {
            // Every updated row's version goes up, so that a session holding one of them
            // notices the change at its next flush (optimistic concurrency).
            stmt.set.push((v.name, crate::query::version_increment(v)));
        }
        Ok(Some(std::borrow::Cow::Owned(stmt)))
    }
}

/// A DELETE from model `M`'s table; `W` is [`Unfiltered`] until `.filter(...)` or
/// `.all_rows()`, then [`Filtered`].
#[derive(Debug)]
pub struct Delete<M, W = Filtered> {
    stmt: DeleteStatement,
    all_rows: bool,
    /// A user filter was given (a subtype's discriminator condition does not count).
    filtered: bool,
    _model: PhantomData<fn() -> (M, W)>,
}

/// Start a DELETE from `M`'s table.
pub fn delete<M: Model>() -> Delete<M, Unfiltered> {
    Delete {
        stmt: DeleteStatement {
            table: M::table().name,
            filter: crate::query::discriminator_filter(M::table()),
            returning: Vec::new(),
        },
        all_rows: false,
        filtered: false,
        _model: PhantomData,
    }
}

impl<M: Model, W> Delete<M, W> {
    /// The statement once checked: it has a filter, or `.all_rows()` was called.
    pub(crate) fn checked(&self) -> Result<&DeleteStatement> {
        if !self.filtered && !self.all_rows {
            return Err(Misuse::MissingFilter { statement: "DELETE", table: self.stmt.table }.into());
        }
        Ok(&self.stmt)
    }

    /// Add a WHERE condition (ANDed with earlier ones).
    pub fn filter<E, I>(mut self, cond: E) -> Delete<M, Filtered>
    where
        E: Expression<Value = bool>,
        E::Sources: AppearsIn<M, I>,
    {
        self.stmt.filter = Some(crate::expr::statement::and(self.stmt.filter.take(), cond.into_node()));
        self.filtered = true;
        self.state()
    }

    /// Delete every row of the table (required when there is no filter).
    pub fn all_rows(mut self) -> Delete<M, Filtered> {
        self.all_rows = true;
        self.state()
    }

    fn state<V>(self) -> Delete<M, V> {
        Delete { stmt: self.stmt, all_rows: self.all_rows, filtered: self.filtered, _model: PhantomData }
    }

    /// Render in a dialect (for logging and tests); without a filter, the error `execute`
    /// would have given if it compiled ([`Misuse::MissingFilter`]).
    pub fn render(&self, dialect: &dyn crate::dialect::Dialect) -> Result<crate::dialect::Rendered> {
        render(dialect, Statement::Delete(self.checked()?))
    }

    /// Run it; returns the number of rows deleted.
    pub fn execute<X: Executor>(&self, ex: X) -> Result<u64>
    where
        W: MayRun,
    {
        let stmt = self.checked()?;
        ex.with_connection(true, |conn| {
            let r = render(conn.dialect(), Statement::Delete(stmt))?;
            conn.execute(&r.sql, &r.params).map_err(|e| fill_table(e, M::table().name))
        })
    }
}
