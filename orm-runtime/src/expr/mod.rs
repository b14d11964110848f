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
pub use functions::{
    avg, coalesce, count, count_all, count_distinct, current_timestamp, func, length, lower, ltrim, max, min, nullif,
    position, replace, rtrim, string_agg, substr, sum, trim, upper, value, CurrentTime, FuncArg, FuncArgs,
};
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
pub use window::{dense_rank, lag, lead, rank, row_number, window, Window, WindowExpr, WindowFunction};
