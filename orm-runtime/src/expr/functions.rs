//! SQL functions: aggregates, string functions, `coalesce` and the generic [`func`].

use crate::expr::{AsExpr, Expr, Expression, FuncName, Node};
use crate::types::{Numeric, SqlKind, SqlType, Text};

fn call(name: &'static str, args: Vec<Node>, distinct: bool) -> Node {
    Node::Func { name: FuncName(name), args, distinct }
}

/// `COUNT(*)`.
pub fn count_all() -> Expr<i64, ()> {
    Expr::from_node(Node::CountStar)
}

/// `COUNT(expr)`: the number of non-NULL values.
pub fn count<E: Expression>(e: E) -> Expr<i64, E::Sources> {
    Expr::from_node(call("COUNT", vec![e.into_node()], false))
}

/// `COUNT(DISTINCT expr)`.
pub fn count_distinct<E: Expression>(e: E) -> Expr<i64, E::Sources> {
    Expr::from_node(call("COUNT", vec![e.into_node()], true))
}

/// `SUM(expr)`: NULL (`None`) over no rows. Integer sums are `i64` on both backends.
pub fn sum<E>(e: E) -> Expr<Option<<E::Value as Numeric>::Sum>, E::Sources>
where
    E: Expression,
    E::Value: Numeric,
    <E::Value as Numeric>::Sum: SqlType<Base = <E::Value as Numeric>::Sum>,
{
    let node = call("SUM", vec![e.into_node()], false);
    let kind = <<E::Value as Numeric>::Sum as SqlType>::KIND;
    Expr::from_node(Node::Cast { expr: Box::new(node), kind })
}

/// `AVG(expr)` as a double: NULL (`None`) over no rows.
pub fn avg<E>(e: E) -> Expr<Option<f64>, E::Sources>
where
    E: Expression,
    E::Value: Numeric,
{
    let node = call("AVG", vec![e.into_node()], false);
    Expr::from_node(Node::Cast { expr: Box::new(node), kind: SqlKind::Double })
}

/// `MIN(expr)`: NULL (`None`) over no rows.
pub fn min<E: Expression>(e: E) -> Expr<Option<<E::Value as SqlType>::Base>, E::Sources>
where
    <E::Value as SqlType>::Base: SqlType<Base = <E::Value as SqlType>::Base>,
{
    Expr::from_node(call("MIN", vec![e.into_node()], false))
}

/// `MAX(expr)`: NULL (`None`) over no rows.
pub fn max<E: Expression>(e: E) -> Expr<Option<<E::Value as SqlType>::Base>, E::Sources>
where
    <E::Value as SqlType>::Base: SqlType<Base = <E::Value as SqlType>::Base>,
{
    Expr::from_node(call("MAX", vec![e.into_node()], false))
}

/// `LENGTH(expr)` in characters.
pub fn length<E>(e: E) -> Expr<i32, E::Sources>
where
    E: Expression,
    E::Value: Text,
{
    Expr::from_node(call("LENGTH", vec![e.into_node()], false))
}

/// `LOWER(expr)`.
pub fn lower<E>(e: E) -> Expr<E::Value, E::Sources>
where
    E: Expression,
    E::Value: Text,
{
    Expr::from_node(call("LOWER", vec![e.into_node()], false))
}

/// `UPPER(expr)`.
pub fn upper<E>(e: E) -> Expr<E::Value, E::Sources>
where
    E: Expression,
    E::Value: Text,
{
    Expr::from_node(call("UPPER", vec![e.into_node()], false))
}

/// `COALESCE(expr, fallback)`: the value of `expr`, or `fallback` when it is NULL.
pub fn coalesce<E, R>(e: E, fallback: R) -> Expr<<E::Value as SqlType>::Base, (E::Sources, R::Sources)>
where
    E: Expression,
    R: AsExpr<<E::Value as SqlType>::Base>,
{
    Expr::from_node(call("COALESCE", vec![e.into_node(), fallback.into_node()], false))
}

/// Arguments of a generic function call: a tuple of expressions or values.
pub trait FuncArgs {
    /// The models the arguments read.
    type Sources;
    /// The argument nodes.
    fn into_nodes(self) -> Vec<Node>;
}

impl FuncArgs for () {
    type Sources = ();
    fn into_nodes(self) -> Vec<Node> {
        Vec::new()
    }
}

/// One argument of a generic function call: a value, a column or an expression.
pub trait FuncArg {
    /// The models it reads.
    type Sources;
    /// The node.
    fn into_arg(self) -> Node;
}

impl<V: SqlType<Base = V>> FuncArg for V {
    type Sources = ();
    fn into_arg(self) -> Node {
        Node::Value(self.to_value())
    }
}

impl FuncArg for &str {
    type Sources = ();
    fn into_arg(self) -> Node {
        Node::Value(crate::types::Value::Text(self.to_owned()))
    }
}

impl<M, T: SqlType> FuncArg for crate::expr::Column<M, T> {
    type Sources = M;
    fn into_arg(self) -> Node {
        Expression::into_node(self)
    }
}

impl<T: SqlType, S> FuncArg for Expr<T, S> {
    type Sources = S;
    fn into_arg(self) -> Node {
        self.node
    }
}

impl<A: FuncArg> FuncArgs for (A,) {
    type Sources = A::Sources;
    fn into_nodes(self) -> Vec<Node> {
        vec![self.0.into_arg()]
    }
}

impl<A: FuncArg, B: FuncArg> FuncArgs for (A, B) {
    type Sources = (A::Sources, B::Sources);
    fn into_nodes(self) -> Vec<Node> {
        vec![self.0.into_arg(), self.1.into_arg()]
    }
}

impl<A: FuncArg, B: FuncArg, C: FuncArg> FuncArgs for (A, B, C) {
    type Sources = (A::Sources, (B::Sources, C::Sources));
    fn into_nodes(self) -> Vec<Node> {
        vec![self.0.into_arg(), self.1.into_arg(), self.2.into_arg()]
    }
}

impl<A: FuncArg, B: FuncArg, C: FuncArg, D: FuncArg> FuncArgs for (A, B, C, D) {
    type Sources = ((A::Sources, B::Sources), (C::Sources, D::Sources));
    fn into_nodes(self) -> Vec<Node> {
        vec![self.0.into_arg(), self.1.into_arg(), self.2.into_arg(), self.3.into_arg()]
    }
}

/// Any SQL function by name, returning a `T`: `func::<i32, _>("abs", (User::balance,))`.
///
/// The name must be a plain identifier (letters, digits, `_`, one optional `schema.` prefix);
/// anything else is refused when the statement is rendered.
pub fn func<T: SqlType, A: FuncArgs>(name: &'static str, args: A) -> Expr<T, A::Sources> {
    Expr::from_node(call(name, args.into_nodes(), false))
}
