//! The query-builder vocabulary shared by every query type: [`OrderLimit`] (ORDER BY, LIMIT,
//! OFFSET: every query that returns rows, compound selects included) and [`QueryBuilder`]
//! (WHERE, GROUP BY, HAVING, DISTINCT: queries over a FROM clause).
//!
//! Each method is written and documented once, here, over one accessor to the query's
//! `SELECT` statement; the Core [`Select`](crate::query::Select), the session's
//! `Query` and `PairQuery` and [`CompoundSelect`](crate::query::CompoundSelect) implement the
//! accessor. Expressions are checked against the query's FROM clause ([`OrderLimit::From`]):
//! a column of a model the query neither selects from nor joins is a compile error.

use crate::expr::{AppearsIn, Expression, IntoOrdering};
use crate::query::OrderTerm;

/// The one accessor the builder traits are written over; implemented inside the crate only.
pub(crate) mod sealed {
    use crate::query::SelectStatement;

    /// The `SELECT` statement a query builds.
    // Public in a private module: the sealed-trait pattern (no type outside the crate can
    // implement the builder traits, and the statement stays out of the public API).
    #[allow(unreachable_pub)]
    pub trait SelectState {
        /// The statement, to change.
        fn select_state(&mut self) -> &mut SelectStatement;
    }
}

/// ORDER BY, LIMIT and OFFSET: what every query returning rows accepts (a Core
/// [`select`](crate::query::select), a session query, a [`CompoundSelect`](crate::query::CompoundSelect)).
///
/// On a compound select they apply to the whole result, and ORDER BY names its output columns
/// (a label of the first member: `.order_by(total.desc())`), so `From` there is
/// [`CompoundResult`]: a model's column does not compile.
pub trait OrderLimit: sealed::SelectState + Sized {
    /// The FROM clause expressions are checked against: the selected model(s) and every join.
    type From;

    /// Add an ORDER BY term (after earlier ones): a column or expression (ascending), or
    /// `.asc()` / `.desc()` / `.nulls_last()` of one.
    fn order_by<O, I>(mut self, term: O) -> Self
    where
        O: IntoOrdering,
        O::Sources: AppearsIn<Self::From, I>,
    {
        let o = term.into_ordering();
        self.select_state().order_by.push(OrderTerm { node: o.node, direction: o.direction, nulls: o.nulls });
        self
    }

    /// `LIMIT n` (bound as a parameter); a later call replaces it.
    fn limit(mut self, n: u64) -> Self {
        self.select_state().limit = Some(n);
        self
    }

    /// `OFFSET n` (bound as a parameter); a later call replaces it.
    fn offset(mut self, n: u64) -> Self {
        self.select_state().offset = Some(n);
        self
    }

    /// Page `page` (counted from 1) of `per_page` rows: `LIMIT per_page OFFSET (page - 1) * per_page`.
    fn paginate(self, page: u64, per_page: u64) -> Self {
        self.limit(per_page).offset(page.saturating_sub(1).saturating_mul(per_page))
    }
}

/// WHERE, GROUP BY, HAVING and DISTINCT, with ORDER BY / LIMIT / OFFSET from [`OrderLimit`]:
/// the builder of every query over a FROM clause (a Core [`select`](crate::query::select),
/// `session.query::<M>()`, `session.query::<(A, B)>()`).
///
/// Each expression may use the columns of the models the query selects from or has joined
/// so far (`Self::From`); any other column is a compile error that names the model missing.
pub trait QueryBuilder: OrderLimit {
    /// Add a WHERE condition (ANDed with earlier ones).
    fn filter<E, I>(mut self, cond: E) -> Self
    where
        E: Expression<Value = bool>,
        E::Sources: AppearsIn<Self::From, I>,
    {
        self.select_state().and_where(cond.into_node());
        self
    }

    /// Add a GROUP BY expression (after earlier ones).
    fn group_by<E, I>(mut self, e: E) -> Self
    where
        E: Expression,
        E::Sources: AppearsIn<Self::From, I>,
    {
        self.select_state().group_by.push(e.into_node());
        self
    }

    /// Add a HAVING condition (ANDed with earlier ones).
    fn having<E, I>(mut self, cond: E) -> Self
    where
        E: Expression<Value = bool>,
        E::Sources: AppearsIn<Self::From, I>,
    {
        self.select_state().and_having(cond.into_node());
        self
    }

    /// `SELECT DISTINCT`: equal rows are returned once.
    fn distinct(mut self) -> Self {
        self.select_state().distinct = true;
        self
    }
}

/// The FROM clause of a [`CompoundSelect`](crate::query::CompoundSelect) as the builder sees
/// it: only its output columns (labels, whose sources are `()`), no model.
#[derive(Debug, Clone, Copy)]
pub struct CompoundResult;
