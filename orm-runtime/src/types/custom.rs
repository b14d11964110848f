//! [`CustomType`]: a type of your own stored through an existing column type (SQLAlchemy's
//! `TypeDecorator`).

use crate::error::DecodeError;
#[cfg(not(feature = "sqlite"))]
use crate::types::sqlite_values as rusqlite;
use crate::types::{SqlKind, SqlType, Value};

/// A Rust type stored through an existing column type, converted on the way in and out.
///
/// Implementing it makes the type a [`SqlType`] (through a blanket implementation), so it can
/// be a model field, `Option<T>` of it a nullable one, and a value in filters and inserts. The
/// column has the SQL type of [`Stored`](CustomType::Stored).
///
/// Decoding may fail: [`from_stored`](CustomType::from_stored) returns the reason, which
/// becomes the `found` part of [`Error::Decode`](crate::Error::Decode) ("cannot decode
/// `users.email`: expected EmailAddress, found ..."); a stored value of the wrong SQL type is
/// reported the same way, with what the database held.
///
/// ```
/// use orm_runtime::types::{CustomType, SqlType, Value};
///
/// /// An amount of money in cents, stored as a BIGINT.
/// #[derive(Debug, Clone, Copy, PartialEq)]
/// struct Money(i64);
///
/// impl CustomType for Money {
///     type Stored = i64;
///     fn to_stored(&self) -> i64 {
///         self.0
///     }
///     fn from_stored(cents: i64) -> Result<Self, String> {
///         Ok(Money(cents))
///     }
/// }
///
/// /// An e-mail address, checked when it is read back.
/// #[derive(Debug, Clone, PartialEq)]
/// struct EmailAddress(String);
///
/// impl CustomType for EmailAddress {
///     type Stored = String;
///     fn to_stored(&self) -> String {
///         self.0.clone()
///     }
///     fn from_stored(text: String) -> Result<Self, String> {
///         if text.contains('@') {
///             Ok(EmailAddress(text))
///         } else {
///             Err(format!("{text:?}, which has no '@'"))
///         }
///     }
///     fn type_name() -> &'static str {
///         "EmailAddress"
///     }
/// }
///
/// assert_eq!(Money(1250).to_value(), Value::I64(1250));
/// assert_eq!(Money::from_value(&Value::I64(99)), Ok(Money(99)));
/// assert_eq!(<Option<Money>>::from_value(&Value::Null), Ok(None));
///
/// let err = EmailAddress::from_value(&Value::Text("nobody".into())).unwrap_err();
/// assert_eq!((err.expected, err.found.as_str()), ("EmailAddress", r#""nobody", which has no '@'"#));
/// let err = EmailAddress::from_value(&Value::I64(7)).unwrap_err();
/// assert_eq!(err.found, "INTEGER 7");
/// ```
///
/// As a model field, see the "Column types" section of the `orm` crate.
///
/// A type that needs more control (its own decoding of each backend's values) implements
/// [`SqlType`] itself instead; the two do not conflict:
///
/// ```
/// use orm_runtime::types::{DecodeError, SqlKind, SqlType, Value};
///
/// #[derive(Debug, Clone, PartialEq)]
/// struct Flag(bool);
///
/// impl SqlType for Flag {
///     const KIND: SqlKind = SqlKind::Boolean;
///     type Base = Flag;
///     fn to_value(&self) -> Value {
///         Value::Bool(self.0)
///     }
///     fn from_sqlite(v: rusqlite::types::ValueRef<'_>) -> Result<Self, DecodeError> {
///         bool::from_sqlite(v).map(Flag)
///     }
///     fn from_pg(row: &postgres::Row, idx: usize) -> Result<Self, DecodeError> {
///         bool::from_pg(row, idx).map(Flag)
///     }
/// }
///
/// assert_eq!(Flag::from_value(&Value::Bool(true)), Ok(Flag(true)));
/// ```
pub trait CustomType: Clone + PartialEq + Send + Sync + 'static {
    /// The column type it is stored as (not an `Option`: `Option<Self>` is the nullable
    /// column).
    type Stored: SqlType<Base = Self::Stored>;

    /// The value to store.
    fn to_stored(&self) -> Self::Stored;

    /// Convert a stored value back, or say why it cannot be: the message describes what was
    /// found (`"nobody", which has no '@'`).
    fn from_stored(stored: Self::Stored) -> Result<Self, String>;

    /// The name decode errors give this type; by default its full path
    /// ([`std::any::type_name`]).
    fn type_name() -> &'static str {
        std::any::type_name::<Self>()
    }
}

fn decode<T: CustomType>(stored: Result<T::Stored, DecodeError>) -> Result<T, DecodeError> {
    let stored = stored.map_err(|e| DecodeError::new(T::type_name(), e.found))?;
    T::from_stored(stored).map_err(|found| DecodeError::new(T::type_name(), found))
}

#[diagnostic::do_not_recommend]
impl<T: CustomType> SqlType for T {
    const KIND: SqlKind = <T::Stored as SqlType>::KIND;
    type Base = T;
    fn to_value(&self) -> Value {
        self.to_stored().to_value()
    }
    fn from_sqlite(value: rusqlite::types::ValueRef<'_>) -> Result<Self, DecodeError> {
        decode(T::Stored::from_sqlite(value))
    }
    fn from_value(value: &Value) -> Result<Self, DecodeError> {
        decode(T::Stored::from_value(value))
    }
    #[cfg(feature = "postgres")]
    fn from_pg(row: &postgres::Row, idx: usize) -> Result<Self, DecodeError> {
        decode(T::Stored::from_pg(row, idx))
    }
}
