//! Compound selects: `UNION`, `UNION ALL`, `INTERSECT` and `EXCEPT` of selects returning the
//! same column types, with ORDER BY / LIMIT / OFFSET over the whole result.

use std::marker::PhantomData;

use crate::dialect::{render, Rendered};
use crate::error::{Error, Result};
use crate::expr::{IntoOrdering, Scope};
use crate::query::select::run_rows;
use crate::query::subquery::{CheckedQuery, Derived, QueryExpr};
use crate::query::{Compound, Executor, OrderTerm, SameColumns, Select, SelectStatement, Selection, SetOp, Statement};

/// `a UNION b`, `a INTERSECT b`, ...: rows decode into `Sel::Output`, the first select's row
/// type, which every member shares. `O`: the outer models its members are correlated with.
///
/// ORDER BY applies to the whole result and names output columns: order by a label of the
/// first select (`.order_by(total.desc())` with `let total = sum(..).label("total")`).
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
    /// ORDER BY over the whole result: a label of the first select (`label.desc()`).
    pub fn order_by<T>(mut self, term: T) -> Self
    where
        T: IntoOrdering<Sources = ()>,
    {
        let o = term.into_ordering();
        // Further members would otherwise land under this ORDER BY.
        self.stmt.order_by.push(OrderTerm { node: o.node, direction: o.direction, nulls: o.nulls });
        self
    }

    /// `LIMIT n` over the whole result (bound as a parameter).
    pub fn limit(mut self, n: u64) -> Self {
        self.stmt.limit = Some(n);
        self
    }

    /// `OFFSET n` over the whole result (bound as a parameter).
    pub fn offset(mut self, n: u64) -> Self {
        self.stmt.offset = Some(n);
        self
    }

    /// The statement AST.
    pub fn statement(&self) -> &SelectStatement {
        &self.stmt
    }

    /// Render in a dialect (for logging and tests).
    pub fn render(&self, dialect: &dyn crate::dialect::Dialect) -> Result<Rendered> {
        render(dialect, Statement::Select(&self.stmt))
    }

    /// Every row.
    pub fn all<X: Executor>(&self, ex: X) -> Result<Vec<Sel::Output>> {
        let mut out = Vec::new();
        run_rows(ex, &self.stmt, &self.sel, |v| {
            out.push(v);
            Ok(true)
        })?;
        Ok(out)
    }

    /// The first row, if any.
    pub fn first<X: Executor>(&self, ex: X) -> Result<Option<Sel::Output>> {
        let mut out = None;
        run_rows(ex, &self.stmt, &self.sel, |v| {
            out = Some(v);
            Ok(false)
        })?;
        Ok(out)
    }

    /// Exactly one row: [`Error::NotFound`] for none, [`Error::MultipleRows`] for more.
    pub fn one<X: Executor>(&self, ex: X) -> Result<Sel::Output> {
        let mut out = None;
        let mut extra = false;
        run_rows(ex, &self.stmt, &self.sel, |v| {
            if out.is_some() {
                extra = true;
                return Ok(false);
            }
            out = Some(v);
            Ok(true)
        })?;
        if extra {
            return Err(Error::MultipleRows { table: "compound select".into() });
        }
        out.ok_or_else(|| Error::NotFound { table: "compound select".into() })
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
