//! JSON column types (feature `serde_json`): `serde_json::Value` and [`Json<T>`] for any
//! serde type; `JSONB` on PostgreSQL, `TEXT` on SQLite.
//!
//! On PostgreSQL, equality compares documents (`jsonb` semantics: key order and spacing do
//! not matter); on SQLite it compares the text, which is the same for equal values written
//! by the ORM (`serde_json` writes object keys in a fixed order).

#[cfg(not(feature = "sqlite"))]
use crate::types::sqlite_values as rusqlite;
use rusqlite::types::ValueRef;
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::error::DecodeError;
#[cfg(feature = "postgres")]
use crate::types::sql_type::pg_decode;
use crate::types::sql_type::sqlite_found;
use crate::types::{SqlKind, SqlType, Value};

/// Parse SQLite JSON text into `T`; errors name `expected` and say what did not parse.
fn from_sqlite_text<T: DeserializeOwned>(v: ValueRef<'_>, expected: &'static str) -> Result<T, DecodeError> {
    match v {
        ValueRef::Text(t) => {
            serde_json::from_slice(t).map_err(|e| DecodeError::new(expected, format!("TEXT that does not parse ({e})")))
        }
        other => Err(DecodeError::new(expected, sqlite_found(other))),
    }
}

impl SqlType for serde_json::Value {
    const KIND: SqlKind = SqlKind::Json;
    type Base = serde_json::Value;
    fn to_value(&self) -> Value {
        Value::Json(self.to_string())
    }
    fn from_sqlite(v: ValueRef<'_>) -> Result<Self, DecodeError> {
        from_sqlite_text(v, "serde_json::Value")
    }
    #[cfg(feature = "postgres")]
    fn from_pg(row: &postgres::Row, idx: usize) -> Result<Self, DecodeError> {
        pg_decode::<serde_json::Value>(row, idx, "serde_json::Value")
    }
}

/// A value stored as a JSON document (`JSONB` on PostgreSQL, `TEXT` on SQLite), through its
/// `serde` implementations.
///
/// ```
/// use std::collections::BTreeMap;
///
/// use orm_runtime::types::{Json, SqlType, Value};
///
/// let sizes = Json(BTreeMap::from([("body".to_string(), 14u8), ("title".to_string(), 20)]));
/// assert_eq!(sizes.to_value(), Value::Json(r#"{"body":14,"title":20}"#.into()));
/// assert_eq!(Json::<BTreeMap<String, u8>>::from_value(&sizes.to_value()), Ok(sizes));
///
/// // A document of another shape is a decode error that says what did not fit.
/// let err = Json::<Vec<u8>>::from_value(&Value::Json(r#"["a"]"#.into())).unwrap_err();
/// assert!(err.found.contains(r#"invalid type: string "a", expected u8"#), "{}", err.found);
/// ```
///
/// In a model, any `T: Serialize + DeserializeOwned + Clone + PartialEq` (usually a struct
/// deriving them) works the same way.
///
/// A value whose `Serialize` fails (a map with non-string keys) cannot be written: the
/// statement fails with serde's message (see [`Value::Unencodable`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Json<T>(pub T);

impl<T> std::ops::Deref for Json<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T> std::ops::DerefMut for Json<T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.0
    }
}

impl<T> From<T> for Json<T> {
    fn from(value: T) -> Self {
        Json(value)
    }
}

impl<T> SqlType for Json<T>
where
    T: Serialize + DeserializeOwned + Clone + PartialEq + Send + Sync + 'static,
{
    const KIND: SqlKind = SqlKind::Json;
    type Base = Json<T>;
    fn to_value(&self) -> Value {
        match serde_json::to_string(&self.0) {
            Ok(text) => Value::Json(text),
            Err(e) => Value::Unencodable(format!("cannot encode {} as JSON: {e}", std::any::type_name::<T>())),
        }
    }
    fn from_sqlite(v: ValueRef<'_>) -> Result<Self, DecodeError> {
        from_sqlite_text(v, std::any::type_name::<Self>()).map(Json)
    }
    #[cfg(feature = "postgres")]
    fn from_pg(row: &postgres::Row, idx: usize) -> Result<Self, DecodeError> {
        pg_decode::<postgres::types::Json<T>>(row, idx, std::any::type_name::<Self>()).map(|j| Json(j.0))
    }
}
