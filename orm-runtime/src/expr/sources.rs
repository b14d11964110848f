//! Type-level sets of models: which tables an expression reads, and whether a query's FROM
//! clause provides them.

/// Index marker: the model is the query's FROM model itself.
#[derive(Debug)]
pub enum Here {}

/// `Self` (an expression's set of source models) all appear in the FROM clause `Q`.
///
/// `I` is an index inferred by the compiler; users never write it. The sources of a value
/// are `()`; of a column, its model; of a compound expression, a tuple of its parts.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is used in a query that neither selects from nor joins it",
    label = "this expression reads `{Self}`, which is not in the query's FROM clause",
    note = "the query selects from `{Q}`; filter on its own columns, or select from / join `{Self}`"
)]
pub trait AppearsIn<Q, I> {}

#[diagnostic::do_not_recommend]
impl<Q> AppearsIn<Q, ()> for () {}

impl<A, B, Q, IA, IB> AppearsIn<Q, (IA, IB)> for (A, B)
where
    A: AppearsIn<Q, IA>,
    B: AppearsIn<Q, IB>,
{
}

/// Index marker: a single-table subtype's columns are columns of its base's table, usable in
/// the base's queries (generated for `#[orm(inherits = Base)]` without a table of its own).
#[derive(Debug)]
pub enum InBase {}

/// A FROM clause extended by a join: `L` (a model or an earlier join) joined with model `R`.
/// Only a type: queries carry it so that the columns of `R` become usable after the join.
#[derive(Debug)]
pub struct Joined<L, R>(std::marker::PhantomData<fn() -> (L, R)>);

/// Index marker: found in the left side of a join.
#[derive(Debug)]
pub struct InLeft<I>(std::marker::PhantomData<fn() -> I>);

/// Index marker: the joined (right) model.
#[derive(Debug)]
pub enum InRight {}

impl<M: crate::model::Model, L, R, I> AppearsIn<Joined<L, R>, InLeft<I>> for M where M: AppearsIn<L, I> {}

impl<L, R: crate::model::Model> AppearsIn<Joined<L, R>, InRight> for R {}

#[diagnostic::do_not_recommend]
impl<L, M: crate::model::Model, const N: u8> AppearsIn<Joined<L, crate::expr::Alias<M, N>>, InRight>
    for crate::expr::Alias<M, N>
{
}

#[diagnostic::do_not_recommend]
impl<M: crate::model::Model, const N: u8, L, R, I> AppearsIn<Joined<L, R>, InLeft<I>> for crate::expr::Alias<M, N> where
    crate::expr::Alias<M, N>: AppearsIn<L, I>
{
}

/// The outer side of a `LEFT OUTER JOIN`: an outer join to `N` extends the FROM clause to
/// `Joined<L, Outer<N>>`. `N`'s columns stay usable in filters and ordering, but on rows
/// where nothing matched they all read NULL, so the whole `N` row is selected as
/// `Option<N>` ([`model::<Option<N>>()`](crate::query::model)), never as a plain `N`.
#[derive(Debug)]
pub struct Outer<N>(std::marker::PhantomData<fn() -> N>);

/// Index marker: the outer-joined (right) model of a `LEFT OUTER JOIN`.
#[derive(Debug)]
pub enum InOuterRight {}

impl<L, R: crate::model::Model> AppearsIn<Joined<L, Outer<R>>, InOuterRight> for R {}

#[diagnostic::do_not_recommend]
impl<L, M: crate::model::Model, const N: u8> AppearsIn<Joined<L, Outer<crate::expr::Alias<M, N>>>, InOuterRight>
    for crate::expr::Alias<M, N>
{
}

/// Every row of the query `Q` has a row of model `Self` (it is the FROM model or inner-joined),
/// so `model::<Self>()` decodes a plain `Self`. An outer-joined model has no such guarantee.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is outer-joined, so a row may have no `{Self}`: select `model::<Option<{Self}>>()`",
    label = "`{Self}` is the outer side of a LEFT OUTER JOIN: its columns are NULL where nothing matched",
    note = "the query selects from `{Q}`; `model::<Option<{Self}>>()` reads `None` where the join found no row"
)]
pub trait RowIn<Q, I> {}

impl<M: crate::model::Model> RowIn<M, Here> for M {}

/// A model's own columns appear in a query of it.
impl<M: crate::model::Model> AppearsIn<M, Here> for M {}

impl<L, R: crate::model::Model> RowIn<Joined<L, R>, InRight> for R {}

impl<M: crate::model::Model, L, R, I> RowIn<Joined<L, R>, InLeft<I>> for M where M: RowIn<L, I> {}

impl<M: crate::model::Model, F, O, I> RowIn<Correlated<F, O>, InLeft<I>> for M where M: RowIn<F, I> {}

impl<F, O: crate::model::Model> RowIn<Correlated<F, O>, InOuter> for O {}

/// Implemented by nothing: the outer side of a `LEFT OUTER JOIN` has no row on some rows of
/// the query (see [`RowIn`]).
pub trait OuterJoinedRowMayBeMissing {}

#[diagnostic::do_not_recommend]
impl<L, R: crate::model::Model> RowIn<Joined<L, Outer<R>>, InOuterRight> for R where R: OuterJoinedRowMayBeMissing {}

/// The models a selection decodes as whole rows (`model::<M>()`), as a type-level list:
/// [`NoRows`], [`Row`], [`RowPair`]. Each must be [`RowIn`] the query's FROM clause.
pub trait RowsIn<Q, I> {}

/// A selection that decodes no whole model row (columns, expressions, `Option<Model>`).
#[derive(Debug)]
pub enum NoRows {}

/// A selection that decodes model `M`'s whole row as a plain `M`.
#[derive(Debug)]
pub struct Row<M>(std::marker::PhantomData<fn() -> M>);

/// The whole rows of both parts of a selection.
#[derive(Debug)]
pub struct RowPair<A, B>(std::marker::PhantomData<fn() -> (A, B)>);

impl<Q> RowsIn<Q, ()> for NoRows {}

impl<Q, M, I> RowsIn<Q, I> for Row<M> where M: RowIn<Q, I> {}

impl<Q, A, B, IA, IB> RowsIn<Q, (IA, IB)> for RowPair<A, B>
where
    A: RowsIn<Q, IA>,
    B: RowsIn<Q, IB>,
{
}

/// The FROM clause `F` of a *correlated* subquery, which also reads the outer query's model
/// `O` (see [`Select::correlate`](crate::query::Select::correlate)). Columns of `F` and of `O`
/// may be used in it; the subquery, as an expression, then reads `O`, so it is accepted only
/// by an outer query whose FROM clause has `O`.
#[derive(Debug)]
pub struct Correlated<F, O>(std::marker::PhantomData<fn() -> (F, O)>);

/// Index marker: the outer model of a correlated subquery.
#[derive(Debug)]
pub enum InOuter {}

impl<F, O: crate::model::Model> AppearsIn<Correlated<F, O>, InOuter> for O {}

impl<M: crate::model::Model, F, O, I> AppearsIn<Correlated<F, O>, InLeft<I>> for M where M: AppearsIn<F, I> {}

#[diagnostic::do_not_recommend]
impl<M: crate::model::Model, const N: u8, F, O, I> AppearsIn<Correlated<F, O>, InLeft<I>> for crate::expr::Alias<M, N> where
    crate::expr::Alias<M, N>: AppearsIn<F, I>
{
}

/// What a FROM clause takes from an enclosing query: `()` for an ordinary query, the outer
/// models for a correlated subquery ([`Correlated`]). A subquery used as an expression reads
/// these.
pub trait Scope {
    /// The outer models (a source set: `()`, a model, or nested pairs of them).
    type Outer;
}

impl<M: crate::model::Model> Scope for M {
    type Outer = ();
}

impl<L: Scope, R> Scope for Joined<L, R> {
    type Outer = L::Outer;
}

impl<F: Scope, O> Scope for Correlated<F, O> {
    type Outer = (F::Outer, O);
}

/// The source of a window function's result (`... OVER (...)`): SQL computes window functions
/// after WHERE, GROUP BY and HAVING, so their results may be selected and ordered on, but
/// not filtered on in the same query.
#[derive(Debug)]
pub enum WindowResult {}

/// Index marker for [`WindowResult`] (never satisfied: see [`ComputedBeforeWindows`]).
#[derive(Debug)]
pub enum InWindow {}

/// Implemented by nothing: the bound that explains why a window function's result cannot be
/// used in WHERE / GROUP BY / HAVING / JOIN ON of the query that computes it.
#[diagnostic::on_unimplemented(
    message = "a window function's result is used in the query that computes it",
    label = "this reads a window function (`... OVER (...)`), computed only after WHERE, GROUP BY and HAVING",
    note = "select it with a label, turn the query into `.subquery::<N>()`, and filter the outer query on that column"
)]
pub trait ComputedBeforeWindows<Q> {}

impl<Q> AppearsIn<Q, InWindow> for WindowResult where WindowResult: ComputedBeforeWindows<Q> {}
