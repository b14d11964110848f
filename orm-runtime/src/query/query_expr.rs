//! [`QueryExpr`]: a query that can stand inside another one (a subquery, a CTE, a member of a
//! compound). Its own file, so that `subquery.rs` and `compound.rs` both build on it without
//! importing each other.

use crate::expr::Scope;
use crate::query::{Select, SelectStatement, Selection};

/// A query that can stand inside another one: a [`Select`] or a [`CompoundSelect`](crate::query::CompoundSelect).
pub trait QueryExpr {
    /// What it selects.
    type Selection: Selection;
    /// The models of an enclosing query it refers to (`()` unless correlated).
    type Outer;
    /// The selection and the statement.
    fn into_parts(self) -> (Self::Selection, SelectStatement);
    /// The statement.
    fn statement_ref(&self) -> &SelectStatement;
}

/// A [`QueryExpr`] whose selection reads only what its FROM clause provides (`I` is an
/// index the compiler infers).
pub trait CheckedQuery<I>: QueryExpr {}

impl<Sel: Selection, F: Scope> QueryExpr for Select<Sel, F> {
    type Selection = Sel;
    type Outer = F::Outer;
    fn into_parts(self) -> (Sel, SelectStatement) {
        (self.sel, self.stmt)
    }
    fn statement_ref(&self) -> &SelectStatement {
        &self.stmt
    }
}

impl<Sel: Selection, F: Scope, I> CheckedQuery<I> for Select<Sel, F> where Sel: crate::query::ReadFrom<F, I> {}
