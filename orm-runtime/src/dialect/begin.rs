//! How transactions begin: the isolation level, SQLite's write lock at the first statement,
//! and the `BEGIN` statement built from them (rendered by the dialect).

use std::time::Duration;

/// A transaction isolation level (the SQL standard's names).
///
/// | level | PostgreSQL | SQLite |
/// |---|---|---|
/// | [`ReadCommitted`](IsolationLevel::ReadCommitted) | `BEGIN ISOLATION LEVEL READ COMMITTED`: each statement sees what was committed before it began; a read-modify-write can lose a concurrent update | reads before the session's first write run outside a transaction (each sees the latest commit); the first write begins `BEGIN IMMEDIATE` |
/// | [`RepeatableRead`](IsolationLevel::RepeatableRead) | one snapshot for the whole transaction; updating a row another transaction changed since is [`Error::Serialization`](crate::Error::Serialization) | the transaction begins at its first statement (`BEGIN`, or `BEGIN IMMEDIATE` when it writes), so its reads see one snapshot; a write after another connection committed since is [`Error::Busy`](crate::Error::Busy) |
/// | [`Serializable`](IsolationLevel::Serializable) | as if the transactions ran one after another; any conflict is [`Error::Serialization`](crate::Error::Serialization) | as `RepeatableRead` (SQLite's transactions are serializable) |
///
/// Conflicts raised at `RepeatableRead` and `Serializable` are retryable: run the whole
/// transaction again ([`Engine::retry_transaction`](crate::Engine::retry_transaction) does).
/// Without a level set anywhere, PostgreSQL uses the server's default (`READ COMMITTED`
/// unless configured otherwise) and SQLite `ReadCommitted`'s behaviour, except in a
/// transaction begun explicitly ([`Session::transaction`](crate::Session::transaction),
/// [`Session::begin`](crate::Session::begin)), whose reads see one snapshot on SQLite.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum IsolationLevel {
    /// Each statement sees the rows committed before it began.
    ReadCommitted,
    /// The transaction's reads see one snapshot.
    RepeatableRead,
    /// The transaction behaves as if it ran alone.
    Serializable,
}

impl IsolationLevel {
    /// The level's SQL spelling (`READ COMMITTED`, ...).
    pub fn as_sql(self) -> &'static str {
        match self {
            IsolationLevel::ReadCommitted => "READ COMMITTED",
            IsolationLevel::RepeatableRead => "REPEATABLE READ",
            IsolationLevel::Serializable => "SERIALIZABLE",
        }
    }
}

/// How a transaction begins: its isolation level and, on SQLite, whether it takes the write
/// lock at its first statement. Unset fields inherit: a transaction's options over the
/// session's, over the factory's, over the engine's.
///
/// ```
/// # use orm_runtime::query::{IsolationLevel, TransactionOptions};
/// let opts = TransactionOptions::new().isolation(IsolationLevel::Serializable).immediate(true);
/// assert_eq!(opts.isolation_level(), Some(IsolationLevel::Serializable));
/// assert_eq!(TransactionOptions::from(IsolationLevel::RepeatableRead).is_immediate(), None);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct TransactionOptions {
    isolation: Option<IsolationLevel>,
    immediate: Option<bool>,
}

impl TransactionOptions {
    /// Nothing set: everything inherited.
    pub const fn new() -> Self {
        TransactionOptions { isolation: None, immediate: None }
    }

    /// What [`Engine::retry_transaction`](crate::Engine::retry_transaction) runs with unless
    /// told otherwise: `SERIALIZABLE` (PostgreSQL raises every conflict, and the retry
    /// runs the transaction again) and `BEGIN IMMEDIATE` at the first statement (SQLite:
    /// writers wait for each other at their start, so no conflict arises at all).
    pub const fn for_retry() -> Self {
        TransactionOptions { isolation: Some(IsolationLevel::Serializable), immediate: Some(true) }
    }

    /// Set the isolation level.
    pub const fn isolation(mut self, level: IsolationLevel) -> Self {
        self.isolation = Some(level);
        self
    }

    /// SQLite: begin with `BEGIN IMMEDIATE` at the transaction's first statement, read or
    /// write, so that the transaction holds the database's write lock from its start (other
    /// writers wait for it, up to the lock timeout, instead of conflicting with it later).
    /// Reads of other connections go on (WAL). PostgreSQL has no such lock; lock the rows you
    /// will change with [`with_for_update`](crate::session::Query::with_for_update) instead.
    pub const fn immediate(mut self, on: bool) -> Self {
        self.immediate = Some(on);
        self
    }

    /// The isolation level, if set.
    pub const fn isolation_level(&self) -> Option<IsolationLevel> {
        self.isolation
    }

    /// Whether SQLite transactions begin `IMMEDIATE`, if set.
    pub const fn is_immediate(&self) -> Option<bool> {
        self.immediate
    }

    /// These options, with what they leave unset taken from `base`.
    pub const fn or(self, base: TransactionOptions) -> Self {
        TransactionOptions {
            isolation: match self.isolation {
                Some(l) => Some(l),
                None => base.isolation,
            },
            immediate: match self.immediate {
                Some(i) => Some(i),
                None => base.immediate,
            },
        }
    }
}

impl From<IsolationLevel> for TransactionOptions {
    fn from(level: IsolationLevel) -> Self {
        TransactionOptions::new().isolation(level)
    }
}

/// A `BEGIN` as a connection sends it (rendered by the dialect).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Begin {
    /// The isolation level to ask for (`None`: the database's default).
    pub(crate) isolation: Option<IsolationLevel>,
    /// SQLite: take the write lock now (`BEGIN IMMEDIATE`).
    pub(crate) write_lock: bool,
    /// PostgreSQL: `SET LOCAL statement_timeout` for this transaction (`Some(None)`: off).
    pub(crate) statement_timeout: Option<Option<Duration>>,
    /// PostgreSQL: `SET LOCAL lock_timeout` for this transaction (`Some(None)`: off).
    pub(crate) lock_timeout: Option<Option<Duration>>,
}
