//! Decoding a column into a [`Value`] by its [`SqlKind`] alone, with no Rust type in view
//! (keys read back by the runtime itself). Works without any of the optional features.

#[cfg(feature = "postgres")]
use std::error::Error as StdError;

#[cfg(feature = "postgres")]
use postgres::types::{FromSql, Type};
#[cfg(feature = "sqlite")]
use rusqlite::types::ValueRef;

use crate::error::DecodeError;
#[cfg(feature = "postgres")]
use crate::types::sql_type::pg_decode;
#[cfg(feature = "sqlite")]
use crate::types::sql_type::sqlite_found;
#[cfg(feature = "sqlite")]
use crate::types::value::parse_uuid;
use crate::types::{temporal, SqlKind, SqlType, Value};

#[cfg(feature = "postgres")]
type BoxError = Box<dyn StdError + Sync + Send>;

/// A non-NULL SQLite value as a [`Value`] of `kind`.
#[cfg(feature = "sqlite")]
pub(crate) fn from_sqlite(kind: SqlKind, v: ValueRef<'_>) -> Result<Value, DecodeError> {
    let text = |expected: &'static str| match v {
        ValueRef::Text(t) => {
            std::str::from_utf8(t).map_err(|_| DecodeError::new(expected, "TEXT that is not valid UTF-8"))
        }
        other => Err(DecodeError::new(expected, sqlite_found(other))),
    };
    let parsed = |expected: &'static str, parse: fn(&str) -> Option<Value>| {
        let t = text(expected)?;
        parse(t).ok_or_else(|| DecodeError::new(expected, format!("TEXT {t:?}")))
    };
    Ok(match kind {
        SqlKind::SmallInt => Value::I16(SqlType::from_sqlite(v)?),
        SqlKind::Integer => Value::I32(SqlType::from_sqlite(v)?),
        SqlKind::BigInt => Value::I64(SqlType::from_sqlite(v)?),
        SqlKind::Real => Value::F32(SqlType::from_sqlite(v)?),
        SqlKind::Double => Value::F64(SqlType::from_sqlite(v)?),
        SqlKind::Boolean => Value::Bool(SqlType::from_sqlite(v)?),
        SqlKind::Text => Value::Text(SqlType::from_sqlite(v)?),
        SqlKind::Blob => Value::Blob(SqlType::from_sqlite(v)?),
        SqlKind::Json => Value::Json(text("JSON")?.to_owned()),
        SqlKind::Uuid => match v {
            ValueRef::Blob(b) => {
                Value::Uuid(b.try_into().map_err(|_| DecodeError::new("UUID", format!("BLOB of {} bytes", b.len())))?)
            }
            _ => parsed("UUID", |t| parse_uuid(t).map(Value::Uuid))?,
        },
        SqlKind::Timestamp => parsed("timestamp", |t| temporal::parse_timestamp(t).map(Value::Timestamp))?,
        SqlKind::TimestampTz => parsed("timestamptz", |t| temporal::parse_timestamptz(t).map(Value::TimestampTz))?,
        SqlKind::Date => parsed("date", |t| temporal::parse_date(t).map(Value::Date))?,
        SqlKind::Time => parsed("time", |t| temporal::parse_time(t).map(Value::Time))?,
        SqlKind::Numeric => match v {
            ValueRef::Integer(i) => Value::Decimal(i.to_string()),
            ValueRef::Real(r) => Value::Decimal(r.to_string()),
            _ => Value::Decimal(text("decimal")?.to_owned()),
        },
    })
}

/// A non-NULL PostgreSQL column as a [`Value`] of `kind`.
#[cfg(feature = "postgres")]
pub(crate) fn from_pg(kind: SqlKind, row: &postgres::Row, idx: usize) -> Result<Value, DecodeError> {
    Ok(match kind {
        SqlKind::SmallInt => Value::I16(SqlType::from_pg(row, idx)?),
        SqlKind::Integer => Value::I32(SqlType::from_pg(row, idx)?),
        SqlKind::BigInt => Value::I64(SqlType::from_pg(row, idx)?),
        SqlKind::Real => Value::F32(SqlType::from_pg(row, idx)?),
        SqlKind::Double => Value::F64(SqlType::from_pg(row, idx)?),
        SqlKind::Boolean => Value::Bool(SqlType::from_pg(row, idx)?),
        SqlKind::Text => Value::Text(SqlType::from_pg(row, idx)?),
        SqlKind::Blob => Value::Blob(SqlType::from_pg(row, idx)?),
        SqlKind::Json => Value::Json(pg_decode::<PgJsonText>(row, idx, "JSON")?.0),
        SqlKind::Uuid => Value::Uuid(pg_decode::<PgUuid>(row, idx, "UUID")?.0),
        SqlKind::Timestamp => Value::Timestamp(pg_decode::<PgTimestamp>(row, idx, "timestamp")?.0),
        SqlKind::TimestampTz => Value::TimestampTz(pg_decode::<PgTimestampTz>(row, idx, "timestamptz")?.0),
        SqlKind::Date => Value::Date(pg_decode::<PgDate>(row, idx, "date")?.0),
        SqlKind::Time => Value::Time(pg_decode::<PgTime>(row, idx, "time")?.0),
        SqlKind::Numeric => Value::Decimal(pg_decode::<PgNumericText>(row, idx, "decimal")?.0),
    })
}

/// JSON text of a `json` or `jsonb` column.
#[cfg(feature = "postgres")]
struct PgJsonText(String);

#[cfg(feature = "postgres")]
impl<'a> FromSql<'a> for PgJsonText {
    fn from_sql(ty: &Type, raw: &'a [u8]) -> Result<Self, BoxError> {
        let raw = match *ty {
            Type::JSONB => match raw.split_first() {
                Some((1, rest)) => rest,
                _ => return Err("unsupported jsonb version".into()),
            },
            _ => raw,
        };
        Ok(PgJsonText(std::str::from_utf8(raw)?.to_owned()))
    }
    fn accepts(ty: &Type) -> bool {
        matches!(*ty, Type::JSON | Type::JSONB)
    }
}

#[cfg(feature = "postgres")]
struct PgUuid([u8; 16]);

#[cfg(feature = "postgres")]
impl<'a> FromSql<'a> for PgUuid {
    fn from_sql(_: &Type, raw: &'a [u8]) -> Result<Self, BoxError> {
        postgres_protocol::types::uuid_from_sql(raw).map(PgUuid)
    }
    fn accepts(ty: &Type) -> bool {
        *ty == Type::UUID
    }
}

/// Microseconds since the Unix epoch of PostgreSQL's count since 2000-01-01 (`infinity` is
/// out of range).
#[cfg(feature = "postgres")]
fn unix_micros(raw: &[u8]) -> Result<i64, BoxError> {
    let pg = postgres_protocol::types::timestamp_from_sql(raw)?;
    pg.checked_add(temporal::PG_EPOCH_MICROS).ok_or_else(|| "timestamp out of range (infinity?)".into())
}

#[cfg(feature = "postgres")]
struct PgTimestamp(i64);

#[cfg(feature = "postgres")]
impl<'a> FromSql<'a> for PgTimestamp {
    fn from_sql(_: &Type, raw: &'a [u8]) -> Result<Self, BoxError> {
        unix_micros(raw).map(PgTimestamp)
    }
    fn accepts(ty: &Type) -> bool {
        *ty == Type::TIMESTAMP
    }
}

#[cfg(feature = "postgres")]
struct PgTimestampTz(i64);

#[cfg(feature = "postgres")]
impl<'a> FromSql<'a> for PgTimestampTz {
    fn from_sql(_: &Type, raw: &'a [u8]) -> Result<Self, BoxError> {
        unix_micros(raw).map(PgTimestampTz)
    }
    fn accepts(ty: &Type) -> bool {
        *ty == Type::TIMESTAMPTZ
    }
}

#[cfg(feature = "postgres")]
struct PgDate(i32);

#[cfg(feature = "postgres")]
impl<'a> FromSql<'a> for PgDate {
    fn from_sql(_: &Type, raw: &'a [u8]) -> Result<Self, BoxError> {
        let pg = postgres_protocol::types::date_from_sql(raw)?;
        pg.checked_add(temporal::PG_EPOCH_DAYS).map(PgDate).ok_or_else(|| "date out of range (infinity?)".into())
    }
    fn accepts(ty: &Type) -> bool {
        *ty == Type::DATE
    }
}

#[cfg(feature = "postgres")]
struct PgTime(i64);

#[cfg(feature = "postgres")]
impl<'a> FromSql<'a> for PgTime {
    fn from_sql(_: &Type, raw: &'a [u8]) -> Result<Self, BoxError> {
        postgres_protocol::types::time_from_sql(raw).map(PgTime)
    }
    fn accepts(ty: &Type) -> bool {
        *ty == Type::TIME
    }
}

/// Decimal text of a `numeric` column, all of its digits and its scale kept.
#[cfg(feature = "postgres")]
struct PgNumericText(String);

#[cfg(feature = "postgres")]
impl<'a> FromSql<'a> for PgNumericText {
    fn from_sql(_: &Type, raw: &'a [u8]) -> Result<Self, BoxError> {
        numeric_text(raw).map(PgNumericText)
    }
    fn accepts(ty: &Type) -> bool {
        *ty == Type::NUMERIC
    }
}

/// The binary `numeric` format: `ndigits`, `weight`, `sign`, `dscale` (16 bits each), then
/// `ndigits` base-10000 digits, the first one worth `10000^weight`.
#[cfg(feature = "postgres")]
fn numeric_text(raw: &[u8]) -> Result<String, BoxError> {
    let word = |i: usize| -> Result<u16, BoxError> {
        raw.get(2 * i..2 * i + 2)
            .map(|b| u16::from_be_bytes([b[0], b[1]]))
            .ok_or_else(|| "truncated numeric value".into())
    };
    let ndigits = usize::from(word(0)?);
    let weight = i64::from(word(1)?.cast_signed());
    let sign = word(2)?;
    let dscale = i64::from(word(3)?);
    match sign {
        0x0000 | 0x4000 => {}
        0xC000 => return Ok("NaN".into()),
        0xD000 => return Ok("Infinity".into()),
        0xF000 => return Ok("-Infinity".into()),
        other => return Err(format!("invalid numeric sign {other:#x}").into()),
    }
    let digits = (0..ndigits).map(|i| word(4 + i)).collect::<Result<Vec<u16>, _>>()?;
    if digits.iter().any(|&d| d > 9999) {
        return Err("invalid numeric digit".into());
    }
    // The base-10000 digit worth 10000^(weight - i), zero outside the stored ones.
    let digit = |i: i64| usize::try_from(i).ok().and_then(|i| digits.get(i)).copied().unwrap_or(0);
    let mut out = String::new();
    if sign == 0x4000 {
        out.push('-');
    }
    if weight < 0 {
        out.push('0');
    } else {
        out.push_str(&digit(0).to_string());
        for i in 1..=weight {
            out.push_str(&format!("{:04}", digit(i)));
        }
    }
    if dscale > 0 {
        out.push('.');
        let mut fraction = String::new();
        let mut i = weight + 1;
        while i64::try_from(fraction.len()).unwrap_or(i64::MAX) < dscale {
            fraction.push_str(&format!("{:04}", digit(i)));
            i += 1;
        }
        fraction.truncate(usize::try_from(dscale).unwrap_or(0));
        out.push_str(&fraction);
    }
    Ok(out)
}

#[cfg(all(test, feature = "postgres"))]
mod tests {
    use super::numeric_text;

    fn raw(ndigits: u16, weight: i16, sign: u16, dscale: u16, digits: &[u16]) -> Vec<u8> {
        let mut v = Vec::new();
        for w in [ndigits, weight.cast_unsigned(), sign, dscale].iter().chain(digits) {
            v.extend_from_slice(&w.to_be_bytes());
        }
        v
    }

    #[test]
    fn numeric_binary_to_text() {
        assert_eq!(numeric_text(&raw(2, 0, 0, 2, &[12, 3000])).unwrap(), "12.30");
        assert_eq!(numeric_text(&raw(0, 0, 0, 0, &[])).unwrap(), "0");
        assert_eq!(numeric_text(&raw(0, 0, 0, 3, &[])).unwrap(), "0.000");
        assert_eq!(numeric_text(&raw(1, -2, 0x4000, 6, &[1200])).unwrap(), "-0.000012");
        assert_eq!(numeric_text(&raw(2, 1, 0, 0, &[1, 2])).unwrap(), "10002");
        assert_eq!(numeric_text(&raw(1, 2, 0, 1, &[5])).unwrap(), "500000000.0");
        assert_eq!(numeric_text(&raw(0, 0, 0xC000, 0, &[])).unwrap(), "NaN");
        assert!(numeric_text(&[0, 1]).is_err());
    }
}
