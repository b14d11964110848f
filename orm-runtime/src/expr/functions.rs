//! SQL functions (public as [`func`](crate::expr::func)): aggregates, string functions,
//! `coalesce` and the generic [`call`].

use crate::expr::{AsExpr, Expr, Expression, FuncName, Node};
use crate::types::{Numeric, SqlKind, SqlType, Text};

fn call_node(name: &'static str, args: Vec<Node>, distinct: bool) -> Node {
    Node::Func { name: FuncName(name), args, distinct }
}

/// `COUNT(*)`.
pub fn count_all() -> Expr<i64, ()> {
    Expr::from_node(Node::CountStar)
}

/// `COUNT(expr)`: the number of non-NULL values.
pub fn count<E: Expression>(e: E) -> Expr<i64, E::Sources> {
    Expr::from_node(call_node("COUNT", vec![e.into_node()], false))
}

/// `COUNT(DISTINCT expr)`.
pub fn count_distinct<E: Expression>(e: E) -> Expr<i64, E::Sources> {
    Expr::from_node(call_node("COUNT", vec![e.into_node()], true))
}

/// `SUM(expr)`: NULL (`None`) over no rows. Integer sums are `i64` on both backends.
pub fn sum<E>(e: E) -> Expr<Option<<E::Value as Numeric>::Sum>, E::Sources>
where
    E: Expression,
    E::Value: Numeric,
    <E::Value as Numeric>::Sum: SqlType<Base = <E::Value as Numeric>::Sum>,
{
    let node = call_node("SUM", vec![e.into_node()], false);
    let kind = <<E::Value as Numeric>::Sum as SqlType>::KIND;
    Expr::from_node(Node::Cast { expr: Box::new(node), kind })
}

/// `AVG(expr)` as a double: NULL (`None`) over no rows.
pub fn avg<E>(e: E) -> Expr<Option<f64>, E::Sources>
where
    E: Expression,
    E::Value: Numeric,
{
    let node = call_node("AVG", vec![e.into_node()], false);
    Expr::from_node(Node::Cast { expr: Box::new(node), kind: SqlKind::Double })
}

/// `MIN(expr)`: NULL (`None`) over no rows.
pub fn min<E: Expression>(e: E) -> Expr<Option<<E::Value as SqlType>::Base>, E::Sources>
where
    <E::Value as SqlType>::Base: SqlType<Base = <E::Value as SqlType>::Base>,
{
    Expr::from_node(call_node("MIN", vec![e.into_node()], false))
}

/// `MAX(expr)`: NULL (`None`) over no rows.
pub fn max<E: Expression>(e: E) -> Expr<Option<<E::Value as SqlType>::Base>, E::Sources>
where
    <E::Value as SqlType>::Base: SqlType<Base = <E::Value as SqlType>::Base>,
{
    Expr::from_node(call_node("MAX", vec![e.into_node()], false))
}

/// `LENGTH(expr)` in characters.
pub fn length<E>(e: E) -> Expr<i32, E::Sources>
where
    E: Expression,
    E::Value: Text,
{
    Expr::from_node(call_node("LENGTH", vec![e.into_node()], false))
}

/// `LOWER(expr)`.
pub fn lower<E>(e: E) -> Expr<E::Value, E::Sources>
where
    E: Expression,
    E::Value: Text,
{
    Expr::from_node(call_node("LOWER", vec![e.into_node()], false))
}

/// `UPPER(expr)`.
pub fn upper<E>(e: E) -> Expr<E::Value, E::Sources>
where
    E: Expression,
    E::Value: Text,
{
    Expr::from_node(call_node("UPPER", vec![e.into_node()], false))
}

/// `COALESCE(expr, fallback)`: the value of `expr`, or `fallback` when it is NULL.
pub fn coalesce<E, R>(e: E, fallback: R) -> Expr<<E::Value as SqlType>::Base, (E::Sources, R::Sources)>
where
    E: Expression,
    R: AsExpr<<E::Value as SqlType>::Base>,
{
    Expr::from_node(call_node("COALESCE", vec![e.into_node(), fallback.into_node()], false))
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

/// Any SQL function by name, returning a `T`: `func::call::<i32, _>("abs", (User::balance,))`.
///
/// The name must be a plain identifier (letters, digits, `_`, one optional `schema.` prefix);
/// anything else is refused when the statement is rendered.
pub fn call<T: SqlType, A: FuncArgs>(name: &'static str, args: A) -> Expr<T, A::Sources> {
    Expr::from_node(call_node(name, args.into_nodes(), false))
}

fn builtin(func: crate::expr::Builtin, args: Vec<Node>) -> Node {
    Node::Builtin { func, args }
}

/// A value as an expression of its type, `CAST(? AS type)` with the value bound (the cast tells
/// PostgreSQL the parameter's type): for a constant in a select list or a CTE's anchor.
pub fn value<T: SqlType>(v: T) -> Expr<T, ()> {
    Expr::from_node(Node::Cast { expr: Box::new(Node::Value(v.to_value())), kind: T::KIND })
}

/// `NULLIF(a, b)`: NULL (`None`) when `a` equals `b`, else `a`.
pub fn nullif<E, R>(a: E, b: R) -> Expr<Option<<E::Value as SqlType>::Base>, (E::Sources, R::Sources)>
where
    E: Expression,
    R: AsExpr<<E::Value as SqlType>::Base>,
    <E::Value as SqlType>::Base: SqlType<Base = <E::Value as SqlType>::Base>,
{
    Expr::from_node(builtin(crate::expr::Builtin::NullIf, vec![a.into_node(), b.into_node()]))
}

/// `TRIM(s)`: without leading and trailing spaces.
pub fn trim<E: Expression>(e: E) -> Expr<E::Value, E::Sources>
where
    E::Value: Text,
{
    Expr::from_node(builtin(crate::expr::Builtin::Trim, vec![e.into_node()]))
}

/// `LTRIM(s)`: without leading spaces.
pub fn ltrim<E: Expression>(e: E) -> Expr<E::Value, E::Sources>
where
    E::Value: Text,
{
    Expr::from_node(builtin(crate::expr::Builtin::LTrim, vec![e.into_node()]))
}

/// `RTRIM(s)`: without trailing spaces.
pub fn rtrim<E: Expression>(e: E) -> Expr<E::Value, E::Sources>
where
    E::Value: Text,
{
    Expr::from_node(builtin(crate::expr::Builtin::RTrim, vec![e.into_node()]))
}

/// `REPLACE(s, from, to)`: every occurrence of `from` replaced by `to`.
pub fn replace<E, A, B>(e: E, from: A, to: B) -> Expr<E::Value, (E::Sources, (A::Sources, B::Sources))>
where
    E: Expression,
    E::Value: Text,
    A: AsExpr<String>,
    B: AsExpr<String>,
{
    Expr::from_node(builtin(crate::expr::Builtin::Replace, vec![e.into_node(), from.into_node(), to.into_node()]))
}

/// `SUBSTR(s, start, length)`: `length` characters from the 1-based position `start`.
pub fn substr<E, A, B>(e: E, start: A, len: B) -> Expr<E::Value, (E::Sources, (A::Sources, B::Sources))>
where
    E: Expression,
    E::Value: Text,
    A: AsExpr<i32>,
    B: AsExpr<i32>,
{
    Expr::from_node(builtin(crate::expr::Builtin::Substr, vec![e.into_node(), start.into_node(), len.into_node()]))
}

/// The 1-based position of `needle` in `e`, 0 when absent (`INSTR` on SQLite, `STRPOS` on
/// PostgreSQL).
pub fn position<E, N>(e: E, needle: N) -> Expr<i32, (E::Sources, N::Sources)>
where
    E: Expression,
    E::Value: Text,
    N: AsExpr<String>,
{
    Expr::from_node(builtin(crate::expr::Builtin::Position, vec![e.into_node(), needle.into_node()]))
}

/// The texts of a group joined with `separator` (`GROUP_CONCAT` on SQLite, `STRING_AGG` on
/// PostgreSQL), in no promised order; `None` over no rows.
pub fn string_agg<E>(e: E, separator: &str) -> Expr<Option<String>, E::Sources>
where
    E: Expression,
    E::Value: Text,
{
    let sep = Node::Value(crate::types::Value::Text(separator.to_owned()));
    Expr::from_node(builtin(crate::expr::Builtin::StringAgg, vec![e.into_node(), sep]))
}

/// A date-and-time type that [`current_timestamp`] can produce.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a date or timestamp type",
    label = "current_timestamp::<T>() needs a timestamp or date type",
    note = "use e.g. `chrono::NaiveDateTime`, `chrono::DateTime<Utc>`, `chrono::NaiveDate` or their `time` equivalents"
)]
pub trait CurrentTime: SqlType {
    /// How it is read.
    const BUILTIN: crate::expr::Builtin;
}

macro_rules! current_time {
    ($($feature:literal: $($t:ty => $b:ident),+;)*) => {$($(
        #[cfg(feature = $feature)]
        impl CurrentTime for $t {
            const BUILTIN: crate::expr::Builtin = crate::expr::Builtin::$b;
        }
    )+)*};
}

current_time! {
    "chrono": chrono::NaiveDateTime => CurrentTimestamp, chrono::DateTime<chrono::Utc> => CurrentTimestampTz,
        chrono::NaiveDate => CurrentDate;
    "time": time::PrimitiveDateTime => CurrentTimestamp, time::OffsetDateTime => CurrentTimestampTz,
        time::Date => CurrentDate;
}

/// The current time in UTC, as `T` (a timestamp with or without zone, or a date):
/// `CURRENT_TIMESTAMP` and `CURRENT_DATE`, written per dialect so that both databases return
/// the same layout.
pub fn current_timestamp<T: CurrentTime>() -> Expr<T, ()> {
    Expr::from_node(builtin(T::BUILTIN, Vec::new()))
}
