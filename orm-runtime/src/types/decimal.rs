//! `rust_decimal::Decimal` as a column type (feature `rust_decimal`): `NUMERIC(p, s)` on
//! PostgreSQL (read with `rust_decimal`'s own `postgres` support), decimal `TEXT` on SQLite,
//! scale kept on both (`12.30` reads back as `12.30`).
//!
//! A decimal is bound as [`Value::Decimal`] text, which PostgreSQL parses exactly. On SQLite,
//! SQL arithmetic and `SUM` on such a column go through floating point (SQLite has no decimal
//! type), so results are read back from `REAL` as well.

use std::str::FromStr;

#[cfg(not(feature = "sqlite"))]
use crate::types::sqlite_values as rusqlite;
use ::rust_decimal::Decimal;
use rusqlite::types::ValueRef;

use crate::error::DecodeError;
#[cfg(feature = "postgres")]
use crate::types::sql_type::pg_decode;
use crate::types::sql_type::sqlite_found;
use crate::types::{Numeric, SqlKind, SqlType, Value};

impl SqlType for Decimal {
    const KIND: SqlKind = SqlKind::Numeric;
    type Base = Decimal;
    fn to_value(&self) -> Value {
        Value::Decimal(self.to_string())
    }
    fn from_sqlite(v: ValueRef<'_>) -> Result<Self, DecodeError> {
        match v {
            ValueRef::Text(t) => std::str::from_utf8(t)
                .ok()
                .and_then(|s| Decimal::from_str(s).or_else(|_| Decimal::from_scientific(s)).ok())
                .ok_or_else(|| DecodeError::new("Decimal", format!("TEXT {:?}", String::from_utf8_lossy(t)))),
            ValueRef::Integer(i) => Ok(Decimal::from(i)),
            ValueRef::Real(r) => {
                Decimal::try_from(r).map_err(|_| DecodeError::new("Decimal", format!("REAL {r} (out of range)")))
            }
            other => Err(DecodeError::new("Decimal", sqlite_found(other))),
        }
    }
    #[cfg(feature = "postgres")]
    fn from_pg(row: &postgres::Row, idx: usize) -> Result<Self, DecodeError> {
        pg_decode::<Decimal>(row, idx, "Decimal")
    }
}

impl crate::types::sql_type::DecimalColumn for Decimal {}
impl crate::types::sql_type::DecimalColumn for Option<Decimal> {}

impl Numeric for Decimal {
    type Sum = Decimal;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scale_is_kept() {
        let d = Decimal::from_str("-12.30").unwrap();
        assert_eq!(d.to_value(), Value::Decimal("-12.30".into()));
        let back = Decimal::from_value(&d.to_value()).unwrap();
        assert_eq!(back.to_string(), "-12.30");
        assert_eq!(Decimal::from_value(&Value::I64(3)), Ok(Decimal::from(3)));
        assert_eq!(Decimal::from_value(&Value::Text("abc".into())).unwrap_err().found, r#"TEXT "abc""#);
    }
}
