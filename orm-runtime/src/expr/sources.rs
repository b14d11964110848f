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
