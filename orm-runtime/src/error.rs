//! The one error type of the ORM, with messages a user can act on.

use std::fmt;

/// Result alias used throughout the ORM.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong, typed so that callers can match on the cause.
///
/// Constraint violations are mapped from both backends into the same variants and name the
/// table and the column(s) involved, as far as the database reports them.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A query that must return a row returned none.
    #[error("no row found in `{table}`")]
    NotFound {
        /// Table (or statement) queried.
        table: String,
    },
    /// A query that must return at most one row returned more.
    #[error("expected at most one row from `{table}`, found more")]
    MultipleRows {
        /// Table (or statement) queried.
        table: String,
    },
    /// A UNIQUE or PRIMARY KEY constraint was violated.
    #[error("unique constraint violated on `{table}` ({}): {message}", columns.join(", "))]
    UniqueViolation {
        /// Table whose constraint failed.
        table: String,
        /// Columns of the constraint, when known.
        columns: Vec<String>,
        /// The database's own message.
        message: String,
    },
    /// A FOREIGN KEY constraint was violated.
    #[error("foreign key constraint violated on `{table}` ({}): {message}", columns.join(", "))]
    ForeignKeyViolation {
        /// Table whose constraint failed.
        table: String,
        /// Foreign key columns, when known.
        columns: Vec<String>,
        /// The database's own message.
        message: String,
    },
    /// A NOT NULL constraint was violated.
    #[error("column `{table}.{column}` may not be NULL")]
    NotNullViolation {
        /// Table of the column.
        table: String,
        /// The column that received NULL.
        column: String,
    },
    /// A CHECK constraint was violated.
    #[error("check constraint `{constraint}` violated on `{table}`")]
    CheckViolation {
        /// Table of the constraint.
        table: String,
        /// Constraint name (or expression, as the database reports it).
        constraint: String,
    },
    /// A string is longer than its column's `max_length` (checked before anything is sent).
    #[error("value for `{table}.{column}` is {actual} characters long, the column allows {max}")]
    ValueTooLong {
        /// Table of the column.
        table: String,
        /// The column.
        column: String,
        /// Declared maximum length in characters.
        max: u32,
        /// Length of the value given.
        actual: usize,
    },
    /// A value read from the database does not fit the Rust field it is decoded into.
    #[error("cannot decode `{table}.{column}`: expected {expected}, found {found}")]
    Decode {
        /// Table (or `query` for ad-hoc selections).
        table: String,
        /// Column name or position.
        column: String,
        /// The Rust type expected.
        expected: String,
        /// What the database returned.
        found: String,
    },
    /// No connection could be checked out of the pool in time.
    #[error("timed out waiting for a pooled connection: {message}")]
    PoolTimeout {
        /// r2d2's message, including the last connection error if any.
        message: String,
    },
    /// The connection to the database was lost; the connection has been discarded.
    #[error("connection lost: {message}")]
    ConnectionLost {
        /// The driver's message.
        message: String,
    },
    /// The session's transaction failed earlier and must be rolled back before more work.
    #[error("this session's transaction was rolled back after an error ({original}); call `rollback()` before using the session again")]
    PendingRollback {
        /// The error that caused the rollback.
        original: Box<Error>,
    },
    /// A statement would need more bind parameters than the database accepts.
    #[error("statement needs {count} bind parameters, {dialect} accepts at most {limit}")]
    TooManyParameters {
        /// Parameters the statement needs.
        count: usize,
        /// The dialect's limit.
        limit: usize,
        /// Dialect name.
        dialect: &'static str,
    },
    /// An identifier (table, column, function or label name) is not acceptable.
    #[error("invalid identifier {name:?}: {reason}")]
    InvalidIdentifier {
        /// The identifier as given.
        name: String,
        /// Why it was refused.
        reason: &'static str,
    },
    /// The dialect cannot express a requested feature.
    #[error("{feature} is not supported by {dialect}")]
    Unsupported {
        /// The feature.
        feature: &'static str,
        /// Dialect name.
        dialect: &'static str,
    },
    /// A database URL could not be understood.
    #[error("invalid database URL {url:?}: {reason}")]
    InvalidUrl {
        /// The URL (password removed).
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A flush expected to change one row by its key and changed none: the row was deleted
    /// or its key changed behind the session's back.
    #[error("expected to {action} one row of `{table}` with key {key}, matched {matched}")]
    StaleData {
        /// Table of the row.
        table: String,
        /// "update" or "delete".
        action: &'static str,
        /// The key, as debug text.
        key: String,
        /// Rows matched.
        matched: u64,
    },
    /// A relationship was read before it was loaded.
    #[error("the {relationship} relationship to `{model}` is not loaded; load it with `session.load(...)` or a loader option such as `selectinload(...)`")]
    NotLoaded {
        /// The related model.
        model: &'static str,
        /// "has-many" or "belongs-to".
        relationship: &'static str,
    },
    /// A validator (`#[orm(validate = ...)]`) refused a value; nothing was written.
    #[error("invalid `{model}{}`: {message}", field.as_deref().map(|f| format!(".{f}")).unwrap_or_default())]
    Validation {
        /// The model (Rust type name).
        model: String,
        /// The field whose value was refused; `None` for a whole-object validator.
        field: Option<String>,
        /// The validator's message.
        message: String,
    },
    /// An operation is not valid for the object's current state.
    #[error("invalid object state: {0}")]
    InvalidState(String),
    /// The database is locked by another writer (SQLite `SQLITE_BUSY`).
    #[error("database is busy: {message}")]
    Busy {
        /// The driver's message.
        message: String,
    },
    /// Any other error reported by the database.
    #[error("database error{}: {message}", code.as_deref().map(|c| format!(" {c}")).unwrap_or_default())]
    Database {
        /// SQLSTATE (PostgreSQL) or extended result code (SQLite), when known.
        code: Option<String>,
        /// The database's message.
        message: String,
    },
}

impl Error {
    /// True for unique, foreign key, not-null and check violations.
    pub fn is_integrity(&self) -> bool {
        matches!(
            self,
            Error::UniqueViolation { .. }
                | Error::ForeignKeyViolation { .. }
                | Error::NotNullViolation { .. }
                | Error::CheckViolation { .. }
        )
    }

    /// True when the connection was lost (and has been discarded).
    pub fn is_disconnect(&self) -> bool {
        matches!(self, Error::ConnectionLost { .. })
    }

    /// A copy of this error for places that must both keep and return it
    /// (the session keeps the cause of a pending rollback).
    pub fn duplicate(&self) -> Error {
        match self {
            Error::NotFound { table } => Error::NotFound { table: table.clone() },
            Error::MultipleRows { table } => Error::MultipleRows { table: table.clone() },
            Error::UniqueViolation { table, columns, message } => {
                Error::UniqueViolation { table: table.clone(), columns: columns.clone(), message: message.clone() }
            }
            Error::ForeignKeyViolation { table, columns, message } => {
                Error::ForeignKeyViolation { table: table.clone(), columns: columns.clone(), message: message.clone() }
            }
            Error::NotNullViolation { table, column } => {
                Error::NotNullViolation { table: table.clone(), column: column.clone() }
            }
            Error::CheckViolation { table, constraint } => {
                Error::CheckViolation { table: table.clone(), constraint: constraint.clone() }
            }
            Error::ValueTooLong { table, column, max, actual } => {
                Error::ValueTooLong { table: table.clone(), column: column.clone(), max: *max, actual: *actual }
            }
            Error::Decode { table, column, expected, found } => Error::Decode {
                table: table.clone(),
                column: column.clone(),
                expected: expected.clone(),
                found: found.clone(),
            },
            Error::PoolTimeout { message } => Error::PoolTimeout { message: message.clone() },
            Error::ConnectionLost { message } => Error::ConnectionLost { message: message.clone() },
            Error::PendingRollback { original } => Error::PendingRollback { original: Box::new(original.duplicate()) },
            Error::TooManyParameters { count, limit, dialect } => {
                Error::TooManyParameters { count: *count, limit: *limit, dialect }
            }
            Error::InvalidIdentifier { name, reason } => Error::InvalidIdentifier { name: name.clone(), reason },
            Error::Unsupported { feature, dialect } => Error::Unsupported { feature, dialect },
            Error::InvalidUrl { url, reason } => Error::InvalidUrl { url: url.clone(), reason: reason.clone() },
            Error::StaleData { table, action, key, matched } => {
                Error::StaleData { table: table.clone(), action, key: key.clone(), matched: *matched }
            }
            Error::NotLoaded { model, relationship } => Error::NotLoaded { model, relationship },
            Error::Validation { model, field, message } => {
                Error::Validation { model: model.clone(), field: field.clone(), message: message.clone() }
            }
            Error::InvalidState(s) => Error::InvalidState(s.clone()),
            Error::Busy { message } => Error::Busy { message: message.clone() },
            Error::Database { code, message } => Error::Database { code: code.clone(), message: message.clone() },
        }
    }
}

/// A decoding failure before the table and column are known; see [`Error::Decode`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError {
    /// The Rust type expected.
    pub expected: &'static str,
    /// What was found.
    pub found: String,
}

impl DecodeError {
    /// A decode error for `expected`, having found `found`.
    pub fn new(expected: &'static str, found: impl fmt::Display) -> Self {
        DecodeError { expected, found: found.to_string() }
    }

    /// Attach the table and column names.
    pub fn into_error(self, table: &str, column: &str) -> Error {
        Error::Decode {
            table: table.to_owned(),
            column: column.to_owned(),
            expected: self.expected.to_owned(),
            found: self.found,
        }
    }
}
