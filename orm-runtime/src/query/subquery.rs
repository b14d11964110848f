//! Subqueries: a select used as a value (`scalar_subquery`), in `IN (...)` and `EXISTS (...)`,
//! and as a table of its own in FROM or JOIN (a [`Derived`] table or a common table
//! expression).
//!
//! # Correlation, at the type level
//!
//! A subquery used as an expression *reads* the models of its enclosing query that it refers
//! to, exactly as a column does. An ordinary subquery refers to none: as an expression it
//! reads `()`, and any query accepts it. A correlated subquery names the outer model it refers
//! to with [`Select::correlate`]: inside it that model's columns may be used (besides those
//! of its own FROM clause), and as an expression it reads that model, so that only a query
//! selecting from (or joining) it accepts the subquery.
//!
//! ```
//! # use orm::prelude::*;
//! # #[derive(Model, Debug)]
//! # #[orm(table = "users")]
//! # struct User {
//! #     #[orm(primary_key, auto_increment)]
//! #     id: i64,
//! #     name: String,
//! #     age: i32,
//! # }
//! # #[derive(Model, Debug)]
//! # #[orm(table = "orders")]
//! # struct Order {
//! #     #[orm(primary_key, auto_increment)]
//! #     id: i64,
//! #     #[orm(foreign_key = User::id)]
//! #     user_id: i64,
//! #     total: f64,
//! # }
//! # fn main() -> orm::Result<()> {
//! # let engine = Engine::connect("sqlite::memory:")?;
//! # engine.create_all(&[User::table(), Order::table()])?;
//! # let users = [("Ada", 36), ("Bob", 25), ("Cy", 19)].map(|(name, age)| User { id: 0, name: name.into(), age });
//! # insert::<User>().values_many(&users).execute(&engine)?;
//! # let orders = [(1, 30.0), (2, 120.0), (2, 7.5)].map(|(user_id, total)| Order { id: 0, user_id, total });
//! # insert::<Order>().values_many(&orders).execute(&engine)?;
//! // Users with an order over 100: uncorrelated, reads `()`.
//! let big = select(Order::user_id).filter(Order::total.gt(100.0));
//! let names: Vec<String> = select(User::name).filter(User::id.in_(big)).all(&engine)?;
//! assert_eq!(names, ["Bob"]);
//!
//! // Each user's largest order: correlated with `User`, reads `User`.
//! let largest = select(func::max(Order::total)).correlate::<User>().filter(Order::user_id.eq(User::id));
//! let rows: Vec<(String, Option<f64>)> =
//!     select((User::name, largest.scalar_subquery())).order_by(User::name).all(&engine)?;
//! assert_eq!(rows[2], ("Cy".to_string(), None));
//! # Ok(())
//! # }
//! ```
//!
//! A table of its own ([`Select::subquery`], [`Select::cte`]) cannot be correlated (that
//! would be `LATERAL`): its columns are [`DerivedColumn`]s, a source of their own.

use std::marker::PhantomData;

use crate::backend::RowRef;
use crate::error::Result;
use crate::expr::selection::{ColumnAt, NoFrom, SingleColumn, SourceFrom};
use crate::expr::statement::{Cte, DerivedTable};
use crate::expr::InOperand;
use crate::expr::{
    AppearsIn, AsExpr, Correlated, Expr, Expression, Here, InLeft, InRight, IntoOrdering, Joined, Node, Ordering, Scope,
};
use crate::model::Model;
use crate::query::query_expr::{CheckedQuery, QueryExpr};
use crate::query::{JoinKind, JoinOn, Select, SelectItem, SelectStatement, Selection};
use crate::types::SqlType;

impl<Sel: Selection, F> Select<Sel, F> {
    /// Let this subquery refer to the enclosing query's model `O` (a correlated subquery):
    /// `O`'s columns become usable here, and the subquery, used as an expression, is then
    /// accepted only where `O` is in the FROM clause.
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
    /// # let users = [("Ada", 36), ("Bob", 25)].map(|(name, age)| User { id: 0, name: name.into(), age });
    /// # insert::<User>().values_many(&users).execute(&engine)?;
    /// # let orders = [(1, 30.0), (1, 12.0)].map(|(user_id, total)| Order { id: 0, user_id, total });
    /// # insert::<Order>().values_many(&orders).execute(&engine)?;
    /// let n = select(func::count_all()).from::<Order>().correlate::<User>().filter(Order::user_id.eq(User::id));
    /// let rows: Vec<(String, Option<i64>)> =
    ///     select((User::name, n.scalar_subquery())).order_by(User::name).all(&engine)?;
    /// assert_eq!(rows, [("Ada".to_string(), Some(2)), ("Bob".to_string(), Some(0))]);
    /// # Ok(())
    /// # }
    /// ```
    pub fn correlate<O: Model>(self) -> Select<Sel, Correlated<F, O>> {
        Select { sel: self.sel, stmt: self.stmt, _from: PhantomData }
    }

    /// `(SELECT ...)` as a value: one column, at most one row; `None` for no row.
    ///
    /// ```
    /// # use orm::prelude::*;
    /// # #[derive(Model, Debug)]
    /// # #[orm(table = "orders")]
    /// # struct Order {
    /// #     #[orm(primary_key, auto_increment)]
    /// #     id: i64,
    /// #     total: f64,
    /// # }
    /// # fn main() -> orm::Result<()> {
    /// # let engine = Engine::connect("sqlite::memory:")?;
    /// # engine.create_all(&[Order::table()])?;
    /// # let orders = [Order { id: 0, total: 30.0 }, Order { id: 0, total: 120.0 }, Order { id: 0, total: 7.5 }];
    /// # insert::<Order>().values_many(&orders).execute(&engine)?;
    /// let top = select(func::max(Order::total)).scalar_subquery();        // Expr<Option<f64>, ()>
    /// let ids: Vec<i64> = select(Order::id).filter(Order::total.eq(top)).all(&engine)?;
    /// assert_eq!(ids, [2]);
    /// # Ok(())
    /// # }
    /// ```
    pub fn scalar_subquery<I>(self) -> Expr<Option<<Sel::Value as SqlType>::Base>, F::Outer>
    where
        Sel: SingleColumn,
        F: Scope,
        Sel::Sources: AppearsIn<F, I>,
        <Sel::Value as SqlType>::Base: SqlType<Base = <Sel::Value as SqlType>::Base>,
    {
        Expr::from_node(Node::Subquery(Box::new(self.stmt)))
    }

    /// This select as a table of its own in another query's FROM or JOIN, under the name
    /// `"anon_N"` (`N` below 16 tells several apart). Its columns are
    /// [`Derived::col`]`::<K>()`, named by their labels (a column's own name, or `cK`, when
    /// unlabelled).
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
    /// # let users = [("Ada", 36), ("Bob", 25)].map(|(name, age)| User { id: 0, name: name.into(), age });
    /// # insert::<User>().values_many(&users).execute(&engine)?;
    /// # let orders = [(1, 30.0), (1, 12.5)].map(|(user_id, total)| Order { id: 0, user_id, total });
    /// # insert::<Order>().values_many(&orders).execute(&engine)?;
    /// let totals = select((Order::user_id, func::sum(Order::total).label("total")))
    ///     .group_by(Order::user_id)
    ///     .subquery::<1>();
    /// let rows: Vec<(String, Option<f64>)> = select((User::name, totals.col::<1>()))
    ///     .join_subquery(&totals)
    ///     .on(totals.col::<0>().eq(User::id))
    ///     .all(&engine)?;
    /// assert_eq!(rows, [("Ada".to_string(), Some(42.5))]); // Bob has no orders: no row to join
    /// # Ok(())
    /// # }
    /// ```
    pub fn subquery<const N: u8>(self) -> Derived<Self, N>
    where
        F: Scope,
    {
        Derived::inline_of(self.stmt)
    }

    /// This select as a common table expression `WITH "name" AS (...)`; a query that selects
    /// from or joins it gets the WITH clause. See [`Derived::recursive_union_all`] for a
    /// recursive one.
    pub fn cte<const N: u8>(self, name: &'static str) -> Derived<Self, N>
    where
        F: Scope,
    {
        Derived::cte_of(name, self.stmt)
    }

    /// Select from a subquery or common table expression instead (see [`Select::subquery`]).
    pub fn select_from<Q, const N: u8, I>(mut self, table: &Derived<Q, N>) -> Select<Sel, Derived<Q, N>>
    where
        Q: CheckedQuery<I, Outer = ()>,
    {
        self.stmt.from.clear();
        table.add_to(&mut self.stmt);
        self.stmt.from.push(table.name);
        Select { sel: self.sel, stmt: self.stmt, _from: PhantomData }
    }

    /// `INNER JOIN` a subquery or common table expression; finish with [`JoinOn::on`].
    pub fn join_subquery<Q, const N: u8, I>(mut self, table: &Derived<Q, N>) -> JoinOn<Self, Joined<F, Derived<Q, N>>>
    where
        Q: CheckedQuery<I, Outer = ()>,
    {
        table.add_to(&mut self.stmt);
        JoinOn { query: self, table: table.name, kind: JoinKind::Inner, alias: None, _from: PhantomData }
    }

    /// `LEFT OUTER JOIN` a subquery or common table expression; finish with [`JoinOn::on`].
    pub fn outerjoin_subquery<Q, const N: u8, I>(
        mut self,
        table: &Derived<Q, N>,
    ) -> JoinOn<Self, Joined<F, Derived<Q, N>>>
    where
        Q: CheckedQuery<I, Outer = ()>,
    {
        table.add_to(&mut self.stmt);
        JoinOn { query: self, table: table.name, kind: JoinKind::LeftOuter, alias: None, _from: PhantomData }
    }

    /// Add a common table expression's `WITH` clause without selecting from it (for a CTE
    /// used only inside a subquery of this query, which also carries it itself otherwise).
    pub fn with<Q, const N: u8, I>(mut self, cte: &Derived<Q, N>) -> Self
    where
        Q: CheckedQuery<I, Outer = ()>,
    {
        if let Some(c) = cte.as_cte() {
            self.stmt.add_cte(c);
        }
        self
    }
}

/// `EXISTS (query)`: true when the query returns a row. As an expression it reads the outer
/// models the query is correlated with.
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
/// # let users = [("Ada", 36), ("Bob", 25)].map(|(name, age)| User { id: 0, name: name.into(), age });
/// # insert::<User>().values_many(&users).execute(&engine)?;
/// # let orders = [(1, 30.0)].map(|(user_id, total)| Order { id: 0, user_id, total });
/// # insert::<Order>().values_many(&orders).execute(&engine)?;
/// let has_orders = exists(select(Order::id).correlate::<User>().filter(Order::user_id.eq(User::id)));
/// let names: Vec<String> = select(User::name).filter(has_orders).all(&engine)?;
/// assert_eq!(names, ["Ada"]);
/// # Ok(())
/// # }
/// ```
pub fn exists<Q: CheckedQuery<I>, I>(query: Q) -> Expr<bool, Q::Outer> {
    Expr::from_node(Node::Exists { query: Box::new(query.into_parts().1), negated: false })
}

/// `NOT EXISTS (query)`: true when the query returns no row.
pub fn not_exists<Q: CheckedQuery<I>, I>(query: Q) -> Expr<bool, Q::Outer> {
    Expr::from_node(Node::Exists { query: Box::new(query.into_parts().1), negated: true })
}

// A derived table joins with its condition written out (see `FromModels`).
impl<Q, const N: u8> crate::query::FromModels for Derived<Q, N> {
    fn push_models(_: &mut Vec<&'static crate::schema::TableDef>) {}
}

impl<T, Sel, F, I> InOperand<T, I> for Select<Sel, F>
where
    Sel: SingleColumn,
    F: Scope,
    Sel::Value: SqlType<Base = T>,
    Sel::Sources: AppearsIn<F, I>,
{
    type Sources = F::Outer;
    fn in_node(self, lhs: Node, negated: bool) -> Node {
        Node::InQuery { expr: Box::new(lhs), query: Box::new(self.stmt), negated }
    }
}

/// Names of unlabelled expression columns of a derived table, by position.
const COLUMN_NAMES: [&str; 8] = ["c0", "c1", "c2", "c3", "c4", "c5", "c6", "c7"];

/// Names of the derived tables of [`Select::subquery`], by `N`.
const ANON_NAMES: [&str; 16] = [
    "anon_0", "anon_1", "anon_2", "anon_3", "anon_4", "anon_5", "anon_6", "anon_7", "anon_8", "anon_9", "anon_10",
    "anon_11", "anon_12", "anon_13", "anon_14", "anon_15",
];

/// The output column names of a select list: labels; else a column's own name unless taken;
/// else `cK`.
fn column_names(items: &[SelectItem]) -> Vec<&'static str> {
    let mut names: Vec<&'static str> = Vec::with_capacity(items.len());
    for (k, item) in items.iter().enumerate() {
        let own = match (&item.label, &item.node) {
            (Some(l), _) => Some(*l),
            (None, Node::Column { name, .. } | Node::AliasColumn { name, .. }) => Some(*name),
            _ => None,
        };
        let name = match own {
            Some(n) if !names.contains(&n) => n,
            _ => COLUMN_NAMES.get(k).copied().unwrap_or("c"),
        };
        names.push(name);
    }
    names
}

/// The select core that names a statement's output columns: the leftmost member of a compound.
fn first_member(stmt: &mut SelectStatement) -> &mut SelectStatement {
    match stmt.compound {
        Some(ref mut c) => first_member(&mut c.left),
        None => stmt,
    }
}

/// Whether the table is written in place or as a common table expression.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DerivedKind {
    Inline,
    Cte { recursive: bool },
}

/// A query used as a table of its own: a subquery in FROM / JOIN ([`Select::subquery`]) or a
/// common table expression ([`Select::cte`]). `Q` is the query's type (it gives the columns
/// their types), `N` tells tables apart.
pub struct Derived<Q, const N: u8> {
    name: &'static str,
    columns: Vec<&'static str>,
    query: SelectStatement,
    kind: DerivedKind,
    _query: PhantomData<fn() -> Q>,
}

impl<Q, const N: u8> std::fmt::Debug for Derived<Q, N> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Derived").field("name", &self.name).field("columns", &self.columns).finish_non_exhaustive()
    }
}

impl<Q, const N: u8> Clone for Derived<Q, N> {
    fn clone(&self) -> Self {
        Derived {
            name: self.name,
            columns: self.columns.clone(),
            query: self.query.clone(),
            kind: self.kind,
            _query: PhantomData,
        }
    }
}

impl<Q, const N: u8> Derived<Q, N> {
    pub(crate) fn inline_of(mut query: SelectStatement) -> Self {
        const { assert!(N < 16, "subquery::<N>(): N must be below 16") };
        let first = first_member(&mut query);
        let columns = column_names(&first.items);
        // SQLite takes no column list after a derived table's name: label the items.
        for (item, name) in first.items.iter_mut().zip(&columns) {
            item.label = Some(name);
        }
        Derived { name: ANON_NAMES[N as usize], columns, query, kind: DerivedKind::Inline, _query: PhantomData }
    }

    pub(crate) fn cte_of(name: &'static str, mut query: SelectStatement) -> Self {
        let columns = column_names(&first_member(&mut query).items);
        Derived { name, columns, query, kind: DerivedKind::Cte { recursive: false }, _query: PhantomData }
    }

    /// The table's name in SQL.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The names of its columns, in order.
    pub fn column_names(&self) -> &[&'static str] {
        &self.columns
    }

    fn as_cte(&self) -> Option<Cte> {
        match self.kind {
            DerivedKind::Inline => None,
            DerivedKind::Cte { recursive } => {
                Some(Cte { name: self.name, columns: self.columns.clone(), query: self.query.clone(), recursive })
            }
        }
    }

    /// Make `stmt` able to name this table in FROM or JOIN.
    fn add_to(&self, stmt: &mut SelectStatement) {
        match self.as_cte() {
            Some(c) => stmt.add_cte(c),
            None => {
                if !stmt.derived.iter().any(|d| d.name == self.name) {
                    stmt.derived.push(DerivedTable { name: self.name, query: self.query.clone() });
                }
            }
        }
    }
}

impl<Q: QueryExpr, const N: u8> Derived<Q, N> {
    /// Column `K` (0-based) of the table, typed as the query selects it.
    pub fn col<const K: usize>(&self) -> DerivedColumn<Self, <Q::Selection as ColumnAt<K>>::Value>
    where
        Q::Selection: ColumnAt<K>,
    {
        let name = self.columns.get(K).copied().unwrap_or("c");
        DerivedColumn { table: self.name, name, _marker: PhantomData }
    }

    /// Make this common table expression recursive: `WITH RECURSIVE "name" AS (anchor UNION
    /// ALL step)`, where `step` is built from the table itself (its columns, or a join with
    /// it) and returns rows of the same types.
    ///
    /// ```
    /// # use orm::prelude::*;
    /// # #[derive(Model, Debug)]
    /// # #[orm(table = "employees")]
    /// # struct Employee {
    /// #     #[orm(primary_key)]
    /// #     id: i32,
    /// #     name: String,
    /// #     #[orm(foreign_key = Employee::id)]
    /// #     manager_id: Option<i32>,
    /// # }
    /// # fn main() -> orm::Result<()> {
    /// # let engine = Engine::connect("sqlite::memory:")?;
    /// # engine.create_all(&[Employee::table()])?;
    /// # let chart =
    /// #     [(1, "Ann", None), (2, "Ben", Some(1)), (3, "Cat", Some(1)), (4, "Dan", Some(2)), (5, "Al", None)];
    /// # let chart = chart.map(|(id, name, manager_id)| Employee { id, name: name.into(), manager_id });
    /// # insert::<Employee>().values_many(&chart).execute(&engine)?;
    /// // Everyone under employee 1, with their depth.
    /// let tree = select((Employee::id, Employee::name, orm::expr::value(0i32)))
    ///     .filter(Employee::id.eq(1))
    ///     .cte::<1>("tree")
    ///     .recursive_union_all(|tree| {
    ///         select((Employee::id, Employee::name, tree.col::<2>() + 1))
    ///             .join_subquery(tree)
    ///             .on(Employee::manager_id.eq(tree.col::<0>()))
    ///     });
    /// let rows: Vec<(String, i32)> = select((tree.col::<1>(), tree.col::<2>()))
    ///     .select_from(&tree)
    ///     .order_by(tree.col::<2>())
    ///     .order_by(tree.col::<1>())
    ///     .all(&engine)?;
    /// assert_eq!(rows.len(), 4); // Ann, Ben, Cat, Dan; not Al, who is not under Ann
    /// assert_eq!(rows.last(), Some(&("Dan".to_string(), 2)));
    /// # Ok(())
    /// # }
    /// ```
    pub fn recursive_union_all<S, I>(self, step: impl FnOnce(&Self) -> S) -> Self
    where
        S: CheckedQuery<I>,
        <S::Selection as Selection>::Output: crate::query::SameColumns<<Q::Selection as Selection>::Output>,
    {
        self.recursive(crate::query::SetOp::UnionAll, step)
    }

    /// [`Derived::recursive_union_all`] with `UNION`: rows already found are not added again
    /// (which also ends a walk around a cycle).
    pub fn recursive_union<S, I>(self, step: impl FnOnce(&Self) -> S) -> Self
    where
        S: CheckedQuery<I>,
        <S::Selection as Selection>::Output: crate::query::SameColumns<<Q::Selection as Selection>::Output>,
    {
        self.recursive(crate::query::SetOp::Union, step)
    }

    fn recursive<S: QueryExpr>(self, op: crate::query::SetOp, step: impl FnOnce(&Self) -> S) -> Self {
        let mut handle = self.clone();
        // The step names the table: it must not carry the WITH itself.
        handle.kind = DerivedKind::Cte { recursive: true };
        let mut right = step(&handle).into_parts().1;
        right.with.retain(|c| c.name != self.name);
        let query = SelectStatement {
            compound: Some(Box::new(crate::query::Compound { op, left: self.query, right })),
            ..SelectStatement::default()
        };
        Derived { query, kind: DerivedKind::Cte { recursive: true }, ..handle }
    }
}

#[diagnostic::do_not_recommend]
impl<Q, const N: u8> AppearsIn<Derived<Q, N>, Here> for Derived<Q, N> {}

#[diagnostic::do_not_recommend]
impl<L, Q, const N: u8> AppearsIn<Joined<L, Derived<Q, N>>, InRight> for Derived<Q, N> {}

#[diagnostic::do_not_recommend]
impl<L, R, I, Q, const N: u8> AppearsIn<Joined<L, R>, InLeft<I>> for Derived<Q, N> where Derived<Q, N>: AppearsIn<L, I> {}

#[diagnostic::do_not_recommend]
impl<F, O, I, Q, const N: u8> AppearsIn<Correlated<F, O>, InLeft<I>> for Derived<Q, N> where
    Derived<Q, N>: AppearsIn<F, I>
{
}

impl<Q, const N: u8> Scope for Derived<Q, N> {
    type Outer = ();
}

impl<Q, const N: u8> SourceFrom for Derived<Q, N> {
    type From = NoFrom;
}

/// A column of a [`Derived`] table `D`, holding values of type `T`: `"anon_1"."total"`.
pub struct DerivedColumn<D, T> {
    table: &'static str,
    name: &'static str,
    _marker: PhantomData<fn() -> (D, T)>,
}

impl<D, T> Clone for DerivedColumn<D, T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<D, T> Copy for DerivedColumn<D, T> {}

impl<D, T> std::fmt::Debug for DerivedColumn<D, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "DerivedColumn({}.{})", self.table, self.name)
    }
}

impl<D, T> DerivedColumn<D, T> {
    fn node(&self) -> Node {
        Node::Column { table: self.table, name: self.name }
    }

    /// The column's name.
    pub fn name(&self) -> &'static str {
        self.name
    }
}

impl<D, T: SqlType> Expression for DerivedColumn<D, T> {
    type Value = T;
    type Sources = D;
    fn into_node(self) -> Node {
        self.node()
    }
}

#[diagnostic::do_not_recommend]
impl<D, T: SqlType<Base = T>> AsExpr<T> for DerivedColumn<D, T> {
    type Sources = D;
    fn into_node(self) -> Node {
        self.node()
    }
}

#[diagnostic::do_not_recommend]
impl<D, T: SqlType<Base = T>> AsExpr<T> for DerivedColumn<D, Option<T>> {
    type Sources = D;
    fn into_node(self) -> Node {
        self.node()
    }
}

#[diagnostic::do_not_recommend]
impl<D, T: SqlType> IntoOrdering for DerivedColumn<D, T> {
    type Sources = D;
    fn into_ordering(self) -> Ordering<D> {
        self.asc()
    }
}

impl<D, T: SqlType> crate::expr::FuncArg for DerivedColumn<D, T> {
    type Sources = D;
    fn into_arg(self) -> Node {
        self.node()
    }
}

impl<D: SourceFrom, T: SqlType> Selection for DerivedColumn<D, T> {
    type Output = T;
    type Sources = D;
    type Rows = crate::expr::NoRows;
    type From = D::From;
    fn push_items(&self, out: &mut Vec<SelectItem>) {
        out.push(SelectItem { node: self.node(), label: None });
    }
    fn decode(&self, row: &RowRef<'_>, idx: &mut usize) -> Result<T> {
        let i = *idx;
        *idx += 1;
        row.value(i)
    }
}

impl<D: SourceFrom, T: SqlType> SingleColumn for DerivedColumn<D, T> {
    type Value = T;
}

macro_rules! derived_arithmetic {
    ($($trait:ident $method:ident $op:ident),*) => {$(
        impl<D, T: crate::types::Numeric, R: AsExpr<T::Base>> std::ops::$trait<R> for DerivedColumn<D, T> {
            type Output = Expr<T, (D, R::Sources)>;
            fn $method(self, rhs: R) -> Self::Output {
                Expr::from_node(Node::binary(crate::expr::BinOp::$op, self.node(), rhs.into_node()))
            }
        }
    )*};
}

derived_arithmetic!(Add add Add, Sub sub Sub, Mul mul Mul, Div div Div);
