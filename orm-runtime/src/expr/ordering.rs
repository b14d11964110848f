//! ORDER BY terms: direction and NULLS placement are enums, never strings.

use std::marker::PhantomData;

use crate::expr::{Column, Expr, Expression, Labeled, Node};
use crate::types::SqlType;

/// Sort direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// `ASC`
    Asc,
    /// `DESC`
    Desc,
}

/// Where NULLs sort.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nulls {
    /// The database's default.
    Default,
    /// `NULLS FIRST`.
    First,
    /// `NULLS LAST`.
    Last,
}

/// One ORDER BY term over the models `S`.
#[derive(Debug, Clone)]
pub struct Ordering<S> {
    pub(crate) node: Node,
    pub(crate) direction: Direction,
    pub(crate) nulls: Nulls,
    _marker: PhantomData<fn() -> S>,
}

impl<S> Ordering<S> {
    pub(crate) fn new(node: Node, direction: Direction) -> Self {
        Ordering { node, direction, nulls: Nulls::Default, _marker: PhantomData }
    }

    /// Sort NULLs after every other value.
    pub fn nulls_last(mut self) -> Self {
        self.nulls = Nulls::Last;
        self
    }

    /// Sort NULLs before every other value.
    pub fn nulls_first(mut self) -> Self {
        self.nulls = Nulls::First;
        self
    }
}

/// Anything usable in `order_by`: an [`Ordering`], or a column / expression (ascending), or
/// a label of the select list.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be used in ORDER BY",
    label = "not a column, expression or ordering",
    note = "order by a column or expression, e.g. `User::name.asc()`; SQL text is never accepted here"
)]
pub trait IntoOrdering {
    /// The models it reads.
    type Sources;
    /// The term.
    fn into_ordering(self) -> Ordering<Self::Sources>;
}

impl<S> IntoOrdering for Ordering<S> {
    type Sources = S;
    fn into_ordering(self) -> Ordering<S> {
        self
    }
}

impl<M, T: SqlType> IntoOrdering for Column<M, T> {
    type Sources = M;
    fn into_ordering(self) -> Ordering<M> {
        self.asc()
    }
}

impl<T: SqlType, S> IntoOrdering for Expr<T, S> {
    type Sources = S;
    fn into_ordering(self) -> Ordering<S> {
        self.asc()
    }
}

impl<E> IntoOrdering for &Labeled<E> {
    type Sources = ();
    fn into_ordering(self) -> Ordering<()> {
        Ordering::new(Node::LabelRef(self.label), Direction::Asc)
    }
}

impl<E> Labeled<E> {
    /// Order by this label, ascending.
    pub fn asc(&self) -> Ordering<()> {
        Ordering::new(Node::LabelRef(self.label), Direction::Asc)
    }

    /// Order by this label, descending.
    pub fn desc(&self) -> Ordering<()> {
        Ordering::new(Node::LabelRef(self.label), Direction::Desc)
    }
}
