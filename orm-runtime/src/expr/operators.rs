//! Rust operators on expressions: `&`, `|`, `!` on booleans and `+ - * / %` on numbers.

use std::ops::{Add, BitAnd, BitOr, Div, Mul, Not, Rem, Sub};

use crate::expr::{AsExpr, BinOp, Column, Expr, Expression, Node};
use crate::types::{Numeric, SqlType};

impl<S, R: Expression<Value = bool>> BitAnd<R> for Expr<bool, S> {
    type Output = Expr<bool, (S, R::Sources)>;
    fn bitand(self, rhs: R) -> Self::Output {
        Expression::and(self, rhs)
    }
}

impl<S, R: Expression<Value = bool>> BitOr<R> for Expr<bool, S> {
    type Output = Expr<bool, (S, R::Sources)>;
    fn bitor(self, rhs: R) -> Self::Output {
        Expression::or(self, rhs)
    }
}

impl<S> Not for Expr<bool, S> {
    type Output = Expr<bool, S>;
    fn not(self) -> Self::Output {
        Expr::from_node(Node::Not(Box::new(self.node)))
    }
}

/// `!User::is_active`: `NOT "users"."is_active"` (a boolean column is itself a predicate).
impl<M> Not for Column<M, bool> {
    type Output = Expr<bool, M>;
    fn not(self) -> Self::Output {
        Expr::from_node(Node::Not(Box::new(Expression::into_node(self))))
    }
}

/// `User::is_active & cond`: `"users"."is_active" AND cond`.
impl<M, R: Expression<Value = bool>> BitAnd<R> for Column<M, bool> {
    type Output = Expr<bool, (M, R::Sources)>;
    fn bitand(self, rhs: R) -> Self::Output {
        Expression::and(self, rhs)
    }
}

/// `User::is_active | cond`: `"users"."is_active" OR cond`.
impl<M, R: Expression<Value = bool>> BitOr<R> for Column<M, bool> {
    type Output = Expr<bool, (M, R::Sources)>;
    fn bitor(self, rhs: R) -> Self::Output {
        Expression::or(self, rhs)
    }
}

macro_rules! arithmetic {
    ($trait:ident, $method:ident, $op:ident) => {
        impl<T: Numeric, S, R: AsExpr<T::Base>> $trait<R> for Expr<T, S> {
            type Output = Expr<T, (S, R::Sources)>;
            fn $method(self, rhs: R) -> Self::Output {
                Expr::from_node(Node::binary(BinOp::$op, self.node, rhs.into_node()))
            }
        }
        impl<M, T: Numeric + SqlType, R: AsExpr<T::Base>> $trait<R> for Column<M, T> {
            type Output = Expr<T, (M, R::Sources)>;
            fn $method(self, rhs: R) -> Self::Output {
                Expr::from_node(Node::binary(BinOp::$op, Expression::into_node(self), rhs.into_node()))
            }
        }
    };
}

arithmetic!(Add, add, Add);
arithmetic!(Sub, sub, Sub);
arithmetic!(Mul, mul, Mul);
arithmetic!(Div, div, Div);
arithmetic!(Rem, rem, Rem);
