//! Rust types <-> SQL types: the [`SqlType`] trait, its implementations and [`Value`].
//!
//! Beside the built-in types, [`CustomType`] stores a type of your own through one of them,
//! and each optional crate feature adds the types of one crate:
//!
//! | feature | Rust types | PostgreSQL | SQLite |
//! |---|---|---|---|
//! | `chrono` | `NaiveDateTime`, `DateTime<Utc>`, `NaiveDate`, `NaiveTime` | `TIMESTAMP`, `TIMESTAMPTZ`, `DATE`, `TIME` | ISO-8601 `TEXT` |
//! | `time` | `PrimitiveDateTime`, `OffsetDateTime`, `Date`, `Time` | the same | ISO-8601 `TEXT` |
//! | `uuid` | `uuid::Uuid` | `UUID` | 16-byte `BLOB` |
//! | `serde_json` | `serde_json::Value`, `Json<T>` | `JSONB` | `TEXT` |
//! | `rust_decimal` | `rust_decimal::Decimal` | `NUMERIC(p, s)` | `TEXT` |
//!
//! Times are kept to the microsecond (PostgreSQL's precision; finer digits are dropped on
//! both backends). On SQLite, dates and times are text in one fixed layout
//! (`2024-05-06 07:08:09.123456`, `TIMESTAMPTZ` converted to UTC with `+00:00`), so equality
//! and ordering work on them; decimals are text as written, so on SQLite equality compares
//! the text (`12.30` is not `12.3`: keep one scale per column) and ordering is textual.

mod array;
#[cfg(feature = "chrono")]
mod chrono;
mod custom;
#[cfg(feature = "rust_decimal")]
mod decimal;
#[cfg(feature = "serde_json")]
mod json;
pub(crate) mod lent;
pub(crate) mod neutral;
mod row;
pub(crate) mod sql_type;
#[cfg(not(feature = "sqlite"))]
#[doc(hidden)]
pub mod sqlite_values;
mod temporal;
#[cfg(feature = "time")]
mod time;
#[cfg(feature = "uuid")]
mod uuid;
mod value;

pub use crate::error::DecodeError;
pub use array::ArrayValues;
pub use custom::CustomType;
#[cfg(feature = "serde_json")]
pub use json::Json;
pub use row::RowRef;
pub use sql_type::{AutoIncrement, Numeric, SqlKind, SqlType, Text, VersionCounter};
pub use value::{Param, Value};
