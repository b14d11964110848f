//! Window functions: `func::row_number()`, `func::rank()`, `func::lag(e, n)`, ... and aggregates over a window
//! (`func::sum(Order::total).over(window().partition_by(Order::user_id))`).
//!
//! A window function's result is a [`WindowExpr`]: it may be selected (labelled or not) and
//! ordered on, but WHERE / GROUP BY / HAVING of the same query are computed before it, so
//! comparing it there is a compile error. Filter on it from an outer query instead, over the
//! select as a [`subquery`](crate::query::Select::subquery).

use std::marker::PhantomData;

use crate::error::Result;
use crate::expr::selection::{Selection, SingleColumn, SourceFrom};
use crate::expr::statement::{OrderTerm, SelectItem};
use crate::expr::{
    Direction, Expr, Expression, Frame, FrameBound, FrameUnits, FuncName, IntoOrdering, Labeled, Node, Ordering,
    WindowResult, WindowSpec,
};
use crate::types::RowRef;
use crate::types::SqlType;

/// A window: `PARTITION BY`, `ORDER BY` and a frame, over the models `S`.
///
/// ```
/// # use orm_runtime::expr::*;
/// let w = window().rows_between(FrameBound::Preceding(2), FrameBound::CurrentRow);
/// # let _ = w;
/// ```
#[derive(Debug, Clone)]
pub struct Window<S = ()> {
    spec: WindowSpec,
    _marker: PhantomData<fn() -> S>,
}

/// An empty window (`OVER ()`): the whole result is one partition.
pub fn window() -> Window<()> {
    Window { spec: WindowSpec::default(), _marker: PhantomData }
}

impl<S> Window<S> {
    /// Add a `PARTITION BY` expression.
    pub fn partition_by<E: Expression>(mut self, e: E) -> Window<(S, E::Sources)> {
        self.spec.partition_by.push(e.into_node());
        Window { spec: self.spec, _marker: PhantomData }
    }

    /// Add an `ORDER BY` term of the window.
    pub fn order_by<O: IntoOrdering>(mut self, term: O) -> Window<(S, O::Sources)> {
        let o = term.into_ordering();
        self.spec.order_by.push(OrderTerm { node: o.node, direction: o.direction, nulls: o.nulls });
        Window { spec: self.spec, _marker: PhantomData }
    }

    /// `ROWS BETWEEN start AND end`: a frame counted in rows.
    pub fn rows_between(mut self, start: FrameBound, end: FrameBound) -> Self {
        self.spec.frame = Some(Frame { units: FrameUnits::Rows, start, end });
        self
    }

    /// `RANGE BETWEEN start AND end`: a frame of ORDER BY key values (an offset needs one
    /// numeric ORDER BY term).
    pub fn range_between(mut self, start: FrameBound, end: FrameBound) -> Self {
        self.spec.frame = Some(Frame { units: FrameUnits::Range, start, end });
        self
    }
}

/// A window function not yet given its window: finish it with [`WindowFunction::over`].
#[derive(Debug, Clone)]
#[must_use = "a window function needs its window: call .over(window())"]
pub struct WindowFunction<T, S = ()> {
    node: Node,
    _marker: PhantomData<fn() -> (T, S)>,
}

fn window_fn<T, S>(name: &'static str, args: Vec<Node>) -> WindowFunction<T, S> {
    WindowFunction { node: Node::Func { name: FuncName(name), args, distinct: false }, _marker: PhantomData }
}

/// `ROW_NUMBER()`: 1, 2, 3, ... in the window's order.
pub fn row_number() -> WindowFunction<i64> {
    window_fn("ROW_NUMBER", Vec::new())
}

/// `RANK()`: the row's rank in the window's order, with gaps after ties (1, 1, 3).
pub fn rank() -> WindowFunction<i64> {
    window_fn("RANK", Vec::new())
}

/// `DENSE_RANK()`: the rank without gaps (1, 1, 2).
pub fn dense_rank() -> WindowFunction<i64> {
    window_fn("DENSE_RANK", Vec::new())
}

fn offset_node(n: u32) -> Node {
    Node::Constant(i32::try_from(n).unwrap_or(i32::MAX))
}

/// `LAG(e, n)`: the value `n` rows before in the window's order, `None` before the first.
pub fn lag<E: Expression>(e: E, n: u32) -> WindowFunction<Option<<E::Value as SqlType>::Base>, E::Sources>
where
    <E::Value as SqlType>::Base: SqlType<Base = <E::Value as SqlType>::Base>,
{
    window_fn("LAG", vec![e.into_node(), offset_node(n)])
}

/// `LEAD(e, n)`: the value `n` rows after in the window's order, `None` past the last.
pub fn lead<E: Expression>(e: E, n: u32) -> WindowFunction<Option<<E::Value as SqlType>::Base>, E::Sources>
where
    <E::Value as SqlType>::Base: SqlType<Base = <E::Value as SqlType>::Base>,
{
    window_fn("LEAD", vec![e.into_node(), offset_node(n)])
}

impl<T: SqlType, S> WindowFunction<T, S> {
    /// `f() OVER (window)`.
    pub fn over<W>(self, window: Window<W>) -> WindowExpr<T, (S, W)> {
        WindowExpr::new(Node::Over { func: Box::new(self.node), window: Box::new(window.spec) })
    }
}

impl<T: SqlType, S> Expr<T, S> {
    /// An aggregate over a window: `func::sum(Order::total).over(window().partition_by(Order::user_id))`.
    /// Only aggregates (`count`, `sum`, `avg`, `min`, `max`, [`func::call`](crate::expr::func::call)
    /// calls) take a window; rendering anything else fails.
    pub fn over<W>(self, window: Window<W>) -> WindowExpr<T, (S, W)> {
        let spec = Box::new(window.spec);
        // `sum` and `avg` are cast to their Rust type: the window goes inside the cast.
        let node = match self.node {
            Node::Cast { expr, kind } => Node::Cast { expr: Box::new(Node::Over { func: expr, window: spec }), kind },
            other => Node::Over { func: Box::new(other), window: spec },
        };
        WindowExpr::new(node)
    }
}

/// The result of a window function over the models `S`: selectable and orderable; comparing
/// it yields a condition that only an outer query can use.
#[derive(Debug)]
pub struct WindowExpr<T, S> {
    node: Node,
    _marker: PhantomData<fn() -> (T, S)>,
}

impl<T, S> Clone for WindowExpr<T, S> {
    fn clone(&self) -> Self {
        WindowExpr::new(self.node.clone())
    }
}

impl<T, S> WindowExpr<T, S> {
    fn new(node: Node) -> Self {
        WindowExpr { node, _marker: PhantomData }
    }

    /// Order the query by this window function's result, ascending.
    pub fn asc(self) -> Ordering<S> {
        Ordering::new(self.node, Direction::Asc)
    }

    /// Order the query by this window function's result, descending.
    pub fn desc(self) -> Ordering<S> {
        Ordering::new(self.node, Direction::Desc)
    }
}

impl<T: SqlType, S> Expression for WindowExpr<T, S> {
    type Value = T;
    type Sources = (S, WindowResult);
    fn into_node(self) -> Node {
        self.node
    }
}

impl<T: SqlType, S> Expression for Labeled<WindowExpr<T, S>> {
    type Value = T;
    type Sources = (S, WindowResult);
    fn into_node(self) -> Node {
        self.expr.node
    }
}

impl<T: SqlType, S> IntoOrdering for WindowExpr<T, S> {
    type Sources = S;
    fn into_ordering(self) -> Ordering<S> {
        Ordering::new(self.node, Direction::Asc)
    }
}

impl<T: SqlType, S: SourceFrom> Selection for WindowExpr<T, S> {
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

impl<T: SqlType, S: SourceFrom> SingleColumn for WindowExpr<T, S> {
    type Value = T;
}
