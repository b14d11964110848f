//! `uuid::Uuid` as a column type (feature `uuid`): `UUID` on PostgreSQL, a 16-byte `BLOB` on
//! SQLite (text in any of the usual forms is read as well).

#[cfg(not(feature = "sqlite"))]
use crate::types::sqlite_values as rusqlite;
use ::uuid::Uuid;
use rusqlite::types::ValueRef;

use crate::error::DecodeError;
#[cfg(feature = "postgres")]
use crate::types::sql_type::pg_decode;
use crate::types::sql_type::sqlite_found;
use crate::types::{SqlKind, SqlType, Value};

impl SqlType for Uuid {
    const KIND: SqlKind = SqlKind::Uuid;
    type Base = Uuid;
    fn to_value(&self) -> Value {
        Value::Uuid(*self.as_bytes())
    }
    fn from_sqlite(v: ValueRef<'_>) -> Result<Self, DecodeError> {
        match v {
            ValueRef::Blob(b) => {
                Uuid::from_slice(b).map_err(|_| DecodeError::new("Uuid", format!("BLOB of {} bytes", b.len())))
            }
            ValueRef::Text(t) => std::str::from_utf8(t)
                .ok()
                .and_then(|s| Uuid::try_parse(s).ok())
                .ok_or_else(|| DecodeError::new("Uuid", format!("TEXT {:?}", String::from_utf8_lossy(t)))),
            other => Err(DecodeError::new("Uuid", sqlite_found(other))),
        }
    }
    #[cfg(feature = "postgres")]
    fn from_pg(row: &postgres::Row, idx: usize) -> Result<Self, DecodeError> {
        pg_decode::<Uuid>(row, idx, "Uuid")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn value_round_trip() {
        let u = Uuid::from_u128(0x67e5_5044_10b1_426f_9247_bb68_0e5f_e0c8);
        assert_eq!(Uuid::from_value(&u.to_value()), Ok(u));
        assert_eq!(crate::types::value::format_uuid(u.as_bytes()), u.hyphenated().to_string());
        assert_eq!(crate::types::value::parse_uuid(&u.simple().to_string()), Some(*u.as_bytes()));
        assert_eq!(Uuid::from_value(&Value::Text(u.to_string())), Ok(u));
        assert_eq!(Uuid::from_value(&Value::Blob(vec![1, 2])).unwrap_err().found, "BLOB of 2 bytes");
    }
}
