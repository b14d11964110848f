//! Compile-time assertions called by code that `#[derive(Model)]` generates. Each is spanned
//! at the user's own token, so a failed bound points at the field or path at fault.

use crate::expr::Column;
use crate::types::{AutoIncrement, References, SqlType, Text};

/// The field type can be stored in a column.
pub fn assert_sql_type<T: SqlType>() {}

/// The field type can be an auto-increment key.
pub fn assert_auto_increment<T: AutoIncrement>() {}

/// The field type is text (for `max_length`).
pub fn assert_text<T: Text>() {}

/// A foreign key field of type `F` may reference `target`.
pub fn assert_foreign_key<F: References<T>, M, T>(target: Column<M, T>) -> Column<M, T> {
    target
}
