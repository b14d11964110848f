//! [`Error`]: what a migration step can fail with.

/// A failure of a migration step: the database's own (as [`orm_runtime::Error`]), or one
/// found before or after the statements ran.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The database refused a statement, or could not be reached.
    #[error(transparent)]
    Database(#[from] orm_runtime::Error),
    /// An operation names a table the database does not have.
    #[error("{operation}: table `{table}` does not exist")]
    NoSuchTable {
        /// The operation.
        operation: &'static str,
        /// The table.
        table: String,
    },
    /// An operation cannot be carried out as given.
    #[error("{operation} on `{table}`: {reason}")]
    Invalid {
        /// The operation.
        operation: &'static str,
        /// The table.
        table: String,
        /// Why.
        reason: String,
    },
    /// After a SQLite table rebuild, rows break a foreign key (the transaction is rolled back).
    #[error(
        "rows of `{table}` reference missing rows of `{referred_table}` after the migration (first rowid {rowid})"
    )]
    ForeignKeyCheck {
        /// The table holding the rows.
        table: String,
        /// The table they reference.
        referred_table: String,
        /// The first offending row's rowid.
        rowid: i64,
    },
}

/// The result of a migration step.
pub type Result<T> = std::result::Result<T, Error>;
