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
    ///
    /// Retrying is the caller's decision ([`Error::is_retryable`] is false): the database may be
    /// down, or every connection busy.
    #[error("timed out waiting for a pooled connection: {message}")]
    PoolTimeout {
        /// r2d2's message, including the last connection error if any ("could not connect: ...").
        message: String,
        /// The last error opening a connection for this pool (the server down, a refused
        /// handshake, an `on_connect` listener's error), typed; `None` when every connection was
        /// simply busy.
        last_error: Option<Box<Error>>,
    },
    /// The connection to the database was lost (PostgreSQL: socket closed or I/O error,
    /// SQLSTATE class 08, 57P01/57P02/57P03/57P05, 25P03) or could not be opened in time.
    ///
    /// The connection is discarded and the pool drops every idle connection opened before it
    /// (its generation goes up). A transaction open on it was rolled back by the server, so
    /// the whole unit of work may be run again ([`Error::is_retryable`]); a session that saw
    /// it refuses further work until `rollback()` ([`Error::PendingRollback`]).
    #[error("connection lost: {message}")]
    Disconnected {
        /// The driver's message.
        message: String,
    },
    /// The connection was lost while a commit was in flight: a COMMIT, or a write sent
    /// outside a transaction (which commits by itself: a Core statement on the engine, a
    /// session's commit of one INSERT). It may or may not have been committed. Never retried
    /// automatically ([`Error::is_retryable`] is false); the application must find out (read
    /// the rows back) before doing the work again. The connection has been discarded.
    #[error("the connection was lost before the commit was confirmed; the work may or may not have been committed: {message}")]
    CommitOutcomeUnknown {
        /// The driver's message.
        message: String,
    },
    /// The transaction could not be serialized with concurrent ones (SQLSTATE 40001). It has
    /// been rolled back; running the whole transaction again may succeed.
    #[error("could not serialize access due to concurrent update (40001): {message}")]
    Serialization {
        /// The database's message.
        message: String,
    },
    /// The transaction was chosen as a deadlock victim (SQLSTATE 40P01). It has been rolled
    /// back; running the whole transaction again may succeed.
    #[error("deadlock detected (40P01): {message}")]
    Deadlock {
        /// The database's message.
        message: String,
    },
    /// The statement ran longer than `statement_timeout` (SQLSTATE 57014; on SQLite the
    /// ORM's own statement timeout). The connection stays usable; on PostgreSQL an enclosing
    /// transaction is aborted.
    #[error("statement timeout: {message}")]
    StatementTimeout {
        /// The database's message.
        message: String,
    },
    /// A lock could not be taken within `lock_timeout` (SQLSTATE 55P03). The connection stays
    /// usable; on PostgreSQL an enclosing transaction is aborted.
    #[error("lock timeout (55P03): {message}")]
    LockTimeout {
        /// The database's message.
        message: String,
    },
    /// The statement was canceled: by the ORM's client-side query deadline (through the
    /// driver's cancel request on PostgreSQL, `sqlite3_interrupt` on SQLite) or by another
    /// client (SQLSTATE 57014, SQLite `SQLITE_INTERRUPT`). The connection stays usable.
    #[error("statement canceled: {message}")]
    Canceled {
        /// The database's message.
        message: String,
    },
    /// A cached prepared statement no longer matches the schema (SQLSTATE 0A000, "cached plan
    /// must not change result type"). The statement has been evicted from the cache: running
    /// it again (outside the aborted transaction) prepares it afresh.
    #[error("prepared statement is stale after a schema change: {message}")]
    StaleStatement {
        /// The database's message.
        message: String,
    },
    /// The database ran out of disk space (SQLite `SQLITE_FULL`, PostgreSQL 53100).
    #[error("database or disk is full: {message}")]
    DiskFull {
        /// The database's message.
        message: String,
    },
    /// A text value holds a NUL character (`\0`), which PostgreSQL cannot store in text.
    /// A text parameter holding one is refused before the statement is sent (an open
    /// transaction stays usable); one the ORM does not see (inside another value) is the
    /// server's SQLSTATE 22021, mapped here. SQLite stores NUL characters. The table and
    /// column are named when the statement shows them (the ORM's own INSERT and UPDATE
    /// statements, and raw `INSERT INTO t (..) VALUES (..)` / `SET col = :v`).
    #[error(
        "the text value for {} contains a NUL character (\\0), which PostgreSQL cannot store in text (22021)",
        match (table, column) {
            (Some(t), Some(c)) => format!("`{t}.{c}`"),
            (None, Some(c)) => format!("column `{c}`"),
            (Some(t), None) => format!("a column of `{t}`"),
            (None, None) => "a parameter".to_owned(),
        }
    )]
    NulInText {
        /// The table written, when known.
        table: Option<String>,
        /// The column the value was bound to, when known.
        column: Option<String>,
    },
    /// A single value is too large for the wire protocol (more than `i32::MAX` bytes on
    /// PostgreSQL); refused by the driver before anything was sent.
    #[error("value too large to transmit: {message}")]
    ValueTooLarge {
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
    /// Raw SQL names a bind (`:name`) no value was given for; nothing was sent.
    #[error("the SQL has the bind `:{name}` but no value was bound to it (`.bind(\"{name}\", value)`)")]
    MissingBind {
        /// The bind's name.
        name: String,
    },
    /// A value was bound to a name the raw SQL does not use; nothing was sent.
    #[error("a value was bound to `{name}`, but the SQL has no bind `:{name}` (its binds: {})", binds.iter().map(|b| format!("`:{b}`")).collect::<Vec<_>>().join(", "))]
    UnknownBind {
        /// The name given.
        name: String,
        /// The binds the SQL has.
        binds: Vec<String>,
    },
    /// Rows mapped onto a model by column name lack some of its columns.
    #[error("the rows lack column(s) {} of `{model}` (they have {})", columns.iter().map(|c| format!("`{c}`")).collect::<Vec<_>>().join(", "), found.iter().map(|c| format!("`{c}`")).collect::<Vec<_>>().join(", "))]
    MissingColumns {
        /// The model.
        model: String,
        /// Its columns the rows lack.
        columns: Vec<String>,
        /// The columns the rows have.
        found: Vec<String>,
    },
    /// An identifier (table, column, function or label name) is not acceptable.
    #[error("invalid identifier {name:?}: {reason}")]
    InvalidIdentifier {
        /// The identifier as given.
        name: String,
        /// Why it was refused.
        reason: &'static str,
    },
    /// A naming convention's (`NamingConvention`) template cannot name a
    /// constraint (an unknown placeholder, or one the constraint has no value for).
    #[error("naming convention `{key}` = {template:?}: {reason}")]
    InvalidNamingConvention {
        /// The template's key (`ix`, `ux`, `uq`, `ck`, `fk`, `pk`).
        key: &'static str,
        /// The template.
        template: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The dialect cannot express a requested feature.
    #[error("{feature} is not supported by {dialect}")]
    Unsupported {
        /// The feature.
        feature: &'static str,
        /// Dialect name.
        dialect: &'static str,
    },
    /// A Core join without an ON condition (`select(..).join::<N>()`) whose target is linked
    /// to the query's tables by no foreign key, or by several: give the condition with
    /// `.on(...)`.
    #[error(
        "cannot infer the ON clause joining `{target}` to {}: {}; give it with `.on(...)`",
        from.iter().map(|t| format!("`{t}`")).collect::<Vec<_>>().join(", "),
        if *paths == 0 { "no foreign key links them".to_owned() } else { format!("{paths} foreign keys link them") }
    )]
    JoinPath {
        /// The joined table.
        target: String,
        /// The tables of the query it was joined to.
        from: Vec<String>,
        /// How many foreign key paths were found (0, or more than 1).
        paths: usize,
    },
    /// A database URL could not be understood.
    #[error("invalid database URL {url:?}: {reason}")]
    InvalidUrl {
        /// The URL (password removed).
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A database URL names a driver (`scheme+driver://`) this build does not have, such as
    /// SQLAlchemy's `postgresql+psycopg2://` or `sqlite+pysqlite://`.
    #[error("unknown driver `{driver}` for {database}: this build connects with `{available}` (write `{database}://...` or `{database}+{available}://...`)")]
    UnknownDriver {
        /// The database part of the scheme (`sqlite`, `postgresql`, `postgres`).
        database: &'static str,
        /// The driver the URL names.
        driver: String,
        /// The driver this build has for that database.
        available: &'static str,
    },
    /// The URL names a database whose backend this build leaves out: each backend is a cargo
    /// feature of `orm` (`sqlite`, `postgres`; both on by default).
    #[error("this build has no {database} backend: turn on the `{feature}` feature of orm")]
    BackendDisabled {
        /// The database the URL names (`sqlite`, `postgresql`).
        database: &'static str,
        /// The cargo feature that adds its backend.
        feature: &'static str,
    },
    /// TLS to the PostgreSQL server could not be set up as the URL's `sslmode` asks: the
    /// server's certificate did not verify (unknown issuer, another host name, expired), the
    /// handshake failed, the `sslrootcert` file could not be read, or this build has no TLS
    /// (cargo feature `tls`). Not retryable: the same settings fail the same way.
    #[error("TLS (sslmode={sslmode}): {message}")]
    Tls {
        /// The URL's `sslmode` (`require`, `verify-ca`, `verify-full`, ...).
        sslmode: &'static str,
        /// What failed.
        message: String,
    },
    /// The PostgreSQL server does not accept TLS connections, and the URL's `sslmode`
    /// (`require`, `verify-ca`, `verify-full`) does not allow a plaintext one.
    #[error(
        "the server refused TLS, which sslmode={sslmode} requires (use sslmode=prefer or disable to allow plaintext)"
    )]
    TlsRefused {
        /// The URL's `sslmode` (`require`, `verify-ca` or `verify-full`).
        sslmode: &'static str,
    },
    /// A flush expected to change one row by its key (and, for a model with a
    /// `#[orm(version)]` column, the version it read) and matched none: another transaction
    /// changed or deleted the row since this session read it (optimistic concurrency), or its
    /// key changed behind the session's back. The flush has been rolled back; retryable
    /// ([`Error::is_retryable`]): run the whole transaction again, reading the row afresh.
    #[error("expected to {action} one row of `{table}` with key {key}{}, matched {matched}: the row was changed or deleted by another transaction since it was read", expected_version.map(|v| format!(" at version {v}")).unwrap_or_default())]
    StaleData {
        /// Table of the row.
        table: String,
        /// "update" or "delete".
        action: &'static str,
        /// The key, as debug text.
        key: String,
        /// The version the row was expected to have (models with a version column).
        expected_version: Option<i64>,
        /// Rows matched.
        matched: u64,
    },
    /// A row's discriminator holds a polymorphic identity that the loading type has no model
    /// for: no subtype of the base declares it (a base query), or no variant of the
    /// polymorphic enum reads it. Nothing is returned for the query (SQLAlchemy raises "No
    /// such polymorphic_identity" too). To read such rows as the base model, mark the enum's
    /// variant holding the base `#[orm(polymorphic_fallback)]`.
    #[error(
        "`{table}.{column}` holds {}, a polymorphic identity `{target}` has no model for; mark a variant holding the base `#[orm(polymorphic_fallback)]` to read such rows as the base",
        identity.as_deref().map(|i| format!("{i:?}")).unwrap_or_else(|| "NULL".to_owned())
    )]
    UnknownPolymorphicIdentity {
        /// The table read.
        table: String,
        /// Its discriminator column.
        column: String,
        /// The identity the row holds (`None`: NULL).
        identity: Option<String>,
        /// What was loading the row: the base model, or the polymorphic enum.
        target: String,
    },
    /// An object given to the session has the key of another object the session already
    /// holds (the identity map keeps one object per row): for instance a detached copy of a
    /// row passed to `delete` or `add` while the session has loaded that row itself. Nothing
    /// was changed; use the session's object, or expunge it first.
    #[error("this `{model}` (table `{table}`, key {key}) is a different instance from the one this session already holds with that key; use the session's object, or expunge it first")]
    IdentityConflict {
        /// The model (Rust type name).
        model: String,
        /// Its table.
        table: String,
        /// The key, as debug text.
        key: String,
    },
    /// An object that has no row in the database (transient: never added, or pending: added,
    /// not flushed) was given to an operation on rows, such as `Session::delete`. Nothing was
    /// changed (a pending object is taken out of the session with `expunge`).
    #[error("a {state} `{model}` (table `{table}`) cannot be {action}: it is not persisted")]
    NotPersisted {
        /// The model (Rust type name).
        model: String,
        /// Its table.
        table: String,
        /// Its state: "transient" or "pending".
        state: &'static str,
        /// What was refused ("deleted").
        action: &'static str,
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
    /// The N+1 detector, in its failing mode, saw one relationship loaded lazily for many
    /// objects of one query ([`Session::detect_n_plus_one`](crate::Session::detect_n_plus_one)).
    #[error("N+1 queries: {report}")]
    NPlusOne {
        /// What was seen and how to fix it.
        report: String,
    },
    /// An async session's `transaction` future was dropped (cancelled, timed out) before the
    /// transaction ended. Its database transaction has been rolled back; as after a failed
    /// flush, the session answers [`Error::PendingRollback`] until `rollback()` puts its
    /// objects back to their committed state.
    #[error("the `{operation}` future was dropped before it ended; its transaction was rolled back")]
    Interrupted {
        /// The async call whose future was dropped (`transaction`).
        operation: &'static str,
    },
    /// The ORM's API was used in a way it refuses: the [`Misuse`] names the call and what to
    /// do instead.
    #[error(transparent)]
    Misuse(#[from] Misuse),
    /// An invariant the ORM keeps for itself does not hold: a bug in orm, not in the calling
    /// code; please report it with the message.
    #[error("internal error: {invariant} ({detail}); this is a bug in orm, please report it")]
    Internal {
        /// What should have held.
        invariant: &'static str,
        /// What was found instead.
        detail: String,
    },
    /// An operating-system operation of the ORM's own failed (not the database's I/O, which is
    /// [`Error::Disconnected`]): a thread the ORM needs could not be started, say.
    #[error("cannot {action}: {source}")]
    Io {
        /// What the ORM was doing ("start the statement deadline watchdog").
        action: &'static str,
        /// The operating system's error (shared, so that the error can be duplicated).
        source: std::sync::Arc<std::io::Error>,
    },
    /// A connection is inside a transaction block (one left open, or an aborted one) where it
    /// must be idle: the pool's checkout probe (`Connection::ping`) refuses it, and the pool
    /// discards it and lends another.
    #[error("the {database} connection is inside a transaction block; the pool lends only idle connections")]
    ConnectionInTransaction {
        /// "SQLite" or "PostgreSQL".
        database: &'static str,
    },
    /// A `with_current` inside a `SessionFactory::request` panicked: its session was rolled
    /// back and closed, so the rest of the request is refused (`ended: false`), and the
    /// request returns this instead of committing (`ended: true`).
    #[error(
        "a `with_current` of this request panicked and its session was rolled back; {}",
        if *ended { "nothing was committed" } else { "the request cannot go on" }
    )]
    RequestPanicked {
        /// Whether the request has ended (nothing was committed), else it was refused work.
        ended: bool,
    },
    /// The calling thread holds a guard of an object ([`Obj::read`](crate::session::Obj::read)
    /// or [`Obj::write`](crate::session::Obj::write)) that the call would have to wait for:
    /// it would wait forever, so it was refused instead, before anything was done. Drop the
    /// guard and call again. (Guards held by other threads are waited for.)
    #[error(
        "`{model}` (table `{table}`{}) cannot be {action} while this thread holds a {} guard of it; drop the guard first",
        key.as_deref().map(|k| format!(", key {k}")).unwrap_or_default(),
        if *write_guard { "write" } else { "read" }
    )]
    ObjectBorrowed {
        /// The model (Rust type name).
        model: String,
        /// Its table.
        table: String,
        /// The object's key, as debug text, when it has one (a row in the database) and it
        /// can be read without waiting.
        key: Option<String>,
        /// What the call would have done to it ("read", "written", "flushed", ...).
        action: &'static str,
        /// Whether the guard held is a write guard (else a read guard).
        write_guard: bool,
    },
    /// The database is locked by another writer (SQLite `SQLITE_BUSY`, `SQLITE_LOCKED`,
    /// `SQLITE_BUSY_SNAPSHOT`), after the busy timeout. Retryable: the session rolls its
    /// transaction back (also when COMMIT was the statement that got it, which SQLite leaves
    /// open), so running the whole transaction again may succeed.
    #[error("database is busy: {message}")]
    Busy {
        /// The driver's message.
        message: String,
        /// `SQLITE_BUSY_SNAPSHOT`: this transaction read from a snapshot that another
        /// connection's commit has made stale, so it cannot write (the SQLite form of a
        /// serialization failure; waiting would not help, it is reported at once).
        stale_snapshot: bool,
    },
    /// A transaction's options (its isolation level, say, or a connection's autocommit
    /// mode) were given after it began, or a transaction was begun inside one: they apply
    /// from its first statement on, so give them before it, or commit or roll back first.
    #[error("a transaction has already begun; transaction options apply from its first statement (commit or roll back first)")]
    TransactionInProgress,
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

    /// True when the connection was lost and has been discarded: [`Error::Disconnected`] and
    /// [`Error::CommitOutcomeUnknown`]. Looks through [`Error::PendingRollback`] to the
    /// original error.
    pub fn is_disconnect(&self) -> bool {
        match self {
            Error::Disconnected { .. } | Error::CommitOutcomeUnknown { .. } => true,
            Error::PendingRollback { original } => original.is_disconnect(),
            _ => false,
        }
    }

    /// True when the failed transaction is known to have been rolled back and running the
    /// *whole* transaction again, from its beginning, may succeed: [`Error::Serialization`],
    /// [`Error::Deadlock`], [`Error::Busy`], [`Error::StaleData`] (an optimistic version
    /// check failed), [`Error::StaleStatement`] (the statement was evicted from the cache)
    /// and [`Error::Disconnected`] (a fresh connection is used).
    ///
    /// False for [`Error::CommitOutcomeUnknown`] (the work may have been committed), for
    /// timeouts and cancellations (the caller decides), for [`Error::PoolTimeout`] and for
    /// constraint violations. Looks through [`Error::PendingRollback`] to the original error.
    /// [`Engine::retry_transaction`](crate::backend::Engine::retry_transaction) retries only
    /// these.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Serialization { .. }
            | Error::Deadlock { .. }
            | Error::Busy { .. }
            | Error::StaleData { .. }
            | Error::StaleStatement { .. }
            | Error::Disconnected { .. } => true,
            Error::PendingRollback { original } => original.is_retryable(),
            _ => false,
        }
    }

    /// True for the timeouts and cancellations: [`Error::StatementTimeout`],
    /// [`Error::LockTimeout`], [`Error::Canceled`] and [`Error::PoolTimeout`]. Looks through
    /// [`Error::PendingRollback`].
    pub fn is_timeout(&self) -> bool {
        match self {
            Error::StatementTimeout { .. }
            | Error::LockTimeout { .. }
            | Error::Canceled { .. }
            | Error::PoolTimeout { .. } => true,
            Error::PendingRollback { original } => original.is_timeout(),
            _ => false,
        }
    }

    /// The error itself, or for [`Error::PendingRollback`] the original error that caused it.
    pub fn root_cause(&self) -> &Error {
        match self {
            Error::PendingRollback { original } => original.root_cause(),
            other => other,
        }
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
            Error::PoolTimeout { message, last_error } => Error::PoolTimeout {
                message: message.clone(),
                last_error: last_error.as_ref().map(|e| Box::new(e.duplicate())),
            },
            Error::Disconnected { message } => Error::Disconnected { message: message.clone() },
            Error::CommitOutcomeUnknown { message } => Error::CommitOutcomeUnknown { message: message.clone() },
            Error::Serialization { message } => Error::Serialization { message: message.clone() },
            Error::Deadlock { message } => Error::Deadlock { message: message.clone() },
            Error::StatementTimeout { message } => Error::StatementTimeout { message: message.clone() },
            Error::LockTimeout { message } => Error::LockTimeout { message: message.clone() },
            Error::Canceled { message } => Error::Canceled { message: message.clone() },
            Error::StaleStatement { message } => Error::StaleStatement { message: message.clone() },
            Error::DiskFull { message } => Error::DiskFull { message: message.clone() },
            Error::ValueTooLarge { message } => Error::ValueTooLarge { message: message.clone() },
            Error::NulInText { table, column } => Error::NulInText { table: table.clone(), column: column.clone() },
            Error::PendingRollback { original } => Error::PendingRollback { original: Box::new(original.duplicate()) },
            Error::TooManyParameters { count, limit, dialect } => {
                Error::TooManyParameters { count: *count, limit: *limit, dialect }
            }
            Error::InvalidIdentifier { name, reason } => Error::InvalidIdentifier { name: name.clone(), reason },
            Error::MissingBind { name } => Error::MissingBind { name: name.clone() },
            Error::UnknownBind { name, binds } => Error::UnknownBind { name: name.clone(), binds: binds.clone() },
            Error::MissingColumns { model, columns, found } => {
                Error::MissingColumns { model: model.clone(), columns: columns.clone(), found: found.clone() }
            }
            Error::InvalidNamingConvention { key, template, reason } => {
                Error::InvalidNamingConvention { key, template: template.clone(), reason: reason.clone() }
            }
            Error::Unsupported { feature, dialect } => Error::Unsupported { feature, dialect },
            Error::JoinPath { target, from, paths } => {
                Error::JoinPath { target: target.clone(), from: from.clone(), paths: *paths }
            }
            Error::InvalidUrl { url, reason } => Error::InvalidUrl { url: url.clone(), reason: reason.clone() },
            Error::UnknownDriver { database, driver, available } => {
                Error::UnknownDriver { database, driver: driver.clone(), available }
            }
            Error::BackendDisabled { database, feature } => Error::BackendDisabled { database, feature },
            Error::Tls { sslmode, message } => Error::Tls { sslmode, message: message.clone() },
            Error::TlsRefused { sslmode } => Error::TlsRefused { sslmode },
            Error::StaleData { table, action, key, expected_version, matched } => Error::StaleData {
                table: table.clone(),
                action,
                key: key.clone(),
                expected_version: *expected_version,
                matched: *matched,
            },
            Error::UnknownPolymorphicIdentity { table, column, identity, target } => {
                Error::UnknownPolymorphicIdentity {
                    table: table.clone(),
                    column: column.clone(),
                    identity: identity.clone(),
                    target: target.clone(),
                }
            }
            Error::IdentityConflict { model, table, key } => {
                Error::IdentityConflict { model: model.clone(), table: table.clone(), key: key.clone() }
            }
            Error::NotPersisted { model, table, state, action } => {
                Error::NotPersisted { model: model.clone(), table: table.clone(), state, action }
            }
            Error::NotLoaded { model, relationship } => Error::NotLoaded { model, relationship },
            Error::Validation { model, field, message } => {
                Error::Validation { model: model.clone(), field: field.clone(), message: message.clone() }
            }
            Error::Misuse(m) => Error::Misuse(m.clone()),
            Error::NPlusOne { report } => Error::NPlusOne { report: report.clone() },
            Error::Interrupted { operation } => Error::Interrupted { operation },
            Error::Internal { invariant, detail } => Error::Internal { invariant, detail: detail.clone() },
            Error::Io { action, source } => Error::Io { action, source: source.clone() },
            Error::ConnectionInTransaction { database } => Error::ConnectionInTransaction { database },
            Error::RequestPanicked { ended } => Error::RequestPanicked { ended: *ended },
            Error::TransactionInProgress => Error::TransactionInProgress,
            Error::Busy { message, stale_snapshot } => {
                Error::Busy { message: message.clone(), stale_snapshot: *stale_snapshot }
            }
            Error::ObjectBorrowed { model, table, key, action, write_guard } => Error::ObjectBorrowed {
                model: model.clone(),
                table: table.clone(),
                key: key.clone(),
                action,
                write_guard: *write_guard,
            },
            Error::Database { code, message } => Error::Database { code: code.clone(), message: message.clone() },
        }
    }
}

/// A use of the ORM's API that it refuses ([`Error::Misuse`]), each naming the call and its
/// subject; the message says what to do instead. What is refused is not sent to the
/// database.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Misuse {
    /// A Core `update()` / `delete()` without a filter, rendered: it would change every row of
    /// the table. (Running one does not compile: `execute`, `returning` and a session's
    /// `bulk_update` / `bulk_delete` need `.filter(...)` or `.all_rows()` first.)
    #[error("{statement} of `{table}` without a filter would change every row: add `.filter(...)`, or `.all_rows()` if every row is meant")]
    MissingFilter {
        /// "UPDATE" or "DELETE".
        statement: &'static str,
        /// The table.
        table: &'static str,
    },
    /// An `insert()` given both model rows (`.values(..)`) and column values (`.set(..)`).
    #[error("an INSERT into `{table}` takes either model rows (`.values(..)`) or column values (`.set(..)`), not both: build two inserts")]
    InsertRowsAndValues {
        /// The table.
        table: &'static str,
    },
    /// `returning_keys()` on an insert with `on_conflict(..)`: a skipped row has no key.
    #[error("`returning_keys()` on an INSERT into `{table}` with ON CONFLICT: a skipped row has no key; use `.returning(...)` to read the rows written")]
    ReturningKeysWithOnConflict {
        /// The table.
        table: &'static str,
    },
    /// A type read by label (`#[derive(FromRow)]`, `select(..).into::<R>()`) reads a label the select list
    /// lacks.
    #[error(
        "`{target}` reads the label `{label}`, which the select list lacks (its labels: {}); add `.label(\"{label}\")` to an expression",
        if labels.is_empty() { "none".to_owned() } else { labels.join(", ") }
    )]
    MissingLabel {
        /// The type reading the row.
        target: &'static str,
        /// The label it reads.
        label: &'static str,
        /// The labels the select list has.
        labels: Vec<&'static str>,
    },
    /// `.over(window)` on an expression that is neither an aggregate nor a window function
    /// (found when the statement is rendered).
    #[error("`.over(...)` applies to an aggregate (`count`, `sum`, `func(..)`, ...) or a window function, not to another expression")]
    OverNonAggregate,
    /// Raw rows mapped onto a model whose `Model` impl is hand-written without
    /// `decode_row_at`, in an order other than its own.
    #[error(
        "`{model}` cannot decode columns out of order (its `Model` impl has no `decode_row_at`): derive `Model` for it"
    )]
    DecodeOutOfOrder {
        /// The model's Rust type.
        model: &'static str,
    },
    /// A call that would re-enter what it was called inside: `flush`, `commit`, `rollback` or
    /// `close` inside a session listener (it would run the listener again), `with_current`,
    /// `remove_current` or `request` inside `with_current` or `request` of the same factory.
    #[error("`{call}` called inside {inside}; call it once that has returned")]
    ReentrantCall {
        /// The call refused.
        call: &'static str,
        /// What it was called inside ("a BeforeCommit listener", "`with_current` of the same
        /// factory").
        inside: String,
    },
    /// `SessionFactory::request` on a thread that still has a current session of the factory,
    /// made outside any request: the request would commit work that is not its own.
    #[error("`request` called while this thread has a current session of this factory, made outside any request; `remove_current()` it before `request`")]
    RequestOverCurrentSession,
    /// A savepoint was released or rolled back to after it closed: it (or one it was inside)
    /// was released or rolled back to, or its transaction ended.
    #[error("this savepoint is no longer open: it (or one it was inside) was released or rolled back to, or its transaction ended")]
    SavepointClosed,
    /// `expire`, `refresh` or `delete` was given an object that is not a persistent object of
    /// this session.
    #[error(
        "`{call}` takes a persistent object of this session; this `{model}` is {state}{}",
        if *other_session { " in another session" } else { "" }
    )]
    NotPersistentHere {
        /// The session method.
        call: &'static str,
        /// The model (Rust type name).
        model: &'static str,
        /// The object's state ("pending", "deleted", "detached", ...).
        state: &'static str,
        /// Whether the object belongs to another session.
        other_session: bool,
    },
    /// `Session::add` was given an object this session has deleted.
    #[error("`add` was given a deleted `{model}`: a deleted object cannot be added again; add a new object instead")]
    AddDeleted {
        /// The model (Rust type name).
        model: &'static str,
    },
    /// `Session::add` was given an object of another session.
    #[error("`add` was given a `{model}` that belongs to another session; expunge it there first")]
    AddFromOtherSession {
        /// The model (Rust type name).
        model: &'static str,
    },
    /// A relationship of an object being flushed holds an object the session has deleted.
    #[error("a `{model}` held by a relationship was deleted; take it out of the relationship first")]
    RelatedDeleted {
        /// The related model (Rust type name).
        model: &'static str,
    },
    /// A relationship of an object being flushed holds an object of no session (detached) or
    /// of another session.
    #[error("a `{model}` held by a relationship belongs to no session or to another one; add it to this session")]
    RelatedOutsideSession {
        /// The related model (Rust type name).
        model: &'static str,
    },
    /// An object was taken out of a relationship whose foreign key column is NOT NULL, and the
    /// relationship is not `delete_orphan`: the flush would set the column to NULL.
    #[error("a `{model}` was taken out of a relationship, which would set `{table}.{column}` to NULL, but the column is NOT NULL; delete the object, or declare the relationship `delete_orphan`")]
    OrphanNotNull {
        /// The child model (Rust type name).
        model: &'static str,
        /// The child's table.
        table: &'static str,
        /// The foreign key column.
        column: &'static str,
    },
    /// `Session::add_joined` was given a model that is not a joined-table subtype of the base.
    #[error("`add_joined` takes a base and its joined-table subtype, and `{subtype}` is not one of `{base}`: declare it `#[orm(inherits = {base}, table = \"...\")]`")]
    NotJoinedSubtype {
        /// The model given as the subtype.
        subtype: &'static str,
        /// The base model.
        base: &'static str,
    },
    /// A joined-table subtype's primary key has another number of columns than its base's (its
    /// rows share the base rows' keys).
    #[error("the joined-table subtype `{subtype}` has a primary key of another length than its base `{base}`'s: a subtype's row shares its base row's key, column for column")]
    SubtypeKeyMismatch {
        /// The subtype.
        subtype: &'static str,
        /// Its base.
        base: &'static str,
    },
    /// A variant of a `#[derive(Polymorphic)]` enum holds a model that does not inherit from
    /// the enum's base.
    #[error("`{model}` in `{enum_name}` does not inherit from `{base}`: declare it `#[orm(inherits = {base})]`, or take it out of the enum")]
    PolymorphicVariantNotSubtype {
        /// The variant's model.
        model: &'static str,
        /// The enum.
        enum_name: &'static str,
        /// The enum's base.
        base: &'static str,
    },
    /// A `#[derive(Polymorphic)]` enum's base declares no discriminator column.
    #[error("`{enum_name}` reads `{base}` rows by their type, but `{base}` has no discriminator column: declare one with `#[orm(polymorphic_on = field)]`")]
    NoDiscriminator {
        /// The base model.
        base: &'static str,
        /// The enum.
        enum_name: &'static str,
    },
    /// A single-table subtype declares a column its base table (or another subtype) has,
    /// with another type (found when the table's DDL is rendered).
    #[error("column `{column}` of `{table}` has another type in its subtype `{subtype}`: the types sharing a table share its columns' types")]
    SubtypeColumnType {
        /// The shared table.
        table: &'static str,
        /// The column.
        column: &'static str,
        /// The subtype that declares it differently.
        subtype: &'static str,
    },
    /// A single-table subtype's own column is NOT NULL without a server default: the rows of
    /// the other types sharing the table could not leave it empty.
    #[error("`{subtype}.{field}` is a column of subtype `{subtype}` only, in table `{table}` shared with other types: declare it `Option<...>` (their rows leave it NULL)")]
    SubtypeColumnNotNull {
        /// The subtype.
        subtype: &'static str,
        /// Its field.
        field: &'static str,
        /// The shared table.
        table: &'static str,
    },
    /// `yield_per` on a query with relationship loader options (its own or the model's
    /// default `lazy = "..."` loaders): they would need the connection the stream holds.
    #[error("`yield_per` on a query of `{table}` with loader options: the stream holds the connection they would load with; load relationships per batch with `session.load_all(..)` after the stream, or use `all()`")]
    YieldPerWithLoaders {
        /// The queried table.
        table: &'static str,
    },
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
