//! [`Value`]: a bound parameter, owned, in a backend-neutral form.

use std::error::Error as StdError;

use postgres::types::{IsNull, Type};

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
        }
    }
}

impl rusqlite::ToSql for Value {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, ValueRef};
        Ok(ToSqlOutput::Borrowed(match self {
            Value::Null => ValueRef::Null,
            Value::Bool(b) => ValueRef::Integer(i64::from(*b)),
            Value::I16(v) => ValueRef::Integer(i64::from(*v)),
            Value::I32(v) => ValueRef::Integer(i64::from(*v)),
            Value::I64(v) => ValueRef::Integer(*v),
            Value::F32(v) => ValueRef::Real(f64::from(*v)),
            Value::F64(v) => ValueRef::Real(*v),
            Value::Text(s) => ValueRef::Text(s.as_bytes()),
            Value::Blob(b) => ValueRef::Blob(b),
        }))
    }
}

type BoxError = Box<dyn StdError + Sync + Send>;

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

impl postgres::types::ToSql for Value {
    fn to_sql(&self, ty: &Type, out: &mut postgres::types::private::BytesMut) -> Result<IsNull, BoxError> {
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
        }
    }

    fn accepts(_ty: &Type) -> bool {
        true
    }

    postgres::types::to_sql_checked!();
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

    postgres::types::to_sql_checked!();
}
