//! Upserts (`INSERT ... ON CONFLICT (...) DO NOTHING | DO UPDATE SET ...`) and `RETURNING` of
//! typed expressions for INSERT, UPDATE and DELETE. Both dialects share the syntax (SQLite
//! 3.24+ for upserts, 3.35+ for RETURNING).
//!
//! ```
//! # use orm::prelude::*;
//! # #[derive(Model, Debug)]
//! # #[orm(table = "users")]
//! # struct User {
//! #     #[orm(primary_key, auto_increment)]
//! #     id: i64,
//! #     #[orm(unique)]
//! #     email: String,
//! #     name: String,
//! #     logins: i32,
//! # }
//! # fn main() -> orm::Result<()> {
//! # let engine = Engine::connect("sqlite::memory:")?;
//! # engine.create_all(&[User::table()])?;
//! # let ada = User { id: 0, email: "ada@example.org".into(), name: "Ada".into(), logins: 1 };
//! # insert::<User>().values(&ada).execute(&engine)?;
//! # let user = User { name: "Ada L.".into(), ..ada };
//! let rows = insert::<User>()
//!     .values(&user)
//!     .on_conflict(User::email)
//!     .do_update(|set| set.set(User::name, excluded(User::name)).set(User::logins, User::logins + 1))
//!     .returning((User::id, User::name))
//!     .all(&engine)?;                                   // Vec<(i64, String)>
//! assert_eq!(rows, [(1, "Ada L.".to_string())]);        // the existing row, updated
//! # let logins: i32 = select(User::logins).one(&engine)?;
//! # assert_eq!(logins, 2);
//! # Ok(())
//! # }
//! ```

use std::marker::PhantomData;

use crate::dialect::{render, Dialect, Rendered};
use crate::error::Result;
use crate::expr::{AppearsIn, AssignValue, Column, Expr, Expression, Node};
use crate::model::Model;
use crate::query::insert_rows::{atomically, fill_table};
use crate::query::modify::MayRun;
use crate::query::{
    ConflictAction, Delete, DmlClauses, Executor, Insert, OnConflict, SelectItem, Selection, Statement, Update,
};
use crate::types::SqlType;

/// `excluded."column"`: in [`OnConflictBuilder::do_update`], the value the conflicting insert
/// proposed for `col` (the existing row's value is the column itself).
pub fn excluded<M: Model, T: SqlType>(col: Column<M, T>) -> Expr<T, M> {
    Expr::from_node(Node::Excluded(col.name()))
}

/// The columns of a unique constraint (or primary key) of `M` that an upsert conflicts on: one
/// column, or a tuple of them.
#[diagnostic::on_unimplemented(
    message = "`{Self}` does not name columns of `{M}`",
    label = "expected a column of `{M}` or a tuple of its columns",
    note = "name the columns of a unique constraint or the primary key, e.g. `.on_conflict(User::email)`"
)]
pub trait ConflictTarget<M> {
    /// The column names.
    fn names(&self) -> Vec<&'static str>;
}

impl<M, T> ConflictTarget<M> for Column<M, T> {
    fn names(&self) -> Vec<&'static str> {
        vec![self.name()]
    }
}

macro_rules! conflict_target_tuple {
    ($($t:ident),+) => {
        impl<M, $($t: ConflictTarget<M>),+> ConflictTarget<M> for ($($t,)+) {
            #[allow(non_snake_case)]
            fn names(&self) -> Vec<&'static str> {
                let ($($t,)+) = self;
                let mut out = Vec::new();
                $(out.extend($t.names());)+
                out
            }
        }
    };
}

conflict_target_tuple!(A);
conflict_target_tuple!(A, B);
conflict_target_tuple!(A, B, C);
conflict_target_tuple!(A, B, C, D);

impl<'a, M: Model> Insert<'a, M> {
    /// `ON CONFLICT (target)`: what to do with rows whose `target` columns (a unique constraint
    /// or the primary key) match an existing row. Finish with [`OnConflictBuilder::do_nothing`]
    /// or [`OnConflictBuilder::do_update`].
    pub fn on_conflict<C: ConflictTarget<M>>(self, target: C) -> OnConflictBuilder<'a, M> {
        OnConflictBuilder { insert: self, target: target.names() }
    }

    /// Run it and return `sel` (columns and expressions of `M`) for each row written, typed:
    /// `.returning((User::id, User::name))` gives `(i64, String)` rows.
    pub fn returning<Sel: Selection>(self, sel: Sel) -> Returning<Self, Sel> {
        Returning { statement: self, sel }
    }
}

/// An upsert waiting for its action (see [`Insert::on_conflict`]).
#[derive(Debug)]
#[must_use = "an upsert needs its action: call .do_nothing() or .do_update(...)"]
pub struct OnConflictBuilder<'a, M: Model> {
    insert: Insert<'a, M>,
    target: Vec<&'static str>,
}

impl<'a, M: Model> OnConflictBuilder<'a, M> {
    /// `DO NOTHING`: keep the existing row, skip the new one.
    pub fn do_nothing(mut self) -> Insert<'a, M> {
        self.insert.rows.on_conflict = Some(OnConflict { target: self.target, action: ConflictAction::Nothing });
        self.insert
    }

    /// `DO UPDATE SET ...`: update the existing row; `set` receives an empty assignment list
    /// to fill, where [`excluded`] reads the proposed row. A model's version column
    /// (`#[orm(version)]`) is bumped unless the assignments set it.
    pub fn do_update(mut self, set: impl FnOnce(UpsertSet<M>) -> UpsertSet<M>) -> Insert<'a, M> {
        let mut s = set(UpsertSet { set: Vec::new(), filter: None, _model: PhantomData });
        let action = if s.set.is_empty() {
            ConflictAction::Nothing
        } else {
            // The existing row changes: its version goes up (optimistic concurrency).
            if let Some(v) = M::table().version_column().filter(|v| !s.set.iter().any(|(n, _)| *n == v.name)) {
                s.set.push((v.name, crate::query::version_increment(v)));
            }
            ConflictAction::Update { set: s.set, filter: s.filter }
        };
        self.insert.rows.on_conflict = Some(OnConflict { target: self.target, action });
        self.insert
    }
}

/// The assignments of an upsert's `DO UPDATE` (see [`OnConflictBuilder::do_update`]).
#[derive(Debug)]
pub struct UpsertSet<M> {
    set: Vec<(&'static str, Node)>,
    filter: Option<Node>,
    _model: PhantomData<fn() -> M>,
}

impl<M: Model> UpsertSet<M> {
    /// `col = value`: a value, an expression over the existing row (`User::logins + 1`), or
    /// the proposed value [`excluded`]`(col)`.
    pub fn set<T: SqlType, V, I>(mut self, col: Column<M, T>, value: V) -> Self
    where
        V: AssignValue<T>,
        V::Sources: AppearsIn<M, I>,
    {
        self.set.push((col.name(), value.into_node()));
        self
    }

    /// `DO UPDATE ... WHERE cond`: update only existing rows matching `cond` (others are
    /// left as they are, like `DO NOTHING`).
    pub fn filter<E, I>(mut self, cond: E) -> Self
    where
        E: Expression<Value = bool>,
        E::Sources: AppearsIn<M, I>,
    {
        self.filter = Some(crate::expr::statement::and(self.filter.take(), cond.into_node()));
        self
    }
}

impl<M: Model, W: MayRun> Update<M, W> {
    /// Run it and return `sel` for each row updated, typed (see [`Insert::returning`]).
    pub fn returning<Sel: Selection>(self, sel: Sel) -> Returning<Self, Sel> {
        Returning { statement: self, sel }
    }
}

impl<M: Model, W: MayRun> Delete<M, W> {
    /// Run it and return `sel` for each row deleted, typed (see [`Insert::returning`]).
    pub fn returning<Sel: Selection>(self, sel: Sel) -> Returning<Self, Sel> {
        Returning { statement: self, sel }
    }
}

/// A write statement whose RETURNING clause can list expressions.
pub trait ReturningStatement {
    /// The model written.
    type Model: Model;
    /// The statements to run, each with `returning` as its RETURNING clause.
    fn render_returning(&self, d: &dyn Dialect, returning: &[SelectItem]) -> Result<Vec<Rendered>>;
}

impl<M: Model> ReturningStatement for Insert<'_, M> {
    type Model = M;
    fn render_returning(&self, d: &dyn Dialect, returning: &[SelectItem]) -> Result<Vec<Rendered>> {
        self.render_with(d, returning)
    }
}

impl<M: Model, W> ReturningStatement for Update<M, W> {
    type Model = M;
    fn render_returning(&self, d: &dyn Dialect, returning: &[SelectItem]) -> Result<Vec<Rendered>> {
        let clauses = DmlClauses { on_conflict: None, returning: returning.to_vec() };
        match self.checked()? {
            Some(stmt) => Ok(vec![render(d, Statement::UpdateWith(&stmt, &clauses))?]),
            None => Ok(Vec::new()),
        }
    }
}

impl<M: Model, W> ReturningStatement for Delete<M, W> {
    type Model = M;
    fn render_returning(&self, d: &dyn Dialect, returning: &[SelectItem]) -> Result<Vec<Rendered>> {
        let clauses = DmlClauses { on_conflict: None, returning: returning.to_vec() };
        Ok(vec![render(d, Statement::DeleteWith(self.checked()?, &clauses))?])
    }
}

/// A write statement with `RETURNING sel`: rows decode into `Sel::Output`.
#[derive(Debug)]
pub struct Returning<Q, Sel> {
    statement: Q,
    sel: Sel,
}

impl<Q: ReturningStatement, Sel: Selection> Returning<Q, Sel> {
    fn items(&self) -> Vec<SelectItem> {
        let mut items = Vec::new();
        self.sel.push_items(&mut items);
        items
    }

    /// Render in a dialect (for logging and tests): the statements [`all`](crate::query::Fetch::all) runs.
    pub fn render(&self, d: &dyn Dialect) -> Result<Vec<Rendered>> {
        self.statement.render_returning(d, &self.items())
    }
}

/// Run the write (in one transaction) and read a row per row written: `all` returns them,
/// `one` expects exactly one (a skipped upsert writes none: [`Error::NotFound`](crate::error::Error::NotFound)). The write is
/// done in full whatever the call reads.
impl<Q: ReturningStatement, Sel: Selection> crate::query::Fetch for Returning<Q, Sel> {
    type Row = Sel::Output;
}

impl<Q: ReturningStatement, Sel: Selection, I> crate::query::fetch::sealed::RunRows<I> for Returning<Q, Sel>
where
    Sel::Sources: AppearsIn<Q::Model, I>,
{
    fn run_rows<X: Executor>(&self, ex: X, each: &mut dyn FnMut(Sel::Output) -> Result<bool>) -> Result<()> {
        let items = self.items();
        let table = Q::Model::table().name;
        let rows = ex
            .with_connection(true, |conn| {
                let statements = self.statement.render_returning(conn.dialect(), &items)?;
                atomically(conn, statements.len(), |conn| {
                    let mut out = Vec::new();
                    for r in &statements {
                        conn.query_while(&r.sql, &r.params, |row| {
                            let mut idx = 0;
                            out.push(self.sel.decode(row, &mut idx)?);
                            Ok(true)
                        })?;
                    }
                    Ok(out)
                })
            })
            .map_err(|e| fill_table(e, table))?;
        for row in rows {
            if !each(row)? {
                break;
            }
        }
        Ok(())
    }

    fn error_table(&self) -> String {
        Q::Model::table().name.to_owned()
    }
}
