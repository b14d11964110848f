//! [`BindParam`]: what a connection binds to a placeholder, on either driver.

#[cfg(not(feature = "sqlite"))]
use crate::types::sqlite_values as rusqlite;
use crate::types::Value;

/// A bind parameter of either backend: [`Value`] or a borrowed [`Param`](crate::types::Param).
#[cfg(feature = "postgres")]
pub trait BindParam: rusqlite::ToSql + postgres::types::ToSql + Sync {
    /// An owned copy, for hooks.
    fn to_value(&self) -> Value;
    /// The text of a text parameter, borrowed (`None` for other kinds).
    fn as_text(&self) -> Option<&str> {
        None
    }
}

/// A bind parameter of either backend: [`Value`] or a borrowed [`Param`](crate::types::Param).
#[cfg(not(feature = "postgres"))]
pub trait BindParam: rusqlite::ToSql + Sync {
    /// An owned copy, for hooks.
    fn to_value(&self) -> Value;
    /// The text of a text parameter, borrowed (`None` for other kinds).
    fn as_text(&self) -> Option<&str> {
        None
    }
}

impl BindParam for Value {
    fn to_value(&self) -> Value {
        self.clone()
    }
    fn as_text(&self) -> Option<&str> {
        match self {
            Value::Text(t) => Some(t),
            _ => None,
        }
    }
}

impl BindParam for crate::types::lent::Lent<'_> {
    fn to_value(&self) -> Value {
        self.param().to_value()
    }
}

impl BindParam for crate::types::Param<'_> {
    fn to_value(&self) -> Value {
        crate::types::Param::to_value(self)
    }
    fn as_text(&self) -> Option<&str> {
        match self {
            crate::types::Param::Text(t) => Some(t),
            crate::types::Param::Value(Value::Text(t)) => Some(t),
            _ => None,
        }
    }
}
