//! The typed Core `SELECT` builder.

use std::marker::PhantomData;

use crate::backend::Connection;
use crate::dialect::{render, Rendered};
use crate::error::Result;
use crate::expr::selection::{FromClause, ModelSelection, ReadFrom, SelectModel, Selection};
use crate::expr::{AppearsIn, Expression, Joined, Node};
use crate::model::Model;
use crate::query::builder::sealed::SelectState;
use crate::query::fetch::sealed::RunRows;
use crate::query::join_path::FromModels;
use crate::query::{
    Executor, Fetch, JoinClause, JoinKind, OrderLimit, QueryBuilder, RowLock, SelectStatement, Statement,
};

/// A typed `SELECT` of `Sel` from `F`; rows decode into `Sel::Output`.
///
#[derive(Debug)]
pub struct Select<Sel, F> {
    pub(crate) sel: Sel,
    pub(crate) stmt: SelectStatement,
    pub(crate) _from: PhantomData<fn() -> F>,
}

/// `SELECT <selection>`: a column, an expression, a tuple of them (up to 8).
/// The FROM clause is the model of the first column; set it with `.from::<M>()` otherwise.
pub fn select<Sel: Selection>(sel: Sel) -> Select<Sel, Sel::From>
where
    Sel::From: FromClause,
{
    let mut stmt = SelectStatement::default();
    sel.push_items(&mut stmt.items);
    <Sel::From as FromClause>::push_tables(&mut stmt.from);
    stmt.filter = <Sel::From as FromClause>::implied_filter();
    Select { sel, stmt, _from: PhantomData }
}

/// Every column of model `M` as one item of a Core selection, decoding an `M`:
/// `select((model::<User>(), model::<Order>())).join::<Order>()` gives `(User, Order)` rows.
///
/// The outer side of a `LEFT OUTER JOIN` may be missing from a row, so it is selected as
/// `model::<Option<N>>()`, which reads `None` where the join found nothing (its primary key is
/// NULL): `select((model::<User>(), model::<Option<Post>>())).outerjoin::<Post>()` gives
/// `(User, Option<Post>)` rows. Selecting a plain `model::<Post>()` there is a compile error.
pub fn model<M: SelectModel>() -> M::Selection {
    M::selection()
}

/// `SELECT <every column of M> FROM M`, decoding plain (untracked) `M` values.
pub fn select_model<M: Model>() -> Select<ModelSelection<M>, M> {
    select(ModelSelection::new())
}

impl<Sel: Selection, F> Select<Sel, F> {
    /// Lock the selected rows until the transaction ends (`FOR UPDATE`); run it through a
    /// session (`.all(&mut session)`) for the lock to outlast the statement. On SQLite the
    /// session's transaction takes the database's write lock instead (see [`RowLock`]).
    pub fn with_for_update(self) -> Self {
        self.with_lock(RowLock::update())
    }

    /// Lock the selected rows with `lock` (`FOR SHARE`, `NOWAIT`, `SKIP LOCKED`, `OF`).
    pub fn with_lock(mut self, lock: RowLock) -> Self {
        self.stmt.lock = Some(lock);
        self
    }

    /// Select from model `M` instead.
    pub fn from<M: Model>(mut self) -> Select<Sel, M> {
        self.stmt.from.clear();
        M::push_tables(&mut self.stmt.from);
        if let Some(implied) = M::implied_filter() {
            self.stmt.and_where(implied);
        }
        Select { sel: self.sel, stmt: self.stmt, _from: PhantomData }
    }

    /// `INNER JOIN` model `N`. With exactly one foreign key between `N` and the models
    /// already in the query (either way), the ON clause follows it; otherwise give it with
    /// [`Select::on`] (which also overrides an inferred one). A join left without a condition
    /// it could infer fails with [`Error::JoinPath`](crate::error::Error::JoinPath) when the statement runs. After the join,
    /// `N`'s columns may be selected, filtered and ordered on.
    ///
    /// ```
    /// # use orm::prelude::*;
    /// # #[derive(Model, Debug)]
    /// # #[orm(table = "users")]
    /// # struct User {
    /// #     #[orm(primary_key, auto_increment)]
    /// #     id: i64,
    /// #     name: String,
    /// #     age: i32,
    /// # }
    /// # #[derive(Model, Debug)]
    /// # #[orm(table = "orders")]
    /// # struct Order {
    /// #     #[orm(primary_key, auto_increment)]
    /// #     id: i64,
    /// #     #[orm(foreign_key = User::id)]
    /// #     user_id: i64,
    /// #     total: f64,
    /// # }
    /// # fn main() -> orm::Result<()> {
    /// # let engine = Engine::connect("sqlite::memory:")?;
    /// # engine.create_all(&[User::table(), Order::table()])?;
    /// # let users = [("Ada", 36)].map(|(name, age)| User { id: 0, name: name.into(), age });
    /// # insert::<User>().values_many(&users).execute(&engine)?;
    /// # let orders = [(1, 9.5)].map(|(user_id, total)| Order { id: 0, user_id, total });
    /// # insert::<Order>().values_many(&orders).execute(&engine)?;
    /// let rows: Vec<(String, f64)> =
    ///     select((User::name, Order::total)).join::<Order>().all(&engine)?;
    /// assert_eq!(rows, [("Ada".to_string(), 9.5)]);
    /// // The same join with its condition written out:
    /// let rows: Vec<(String, f64)> =
    ///     select((User::name, Order::total)).join::<Order>().on(Order::user_id.eq(User::id)).all(&engine)?;
    /// assert_eq!(rows, [("Ada".to_string(), 9.5)]);
    /// # Ok(())
    /// # }
    /// ```
    pub fn join<N: Model>(self) -> Select<Sel, Joined<F, N>>
    where
        F: FromModels,
    {
        self.join_inferred::<N, Joined<F, N>>(JoinKind::Inner)
    }

    /// `LEFT OUTER JOIN` model `N`, its ON clause inferred as for [`Select::join`] (or given
    /// with [`Select::on`]). Every row of the query's models is kept; where nothing matched,
    /// `N`'s columns read NULL. So `N` is recorded as outer-joined (`Joined<F, Outer<N>>`):
    /// select its whole row as [`model::<Option<N>>()`](model) (`None` where nothing matched;
    /// a plain `model::<N>()` does not compile), and its columns through `Option` types or
    /// `coalesce`: a column `Post::title: String` read from a row without a post fails to decode.
    pub fn outerjoin<N: Model>(self) -> Select<Sel, Joined<F, crate::expr::Outer<N>>>
    where
        F: FromModels,
    {
        self.join_inferred::<N, Joined<F, crate::expr::Outer<N>>>(JoinKind::LeftOuter)
    }

    fn join_inferred<N: Model, J>(mut self, kind: JoinKind) -> Select<Sel, J>
    where
        F: FromModels,
    {
        let mut from = Vec::new();
        F::push_models(&mut from);
        let index = self.stmt.joins.len();
        let on = match crate::query::join_path::infer_on(&from, N::table(), index) {
            Ok(on) => on,
            Err(unresolved) => {
                if self.stmt.unresolved_join.is_none() {
                    self.stmt.unresolved_join = Some(unresolved);
                }
                Node::Value(crate::types::Value::Bool(false))
            }
        };
        self.stmt.joins.push(JoinClause { kind, table: N::table().name, alias: None, on });
        Select { sel: self.sel, stmt: self.stmt, _from: PhantomData }
    }

    /// `INNER JOIN` model `M`'s table under alias `N` (a self-join); finish with
    /// [`JoinOn::on`], using [`alias`](crate::expr::alias)`::<M, N>().col(...)` for its columns.
    pub fn join_as<M: Model, const N: u8>(self) -> JoinOn<Self, Joined<F, crate::expr::Alias<M, N>>> {
        JoinOn { query: self, table: M::table().name, kind: JoinKind::Inner, alias: Some(N), _from: PhantomData }
    }

    /// `LEFT OUTER JOIN` model `M`'s table under alias `N` (employees with their managers,
    /// if any); finish with [`JoinOn::on`]. The alias's columns read NULL where nothing
    /// matched: select them through `Option` types.
    pub fn outerjoin_as<M: Model, const N: u8>(
        self,
    ) -> JoinOn<Self, Joined<F, crate::expr::Outer<crate::expr::Alias<M, N>>>> {
        JoinOn { query: self, table: M::table().name, kind: JoinKind::LeftOuter, alias: Some(N), _from: PhantomData }
    }

    /// The statement AST.
    pub fn statement(&self) -> &SelectStatement {
        &self.stmt
    }

    /// Render in a dialect (for logging and tests).
    pub fn render(&self, dialect: &dyn crate::dialect::Dialect) -> Result<Rendered> {
        render(dialect, Statement::Select(&self.stmt))
    }

    /// Hand each row to `f` as it is decoded, without collecting the result.
    pub fn for_each<X: Executor, I>(&self, ex: X, mut f: impl FnMut(Sel::Output) -> Result<()>) -> Result<()>
    where
        Sel: ReadFrom<F, I>,
    {
        ex.with_reading_connection(&self.stmt, |conn| {
            let r = render(conn.dialect(), Statement::Select(&self.stmt))?;
            conn.stream(&r.sql, &r.params, |row| {
                let mut idx = 0;
                f(self.sel.decode(row, &mut idx)?)
            })
        })
        .map(drop)
    }
}

impl<Sel, F> SelectState for Select<Sel, F> {
    fn select_state(&mut self) -> &mut SelectStatement {
        &mut self.stmt
    }
}

impl<Sel, F> OrderLimit for Select<Sel, F> {
    type From = F;
}

impl<Sel, F> QueryBuilder for Select<Sel, F> {}

impl<Sel: Selection, F> Fetch for Select<Sel, F> {
    type Row = Sel::Output;
}

impl<Sel: Selection, F, I> RunRows<I> for Select<Sel, F>
where
    Sel: ReadFrom<F, I>,
{
    fn run_rows<X: Executor>(&self, ex: X, each: &mut dyn FnMut(Sel::Output) -> Result<bool>) -> Result<()> {
        run_rows(ex, &self.stmt, &self.sel, each)
    }

    fn error_table(&self) -> String {
        self.stmt.from.first().copied().unwrap_or("query").to_owned()
    }
}

/// Run `stmt`, decoding each row through `sel` and handing it to `g` until it returns false.
pub(crate) fn run_rows<Sel, X, G>(ex: X, stmt: &SelectStatement, sel: &Sel, mut g: G) -> Result<()>
where
    Sel: Selection,
    X: Executor,
    G: FnMut(Sel::Output) -> Result<bool>,
{
    ex.with_reading_connection(stmt, |conn: &mut Connection| {
        let r = render(conn.dialect(), Statement::Select(stmt))?;
        conn.query_while(&r.sql, &r.params, |row| {
            let mut idx = 0;
            g(sel.decode(row, &mut idx)?)
        })
    })
    .map(drop)
}

/// A join waiting for its ON condition (see [`Select::join_as`]).
#[must_use = "a join needs its condition: call .on(...)"]
#[derive(Debug)]
pub struct JoinOn<Q, J> {
    pub(crate) query: Q,
    pub(crate) table: &'static str,
    pub(crate) kind: JoinKind,
    pub(crate) alias: Option<u8>,
    pub(crate) _from: PhantomData<fn() -> J>,
}

impl<Sel: Selection, L, R> Select<Sel, Joined<L, R>> {
    /// The ON condition of the latest join, replacing the one inferred from the foreign keys
    /// (see [`Select::join`]); it may use the columns of every model joined so far.
    pub fn on<E, I>(mut self, cond: E) -> Self
    where
        E: Expression<Value = bool>,
        E::Sources: AppearsIn<Joined<L, R>, I>,
    {
        if let Some(last) = self.stmt.joins.len().checked_sub(1) {
            self.stmt.joins[last].on = cond.into_node();
            if self.stmt.unresolved_join.as_ref().is_some_and(|u| u.index == last) {
                self.stmt.unresolved_join = None;
            }
        }
        self
    }
}

impl<Sel: Selection, F, N> JoinOn<Select<Sel, F>, Joined<F, N>> {
    /// The join condition; it may use the columns of every model joined so far.
    pub fn on<E, I>(self, cond: E) -> Select<Sel, Joined<F, N>>
    where
        E: Expression<Value = bool>,
        E::Sources: AppearsIn<Joined<F, N>, I>,
    {
        let JoinOn { query, table, kind, alias, .. } = self;
        let mut stmt = query.stmt;
        stmt.joins.push(JoinClause { kind, table, alias, on: cond.into_node() });
        Select { sel: query.sel, stmt, _from: PhantomData }
    }
}
