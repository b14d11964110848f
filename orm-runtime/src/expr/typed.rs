//! [`Expr`], the [`Expression`] trait with the comparison and predicate methods, and
//! [`AsExpr`], which decides what may stand on the right of a comparison.

use std::marker::PhantomData;

use crate::expr::{BinOp, Column, Node};
use crate::types::{SqlType, Text};

/// A typed SQL expression: `T` is the Rust type of its value, `S` the models it reads.
#[derive(Debug)]
pub struct Expr<T, S = ()> {
    pub(crate) node: Node,
    _marker: PhantomData<fn() -> (T, S)>,
}

impl<T, S> Clone for Expr<T, S> {
    fn clone(&self) -> Self {
        Expr::from_node(self.node.clone())
    }
}

impl<T, S> Expr<T, S> {
    /// Wrap an untyped node. The caller vouches for `T` and `S`.
    pub fn from_node(node: Node) -> Self {
        Expr { node, _marker: PhantomData }
    }

    /// The untyped node.
    pub fn node(&self) -> &Node {
        &self.node
    }
}

/// Something that can stand where a value of type `T` is expected: a value of that type, or
/// an expression / column whose type is `T` or `Option<T>`.
#[diagnostic::on_unimplemented(
    message = "expected a value or expression of type `{T}`, found `{Self}`",
    label = "this is not a `{T}`",
    note = "comparisons and assignments need operands of the same type; convert the value or compare with a `{T}` column"
)]
pub trait AsExpr<T> {
    /// The models it reads (`()` for a plain value).
    type Sources;
    /// The AST node.
    fn into_node(self) -> Node;
}

impl<V: SqlType<Base = V>> AsExpr<V> for V {
    type Sources = ();
    fn into_node(self) -> Node {
        Node::Value(self.to_value())
    }
}

impl AsExpr<String> for &str {
    type Sources = ();
    fn into_node(self) -> Node {
        Node::Value(crate::types::Value::Text(self.to_owned()))
    }
}

impl AsExpr<String> for &String {
    type Sources = ();
    fn into_node(self) -> Node {
        Node::Value(crate::types::Value::Text(self.clone()))
    }
}

impl<M, T: SqlType<Base = T>> AsExpr<T> for Column<M, T> {
    type Sources = M;
    fn into_node(self) -> Node {
        Expression::into_node(self)
    }
}

impl<M, T: SqlType<Base = T>> AsExpr<T> for Column<M, Option<T>> {
    type Sources = M;
    fn into_node(self) -> Node {
        Expression::into_node(self)
    }
}

impl<T: SqlType<Base = T>, S> AsExpr<T> for Expr<T, S> {
    type Sources = S;
    fn into_node(self) -> Node {
        self.node
    }
}

impl<T: SqlType<Base = T>, S> AsExpr<T> for Expr<Option<T>, S> {
    type Sources = S;
    fn into_node(self) -> Node {
        self.node
    }
}

/// An expression with a name in the select list (`expr AS label`).
#[derive(Debug, Clone)]
pub struct Labeled<E> {
    pub(crate) expr: E,
    pub(crate) label: &'static str,
}

impl<E> Labeled<E> {
    /// The label.
    pub fn label(&self) -> &'static str {
        self.label
    }
}

fn cmp<L: Expression, R, S>(l: L, op: BinOp, r: R) -> Expr<bool, S>
where
    R: AsExpr<<L::Value as SqlType>::Base>,
{
    Expr::from_node(Node::binary(op, l.into_node(), r.into_node()))
}

/// Escape `%`, `_` and `\` so that user text matches literally inside a LIKE pattern.
pub(crate) fn escape_like(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Methods shared by columns and expressions: comparisons, predicates, ordering, labels.
///
/// ```
/// # use orm_runtime::expr::*;
/// # fn f<E: Expression<Value = i32>>(age: E) {
/// let adult = age.ge(18);
/// # }
/// ```
pub trait Expression: Sized {
    /// The Rust type of the expression's value.
    type Value: SqlType;
    /// The models the expression reads.
    type Sources;

    /// The untyped AST node.
    fn into_node(self) -> Node;

    /// `self = rhs`
    fn eq<R: AsExpr<<Self::Value as SqlType>::Base>>(self, rhs: R) -> Expr<bool, (Self::Sources, R::Sources)> {
        cmp(self, BinOp::Eq, rhs)
    }
    /// `self <> rhs`
    fn ne<R: AsExpr<<Self::Value as SqlType>::Base>>(self, rhs: R) -> Expr<bool, (Self::Sources, R::Sources)> {
        cmp(self, BinOp::Ne, rhs)
    }
    /// `self > rhs`
    fn gt<R: AsExpr<<Self::Value as SqlType>::Base>>(self, rhs: R) -> Expr<bool, (Self::Sources, R::Sources)> {
        cmp(self, BinOp::Gt, rhs)
    }
    /// `self >= rhs`
    fn ge<R: AsExpr<<Self::Value as SqlType>::Base>>(self, rhs: R) -> Expr<bool, (Self::Sources, R::Sources)> {
        cmp(self, BinOp::Ge, rhs)
    }
    /// `self < rhs`
    fn lt<R: AsExpr<<Self::Value as SqlType>::Base>>(self, rhs: R) -> Expr<bool, (Self::Sources, R::Sources)> {
        cmp(self, BinOp::Lt, rhs)
    }
    /// `self <= rhs`
    fn le<R: AsExpr<<Self::Value as SqlType>::Base>>(self, rhs: R) -> Expr<bool, (Self::Sources, R::Sources)> {
        cmp(self, BinOp::Le, rhs)
    }
    /// `self IS NULL`
    #[allow(clippy::wrong_self_convention)]
    fn is_null(self) -> Expr<bool, Self::Sources> {
        Expr::from_node(Node::IsNull { expr: Box::new(self.into_node()), negated: false })
    }
    /// `self IS NOT NULL`
    #[allow(clippy::wrong_self_convention)]
    fn is_not_null(self) -> Expr<bool, Self::Sources> {
        Expr::from_node(Node::IsNull { expr: Box::new(self.into_node()), negated: true })
    }
    /// `self BETWEEN low AND high`
    fn between<A, B>(self, low: A, high: B) -> Expr<bool, (Self::Sources, (A::Sources, B::Sources))>
    where
        A: AsExpr<<Self::Value as SqlType>::Base>,
        B: AsExpr<<Self::Value as SqlType>::Base>,
    {
        Expr::from_node(Node::Between {
            expr: Box::new(self.into_node()),
            low: Box::new(low.into_node()),
            high: Box::new(high.into_node()),
            negated: false,
        })
    }
    /// `self IN (values...)` (an empty list matches no row), or `self IN (subquery)` for a
    /// select of one column of the same type.
    ///
    /// ```
    /// # use orm::prelude::*;
    /// # #[derive(Model, Debug)]
    /// # #[orm(table = "users")]
    /// # struct User {
    /// #     #[orm(primary_key, auto_increment)]
    /// #     id: i64,
    /// #     name: String,
    /// #     age: i32,
    /// # }
    /// # #[derive(Model, Debug)]
    /// # #[orm(table = "orders")]
    /// # struct Order {
    /// #     #[orm(primary_key, auto_increment)]
    /// #     id: i64,
    /// #     #[orm(foreign_key = User::id)]
    /// #     user_id: i64,
    /// #     total: f64,
    /// # }
    /// # fn main() -> orm::Result<()> {
    /// # let engine = Engine::connect("sqlite::memory:")?;
    /// # engine.create_all(&[User::table(), Order::table()])?;
    /// # let users = [("Ada", 21), ("Bob", 18), ("Cy", 40)].map(|(name, age)| User { id: 0, name: name.into(), age });
    /// # insert::<User>().values_many(&users).execute(&engine)?;
    /// # let orders = [Order { id: 0, user_id: 2, total: 150.0 }, Order { id: 0, user_id: 3, total: 300.0 }];
    /// # insert::<Order>().values_many(&orders).execute(&engine)?;
    /// let of_age = User::age.in_([18, 21]);
    /// let big_spender = User::id.in_(select(Order::user_id).filter(Order::total.gt(100.0)));
    /// let names: Vec<String> = select(User::name).filter(of_age).filter(big_spender).all(&engine)?;
    /// assert_eq!(names, ["Bob"]);
    /// # Ok(())
    /// # }
    /// ```
    fn in_<R, I>(self, rhs: R) -> Expr<bool, (Self::Sources, R::Sources)>
    where
        R: InOperand<<Self::Value as SqlType>::Base, I>,
    {
        Expr::from_node(rhs.in_node(self.into_node(), false))
    }
    /// `self NOT IN (values...)` (an empty list matches every row), or `NOT IN (subquery)`.
    /// Beware SQL's rule: a NULL among the subquery's values makes NOT IN match no row.
    fn not_in<R, I>(self, rhs: R) -> Expr<bool, (Self::Sources, R::Sources)>
    where
        R: InOperand<<Self::Value as SqlType>::Base, I>,
    {
        Expr::from_node(rhs.in_node(self.into_node(), true))
    }
    /// `self LIKE pattern ESCAPE '\'`: `%` and `_` in `pattern` are wildcards, `\` escapes.
    fn like(self, pattern: &str) -> Expr<bool, Self::Sources>
    where
        Self::Value: Text,
    {
        like_node(self, pattern.to_owned(), false, false)
    }
    /// `self NOT LIKE pattern ESCAPE '\'`.
    fn not_like(self, pattern: &str) -> Expr<bool, Self::Sources>
    where
        Self::Value: Text,
    {
        like_node(self, pattern.to_owned(), false, true)
    }
    /// Case-insensitive LIKE (`ILIKE` on PostgreSQL, `lower(x) LIKE lower(p)` on SQLite).
    fn ilike(self, pattern: &str) -> Expr<bool, Self::Sources>
    where
        Self::Value: Text,
    {
        like_node(self, pattern.to_owned(), true, false)
    }
    /// The text contains `needle` literally (wildcards in `needle` are escaped).
    fn contains(self, needle: &str) -> Expr<bool, Self::Sources>
    where
        Self::Value: Text,
    {
        text_match(self, needle, crate::expr::TextMatchAt::Anywhere)
    }
    /// The text starts with `prefix` literally.
    fn starts_with(self, prefix: &str) -> Expr<bool, Self::Sources>
    where
        Self::Value: Text,
    {
        text_match(self, prefix, crate::expr::TextMatchAt::Start)
    }
    /// The text ends with `suffix` literally.
    fn ends_with(self, suffix: &str) -> Expr<bool, Self::Sources>
    where
        Self::Value: Text,
    {
        text_match(self, suffix, crate::expr::TextMatchAt::End)
    }
    /// `self || rhs` (string concatenation).
    fn concat<R: AsExpr<String>>(self, rhs: R) -> Expr<Self::Value, (Self::Sources, R::Sources)>
    where
        Self::Value: Text,
    {
        Expr::from_node(Node::binary(BinOp::Concat, self.into_node(), rhs.into_node()))
    }
    /// `CAST(self AS <type of U>)`.
    fn cast<U: SqlType>(self) -> Expr<U, Self::Sources> {
        Expr::from_node(Node::Cast { expr: Box::new(self.into_node()), kind: U::KIND })
    }
    /// The same expression, read as `Option` (`None` for NULL): how to select a column of the
    /// outer side of a `LEFT OUTER JOIN`, which reads NULL where nothing matched
    /// (`select((User::name, Post::title.nullable())).outerjoin::<Post>()`).
    fn nullable(self) -> Expr<Option<<Self::Value as SqlType>::Base>, Self::Sources>
    where
        <Self::Value as SqlType>::Base: SqlType<Base = <Self::Value as SqlType>::Base>,
    {
        Expr::from_node(self.into_node())
    }
    /// Name the expression in the select list: `self AS label`.
    fn label(self, label: &'static str) -> Labeled<Self> {
        Labeled { expr: self, label }
    }
    /// Ascending order.
    fn asc(self) -> crate::expr::Ordering<Self::Sources> {
        crate::expr::Ordering::new(self.into_node(), crate::expr::Direction::Asc)
    }
    /// Descending order.
    fn desc(self) -> crate::expr::Ordering<Self::Sources> {
        crate::expr::Ordering::new(self.into_node(), crate::expr::Direction::Desc)
    }
    /// `self AND rhs`.
    fn and<R: Expression<Value = bool>>(self, rhs: R) -> Expr<bool, (Self::Sources, R::Sources)>
    where
        Self: Expression<Value = bool>,
    {
        Expr::from_node(Node::binary(BinOp::And, self.into_node(), rhs.into_node()))
    }
    /// `self OR rhs`.
    fn or<R: Expression<Value = bool>>(self, rhs: R) -> Expr<bool, (Self::Sources, R::Sources)>
    where
        Self: Expression<Value = bool>,
    {
        Expr::from_node(Node::binary(BinOp::Or, self.into_node(), rhs.into_node()))
    }
}

fn text_match<E: Expression>(e: E, needle: &str, at: crate::expr::TextMatchAt) -> Expr<bool, E::Sources> {
    Expr::from_node(Node::TextMatch { expr: Box::new(e.into_node()), needle: needle.to_owned(), at })
}

fn like_node<E: Expression>(e: E, pattern: String, ci: bool, negated: bool) -> Expr<bool, E::Sources> {
    Expr::from_node(Node::Like {
        expr: Box::new(e.into_node()),
        pattern: Box::new(Node::Value(crate::types::Value::Text(pattern))),
        case_insensitive: ci,
        negated,
    })
}

impl<T: SqlType, S> Expression for Expr<T, S> {
    type Value = T;
    type Sources = S;
    fn into_node(self) -> Node {
        self.node
    }
}

impl<M, T: SqlType> Expression for Column<M, T> {
    type Value = T;
    type Sources = M;
    fn into_node(self) -> Node {
        Node::Column { table: self.def().table, name: self.def().name }
    }
}

/// What may be assigned to a column of type `T` (`UPDATE ... SET`, column-value inserts): a
/// value of the column's type (`Option<_>` for a nullable column), a plain value for a
/// nullable column, or an expression / column of the same base type.
#[diagnostic::on_unimplemented(
    message = "cannot assign `{Self}` to a column of type `{T}`",
    label = "expected a `{T}` value or expression"
)]
pub trait AssignValue<T> {
    /// The models it reads.
    type Sources;
    /// The AST node.
    fn into_node(self) -> Node;
}

impl<T: SqlType> AssignValue<T> for T {
    type Sources = ();
    fn into_node(self) -> Node {
        Node::Value(self.to_value())
    }
}

impl<T: SqlType<Base = T>> AssignValue<Option<T>> for T {
    type Sources = ();
    fn into_node(self) -> Node {
        Node::Value(self.to_value())
    }
}

impl AssignValue<String> for &str {
    type Sources = ();
    fn into_node(self) -> Node {
        Node::Value(crate::types::Value::Text(self.to_owned()))
    }
}

impl AssignValue<Option<String>> for &str {
    type Sources = ();
    fn into_node(self) -> Node {
        Node::Value(crate::types::Value::Text(self.to_owned()))
    }
}

impl<T: SqlType, M, U: SqlType<Base = T::Base>> AssignValue<T> for Column<M, U> {
    type Sources = M;
    fn into_node(self) -> Node {
        Expression::into_node(self)
    }
}

impl<T: SqlType, S, U: SqlType<Base = T::Base>> AssignValue<T> for Expr<U, S> {
    type Sources = S;
    fn into_node(self) -> Node {
        self.node
    }
}

/// What may stand on the right of [`in_`](Expression::in_) / `not_in` over values of type
/// `T`: values of that type (an array, a `Vec`, any iterator), or a subquery selecting one
/// column of that type. `I` is an index the compiler infers.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be the right side of IN over `{T}` values",
    label = "expected values of type `{T}`, or a subquery selecting one `{T}` column",
    note = "the subquery's column must have the type of the left side (`Option` aside); `.cast::<T>()` it otherwise"
)]
pub trait InOperand<T, I> {
    /// The models it reads (the outer models of a correlated subquery).
    type Sources;
    /// `lhs [NOT] IN (...)`.
    fn in_node(self, lhs: Node, negated: bool) -> Node;
}

impl<T, It, V> InOperand<T, ()> for It
where
    It: IntoIterator<Item = V>,
    V: AsExpr<T, Sources = ()>,
{
    type Sources = ();
    fn in_node(self, lhs: Node, negated: bool) -> Node {
        Node::InList { expr: Box::new(lhs), list: self.into_iter().map(AsExpr::into_node).collect(), negated }
    }
}
