//! Compound selects: `UNION`, `UNION ALL`, `INTERSECT` and `EXCEPT` of selects returning the
//! same column types, with ORDER BY / LIMIT / OFFSET over the whole result.

use std::marker::PhantomData;

use crate::dialect::{render, Rendered};
use crate::error::Result;
use crate::expr::InOperand;
use crate::expr::Node;
use crate::expr::Scope;
use crate::query::builder::sealed::SelectState;
use crate::query::builder::CompoundResult;
use crate::query::fetch::sealed::RunRows;
use crate::query::query_expr::{CheckedQuery, QueryExpr};
use crate::query::select::run_rows;
use crate::query::subquery::Derived;
use crate::query::SingleColumn;
use crate::query::{
    Compound, Executor, Fetch, OrderLimit, SameColumns, Select, SelectStatement, Selection, SetOp, Statement,
};
use crate::types::SqlType;

/// `a UNION b`, `a INTERSECT b`, ...: rows decode into `Sel::Output`, the first select's row
/// type, which every member shares. `O`: the outer models its members are correlated with.
///
/// ORDER BY applies to the whole result and names output columns: order by a label of the
/// first select (`.order_by(total.desc())` with `let total = func::sum(..).label("total")`).
#[derive(Debug)]
pub struct CompoundSelect<Sel, O = ()> {
    sel: Sel,
    stmt: SelectStatement,
    _outer: PhantomData<fn() -> O>,
}

fn combine(op: SetOp, left: SelectStatement, right: SelectStatement) -> SelectStatement {
    SelectStatement { compound: Some(Box::new(Compound { op, left, right })), ..SelectStatement::default() }
}

macro_rules! set_operations {
    ($(#[$doc:meta] $method:ident => $op:ident;)*) => {
        impl<Sel: Selection, F: Scope> Select<Sel, F> {
            $(
                #[$doc]
                pub fn $method<Q, I, J>(self, other: Q) -> CompoundSelect<Sel, (F::Outer, Q::Outer)>
                where
                    Sel: crate::query::ReadFrom<F, I>,
                    Q: CheckedQuery<J>,
                    <Q::Selection as Selection>::Output: SameColumns<Sel::Output>,
                {
                    CompoundSelect {
                        sel: self.sel,
                        stmt: combine(SetOp::$op, self.stmt, other.into_parts().1),
                        _outer: PhantomData,
                    }
                }
            )*
        }

        impl<Sel: Selection, O> CompoundSelect<Sel, O> {
            $(
                #[$doc]
                pub fn $method<Q, J>(self, other: Q) -> CompoundSelect<Sel, (O, Q::Outer)>
                where
                    Q: CheckedQuery<J>,
                    <Q::Selection as Selection>::Output: SameColumns<Sel::Output>,
                {
                    CompoundSelect {
                        sel: self.sel,
                        stmt: combine(SetOp::$op, self.stmt, other.into_parts().1),
                        _outer: PhantomData,
                    }
                }
            )*
        }
    };
}

set_operations! {
    /// `self UNION other`: the rows of either, without duplicates.
    union => Union;
    /// `self UNION ALL other`: the rows of both, duplicates kept.
    union_all => UnionAll;
    /// `self INTERSECT other`: the rows both return.
    intersect => Intersect;
    /// `self EXCEPT other`: the rows of `self` that `other` does not return.
    except => Except;
}

impl<Sel: Selection, O> CompoundSelect<Sel, O> {
    /// The statement AST.
    pub fn statement(&self) -> &SelectStatement {
        &self.stmt
    }

    /// Render in a dialect (for logging and tests).
    pub fn render(&self, dialect: &dyn crate::dialect::Dialect) -> Result<Rendered> {
        render(dialect, Statement::Select(&self.stmt))
    }

    /// The compound as a table of its own (see [`Select::subquery`]).
    pub fn subquery<const N: u8>(self) -> Derived<Self, N> {
        Derived::inline_of(self.stmt)
    }

    /// The compound as a common table expression (see [`Select::cte`]).
    pub fn cte<const N: u8>(self, name: &'static str) -> Derived<Self, N> {
        Derived::cte_of(name, self.stmt)
    }
}

impl<Sel, O> SelectState for CompoundSelect<Sel, O> {
    fn select_state(&mut self) -> &mut SelectStatement {
        &mut self.stmt
    }
}

/// ORDER BY / LIMIT / OFFSET over the whole result; ORDER BY names output columns (a label
/// of the first select). WHERE, GROUP BY and HAVING belong to the members
/// ([`QueryBuilder`](crate::query::QueryBuilder) is not implemented): filter each select
/// before combining them, or filter the compound as a [`subquery`](CompoundSelect::subquery).
impl<Sel, O> OrderLimit for CompoundSelect<Sel, O> {
    type From = CompoundResult;
}

impl<Sel: Selection, O> Fetch for CompoundSelect<Sel, O> {
    type Row = Sel::Output;
}

impl<Sel: Selection, O> RunRows<()> for CompoundSelect<Sel, O> {
    fn run_rows<X: Executor>(&self, ex: X, each: &mut dyn FnMut(Sel::Output) -> Result<bool>) -> Result<()> {
        run_rows(ex, &self.stmt, &self.sel, each)
    }

    fn error_table(&self) -> String {
        "compound select".into()
    }
}

impl<Sel: Selection, O> QueryExpr for CompoundSelect<Sel, O> {
    type Selection = Sel;
    type Outer = O;
    fn into_parts(self) -> (Sel, SelectStatement) {
        (self.sel, self.stmt)
    }
    fn statement_ref(&self) -> &SelectStatement {
        &self.stmt
    }
}

impl<Sel: Selection, O> CheckedQuery<()> for CompoundSelect<Sel, O> {}

impl<T, Sel, O> InOperand<T, ()> for CompoundSelect<Sel, O>
where
    Sel: SingleColumn,
    Sel::Value: SqlType<Base = T>,
{
    type Sources = O;
    fn in_node(self, lhs: Node, negated: bool) -> Node {
        Node::InQuery { expr: Box::new(lhs), query: Box::new(self.into_parts().1), negated }
    }
}
