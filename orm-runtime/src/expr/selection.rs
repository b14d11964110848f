//! [`Selection`]: what a Core select returns (a column, an expression, a model, a tuple),
//! and [`FromClause`]: which table it reads.

use std::marker::PhantomData;

use crate::error::Result;
use crate::expr::statement::SelectItem;
use crate::expr::{Column, Expr, Expression, Labeled, Node};
use crate::model::Model;
use crate::types::RowRef;
use crate::types::SqlType;

/// The FROM clause of a select whose list names no model (e.g. `select(func::count_all())`); add
/// one with `.from::<M>()`.
#[derive(Debug)]
pub enum NoFrom {}

/// A type-level FROM clause.
pub trait FromClause {
    /// Append the table names.
    fn push_tables(out: &mut Vec<&'static str>);
    /// The condition the FROM clause implies (a single-table subtype's discriminator).
    fn implied_filter() -> Option<crate::expr::Node> {
        None
    }
}

impl<M: Model> FromClause for M {
    fn push_tables(out: &mut Vec<&'static str>) {
        out.push(M::table().name);
    }
    fn implied_filter() -> Option<crate::expr::Node> {
        crate::expr::statement::discriminator_filter(M::table())
    }
}

impl FromClause for NoFrom {
    fn push_tables(_: &mut Vec<&'static str>) {}
}

/// The FROM clause implied by a set of sources: its leftmost model, or [`NoFrom`].
pub trait SourceFrom {
    /// The model (or `NoFrom`).
    type From;
}

impl<M: Model> SourceFrom for M {
    type From = M;
}

impl SourceFrom for () {
    type From = NoFrom;
}

impl<A: SourceFrom, B: SourceFrom> SourceFrom for (A, B)
where
    A::From: OrElse<B::From>,
{
    type From = <A::From as OrElse<B::From>>::Out;
}

/// Type-level "this FROM clause, or else that one when this is `NoFrom`".
pub trait OrElse<B> {
    /// The result.
    type Out;
}

impl<B> OrElse<B> for NoFrom {
    type Out = B;
}

impl<M: Model, B> OrElse<B> for M {
    type Out = M;
}

/// A select list with a typed result row.
pub trait Selection {
    /// The Rust value of one result row.
    type Output;
    /// The models the list reads.
    type Sources;
    /// The models the list decodes as whole rows (`model::<M>()`): a [`NoRows`] /
    /// [`Row`] / [`RowPair`] list; each must have a row on every row of the query (not be
    /// the outer side of a `LEFT OUTER JOIN`).
    ///
    /// [`NoRows`]: crate::expr::NoRows
    /// [`Row`]: crate::expr::Row
    /// [`RowPair`]: crate::expr::RowPair
    type Rows;
    /// The FROM clause it implies (the model of its first column).
    type From;
    /// Append the select items.
    fn push_items(&self, out: &mut Vec<SelectItem>);
    /// Decode one row, reading from position `*idx` on and advancing it.
    fn decode(&self, row: &RowRef<'_>, idx: &mut usize) -> Result<Self::Output>;
}

impl<M: Model, T: SqlType> Selection for Column<M, T> {
    type Output = T;
    type Sources = M;
    type Rows = crate::expr::NoRows;
    type From = M;
    fn push_items(&self, out: &mut Vec<SelectItem>) {
        out.push(SelectItem { node: self.into_node(), label: None });
    }
    fn decode(&self, row: &RowRef<'_>, idx: &mut usize) -> Result<T> {
        let i = *idx;
        *idx += 1;
        row.column(i, self.def())
    }
}

impl<T: SqlType, S: SourceFrom> Selection for Expr<T, S> {
    type Output = T;
    type Sources = S;
    type Rows = crate::expr::NoRows;
    type From = S::From;
    fn push_items(&self, out: &mut Vec<SelectItem>) {
        out.push(SelectItem { node: self.node.clone(), label: None });
    }
    fn decode(&self, row: &RowRef<'_>, idx: &mut usize) -> Result<T> {
        let i = *idx;
        *idx += 1;
        row.value(i)
    }
}

impl<E: Selection> Selection for Labeled<E> {
    type Output = E::Output;
    type Sources = E::Sources;
    type Rows = E::Rows;
    type From = E::From;
    fn push_items(&self, out: &mut Vec<SelectItem>) {
        let start = out.len();
        self.expr.push_items(out);
        for it in &mut out[start..] {
            it.label = Some(self.label);
        }
    }
    fn decode(&self, row: &RowRef<'_>, idx: &mut usize) -> Result<E::Output> {
        self.expr.decode(row, idx)
    }
}

impl<M, const N: u8, T: SqlType> Selection for crate::expr::AliasColumn<M, N, T> {
    type Output = T;
    type Sources = crate::expr::Alias<M, N>;
    type Rows = crate::expr::NoRows;
    type From = NoFrom;
    fn push_items(&self, out: &mut Vec<SelectItem>) {
        out.push(SelectItem { node: self.node(), label: None });
    }
    fn decode(&self, row: &RowRef<'_>, idx: &mut usize) -> Result<T> {
        let i = *idx;
        *idx += 1;
        row.column(i, self.def)
    }
}

impl<M, const N: u8> SourceFrom for crate::expr::Alias<M, N> {
    type From = NoFrom;
}

/// Every column of model `M`: the row decodes into an `M`.
pub struct ModelSelection<M>(PhantomData<fn() -> M>);

impl<M> std::fmt::Debug for ModelSelection<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ModelSelection")
    }
}

impl<M> ModelSelection<M> {
    pub(crate) fn new() -> Self {
        ModelSelection(PhantomData)
    }
}

impl<M: Model> Selection for ModelSelection<M> {
    type Output = M;
    type Sources = M;
    type Rows = crate::expr::Row<M>;
    type From = M;
    fn push_items(&self, out: &mut Vec<SelectItem>) {
        out.push(SelectItem { node: Node::AllColumns(crate::expr::TableRef(M::table())), label: None });
    }
    fn decode(&self, row: &RowRef<'_>, idx: &mut usize) -> Result<M> {
        let m = decode_model::<M>(row, *idx)?;
        *idx += M::table().columns.len();
        Ok(m)
    }
}

/// Every column of model `M`, read as `Option<M>`: `None` where the row has no `M` (its
/// primary key is NULL), as on the outer side of a `LEFT OUTER JOIN`. Made by
/// [`model::<Option<M>>()`](crate::query::model).
pub struct OptionalModelSelection<M>(PhantomData<fn() -> M>);

impl<M> std::fmt::Debug for OptionalModelSelection<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("OptionalModelSelection")
    }
}

impl<M: Model> Selection for OptionalModelSelection<M> {
    type Output = Option<M>;
    type Sources = M;
    type Rows = crate::expr::NoRows;
    type From = M;
    fn push_items(&self, out: &mut Vec<SelectItem>) {
        out.push(SelectItem { node: Node::AllColumns(crate::expr::TableRef(M::table())), label: None });
    }
    fn decode(&self, row: &RowRef<'_>, idx: &mut usize) -> Result<Option<M>> {
        let start = *idx;
        *idx += M::table().columns.len();
        // A primary key column is never NULL in a stored row: NULL there means the outer
        // join found no row (a model without a key reads absent when every column is NULL).
        let table = M::table();
        let absent = if table.primary_key.is_empty() {
            (0..table.columns.len()).all(|i| row.is_null(start + i))
        } else {
            table.primary_key.iter().any(|k| row.is_null(start + k))
        };
        if absent {
            return Ok(None);
        }
        M::decode_row(row, start).map(Some)
    }
}

/// A selection that a query over the FROM clause `F` can return: every model it reads is in
/// `F` ([`AppearsIn`](crate::expr::AppearsIn)), and every model it decodes as a whole row has
/// a row on every row of the query ([`RowIn`](crate::expr::RowIn): not the outer side of a
/// `LEFT OUTER JOIN`). `I` is inferred.
pub trait ReadFrom<F, I> {}

impl<Sel: Selection, F, IS, IR> ReadFrom<F, (IS, IR)> for Sel
where
    Sel::Sources: crate::expr::AppearsIn<F, IS>,
    Sel::Rows: crate::expr::RowsIn<F, IR>,
{
}

/// What [`model`](crate::query::model) selects: a model `M` (every column, decoding an `M`)
/// or `Option<M>` (decoding `None` where the row has no `M`, as on the outer side of a
/// `LEFT OUTER JOIN`).
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a model",
    label = "`model::<T>()` takes a model or `Option` of a model",
    note = "derive `Model` for it, or select its columns one by one"
)]
pub trait SelectModel {
    /// The selection.
    type Selection: Selection;
    /// Make it.
    fn selection() -> Self::Selection;
}

impl<M: Model> SelectModel for M {
    type Selection = ModelSelection<M>;
    fn selection() -> ModelSelection<M> {
        ModelSelection::new()
    }
}

impl<M: Model> SelectModel for Option<M> {
    type Selection = OptionalModelSelection<M>;
    fn selection() -> OptionalModelSelection<M> {
        OptionalModelSelection(PhantomData)
    }
}

macro_rules! tuple_selection {
    ($first:ident $(, $rest:ident)*) => {
        impl<$first: Selection $(, $rest: Selection)*> Selection for ($first, $($rest,)*)
        where
            tuple_selection!(@sources $first $(, $rest)*): SourceFrom,
        {
            type Output = ($first::Output, $($rest::Output,)*);
            type Sources = tuple_selection!(@sources $first $(, $rest)*);
            type Rows = tuple_selection!(@rows $first $(, $rest)*);
            type From = <tuple_selection!(@sources $first $(, $rest)*) as SourceFrom>::From;
            #[allow(non_snake_case)]
            fn push_items(&self, out: &mut Vec<SelectItem>) {
                let ($first, $($rest,)*) = self;
                $first.push_items(out);
                $($rest.push_items(out);)*
            }
            #[allow(non_snake_case)]
            fn decode(&self, row: &RowRef<'_>, idx: &mut usize) -> Result<Self::Output> {
                let ($first, $($rest,)*) = self;
                Ok(($first.decode(row, idx)?, $($rest.decode(row, idx)?,)*))
            }
        }
    };
    (@rows $one:ident) => { $one::Rows };
    (@rows $first:ident $(, $rest:ident)+) => { crate::expr::RowPair<$first::Rows, tuple_selection!(@rows $($rest),+)> };
    (@sources $one:ident) => { $one::Sources };
    (@sources $first:ident $(, $rest:ident)+) => { ($first::Sources, tuple_selection!(@sources $($rest),+)) };
}

tuple_selection!(A);
tuple_selection!(A, B);
tuple_selection!(A, B, C);
tuple_selection!(A, B, C, D);
tuple_selection!(A, B, C, D, E);
tuple_selection!(A, B, C, D, E, F);
tuple_selection!(A, B, C, D, E, F, G);
tuple_selection!(A, B, C, D, E, F, G, H);

impl crate::expr::Scope for NoFrom {
    type Outer = ();
}

/// A selection of exactly one column, of type `Value`: what a scalar subquery, an `IN`
/// subquery and each column of a subquery in FROM are made of.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a single column",
    label = "a subquery used as a value selects exactly one column",
    note = "select one column or expression, e.g. `select(max(Order::total))`"
)]
pub trait SingleColumn: Selection {
    /// The column's Rust type.
    type Value: SqlType;
}

impl<M: Model, T: SqlType> SingleColumn for Column<M, T> {
    type Value = T;
}

impl<T: SqlType, S: SourceFrom> SingleColumn for Expr<T, S> {
    type Value = T;
}

impl<E: SingleColumn> SingleColumn for Labeled<E> {
    type Value = E::Value;
}

impl<M, const N: u8, T: SqlType> SingleColumn for crate::expr::AliasColumn<M, N, T> {
    type Value = T;
}

impl<A: SingleColumn> SingleColumn for (A,)
where
    A::Sources: SourceFrom,
{
    type Value = A::Value;
}

/// Column `K` (0-based) of a selection: its Rust type.
#[diagnostic::on_unimplemented(
    message = "the selection `{Self}` has no column #{K}",
    label = "columns are numbered from 0"
)]
pub trait ColumnAt<const K: usize> {
    /// The column's Rust type.
    type Value: SqlType;
}

impl<A: SingleColumn> ColumnAt<0> for A {
    type Value = A::Value;
}

macro_rules! column_at {
    ($tuple:tt; $($t:ident $k:literal),+) => { $( column_at!(@one $tuple; $t $k); )+ };
    (@one ($($all:ident),+); $t:ident $k:literal) => {
        impl<$($all),+> ColumnAt<$k> for ($($all,)+)
        where
            $t: SingleColumn,
        {
            type Value = <$t as SingleColumn>::Value;
        }
    };
}

column_at!((A, B); A 0, B 1);
column_at!((A, B, C); A 0, B 1, C 2);
column_at!((A, B, C, D); A 0, B 1, C 2, D 3);
column_at!((A, B, C, D, E); A 0, B 1, C 2, D 3, E 4);
column_at!((A, B, C, D, E, F); A 0, B 1, C 2, D 3, E 4, F 5);
column_at!((A, B, C, D, E, F, G); A 0, B 1, C 2, D 3, E 4, F 5, G 6);
column_at!((A, B, C, D, E, F, G, H); A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7);

/// Two selections return rows of the same Rust types (the members of a `UNION`, ...).
#[diagnostic::on_unimplemented(
    message = "the selects of a UNION / INTERSECT / EXCEPT return different column types",
    label = "this select returns `{Self}`, the first one `{Other}`",
    note = "every member of a compound select returns the same column types, in the same order; `.cast::<T>()` a column to match"
)]
pub trait SameColumns<Other> {}

impl<T> SameColumns<T> for T {}

/// Decode `M` from `row` at `offset`, as a query of `M` itself reads it: a row of a
/// polymorphic base whose identity is unknown is refused ([`check_base_identity`]).
#[inline]
pub(crate) fn decode_model<M: Model>(row: &RowRef<'_>, offset: usize) -> Result<M> {
    let table = M::table();
    if table.inheritance.is_some() {
        check_base_identity(table, row, offset)?;
    }
    M::decode_row(row, offset)
}

/// A query of a polymorphic base reads rows of every identity of its hierarchy: its own and
/// its subtypes' ([`TableDef::knows_identity`](crate::schema::TableDef::knows_identity)). A row holding any other identity is an
/// [`Error::UnknownPolymorphicIdentity`](crate::Error::UnknownPolymorphicIdentity) (SQLAlchemy: "No such polymorphic_identity"); a
/// polymorphic enum with a `polymorphic_fallback` variant reads such rows. A base without
/// an identity of its own (its rows hold whatever discriminator they were given) and a NULL
/// discriminator are not checked.
fn check_base_identity(table: &'static crate::schema::TableDef, row: &RowRef<'_>, offset: usize) -> Result<()> {
    let Some(inh) = table.inheritance else { return Ok(()) };
    let (None, Some(_), Some(column)) = (inh.base, inh.identity, inh.discriminator) else { return Ok(()) };
    let Some(column) = table.column(column) else { return Ok(()) };
    let identity: Option<String> = row.column(offset + column.index, column)?;
    match identity {
        Some(identity) if !table.knows_identity(&identity) => Err(crate::error::Error::UnknownPolymorphicIdentity {
            table: table.name.to_owned(),
            column: column.name.to_owned(),
            identity: Some(identity),
            target: table.model.to_owned(),
        }),
        _ => Ok(()),
    }
}
