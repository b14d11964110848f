//! Typed expressions over an untyped AST ([`Node`]), and the rest of the dialect-neutral AST
//! the dialect renders: the statement structs, selections and row locks (public through
//! `query`).
//!
//! Every typed expression carries two type parameters: the Rust type of its value and the
//! set of models it reads from (its *sources*). A query only accepts expressions whose
//! sources all appear in its FROM clause ([`AppearsIn`]).

mod alias;
mod case;
mod column;
mod functions;
#[cfg(feature = "serde_json")]
mod json;
pub(crate) mod lock;
mod node;
mod operators;
mod ordering;
pub(crate) mod selection;
mod sources;
pub(crate) mod statement;
mod typed;
pub(crate) use typed::escape_like;
mod window;

pub use alias::{alias, Alias, AliasColumn};
pub use case::{case, Case, CaseStart, CaseValue};
pub use column::Column;
pub use functions::{value, CurrentTime, FuncArg, FuncArgs};
#[cfg(feature = "serde_json")]
pub use json::{JsonDocument, JsonExpression};
pub use node::{
    BinOp, Builtin, BuiltinSql, Frame, FrameBound, FrameUnits, FuncName, Node, SqlPart, TableRef, TextMatchAt,
    WindowSpec,
};
pub use ordering::{Direction, IntoOrdering, Nulls, Ordering};
pub use sources::{
    AppearsIn, ComputedBeforeWindows, Correlated, Here, InBase, InLeft, InOuter, InOuterRight, InRight, InWindow,
    Joined, NoRows, Outer, OuterJoinedRowMayBeMissing, Row, RowIn, RowPair, RowsIn, Scope, WindowResult,
};
pub use typed::{AsExpr, AssignValue, Expr, Expression, InOperand, Labeled};
pub use window::{window, Window, WindowExpr, WindowFunction};

/// SQL functions, written as SQLAlchemy's `func.count(User.id)` is: `func::count(User::id)`.
///
/// Aggregates (`count`, `count_all`, `count_distinct`, `sum`, `avg`, `min`, `max`,
/// `string_agg`), scalar functions (`length`, `lower`, `upper`, `trim`, `ltrim`, `rtrim`,
/// `replace`, `substr`, `position`, `coalesce`, `nullif`, `current_timestamp`), window
/// functions (`row_number`, `rank`, `dense_rank`, `lag`, `lead`, used with
/// [`over`](WindowFunction::over)) and any other function by name
/// ([`call`](func::call)`::<T, _>("name", (args,))`). Each returns a typed expression that
/// carries the models it reads, checked against the query it is used in like a column.
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
/// # fn main() -> orm::Result<()> {
/// # let engine = Engine::connect("sqlite::memory:")?;
/// # engine.create_all(&[User::table()])?;
/// # let users = [("Ada", 36), ("Bob", 20)].map(|(name, age)| User { id: 0, name: name.into(), age });
/// # insert::<User>().values_many(&users).execute(&engine)?;
/// let (n, oldest): (i64, Option<i32>) = select((func::count(User::id), func::max(User::age))).one(&engine)?;
/// assert_eq!((n, oldest), (2, Some(36)));
/// let abs: i32 = select(func::call::<i32, _>("abs", (User::age,))).from::<User>().limit(1).one(&engine)?;
/// assert_eq!(abs, 36);
/// # Ok(())
/// # }
/// ```
pub mod func {
    pub use super::functions::{
        avg, call, coalesce, count, count_all, count_distinct, current_timestamp, length, lower, ltrim, max, min,
        nullif, position, replace, rtrim, string_agg, substr, sum, trim, upper,
    };
    pub use super::window::{dense_rank, lag, lead, rank, row_number};
}
