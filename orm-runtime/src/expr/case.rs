//! `CASE WHEN ... THEN ... ELSE ... END`, typed: every branch has the first branch's type.

use std::marker::PhantomData;

use crate::expr::{AsExpr, Column, Expr, Expression, Node};
use crate::types::SqlType;

/// A value that fixes the type of a `CASE`'s first branch: a value, a column or an
/// expression; `&str` gives `String`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a value of a CASE branch",
    label = "expected a value, a column or an expression"
)]
pub trait CaseValue {
    /// The branch's Rust type.
    type Value: SqlType;
    /// The models it reads.
    type Sources;
    /// The node.
    fn into_case_node(self) -> Node;
}

impl<V: SqlType<Base = V>> CaseValue for V {
    type Value = V;
    type Sources = ();
    fn into_case_node(self) -> Node {
        Node::Value(self.to_value())
    }
}

impl CaseValue for &str {
    type Value = String;
    type Sources = ();
    fn into_case_node(self) -> Node {
        Node::Value(crate::types::Value::Text(self.to_owned()))
    }
}

impl<M, T: SqlType> CaseValue for Column<M, T> {
    type Value = T;
    type Sources = M;
    fn into_case_node(self) -> Node {
        Expression::into_node(self)
    }
}

impl<T: SqlType, S> CaseValue for Expr<T, S> {
    type Value = T;
    type Sources = S;
    fn into_case_node(self) -> Node {
        self.node
    }
}

/// `CASE` before its first branch.
#[derive(Debug, Clone, Default)]
#[must_use = "a CASE needs a branch: call .when(condition, value)"]
pub struct CaseStart(());

/// `CASE WHEN condition THEN value ...`: start with [`case`].
///
/// ```
/// # use orm_runtime::expr::*;
/// # fn f<A: Expression<Value = i32> + Clone>(age: A) {
/// let group = case().when(age.clone().lt(18), "minor").when(age.lt(65), "adult").otherwise("senior");
/// # let _: Expr<String, _> = group;
/// # }
/// ```
pub fn case() -> CaseStart {
    CaseStart(())
}

impl CaseStart {
    /// The first branch; its value fixes the type of every other one.
    pub fn when<C, V>(self, cond: C, value: V) -> Case<V::Value, (C::Sources, V::Sources)>
    where
        C: Expression<Value = bool>,
        V: CaseValue,
    {
        Case { whens: vec![(cond.into_node(), value.into_case_node())], _marker: PhantomData }
    }
}

/// A `CASE` with at least one branch, of values of type `T`.
#[derive(Debug, Clone)]
#[must_use = "finish a CASE with .otherwise(value) or .end()"]
pub struct Case<T, S> {
    whens: Vec<(Node, Node)>,
    _marker: PhantomData<fn() -> (T, S)>,
}

impl<T: SqlType, S> Case<T, S> {
    /// Another branch, of the same type.
    pub fn when<C, V>(mut self, cond: C, value: V) -> Case<T, (S, (C::Sources, V::Sources))>
    where
        C: Expression<Value = bool>,
        V: AsExpr<T::Base>,
    {
        self.whens.push((cond.into_node(), value.into_node()));
        Case { whens: self.whens, _marker: PhantomData }
    }

    /// `ELSE value END`: the value when no branch matched.
    pub fn otherwise<V: AsExpr<T::Base>>(self, value: V) -> Expr<T, (S, V::Sources)> {
        Expr::from_node(Node::Case { whens: self.whens, otherwise: Some(Box::new(value.into_node())) })
    }

    /// `END` without ELSE: `None` when no branch matched.
    pub fn end(self) -> Expr<Option<T::Base>, S>
    where
        T::Base: SqlType<Base = T::Base>,
    {
        Expr::from_node(Node::Case { whens: self.whens, otherwise: None })
    }
}
