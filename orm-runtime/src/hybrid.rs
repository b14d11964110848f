//! Hybrid properties: one expression, declared once on the model
//! (`#[orm(hybrid(full_name: String = first_name + " " + last_name))]`), that the derive
//! turns into both a Rust method computing the value from an object (through [`value`]) and a
//! typed SQL expression over the model's columns (through [`sql`]).
//!
//! Both interpretations are built from the same operations, so they agree by construction:
//! `+` adds numbers and concatenates text, `- * / %` are arithmetic, `== != < <= > >=`
//! compare, `&& || !` combine booleans, `.lower()` / `.upper()` / `.len()` / `.concat(x)`
//! work on text and `coalesce(a, b)` replaces a `None` / NULL. The differences that remain
//! are the databases' own: `lower`/`upper` of non-ASCII text on SQLite (ASCII only there),
//! and comparisons with NULL (false in Rust, unknown in SQL — both exclude a row in a filter).

use crate::expr::{BinOp, Expr, Expression, Node};
use crate::types::{Numeric, SqlType, Text};

/// Types that `+` combines: numbers add, text concatenates (`||` in SQL).
#[diagnostic::on_unimplemented(
    message = "`+` in a hybrid expression needs numbers or text, found `{Self}`",
    label = "cannot add `{Self}` values"
)]
pub trait HybridAdd: SqlType + Sized {
    /// The SQL operator.
    const SQL_OP: BinOp;
    /// The Rust operation.
    fn add(self, rhs: Self) -> Self;
}

impl HybridAdd for String {
    const SQL_OP: BinOp = BinOp::Concat;
    fn add(mut self, rhs: Self) -> Self {
        self.push_str(&rhs);
        self
    }
}

macro_rules! numeric_add {
    ($($t:ty),*) => {$(
        impl HybridAdd for $t {
            const SQL_OP: BinOp = BinOp::Add;
            fn add(self, rhs: Self) -> Self {
                self + rhs
            }
        }
    )*};
}
numeric_add!(i16, i32, i64, f32, f64);

/// A literal of a hybrid expression that stands for a value of type `T` (`"text"` for a
/// `String`, a number for a number).
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot stand for a `{T}` in a hybrid expression",
    label = "expected a `{T}` literal"
)]
pub trait IntoLit<T> {
    /// The value.
    fn into_lit(self) -> T;
}

impl<T: SqlType<Base = T>> IntoLit<T> for T {
    fn into_lit(self) -> T {
        self
    }
}

impl IntoLit<String> for &str {
    fn into_lit(self) -> String {
        self.to_owned()
    }
}

/// The declared type of a hybrid is the type its expression computes.
#[diagnostic::on_unimplemented(
    message = "this hybrid is declared as `{T}` but its expression computes `{Self}`",
    label = "declared here",
    note = "change the declared type, or the expression (e.g. `coalesce(field, default)` turns an `Option<T>` into a `T`)"
)]
pub trait HybridType<T> {
    /// The value as its declared type.
    fn into_declared(self) -> T;
}

impl<T> HybridType<T> for T {
    fn into_declared(self) -> T {
        self
    }
}

/// The Rust interpretation: operations on values.
pub mod value {
    use super::*;

    /// A field's value.
    pub fn field<T: Clone>(v: &T) -> T {
        v.clone()
    }
    /// A literal.
    pub fn lit<T, V: IntoLit<T>>(v: V) -> T {
        v.into_lit()
    }
    /// `a + b`.
    pub fn add<T: HybridAdd>(a: T, b: T) -> T {
        a.add(b)
    }
    /// `a.concat(b)`.
    pub fn concat(a: String, b: String) -> String {
        a.add(b)
    }
    /// Binary operations on values: `name, bound, operator, result`.
    macro_rules! value_ops {
        ($($(#[$doc:meta])* $name:ident, $bound:path, $op:tt, $out:ty;)*) => {$(
            $(#[$doc])*
            pub fn $name<T: $bound>(a: T, b: T) -> $out {
                a $op b
            }
        )*};
    }

    value_ops! {
        /// `a - b`.
        sub, ArithSub, -, T;
        /// `a * b`.
        mul, ArithMul, *, T;
        /// `a / b` (integer division truncates, as in SQL).
        div, ArithDiv, /, T;
        /// `a % b`.
        rem, ArithRem, %, T;
        /// `a == b`.
        eq, PartialEq, ==, bool;
        /// `a != b`.
        ne, PartialEq, !=, bool;
        /// `a < b`.
        lt, PartialOrd, <, bool;
        /// `a <= b`.
        le, PartialOrd, <=, bool;
        /// `a > b`.
        gt, PartialOrd, >, bool;
        /// `a >= b`.
        ge, PartialOrd, >=, bool;
    }

    /// Numbers `-` applies to.
    pub trait ArithSub: Numeric + std::ops::Sub<Output = Self> {}
    impl<T: Numeric + std::ops::Sub<Output = T>> ArithSub for T {}
    /// Numbers `*` applies to.
    pub trait ArithMul: Numeric + std::ops::Mul<Output = Self> {}
    impl<T: Numeric + std::ops::Mul<Output = T>> ArithMul for T {}
    /// Numbers `/` applies to.
    pub trait ArithDiv: Numeric + std::ops::Div<Output = Self> {}
    impl<T: Numeric + std::ops::Div<Output = T>> ArithDiv for T {}
    /// Numbers `%` applies to.
    pub trait ArithRem: Numeric + std::ops::Rem<Output = Self> {}
    impl<T: Numeric + std::ops::Rem<Output = T>> ArithRem for T {}

    /// `a && b`.
    pub fn and(a: bool, b: bool) -> bool {
        a && b
    }
    /// `a || b`.
    pub fn or(a: bool, b: bool) -> bool {
        a || b
    }
    /// `!a`.
    pub fn not(a: bool) -> bool {
        !a
    }
    /// `a.lower()`.
    pub fn lower(a: String) -> String {
        a.to_lowercase()
    }
    /// `a.upper()`.
    pub fn upper(a: String) -> String {
        a.to_uppercase()
    }
    /// `a.len()`: length in characters, as SQL's `LENGTH`.
    pub fn len(a: String) -> i32 {
        i32::try_from(a.chars().count()).unwrap_or(i32::MAX)
    }
    /// `coalesce(a, b)`.
    pub fn coalesce<T>(a: Option<T>, b: T) -> T {
        a.unwrap_or(b)
    }
    /// The result, checked against the declared type.
    pub fn finish<T, V: HybridType<T>>(v: V) -> T {
        v.into_declared()
    }
}

/// The SQL interpretation: expressions over the columns of model `M`.
pub mod sql {
    use super::*;
    use crate::expr::Column;

    fn bin<T, U, M>(op: BinOp, a: Expr<U, M>, b: Expr<U, M>) -> Expr<T, M> {
        Expr::from_node(Node::binary(op, a.node, b.node))
    }

    /// A column.
    pub fn field<M, T: SqlType>(c: Column<M, T>) -> Expr<T, M> {
        Expr::from_node(c.into_node())
    }
    /// A literal (bound, never inlined).
    pub fn lit<M, T: SqlType, V: IntoLit<T>>(v: V) -> Expr<T, M> {
        Expr::from_node(Node::Value(v.into_lit().to_value()))
    }
    /// `a + b`.
    pub fn add<M, T: HybridAdd>(a: Expr<T, M>, b: Expr<T, M>) -> Expr<T, M> {
        bin(T::SQL_OP, a, b)
    }
    /// `a || b`.
    pub fn concat<M>(a: Expr<String, M>, b: Expr<String, M>) -> Expr<String, M> {
        bin(BinOp::Concat, a, b)
    }
    /// Binary operators over expressions: `name, bound, operator, result`.
    macro_rules! sql_ops {
        ($($(#[$doc:meta])* $name:ident, $bound:path, $op:ident, $out:ty;)*) => {$(
            $(#[$doc])*
            pub fn $name<M, T: $bound>(a: Expr<T, M>, b: Expr<T, M>) -> Expr<$out, M> {
                bin(BinOp::$op, a, b)
            }
        )*};
    }

    sql_ops! {
        /// `a - b`.
        sub, Numeric, Sub, T;
        /// `a * b`.
        mul, Numeric, Mul, T;
        /// `a / b`.
        div, Numeric, Div, T;
        /// `a % b`.
        rem, Numeric, Rem, T;
        /// `a = b`.
        eq, PartialEq, Eq, bool;
        /// `a <> b`.
        ne, PartialEq, Ne, bool;
        /// `a < b`.
        lt, PartialOrd, Lt, bool;
        /// `a <= b`.
        le, PartialOrd, Le, bool;
        /// `a > b`.
        gt, PartialOrd, Gt, bool;
        /// `a >= b`.
        ge, PartialOrd, Ge, bool;
    }

    /// `a AND b`.
    pub fn and<M>(a: Expr<bool, M>, b: Expr<bool, M>) -> Expr<bool, M> {
        bin(BinOp::And, a, b)
    }
    /// `a OR b`.
    pub fn or<M>(a: Expr<bool, M>, b: Expr<bool, M>) -> Expr<bool, M> {
        bin(BinOp::Or, a, b)
    }
    /// `NOT a`.
    pub fn not<M>(a: Expr<bool, M>) -> Expr<bool, M> {
        Expr::from_node(Node::Not(Box::new(a.node)))
    }
    /// `LOWER(a)`.
    pub fn lower<M, T: Text>(a: Expr<T, M>) -> Expr<T, M> {
        Expr::from_node(crate::expr::func::lower(a).node)
    }
    /// `UPPER(a)`.
    pub fn upper<M, T: Text>(a: Expr<T, M>) -> Expr<T, M> {
        Expr::from_node(crate::expr::func::upper(a).node)
    }
    /// `LENGTH(a)`.
    pub fn len<M, T: Text>(a: Expr<T, M>) -> Expr<i32, M> {
        Expr::from_node(crate::expr::func::length(a).node)
    }
    /// `COALESCE(a, b)`.
    pub fn coalesce<M, T: SqlType<Base = T>>(a: Expr<Option<T>, M>, b: Expr<T, M>) -> Expr<T, M> {
        Expr::from_node(crate::expr::func::coalesce(a, b).node)
    }
    /// The result as its declared type. The declared type is checked once, by the Rust
    /// side ([`value::finish`]); both sides are built from the same operations, so they
    /// compute the same type.
    pub fn finish<M, T, V>(e: Expr<V, M>) -> Expr<T, M> {
        Expr::from_node(e.node)
    }
}
