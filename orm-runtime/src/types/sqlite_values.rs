//! SQLite's storage classes without the SQLite driver, for builds without the `sqlite`
//! feature.
//!
//! [`SqlType::from_value`](crate::types::SqlType::from_value) decodes a [`Value`](crate::types::Value)
//! (a generated key, a restored snapshot) by the same rules as a SQLite column value, so the
//! decoding of every type is written once. Without the driver, the few rusqlite items those
//! rules name (`ValueRef`, `ToSqlOutput`, `ToSql`) come from here, with rusqlite's shapes; the
//! files of `types/` (and `query/insert.rs`) import this module as `rusqlite` under
//! `#[cfg(not(feature = "sqlite"))]`, so their code is the same with or without the driver.
#![allow(missing_docs, unreachable_pub)]

/// A failure to convert a value.
#[derive(Debug)]
pub enum Error {
    /// The value cannot be stored (rusqlite's `ToSqlConversionFailure`).
    ToSqlConversionFailure(Box<dyn std::error::Error + Send + Sync + 'static>),
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::ToSqlConversionFailure(e) => e.fmt(f),
        }
    }
}

/// rusqlite's `Result`.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A value in SQLite's storage classes (rusqlite's `ToSql`).
pub trait ToSql {
    /// The value as SQLite would store it.
    fn to_sql(&self) -> Result<types::ToSqlOutput<'_>>;
}

/// rusqlite's `types` module: the storage classes.
pub mod types {
    /// A borrowed value of one storage class.
    #[derive(Debug, Clone, Copy, PartialEq)]
    pub enum ValueRef<'a> {
        Null,
        Integer(i64),
        Real(f64),
        Text(&'a [u8]),
        Blob(&'a [u8]),
    }

    /// An owned value of one storage class.
    #[derive(Debug, Clone, PartialEq)]
    pub enum Value {
        Null,
        Integer(i64),
        Real(f64),
        Text(String),
        Blob(Vec<u8>),
    }

    impl<'a> From<&'a Value> for ValueRef<'a> {
        fn from(v: &'a Value) -> ValueRef<'a> {
            match v {
                Value::Null => ValueRef::Null,
                Value::Integer(i) => ValueRef::Integer(*i),
                Value::Real(r) => ValueRef::Real(*r),
                Value::Text(t) => ValueRef::Text(t.as_bytes()),
                Value::Blob(b) => ValueRef::Blob(b),
            }
        }
    }

    /// A value to store, borrowed or owned.
    #[derive(Debug, Clone, PartialEq)]
    pub enum ToSqlOutput<'a> {
        Borrowed(ValueRef<'a>),
        Owned(Value),
        /// A BLOB of zeros of this length (as in rusqlite; never produced here).
        ZeroBlob(i32),
    }
}
