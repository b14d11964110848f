//! Row locks taken by a SELECT (`FOR UPDATE`, `FOR SHARE`, `NOWAIT`, `SKIP LOCKED`, `OF`).

use crate::model::Model;

/// How strongly the selected rows are locked (PostgreSQL's lock strengths).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum LockStrength {
    /// `FOR UPDATE`: the rows will be updated or deleted; other lockers and writers wait.
    Update,
    /// `FOR NO KEY UPDATE`: as `Update`, but inserts referencing the rows go on.
    NoKeyUpdate,
    /// `FOR SHARE`: the rows must not change until commit; other sharers go on.
    Share,
    /// `FOR KEY SHARE`: the rows' keys must not change until commit.
    KeyShare,
}

impl LockStrength {
    /// The clause's SQL (`FOR UPDATE`, ...).
    pub fn as_sql(self) -> &'static str {
        match self {
            LockStrength::Update => "FOR UPDATE",
            LockStrength::NoKeyUpdate => "FOR NO KEY UPDATE",
            LockStrength::Share => "FOR SHARE",
            LockStrength::KeyShare => "FOR KEY SHARE",
        }
    }
}

/// What a locking read does about rows another transaction has locked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum LockWait {
    /// Wait for them (up to the lock timeout).
    #[default]
    Wait,
    /// `NOWAIT`: fail at once with [`Error::LockTimeout`](crate::Error::LockTimeout).
    NoWait,
    /// `SKIP LOCKED`: leave them out of the result.
    SkipLocked,
}

/// A row lock for a SELECT: `FOR UPDATE` and its variants (SQLAlchemy's `with_for_update`).
///
/// On PostgreSQL the rows the SELECT returns are locked until the transaction ends. SQLite
/// has no row locks: a locking read takes the database's write lock instead (the session's
/// transaction begins `IMMEDIATE`, or, when it has already read, is made a write
/// transaction), so every other writer waits until this transaction ends — stronger than a
/// row lock, with the same guarantee. `NOWAIT` fails at once when another connection holds
/// the write lock, and `SKIP LOCKED` then returns no rows (every row is locked); `OF` has no
/// effect there. A locking read outside a transaction (on an engine, say) locks nothing
/// beyond its own statement.
///
/// ```
/// # use orm_runtime::query::{LockStrength, LockWait, RowLock};
/// let lock = RowLock::update().skip_locked();
/// assert_eq!(lock.strength(), LockStrength::Update);
/// assert_eq!(lock.wait(), LockWait::SkipLocked);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RowLock {
    pub(crate) strength: LockStrength,
    pub(crate) wait: LockWait,
    /// `OF "table", ...`: lock only the rows of these tables (PostgreSQL).
    pub(crate) of: Vec<&'static str>,
}

impl RowLock {
    /// `FOR UPDATE`.
    pub fn update() -> Self {
        RowLock { strength: LockStrength::Update, wait: LockWait::Wait, of: Vec::new() }
    }

    /// `FOR SHARE`.
    pub fn share() -> Self {
        RowLock { strength: LockStrength::Share, ..RowLock::update() }
    }

    /// Another strength (`FOR NO KEY UPDATE`, `FOR KEY SHARE`).
    pub fn strength_of(mut self, strength: LockStrength) -> Self {
        self.strength = strength;
        self
    }

    /// `NOWAIT`: fail at once ([`Error::LockTimeout`](crate::Error::LockTimeout)) instead of
    /// waiting for a row another transaction has locked.
    pub fn nowait(mut self) -> Self {
        self.wait = LockWait::NoWait;
        self
    }

    /// `SKIP LOCKED`: leave rows another transaction has locked out of the result (work
    /// queues: each worker takes rows no other worker holds).
    pub fn skip_locked(mut self) -> Self {
        self.wait = LockWait::SkipLocked;
        self
    }

    /// `OF "table"`: lock only `M`'s rows of a joined query (may be repeated).
    pub fn of<M: Model>(mut self) -> Self {
        let name = M::table().name;
        if !self.of.contains(&name) {
            self.of.push(name);
        }
        self
    }

    /// The lock strength.
    pub fn strength(&self) -> LockStrength {
        self.strength
    }

    /// What happens on a locked row.
    pub fn wait(&self) -> LockWait {
        self.wait
    }
}
