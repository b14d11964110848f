//! The row decoders fed arbitrary input: `SqlType::from_sqlite` over SQLite dynamic values
//! (arbitrary bytes as TEXT and BLOB, integers, reals), `SqlType::from_value` over arbitrary
//! `Value`s, and the PostgreSQL binary decoders (`FromSql`) of the column types the ORM maps,
//! fed arbitrary bytes. Must hold: a value or a typed error, never a panic
//! (RUSTSEC-2026-0111 / -0178 class).
#![no_main]

use arbitrary::{Arbitrary, Unstructured};
use libfuzzer_sys::fuzz_target;
use orm::types::Json;
use orm::{SqlType, Value};
use postgres_types::{FromSql, Type};
use rusqlite::types::ValueRef;

#[derive(Debug, Arbitrary)]
enum Dynamic {
    Null,
    Integer(i64),
    Real(f64),
    Text(Vec<u8>),
    Blob(Vec<u8>),
}

#[derive(Debug, Arbitrary)]
enum AnyValue {
    Null,
    Bool(bool),
    I16(i16),
    I32(i32),
    I64(i64),
    F32(f32),
    F64(f64),
    Text(String),
    Blob(Vec<u8>),
    Json(String),
    Uuid([u8; 16]),
    Timestamp(i64),
    TimestampTz(i64),
    Date(i32),
    Time(i64),
    Decimal(String),
}

impl AnyValue {
    fn into_value(self) -> Value {
        match self {
            AnyValue::Null => Value::Null,
            AnyValue::Bool(v) => Value::Bool(v),
            AnyValue::I16(v) => Value::I16(v),
            AnyValue::I32(v) => Value::I32(v),
            AnyValue::I64(v) => Value::I64(v),
            AnyValue::F32(v) => Value::F32(v),
            AnyValue::F64(v) => Value::F64(v),
            AnyValue::Text(v) => Value::Text(v),
            AnyValue::Blob(v) => Value::Blob(v),
            AnyValue::Json(v) => Value::Json(v),
            AnyValue::Uuid(v) => Value::Uuid(v),
            AnyValue::Timestamp(v) => Value::Timestamp(v),
            AnyValue::TimestampTz(v) => Value::TimestampTz(v),
            AnyValue::Date(v) => Value::Date(v),
            AnyValue::Time(v) => Value::Time(v),
            AnyValue::Decimal(v) => Value::Decimal(v),
        }
    }
}

/// Decode through every mapped type; results are dropped, panics are the finding.
macro_rules! decode_all {
    ($f:ident, $v:expr) => {{
        let _ = <i16 as SqlType>::$f($v);
        let _ = <i32 as SqlType>::$f($v);
        let _ = <i64 as SqlType>::$f($v);
        let _ = <f32 as SqlType>::$f($v);
        let _ = <f64 as SqlType>::$f($v);
        let _ = <bool as SqlType>::$f($v);
        let _ = <String as SqlType>::$f($v);
        let _ = <Vec<u8> as SqlType>::$f($v);
        let _ = <Option<String> as SqlType>::$f($v);
        let _ = <Option<i64> as SqlType>::$f($v);
        let _ = <chrono::NaiveDateTime as SqlType>::$f($v);
        let _ = <chrono::DateTime<chrono::Utc> as SqlType>::$f($v);
        let _ = <chrono::NaiveDate as SqlType>::$f($v);
        let _ = <chrono::NaiveTime as SqlType>::$f($v);
        let _ = <time::PrimitiveDateTime as SqlType>::$f($v);
        let _ = <time::OffsetDateTime as SqlType>::$f($v);
        let _ = <time::Date as SqlType>::$f($v);
        let _ = <time::Time as SqlType>::$f($v);
        let _ = <uuid::Uuid as SqlType>::$f($v);
        let _ = <rust_decimal::Decimal as SqlType>::$f($v);
        let _ = <serde_json::Value as SqlType>::$f($v);
        let _ = <Json<std::collections::BTreeMap<String, i32>> as SqlType>::$f($v);
        let _ = <Json<Vec<Option<f64>>> as SqlType>::$f($v);
    }};
}

fn pg_binary(ty: &Type, raw: &[u8]) {
    let _ = <i16 as FromSql>::from_sql(ty, raw);
    let _ = <i32 as FromSql>::from_sql(ty, raw);
    let _ = <i64 as FromSql>::from_sql(ty, raw);
    let _ = <f64 as FromSql>::from_sql(ty, raw);
    let _ = <bool as FromSql>::from_sql(ty, raw);
    let _ = <String as FromSql>::from_sql(ty, raw);
    let _ = <Vec<u8> as FromSql>::from_sql(ty, raw);
    if decimal_binary() {
        let _ = <rust_decimal::Decimal as FromSql>::from_sql(ty, raw);
    }
}

/// rust_decimal's binary NUMERIC decoder panics on some malformed input (see fuzz/README.md);
/// it is fuzzed only with `ORM_FUZZ_DECIMAL_BINARY=1`, so that the other decoders get fuzzed.
fn decimal_binary() -> bool {
    static ON: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *ON.get_or_init(|| std::env::var("ORM_FUZZ_DECIMAL_BINARY").is_ok_and(|v| v == "1"))
}

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    if let Ok(d) = Dynamic::arbitrary(&mut u) {
        let v = match &d {
            Dynamic::Null => ValueRef::Null,
            Dynamic::Integer(i) => ValueRef::Integer(*i),
            Dynamic::Real(f) => ValueRef::Real(*f),
            Dynamic::Text(t) => ValueRef::Text(t),
            Dynamic::Blob(b) => ValueRef::Blob(b),
        };
        decode_all!(from_sqlite, v);
        if let ValueRef::Text(t) = v {
            // Invalid UTF-8 in TEXT is a typed error, never a String holding it.
            if std::str::from_utf8(t).is_err() {
                assert!(<String as SqlType>::from_sqlite(v).is_err());
            }
        }
    }
    if let Ok(v) = AnyValue::arbitrary(&mut u) {
        let v = v.into_value();
        decode_all!(from_value, &v);
    }
    if let Ok(raw) = <&[u8]>::arbitrary(&mut u) {
        for ty in [Type::INT2, Type::INT4, Type::INT8, Type::FLOAT8, Type::BOOL, Type::TEXT, Type::BYTEA, Type::NUMERIC]
        {
            pg_binary(&ty, raw);
        }
    }
});
