//! [`RowRef`]: a borrowed row of either backend, decoded column by column without an
//! intermediate map.

use crate::error::{DecodeError, Result};
use crate::types::SqlType;

/// A row being read, from SQLite or PostgreSQL.
#[derive(Debug, Clone, Copy)]
pub enum RowRef<'a> {
    /// A rusqlite row.
    #[cfg(feature = "sqlite")]
    Sqlite(&'a rusqlite::Row<'a>),
    /// A postgres row.
    #[cfg(feature = "postgres")]
    Postgres(&'a postgres::Row),
}

impl RowRef<'_> {
    /// Decode position `idx` as a `T`.
    pub fn get<T: SqlType>(&self, idx: usize) -> Result<T, DecodeError> {
        match self {
            #[cfg(feature = "sqlite")]
            RowRef::Sqlite(row) => match row.get_ref(idx) {
                Ok(v) => T::from_sqlite(v),
                Err(e) => Err(DecodeError::new(std::any::type_name::<T>(), e)),
            },
            #[cfg(feature = "postgres")]
            RowRef::Postgres(row) => {
                if idx >= row.len() {
                    return Err(DecodeError::new(std::any::type_name::<T>(), format!("no column at position {idx}")));
                }
                T::from_pg(row, idx)
            }
        }
    }

    /// Whether position `idx` holds NULL (false when there is no such position).
    pub fn is_null(&self, idx: usize) -> bool {
        match self {
            #[cfg(feature = "sqlite")]
            RowRef::Sqlite(row) => matches!(row.get_ref(idx), Ok(rusqlite::types::ValueRef::Null)),
            #[cfg(feature = "postgres")]
            RowRef::Postgres(row) => {
                idx < row.len() && matches!(row.try_get::<_, Option<crate::types::sql_type::PgAny>>(idx), Ok(None))
            }
        }
    }

    /// Decode position `idx` of an ad-hoc selection (errors name the position).
    pub fn value<T: SqlType>(&self, idx: usize) -> Result<T> {
        self.get(idx).map_err(|e| e.into_error("query", &format!("#{idx}")))
    }

    /// Position `idx` as an `i64`, whatever the width of the integer column (an `i64`
    /// accepts every narrower integer column).
    pub fn integer(&self, idx: usize) -> Result<i64> {
        self.value::<i64>(idx)
    }

    /// Position `idx` as a [`Value`](crate::types::Value) of the given SQL type (dates, times, UUIDs, JSON and
    /// decimals in their backend-neutral form; see [`Value`](crate::types::Value)).
    pub fn value_of_kind(&self, idx: usize, kind: crate::types::SqlKind) -> Result<crate::types::Value> {
        use crate::types::{neutral, Value};
        if self.is_null(idx) {
            return Ok(Value::Null);
        }
        let decoded = match self {
            #[cfg(feature = "sqlite")]
            RowRef::Sqlite(row) => match row.get_ref(idx) {
                Ok(v) => neutral::from_sqlite(kind, v),
                Err(e) => Err(DecodeError::new("a value", e)),
            },
            #[cfg(feature = "postgres")]
            RowRef::Postgres(row) => neutral::from_pg(kind, row, idx),
        };
        decoded.map_err(|e| e.into_error("query", &format!("#{idx}")))
    }

    /// Number of columns.
    pub fn len(&self) -> usize {
        match self {
            #[cfg(feature = "sqlite")]
            RowRef::Sqlite(row) => row.as_ref().column_count(),
            #[cfg(feature = "postgres")]
            RowRef::Postgres(row) => row.len(),
        }
    }

    /// The names of the row's columns, in order.
    pub fn column_names(&self) -> Vec<String> {
        match self {
            #[cfg(feature = "sqlite")]
            RowRef::Sqlite(row) => {
                let stmt = row.as_ref();
                (0..stmt.column_count()).map(|i| stmt.column_name(i).map(str::to_owned).unwrap_or_default()).collect()
            }
            #[cfg(feature = "postgres")]
            RowRef::Postgres(row) => row.columns().iter().map(|c| c.name().to_owned()).collect(),
        }
    }

    /// Whether the row has no columns.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
