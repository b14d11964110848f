//! Rust types <-> SQL types: the [`SqlType`] trait, its implementations and [`Value`].

pub(crate) mod sql_type;
mod value;

pub use sql_type::{AutoIncrement, Numeric, SqlKind, SqlType, Text};
pub use value::{Param, Value};
