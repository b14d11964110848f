//! [`Value`]: a bound parameter, owned, in a backend-neutral form.
//!
//! Each variant is bound in the form its SQL kind has on the backend: on SQLite dates and
//! times become ISO-8601 text (see `temporal.rs`), a UUID a 16-byte BLOB, JSON and decimals
//! text; on PostgreSQL each goes out in the binary format of the parameter's type (`JSONB`,
//! `UUID`, `TIMESTAMP`, ...), except decimals, which are sent as text (see
//! [`Value::Decimal`]).

#[cfg(feature = "postgres")]
use std::error::Error as StdError;

#[cfg(feature = "postgres")]
use postgres::types::{Format, IsNull, Type};

#[cfg(not(feature = "sqlite"))]
use crate::types::sqlite_values as rusqlite;
use crate::types::temporal;

/// A value bound to a statement parameter. Values never appear in SQL text.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Value {
    /// SQL NULL.
    Null,
    /// A boolean.
    Bool(bool),
    /// A 16-bit integer.
    I16(i16),
    /// A 32-bit integer.
    I32(i32),
    /// A 64-bit integer.
    I64(i64),
    /// A 32-bit float.
    F32(f32),
    /// A 64-bit float.
    F64(f64),
    /// Text.
    Text(String),
    /// Bytes.
    Blob(Vec<u8>),
    /// A JSON document, as JSON text (`JSONB` on PostgreSQL, `TEXT` on SQLite).
    Json(String),
    /// A UUID, as its 16 bytes (`UUID` on PostgreSQL, a 16-byte `BLOB` on SQLite).
    Uuid([u8; 16]),
    /// A date and time without time zone: microseconds since 1970-01-01 00:00:00.
    Timestamp(i64),
    /// An instant: microseconds since 1970-01-01 00:00:00 UTC.
    TimestampTz(i64),
    /// A date: days since 1970-01-01.
    Date(i32),
    /// A time of day: microseconds since midnight.
    Time(i64),
    /// An exact decimal number as decimal text (`-12.30`), scale kept.
    ///
    /// Bound to a PostgreSQL `NUMERIC` parameter in the *text* format, which the server parses
    /// exactly at any precision (the binary format would have to be rebuilt digit group by
    /// digit group); stored as `TEXT` on SQLite, whose `NUMERIC` affinity would turn it into
    /// a float.
    Decimal(String),
    /// A value its type could not encode (a `Json<T>` whose `Serialize` failed): binding it
    /// fails with this message instead of writing something else.
    Unencodable(String),
    /// A one-dimensional array of values of one kind, none NULL: a PostgreSQL array
    /// parameter. The renderer sends a key list this way (`"t"."id" = ANY($1)`, one
    /// parameter however long the list); SQLite has no arrays and refuses to bind one.
    Array(Box<crate::types::ArrayValues>),
}

impl Value {
    /// The value as an `i64`, for integers.
    pub fn as_i64(&self) -> Option<i64> {
        match *self {
            Value::I16(v) => Some(i64::from(v)),
            Value::I32(v) => Some(i64::from(v)),
            Value::I64(v) => Some(v),
            _ => None,
        }
    }

    /// A short name of the variant, for messages.
    pub fn kind_name(&self) -> &'static str {
        match self {
            Value::Null => "NULL",
            Value::Bool(_) => "bool",
            Value::I16(_) => "i16",
            Value::I32(_) => "i32",
            Value::I64(_) => "i64",
            Value::F32(_) => "f32",
            Value::F64(_) => "f64",
            Value::Text(_) => "text",
            Value::Blob(_) => "blob",
            Value::Json(_) => "json",
            Value::Uuid(_) => "uuid",
            Value::Timestamp(_) => "timestamp",
            Value::TimestampTz(_) => "timestamptz",
            Value::Date(_) => "date",
            Value::Time(_) => "time",
            Value::Decimal(_) => "decimal",
            Value::Unencodable(_) => "unencodable",
            Value::Array(_) => "array",
        }
    }
}

impl rusqlite::ToSql for Value {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, Value as Owned, ValueRef};
        Ok(ToSqlOutput::Borrowed(match self {
            Value::Null => ValueRef::Null,
            Value::Bool(b) => ValueRef::Integer(i64::from(*b)),
            Value::I16(v) => ValueRef::Integer(i64::from(*v)),
            Value::I32(v) => ValueRef::Integer(i64::from(*v)),
            Value::I64(v) => ValueRef::Integer(*v),
            Value::F32(v) => ValueRef::Real(f64::from(*v)),
            Value::F64(v) => ValueRef::Real(*v),
            Value::Text(s) | Value::Json(s) | Value::Decimal(s) => ValueRef::Text(s.as_bytes()),
            Value::Blob(b) => ValueRef::Blob(b),
            Value::Uuid(b) => ValueRef::Blob(b),
            Value::Timestamp(v) => return Ok(ToSqlOutput::Owned(Owned::Text(temporal::format_timestamp(*v)))),
            Value::TimestampTz(v) => return Ok(ToSqlOutput::Owned(Owned::Text(temporal::format_timestamptz(*v)))),
            Value::Date(v) => return Ok(ToSqlOutput::Owned(Owned::Text(temporal::format_date(*v)))),
            Value::Time(v) => return Ok(ToSqlOutput::Owned(Owned::Text(temporal::format_time(*v)))),
            Value::Unencodable(msg) => {
                return Err(rusqlite::Error::ToSqlConversionFailure(msg.clone().into()));
            }
            Value::Array(_) => {
                return Err(rusqlite::Error::ToSqlConversionFailure("SQLite has no array parameters".into()));
            }
        }))
    }
}

#[cfg(feature = "postgres")]
type BoxError = Box<dyn StdError + Sync + Send>;

#[cfg(feature = "postgres")]
fn int_to_pg(v: i64, ty: &Type, out: &mut postgres::types::private::BytesMut) -> Result<IsNull, BoxError> {
    use postgres::types::ToSql;
    match *ty {
        Type::INT2 => i16::try_from(v)?.to_sql(ty, out),
        Type::INT4 => i32::try_from(v)?.to_sql(ty, out),
        Type::INT8 => v.to_sql(ty, out),
        // Float parameters given an integer: exact up to 2^53, which covers real use.
        #[allow(clippy::cast_precision_loss)]
        Type::FLOAT8 => (v as f64).to_sql(ty, out),
        #[allow(clippy::cast_precision_loss)]
        Type::FLOAT4 => (v as f32).to_sql(ty, out),
        Type::TEXT | Type::VARCHAR | Type::UNKNOWN => v.to_string().to_sql(&Type::TEXT, out),
        _ => Err(format!("cannot bind an integer to a parameter of type {ty}").into()),
    }
}

#[cfg(feature = "postgres")]
fn is_text(ty: &Type) -> bool {
    matches!(*ty, Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::UNKNOWN)
}

#[cfg(feature = "postgres")]
fn mismatch(what: &str, ty: &Type) -> BoxError {
    format!("cannot bind {what} to a parameter of type {ty}").into()
}

/// A one-dimensional array parameter of `ty`'s element type, each element bound as a
/// parameter of that type.
#[cfg(feature = "postgres")]
fn array_to_pg(
    items: &crate::types::ArrayValues,
    ty: &Type,
    out: &mut postgres::types::private::BytesMut,
) -> Result<IsNull, BoxError> {
    use crate::types::ArrayValues as A;
    use postgres::types::{Kind, ToSql};
    use postgres_protocol::types as wire;
    let Kind::Array(member) = ty.kind() else { return Err(mismatch("an array", ty)) };
    let dimension = wire::ArrayDimension { len: i32::try_from(items.len())?, lower_bound: 1 };
    let wire_null = |n: IsNull| match n {
        IsNull::No => postgres_protocol::IsNull::No,
        IsNull::Yes => postgres_protocol::IsNull::Yes,
    };
    // Each element through the scalar encoder of its kind (ranges and formats checked there).
    macro_rules! encode {
        ($items:expr, |$x:ident| $element:expr) => {
            wire::array_to_sql(
                Some(dimension),
                member.oid(),
                $items.iter(),
                |$x, out| Ok(wire_null($element.to_sql(member, out)?)),
                out,
            )?
        };
    }
    match items {
        A::Bool(v) => encode!(v, |x| x),
        A::I16(v) => encode!(v, |x| Value::I16(*x)),
        A::I32(v) => encode!(v, |x| Value::I32(*x)),
        A::I64(v) => encode!(v, |x| Value::I64(*x)),
        A::F32(v) => encode!(v, |x| Value::F32(*x)),
        A::F64(v) => encode!(v, |x| Value::F64(*x)),
        A::Text(v) => encode!(v, |x| x.as_str()),
        A::Blob(v) => encode!(v, |x| x.as_slice()),
        A::Uuid(v) => encode!(v, |x| Value::Uuid(*x)),
        A::Timestamp(v) => encode!(v, |x| Value::Timestamp(*x)),
        A::TimestampTz(v) => encode!(v, |x| Value::TimestampTz(*x)),
        A::Date(v) => encode!(v, |x| Value::Date(*x)),
        A::Time(v) => encode!(v, |x| Value::Time(*x)),
    }
    Ok(IsNull::No)
}

/// Bind as text: the value's text form for a text parameter.
#[cfg(feature = "postgres")]
fn text_to_pg(text: &str, out: &mut postgres::types::private::BytesMut) -> Result<IsNull, BoxError> {
    postgres_protocol::types::text_to_sql(text, out);
    Ok(IsNull::No)
}

/// Microseconds since the Unix epoch -> since PostgreSQL's.
#[cfg(feature = "postgres")]
fn pg_micros(v: i64) -> Result<i64, BoxError> {
    v.checked_sub(temporal::PG_EPOCH_MICROS).ok_or_else(|| "timestamp out of PostgreSQL's range".into())
}

#[cfg(feature = "postgres")]
impl postgres::types::ToSql for Value {
    fn to_sql(&self, ty: &Type, out: &mut postgres::types::private::BytesMut) -> Result<IsNull, BoxError> {
        use postgres_protocol::types as wire;
        match self {
            Value::Null => Ok(IsNull::Yes),
            Value::Bool(b) => b.to_sql(ty, out),
            Value::I16(v) => int_to_pg(i64::from(*v), ty, out),
            Value::I32(v) => int_to_pg(i64::from(*v), ty, out),
            Value::I64(v) => int_to_pg(*v, ty, out),
            Value::F32(v) => match *ty {
                Type::FLOAT8 => f64::from(*v).to_sql(ty, out),
                _ => v.to_sql(ty, out),
            },
            Value::F64(v) => match *ty {
                #[allow(clippy::cast_possible_truncation)]
                Type::FLOAT4 => (*v as f32).to_sql(ty, out),
                _ => v.to_sql(ty, out),
            },
            Value::Text(s) => s.as_str().to_sql(ty, out),
            Value::Blob(b) => b.as_slice().to_sql(ty, out),
            Value::Json(s) => match *ty {
                // jsonb's binary format: a version byte (1), then the JSON text.
                Type::JSONB => {
                    out.extend_from_slice(&[1]);
                    text_to_pg(s, out)
                }
                Type::JSON => text_to_pg(s, out),
                _ if is_text(ty) => text_to_pg(s, out),
                _ => Err(mismatch("JSON", ty)),
            },
            Value::Uuid(b) => match *ty {
                Type::UUID => {
                    wire::uuid_to_sql(*b, out);
                    Ok(IsNull::No)
                }
                _ if is_text(ty) => text_to_pg(&format_uuid(b), out),
                _ => Err(mismatch("a UUID", ty)),
            },
            Value::Timestamp(v) => match *ty {
                Type::TIMESTAMP => {
                    wire::timestamp_to_sql(pg_micros(*v)?, out);
                    Ok(IsNull::No)
                }
                _ if is_text(ty) => text_to_pg(&temporal::format_timestamp(*v), out),
                _ => Err(mismatch("a timestamp without time zone", ty)),
            },
            Value::TimestampTz(v) => match *ty {
                Type::TIMESTAMPTZ => {
                    wire::timestamp_to_sql(pg_micros(*v)?, out);
                    Ok(IsNull::No)
                }
                _ if is_text(ty) => text_to_pg(&temporal::format_timestamptz(*v), out),
                _ => Err(mismatch("a timestamp with time zone", ty)),
            },
            Value::Date(v) => match *ty {
                Type::DATE => {
                    let days = v.checked_sub(temporal::PG_EPOCH_DAYS).ok_or("date out of PostgreSQL's range")?;
                    wire::date_to_sql(days, out);
                    Ok(IsNull::No)
                }
                _ if is_text(ty) => text_to_pg(&temporal::format_date(*v), out),
                _ => Err(mismatch("a date", ty)),
            },
            Value::Time(v) => match *ty {
                Type::TIME => {
                    wire::time_to_sql(*v, out);
                    Ok(IsNull::No)
                }
                _ if is_text(ty) => text_to_pg(&temporal::format_time(*v), out),
                _ => Err(mismatch("a time", ty)),
            },
            // Sent in the text format (see `encode_format`) for NUMERIC parameters.
            Value::Decimal(s) if *ty == Type::NUMERIC || is_text(ty) => text_to_pg(s, out),
            Value::Decimal(_) => Err(mismatch("a decimal", ty)),
            Value::Unencodable(msg) => Err(msg.clone().into()),
            Value::Array(items) => array_to_pg(items, ty, out),
        }
    }

    fn accepts(_ty: &Type) -> bool {
        true
    }

    fn encode_format(&self, ty: &Type) -> Format {
        match self {
            Value::Decimal(_) if *ty == Type::NUMERIC => Format::Text,
            _ => Format::Binary,
        }
    }

    postgres::types::to_sql_checked!();
}

/// The hyphenated lowercase form of a UUID (`67e55044-10b1-426f-9247-bb680e5fe0c8`).
#[cfg(feature = "postgres")]
pub(crate) fn format_uuid(b: &[u8; 16]) -> String {
    use std::fmt::Write;
    let mut out = String::with_capacity(36);
    for (i, byte) in b.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            out.push('-');
        }
        // Writing to a String cannot fail.
        let _ = write!(out, "{byte:02x}");
    }
    out
}

/// The 16 bytes of a UUID written as 32 hex digits, hyphens anywhere, braces or not.
#[cfg(feature = "sqlite")]
pub(crate) fn parse_uuid(text: &str) -> Option<[u8; 16]> {
    let text = text.strip_prefix('{').and_then(|t| t.strip_suffix('}')).unwrap_or(text);
    let mut out = [0u8; 16];
    let mut nibbles = text.bytes().filter(|&c| c != b'-');
    for byte in &mut out {
        let hi = char::from(nibbles.next()?).to_digit(16)?;
        let lo = char::from(nibbles.next()?).to_digit(16)?;
        *byte = u8::try_from(hi * 16 + lo).ok()?;
    }
    nibbles.next().is_none().then_some(out)
}

/// A parameter borrowed from the value being written (no copy of text or bytes), or owned
/// when the type could not lend one.
#[derive(Debug, Clone, PartialEq)]
pub enum Param<'a> {
    /// Borrowed text.
    Text(&'a str),
    /// Borrowed bytes.
    Blob(&'a [u8]),
    /// Any value, owned.
    Value(Value),
}

impl Param<'_> {
    /// An owned copy (for hooks and logs).
    pub fn to_value(&self) -> Value {
        match self {
            Param::Text(s) => Value::Text((*s).to_owned()),
            Param::Blob(b) => Value::Blob(b.to_vec()),
            Param::Value(v) => v.clone(),
        }
    }

    /// Length in characters, for text.
    pub(crate) fn char_len(&self) -> Option<usize> {
        match self {
            Param::Text(s) => Some(s.chars().count()),
            Param::Value(Value::Text(s)) => Some(s.chars().count()),
            _ => None,
        }
    }
}

impl rusqlite::ToSql for Param<'_> {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, ValueRef};
        match self {
            Param::Text(s) => Ok(ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes()))),
            Param::Blob(b) => Ok(ToSqlOutput::Borrowed(ValueRef::Blob(b))),
            Param::Value(v) => v.to_sql(),
        }
    }
}

#[cfg(feature = "postgres")]
impl postgres::types::ToSql for Param<'_> {
    fn to_sql(&self, ty: &Type, out: &mut postgres::types::private::BytesMut) -> Result<IsNull, BoxError> {
        match self {
            Param::Text(s) => s.to_sql(ty, out),
            Param::Blob(b) => b.to_sql(ty, out),
            Param::Value(v) => v.to_sql(ty, out),
        }
    }

    fn accepts(_ty: &Type) -> bool {
        true
    }

    fn encode_format(&self, ty: &Type) -> Format {
        match self {
            Param::Value(v) => v.encode_format(ty),
            Param::Text(_) | Param::Blob(_) => Format::Binary,
        }
    }

    postgres::types::to_sql_checked!();
}
