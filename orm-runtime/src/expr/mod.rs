//! Typed expressions over an untyped AST ([`Node`]).
//!
//! Every typed expression carries two type parameters: the Rust type of its value and the
//! set of models it reads from (its *sources*). A query only accepts expressions whose
//! sources all appear in its FROM clause ([`AppearsIn`]).

mod alias;
mod column;
mod functions;
mod node;
mod operators;
mod ordering;
mod sources;
mod typed;

pub use alias::{alias, Alias, AliasColumn};
pub use column::Column;
pub use functions::{
    avg, coalesce, count, count_all, count_distinct, func, length, lower, max, min, sum, upper, FuncArg, FuncArgs,
};
pub use node::{BinOp, FuncName, Node, TableRef};
pub use ordering::{Direction, IntoOrdering, Nulls, Ordering};
pub use sources::{AppearsIn, Here, InBase, InLeft, InRight, Joined};
pub use typed::{AsExpr, AssignValue, Expr, Expression, Labeled};
