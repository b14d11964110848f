//! [`Session`]: its state (identity map, connection, transaction, undo log, listeners) and
//! its untyped operations: flush, commit, rollback, close, transactions, savepoints. The
//! operations typed by model (add, get, delete, merge, refresh, ...) are in `objects.rs`,
//! above `mapper.rs`; see `DESIGN.md` for the order of the files.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use crate::backend::connection::{SavepointCommand, Timeouts};
use crate::backend::{Connection, Engine, PooledConnection, RawSql};
use crate::dialect::DialectKind;
use crate::error::{Error, Misuse, Result};
use crate::query::{Executor, IsolationLevel, LockWait, RowLock, TransactionOptions};
use crate::session::borrows::{self, Borrow};
use crate::session::identity_map::IdentityMap;
use crate::session::mapper_events::MapperListeners;
use crate::session::object::ObjectState;
use crate::session::tracked::Tracked;
use crate::session::unit_of_work::{FlushCtx, FlushPlan, Undo};
use crate::types::Value;

static NEXT_SESSION: AtomicU64 = AtomicU64::new(1);

/// A unit of work.
///
/// Objects added to a session are *pending*; a flush inserts them (filling generated keys)
/// and makes them *persistent*. Persistent objects live in the identity map: loading the
/// same row twice gives the same [`Obj`](crate::session::Obj). Changing an object's fields through
/// [`Obj::write`](crate::session::Obj::write) is enough: the flush compares each touched object with the values it
/// loaded and writes an UPDATE of the changed columns only (nothing when nothing changed).
///
/// The session begins a transaction when it first needs one: at the first write (SQLite:
/// `BEGIN IMMEDIATE`), or at the first read where reading outside one would show other rows
/// (`REPEATABLE READ` and above, [`begin`](Session::begin), a locking read); reads at `READ
/// COMMITTED` run outside one, as they see the same rows. It keeps one pooled connection
/// until [`commit`](Session::commit), [`rollback`](Session::rollback) or
/// [`close`](Session::close). Dropping a session rolls back what it did not commit.
///
/// After a failed flush or commit, the database transaction has been rolled back and every
/// call but `rollback` / `close` returns [`Error::PendingRollback`] until `rollback()`
/// restores the in-memory objects to their committed state.
pub struct Session {
    pub(super) id: u64,
    engine: Engine,
    conn: Option<PooledConnection>,
    /// Joined to an outer transaction on its connection (a test's; see
    /// [`Session::joined_to_transaction`]): commits release a savepoint, rollbacks go back to
    /// it, and closing rolls the outer transaction back.
    joined: bool,
    /// The N+1 detector, when on ([`Session::detect_n_plus_one`]).
    pub(crate) detector: Option<Box<crate::session::n_plus_one::Detector>>,
    pub(crate) identity: IdentityMap,
    pub(super) pending: Vec<Arc<dyn Tracked>>,
    pub(crate) to_delete: Vec<Arc<dyn Tracked>>,
    pub(crate) flushed_deletes: Vec<Arc<dyn Tracked>>,
    pub(crate) undo: Vec<Undo>,
    failed: Option<Error>,
    /// Flush before queries (default on).
    pub(super) autoflush: bool,
    /// Expire every object at commit (default on).
    expire_on_commit: bool,
    /// Open savepoints, innermost last.
    savepoints: Vec<SavepointMark>,
    /// The write count when autoflush last found nothing written.
    writes_seen: u64,
    /// Association rows to delete at the next flush (their owner is being deleted).
    pub(crate) association_clears: Vec<(&'static crate::schema::TableDef, &'static crate::schema::ColumnDef, Value)>,
    /// Event listeners.
    pub(crate) listeners: Listeners,
    /// The event whose listeners are running (flush, commit and rollback are refused then).
    pub(crate) in_listener: Option<SessionEvent>,
    /// This session's statement, lock and client timeouts (`None`: the engine's).
    timeouts: Option<Timeouts>,
    /// How this session's transactions begin (over the engine's options).
    tx_options: TransactionOptions,
    /// The options of the transaction begun explicitly ([`Session::begin`],
    /// [`Session::transaction`]): its `BEGIN` goes with its first statement, read or write.
    explicit: Option<TransactionOptions>,
    /// SQLite: the open transaction holds the database's write lock (began `IMMEDIATE`, or
    /// has written, or took it for a locking read).
    write_locked: bool,
    /// A commit is flushing: a flush of one statement may go without BEGIN / COMMIT.
    committing: bool,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("id", &self.id)
            .field("in_transaction", &self.in_transaction())
            .field("pending", &self.pending.len())
            .field("to_delete", &self.to_delete.len())
            .field("failed", &self.failed)
            .finish()
    }
}

impl Engine {
    /// A new session on this engine.
    pub fn session(&self) -> Session {
        Session {
            id: NEXT_SESSION.fetch_add(1, Ordering::Relaxed),
            engine: self.clone(),
            conn: None,
            joined: false,
            detector: None,
            identity: IdentityMap::default(),
            pending: Vec::new(),
            to_delete: Vec::new(),
            flushed_deletes: Vec::new(),
            undo: Vec::new(),
            failed: None,
            association_clears: Vec::new(),
            autoflush: true,
            expire_on_commit: true,
            savepoints: Vec::new(),
            writes_seen: u64::MAX,
            listeners: Listeners::default(),
            in_listener: None,
            timeouts: None,
            tx_options: TransactionOptions::new(),
            explicit: None,
            write_locked: false,
            committing: false,
        }
    }
}

/// The savepoint a joined session's commits release and its rollbacks go back to.
const JOINED_SAVEPOINT: &str = "orm_joined";

impl Session {
    /// A session on a connection of `engine` inside a transaction that outlives its commits
    /// (SQLAlchemy's `join_transaction_mode="create_savepoint"`): `commit()` flushes and
    /// releases a savepoint (then opens the next), `rollback()` rolls back to it, and closing
    /// or dropping the session rolls the whole transaction back, commits included. For tests
    /// (see [`crate::testing`]): whatever a test does leaves nothing behind.
    pub(crate) fn joined_to_transaction(engine: &Engine) -> Result<Session> {
        let mut session = engine.session();
        let mut conn = engine.checkout()?;
        conn.begin(false)?;
        conn.savepoint_command(SavepointCommand::Create, JOINED_SAVEPOINT)?;
        session.conn = Some(conn);
        session.joined = true;
        Ok(session)
    }

    /// The engine this session runs on.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// The dialect of the engine.
    pub fn dialect_kind(&self) -> DialectKind {
        self.engine.dialect_kind()
    }

    /// Flush pending changes before each query (on by default, as in SQLAlchemy), so that a
    /// query sees the objects added and changed in this session. Turn it off for a stretch
    /// of queries that must not write (then call [`flush`](Session::flush) yourself).
    pub fn set_autoflush(&mut self, on: bool) {
        self.autoflush = on;
    }

    /// Whether `commit()` expires every object of the session (default on, as in
    /// SQLAlchemy): after a commit other transactions may change the rows, so the next query
    /// or `get` that reads an object's row replaces its fields (see [`Obj::is_expired`](crate::session::Obj::is_expired)).
    /// Off, objects keep the values they had at commit until [`refresh`](Session::refresh).
    pub fn set_expire_on_commit(&mut self, on: bool) {
        self.expire_on_commit = on;
    }

    /// Expire every object of this session (see [`expire`](Session::expire)).
    pub fn expire_all(&mut self) {
        self.identity.visit(|o| o.expire());
    }

    /// Replace the listeners (a factory's, for a new session).
    pub(crate) fn set_listeners(&mut self, listeners: Listeners) {
        self.listeners = listeners;
    }

    /// Flush if autoflush is on and anything is pending.
    pub(crate) fn autoflush(&mut self) -> Result<()> {
        if !self.autoflush || self.in_listener.is_some() {
            return Ok(());
        }
        let writes = crate::session::object::WRITES.load(std::sync::atomic::Ordering::Relaxed);
        // Only a write since the last look can have touched an object: skip the scan otherwise.
        let touched = writes != self.writes_seen && !self.identity.touched().is_empty();
        if !self.pending.is_empty() || !self.to_delete.is_empty() || !self.association_clears.is_empty() || touched {
            self.flush()?;
        }
        if !touched {
            self.writes_seen = writes;
        }
        Ok(())
    }

    /// How many objects are pending (`new`), changed (`dirty`: written since loaded, whether
    /// or not a value differs) and marked for deletion (`deleted`).
    pub fn counts(&self) -> SessionCounts {
        SessionCounts { new: self.pending.len(), dirty: self.identity.touched().len(), deleted: self.to_delete.len() }
    }

    /// Run `work` in this session's transaction: commit when it returns `Ok`, roll back when
    /// it returns `Err` or panics (the panic then continues). That rollback cannot be refused:
    /// objects the calling thread still holds guards of keep their fields, expired (see
    /// [`close`](Session::close)).
    ///
    /// When no transaction is open yet, this one is begun explicitly (as by
    /// [`begin`](Session::begin) with the session's options): unless `READ COMMITTED` was
    /// chosen, its reads see one snapshot on SQLite too, where a session otherwise reads
    /// outside a transaction until its first write (see [`IsolationLevel`]). Inside an open
    /// transaction `work` runs in it, and the whole transaction is committed at the end.
    ///
    /// ```
    /// # use orm::prelude::*;
    /// # #[derive(Model, Debug)]
    /// # #[orm(table = "users")]
    /// # struct User {
    /// #     #[orm(primary_key, auto_increment)]
    /// #     id: i64,
    /// #     name: String,
    /// # }
    /// # fn main() -> orm::Result<()> {
    /// # let engine = Engine::connect("sqlite::memory:")?;
    /// # engine.create_all(&[User::table()])?;
    /// # let mut session = engine.session();
    /// let id = session.transaction(|s| {
    ///     let u = s.add(User { id: 0, name: "Ada".into() })?;
    ///     s.flush()?;
    ///     let id = u.read().id; // not `Ok(u.read().id)`: in edition 2021 that guard outlives `u`
    ///     Ok::<_, orm::Error>(id)
    /// })?;
    /// assert_eq!(id, 1); // committed
    /// # let n: i64 = select(func::count_all()).from::<User>().one(&engine)?;
    /// # assert_eq!(n, 1);
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// The error type is the caller's (`E: From<orm::Error>`, as in Diesel): the work's own
    /// error comes out unchanged, the ORM's errors (of the work's `?`s and of the commit)
    /// through `From`. Name it where nothing else does: `Ok::<_, orm::Error>(id)`, or the
    /// closure's return type.
    ///
    /// ```
    /// # use orm::prelude::*;
    /// # #[derive(Model, Debug)]
    /// # struct Account {
    /// #     #[orm(primary_key, auto_increment)]
    /// #     id: i64,
    /// #     balance: i64,
    /// # }
    /// #[derive(Debug)]
    /// enum AppError {
    ///     Orm(orm::Error),
    ///     Overdrawn(i64),
    /// }
    /// impl From<orm::Error> for AppError {
    ///     fn from(e: orm::Error) -> Self {
    ///         AppError::Orm(e)
    ///     }
    /// }
    /// # fn main() -> orm::Result<()> {
    /// # let engine = Engine::connect("sqlite::memory:")?;
    /// # engine.create_all(&[Account::table()])?;
    /// let mut session = engine.session();
    /// let refused = session.transaction(|s| -> Result<(), AppError> {
    ///     let a = s.add(Account { id: 0, balance: 10 })?;
    ///     s.flush()?;
    ///     let left = a.read().balance - 50;
    ///     if left < 0 {
    ///         return Err(AppError::Overdrawn(left));
    ///     }
    ///     Ok(())
    /// });
    /// assert!(matches!(refused, Err(AppError::Overdrawn(-40)))); // and rolled back
    /// # Ok(())
    /// # }
    /// ```
    pub fn transaction<T, E: From<Error>>(
        &mut self,
        work: impl FnOnce(&mut Session) -> std::result::Result<T, E>,
    ) -> std::result::Result<T, E> {
        self.join_or_begin()?;
        self.run_transaction(work)
    }

    /// The start of a `transaction` block: join the transaction open (or begun) already, or
    /// begin one explicitly with the session's options. Shared by the async session's.
    pub(crate) fn join_or_begin(&mut self) -> Result<()> {
        if !self.in_transaction() && self.explicit.is_none() {
            self.check_usable()?;
            self.explicit = Some(TransactionOptions::new());
        }
        Ok(())
    }

    /// [`transaction`](Session::transaction) with these options (an isolation level, say:
    /// `session.transaction_with(IsolationLevel::Serializable, |s| ...)`).
    /// [`Error::TransactionInProgress`] when a transaction is already open: its options were
    /// fixed at its first statement.
    pub fn transaction_with<T, E: From<Error>>(
        &mut self,
        options: impl Into<TransactionOptions>,
        work: impl FnOnce(&mut Session) -> std::result::Result<T, E>,
    ) -> std::result::Result<T, E> {
        self.begin(options)?;
        self.run_transaction(work)
    }

    /// Begin a transaction with these options (over the session's, the factory's and the
    /// engine's), at the first statement, read or write: PostgreSQL sends `BEGIN ISOLATION
    /// LEVEL ...`; SQLite `BEGIN` (or `BEGIN IMMEDIATE` when it writes or
    /// [`TransactionOptions::immediate`] is set), so the transaction's reads see one snapshot
    /// — on SQLite unless the level is `READ COMMITTED`, whose reads run outside the
    /// transaction until its first write. It ends with [`commit`](Session::commit) or
    /// [`rollback`](Session::rollback).
    ///
    /// [`Error::TransactionInProgress`] when a transaction is already open (a write opens
    /// one, and so does a read that needs one: see [`Session`]): give the options before
    /// the first statement, or commit or roll back first.
    ///
    /// ```
    /// # use orm_runtime::backend::Engine;
    /// # use orm_runtime::query::IsolationLevel;
    /// let engine = Engine::connect("sqlite::memory:").unwrap();
    /// engine.execute("CREATE TABLE t (x INTEGER)", &[]).unwrap();
    /// let mut session = engine.session();
    /// session.begin(IsolationLevel::RepeatableRead).unwrap();
    /// session.execute("INSERT INTO t VALUES (1)", &[]).unwrap(); // BEGIN, then the statement
    /// assert!(session.in_transaction());
    /// session.commit().unwrap();
    /// ```
    pub fn begin(&mut self, options: impl Into<TransactionOptions>) -> Result<()> {
        self.check_usable()?;
        if self.in_transaction() || self.explicit.is_some() {
            return Err(Error::TransactionInProgress);
        }
        self.explicit = Some(options.into());
        Ok(())
    }

    /// The isolation level of this session's transactions from the next one on (over the
    /// factory's and the engine's; see [`IsolationLevel`]). A transaction that is already
    /// open keeps its own.
    pub fn set_isolation_level(&mut self, level: IsolationLevel) {
        self.tx_options = self.tx_options.isolation(level);
    }

    /// SQLite: whether this session's transactions begin `IMMEDIATE` at their first
    /// statement, read or write, from the next one on (see [`TransactionOptions::immediate`]).
    pub fn set_begin_immediate(&mut self, on: bool) {
        self.tx_options = self.tx_options.immediate(on);
    }

    /// The options the session's next transaction begins with: the explicit ones of
    /// [`begin`](Session::begin), over the session's, over the engine's.
    pub fn transaction_options(&self) -> TransactionOptions {
        self.explicit.unwrap_or_default().or(self.tx_options).or(self.engine.transaction_options())
    }

    /// Replace the session's own transaction options (a factory's, for a new session).
    pub(crate) fn set_transaction_options(&mut self, options: TransactionOptions) {
        self.tx_options = options;
    }

    fn run_transaction<T, E: From<Error>>(
        &mut self,
        work: impl FnOnce(&mut Session) -> std::result::Result<T, E>,
    ) -> std::result::Result<T, E> {
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| work(&mut *self))) {
            Ok(Ok(value)) => self.commit().map(|()| value).map_err(E::from),
            Ok(Err(e)) => {
                // The work's error is the one to report.
                let _ = self.check_not_in_listener("rollback").and_then(|()| self.roll_back_all());
                Err(e)
            }
            Err(panic) => {
                let _ = self.check_not_in_listener("rollback").and_then(|()| self.roll_back_all());
                std::panic::resume_unwind(panic)
            }
        }
    }

    /// Open a savepoint (a nested transaction, SQLAlchemy's `begin_nested()`).
    ///
    /// # Savepoints
    ///
    /// This is the one savepoint mechanism; it comes in two styles that share it:
    ///
    /// - **handle**: `let sp = session.begin_nested()?;` then either
    ///   [`release_savepoint(sp)`](Session::release_savepoint) (keep the work: it becomes part
    ///   of the enclosing transaction) or
    ///   [`rollback_to_savepoint(sp)`](Session::rollback_to_savepoint) (undo it);
    /// - **closure**: [`session.savepoint(|s| ...)`](Session::savepoint) opens one with
    ///   `begin_nested`, releases it when the closure returns `Ok` and rolls back to it when it
    ///   returns `Err` or panics.
    ///
    /// Opening one flushes pending changes first. Rolling back to it undoes, in the database
    /// and in memory, only what happened after it: objects inserted since become transient,
    /// deleted ones persistent again, changed ones take their values at the savepoint back; a
    /// failed flush inside it leaves the outer work intact and the session usable. Closing a
    /// savepoint closes every savepoint opened inside it; a closed one is refused.
    ///
    /// ```
    /// # use orm::prelude::*;
    /// # #[derive(Model, Debug)]
    /// # #[orm(table = "notes")]
    /// # struct Note {
    /// #     #[orm(primary_key, auto_increment)]
    /// #     id: i64,
    /// #     text: String,
    /// # }
    /// # fn main() -> orm::Result<()> {
    /// # let engine = Engine::connect("sqlite::memory:")?;
    /// # engine.create_all(&[Note::table()])?;
    /// let mut session = engine.session();
    /// session.add(Note { id: 0, text: "kept".into() })?;
    /// // Handle style:
    /// let sp = session.begin_nested()?;
    /// session.add(Note { id: 0, text: "undone".into() })?;
    /// session.rollback_to_savepoint(sp)?;
    /// // Closure style (the same savepoint, opened and closed for you):
    /// let undone: orm::Result<()> = session.savepoint(|s| {
    ///     s.add(Note { id: 0, text: "undone too".into() })?;
    ///     s.flush()?;
    ///     Err(orm::Error::NotFound { table: "notes".into() })
    /// });
    /// assert!(undone.is_err());
    /// session.commit()?;
    /// assert_eq!(session.query::<Note>().count()?, 1);
    /// # Ok(())
    /// # }
    /// ```
    pub fn begin_nested(&mut self) -> Result<Savepoint> {
        self.flush()?;
        self.connection(true)?;
        let depth = self.savepoints.len() + 1;
        let name = format!("orm_savepoint_{depth}");
        if let Some(conn) = self.conn.as_mut() {
            conn.savepoint_command(SavepointCommand::Create, &name)?;
        }
        self.savepoints.push(SavepointMark {
            name,
            undo: self.undo.len(),
            flushed_deletes: self.flushed_deletes.len(),
        });
        Ok(Savepoint { depth })
    }

    /// Keep what happened since `sp` (`RELEASE SAVEPOINT`); it becomes part of the enclosing
    /// transaction. See [Savepoints](Session::begin_nested).
    pub fn release_savepoint(&mut self, sp: Savepoint) -> Result<()> {
        self.check_usable()?;
        self.flush()?;
        let mark = self.take_savepoint(sp)?;
        match self.conn.as_mut() {
            Some(conn) => conn.savepoint_command(SavepointCommand::Release, &mark.name),
            None => Ok(()),
        }
    }

    /// Undo what happened since `sp` (`ROLLBACK TO SAVEPOINT`), in the database and in
    /// memory, and clear a failure that happened inside it. See
    /// [Savepoints](Session::begin_nested).
    ///
    /// Refused with [`Error::ObjectBorrowed`], before anything is done, while the calling
    /// thread holds a guard of an object whose fields it must restore: drop the guard and call
    /// it again.
    pub fn rollback_to_savepoint(&mut self, sp: Savepoint) -> Result<()> {
        let undo_len = self.savepoint_mark(sp)?.undo;
        self.check_restorable(undo_len)?;
        self.roll_back_to(sp)
    }

    /// [`rollback_to_savepoint`](Session::rollback_to_savepoint) without the guard check:
    /// objects this thread borrows keep their fields, expired.
    fn roll_back_to(&mut self, sp: Savepoint) -> Result<()> {
        let mark = self.take_savepoint(sp)?;
        if let Some(conn) = self.conn.as_mut() {
            conn.savepoint_command(SavepointCommand::RollbackTo, &mark.name)?;
            conn.savepoint_command(SavepointCommand::Release, &mark.name)?;
        }
        self.restore_memory(mark.undo, mark.flushed_deletes);
        self.failed = None;
        Ok(())
    }

    /// Run `work` inside a savepoint: the closure style of [`begin_nested`](Session::begin_nested)
    /// (see [Savepoints](Session::begin_nested)), released when `work` returns `Ok`,
    /// rolled back to when it returns `Err` or panics.
    pub fn savepoint<T>(&mut self, work: impl FnOnce(&mut Session) -> Result<T>) -> Result<T> {
        let sp = self.begin_nested()?;
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| work(&mut *self))) {
            Ok(Ok(value)) => self.release_savepoint(sp).map(|()| value),
            Ok(Err(e)) => {
                // The work's error is the one to report.
                let _ = self.roll_back_to(sp);
                Err(e)
            }
            Err(panic) => {
                let _ = self.roll_back_to(sp);
                std::panic::resume_unwind(panic)
            }
        }
    }

    /// The mark of `sp`, if it is open.
    fn savepoint_mark(&self, sp: Savepoint) -> Result<&SavepointMark> {
        sp.depth.checked_sub(1).and_then(|i| self.savepoints.get(i)).ok_or(Error::Misuse(Misuse::SavepointClosed))
    }

    /// The mark of `sp`, with every savepoint opened inside it closed.
    fn take_savepoint(&mut self, sp: Savepoint) -> Result<SavepointMark> {
        if sp.depth == 0 || sp.depth > self.savepoints.len() {
            return Err(Misuse::SavepointClosed.into());
        }
        self.savepoints.truncate(sp.depth);
        self.savepoints.pop().ok_or(Error::Misuse(Misuse::SavepointClosed))
    }

    /// Detach every object without touching the database (pending ones become transient).
    pub fn expunge_all(&mut self) {
        for o in self.pending.drain(..) {
            o.set_state(ObjectState::Transient, 0);
        }
        for o in self.to_delete.drain(..) {
            o.set_delete_pending(false);
        }
        self.identity.visit(|o| o.set_state(ObjectState::Detached, 0));
        self.identity.clear();
    }

    /// Whether a database transaction is open.
    pub fn in_transaction(&self) -> bool {
        self.conn.as_ref().is_some_and(|c| c.in_transaction())
    }

    pub(crate) fn check_usable(&self) -> Result<()> {
        match &self.failed {
            Some(e) => Err(Error::PendingRollback { original: Box::new(e.duplicate()) }),
            // The connection was lost, or (PostgreSQL) a statement aborted the transaction:
            // nothing more can happen in it until `rollback()`.
            None => match self.conn.as_ref().and_then(|c| c.transaction_failure()) {
                Some(e) => Err(Error::PendingRollback { original: Box::new(e.duplicate()) }),
                None => Ok(()),
            },
        }
    }

    /// PostgreSQL: the server's `statement_timeout` for this session's transactions (`SET
    /// LOCAL` at `BEGIN`, from the next transaction on): a statement running longer fails with
    /// [`Error::StatementTimeout`] (57014) and the session needs a rollback. SQLite: the ORM
    /// interrupts the statement itself, with the same error. `None`: no limit, even where the
    /// engine sets one ([`EngineBuilder::statement_timeout`](crate::backend::EngineBuilder::statement_timeout)).
    pub fn set_statement_timeout(&mut self, d: Option<Duration>) -> Result<()> {
        self.update_timeouts(|t| t.statement = d)
    }

    /// PostgreSQL: the server's `lock_timeout` for this session's transactions (from the next
    /// one on): waiting longer for a lock fails with [`Error::LockTimeout`] (55P03). SQLite:
    /// the busy timeout while the session holds its connection ([`Error::Busy`]). `None`: no
    /// limit on PostgreSQL (even over the engine's setting), the default busy timeout on SQLite.
    pub fn set_lock_timeout(&mut self, d: Option<Duration>) -> Result<()> {
        self.update_timeouts(|t| t.lock = d)
    }

    /// A client-side deadline for each statement of this session, in force at once: a
    /// statement still running after `d` is canceled (PostgreSQL: a cancel request through the
    /// driver's `CancelToken`; SQLite: `sqlite3_interrupt`) and fails with [`Error::Canceled`].
    /// The connection stays usable; on PostgreSQL the open transaction is aborted, so the
    /// session needs a rollback. `None`: no deadline.
    pub fn set_query_deadline(&mut self, d: Option<Duration>) -> Result<()> {
        self.update_timeouts(|t| t.deadline = d)
    }

    fn update_timeouts(&mut self, change: impl FnOnce(&mut Timeouts)) -> Result<()> {
        let mut t = self.timeouts.unwrap_or_else(|| self.engine.default_timeouts());
        change(&mut t);
        self.timeouts = Some(t);
        match self.conn.as_mut() {
            Some(conn) => conn.set_timeouts(t),
            None => Ok(()),
        }
    }

    /// The session's connection, checked out of the pool on first use.
    fn checked_out(&mut self) -> Result<&mut Connection> {
        self.check_usable()?;
        if self.conn.is_none() && self.joined {
            // Another connection would be outside the outer transaction: its work would stay.
            return Err(Error::Disconnected {
                message: "the connection of this session joined to a test's transaction was lost".into(),
            });
        }
        if self.conn.is_none() {
            let mut conn = self.engine.checkout()?;
            if let Some(t) = self.timeouts {
                conn.set_timeouts(t)?;
            }
            self.conn = Some(conn);
        }
        match self.conn.as_mut() {
            Some(conn) => Ok(conn),
            None => unreachable!("connection set above"),
        }
    }

    /// The session's connection, with a transaction begun as needed: a write begins one
    /// (SQLite: `BEGIN IMMEDIATE`). A read begins one only where reading outside a
    /// transaction would see something else: at `REPEATABLE READ` or above, in a transaction
    /// begun explicitly ([`Session::begin`]), when transactions begin `IMMEDIATE` (SQLite),
    /// with the session's own timeouts (PostgreSQL's `SET LOCAL`), or on a PostgreSQL server
    /// whose default level is not `READ COMMITTED`. Otherwise it runs outside one, which at
    /// `READ COMMITTED` is the same (every statement takes its own snapshot) and saves the
    /// `BEGIN` and `ROLLBACK` round trips.
    pub(crate) fn connection(&mut self, write: bool) -> Result<&mut Connection> {
        self.connection_with(write, false)
    }

    /// [`Session::connection`]; `transaction`: begin one for a read as well (a locking read).
    fn connection_with(&mut self, write: bool, transaction: bool) -> Result<&mut Connection> {
        let in_transaction = self.checked_out()?.in_transaction();
        if in_transaction {
            self.write_locked |= write;
        } else {
            let options = self.transaction_options();
            let explicit = self.explicit.is_some();
            let conn = self.checked_out()?;
            let caps = conn.dialect().capabilities();
            let immediate = caps.begin_immediate && options.is_immediate() == Some(true);
            // READ COMMITTED is had by reading outside a transaction until the first write
            // (SQLite's transactions are serializable). An explicit transaction is a real one
            // (on SQLite a snapshot unless a lower level was chosen).
            let snapshot = transaction
                || immediate
                || (explicit && caps.isolation_levels)
                || conn.has_transaction_settings()
                || match options.isolation_level() {
                    Some(level) => level >= IsolationLevel::RepeatableRead,
                    None => explicit || !conn.reads_committed_outside_transactions(),
                };
            if write || snapshot {
                let write_lock = caps.begin_immediate && (write || immediate);
                conn.begin_with(options.isolation_level(), write_lock)?;
                self.write_locked = write_lock || write;
            } else {
                self.write_locked = false;
            }
        }
        match self.conn.as_mut() {
            Some(conn) => Ok(conn),
            None => unreachable!("checked out above"),
        }
    }

    /// The connection for a locking read (`FOR UPDATE`) of `table` (any table of the
    /// statement), in a transaction.
    /// PostgreSQL: the SELECT carries the row lock itself. SQLite, which has no row locks:
    /// the transaction takes the database's write lock (`BEGIN IMMEDIATE`, or, in a
    /// transaction that has only read so far, a write that changes nothing), waiting for
    /// another writer up to the busy timeout. `NOWAIT`: a lock held elsewhere is
    /// [`Error::LockTimeout`] at once; `SKIP LOCKED`: `Ok(None)`, every row being locked.
    pub(crate) fn locking_connection(
        &mut self,
        lock: &RowLock,
        table: Option<&'static str>,
    ) -> Result<Option<&mut Connection>> {
        let options = self.transaction_options();
        let write_locked = self.write_locked;
        let conn = self.checked_out()?;
        if conn.dialect().capabilities().row_locks {
            // Row locks last until the transaction ends: one must be open.
            return self.connection_with(false, true).map(Some);
        }
        let in_transaction = conn.in_transaction();
        if !(in_transaction && write_locked) {
            let take = |c: &mut Connection| -> Result<()> {
                if in_transaction {
                    let table = table.ok_or(Error::Unsupported {
                        feature: "a locking read without a FROM table in a transaction that has read",
                        dialect: "SQLite",
                    })?;
                    let sql = crate::dialect::write_lock_statement(c.dialect(), table)?;
                    c.execute(&sql, &[]).map(drop)
                } else {
                    c.begin_with(options.isolation_level(), true)
                }
            };
            let r = match lock.wait {
                LockWait::Wait => take(conn),
                LockWait::NoWait | LockWait::SkipLocked => conn.without_busy_wait(take),
            };
            match r {
                Ok(()) => self.write_locked = true,
                Err(Error::Busy { stale_snapshot: false, message }) => {
                    return match lock.wait {
                        LockWait::SkipLocked => Ok(None),
                        _ => Err(Error::LockTimeout {
                            message: format!("another connection holds the database's write lock (NOWAIT): {message}"),
                        }),
                    };
                }
                Err(e) => return Err(e),
            }
        }
        Ok(self.conn.as_deref_mut())
    }

    pub(crate) fn id(&self) -> u64 {
        self.id
    }

    /// The connection to run `stmt` (a SELECT of `table`'s rows) on, with the identity map:
    /// for a locking read (`FOR UPDATE`) the connection of [`Session::locking_connection`],
    /// `None` when `SKIP LOCKED` finds every row locked (SQLite).
    pub(crate) fn reading(
        &mut self,
        stmt: &crate::query::SelectStatement,
        table: Option<&'static str>,
    ) -> Result<Option<(&mut Connection, &mut IdentityMap)>> {
        match &stmt.lock {
            Some(lock) => {
                if self.locking_connection(lock, table)?.is_none() {
                    return Ok(None);
                }
            }
            None => {
                self.connection(false)?;
            }
        }
        match self.conn.as_mut() {
            Some(conn) => Ok(Some((conn, &mut self.identity))),
            None => unreachable!("connection() set it"),
        }
    }

    /// The connection (as [`Session::connection`]) and the identity map, borrowed together.
    pub(crate) fn connection_and_identity(&mut self, write: bool) -> Result<(&mut Connection, &mut IdentityMap)> {
        self.connection(write)?;
        match self.conn.as_mut() {
            Some(conn) => Ok((conn, &mut self.identity)),
            None => unreachable!("connection() set it"),
        }
    }

    /// Execute raw SQL inside the session's transaction.
    pub fn execute(&mut self, sql: impl Into<RawSql>, params: &[Value]) -> Result<u64> {
        let sql = sql.into();
        self.connection(true)?.execute(sql.as_str(), params)
    }

    /// Write every pending change to the database, in foreign-key order, inside the
    /// session's transaction. On failure the transaction is rolled back and the session
    /// refuses further work until [`rollback`](Session::rollback).
    ///
    /// While the calling thread holds a guard the flush would have to wait for (see
    /// [`Obj`](crate::session::Obj)'s guards: a guard of an object it writes, a write guard of one it reads), it
    /// returns [`Error::ObjectBorrowed`] before anything is sent, leaving the session and its
    /// transaction as they were: drop the guard and flush again. So do `commit` and every
    /// autoflush.
    pub fn flush(&mut self) -> Result<()> {
        self.check_usable()?;
        self.check_not_in_listener("flush")?;
        if self.listeners.has(SessionEvent::BeforeFlush) && self.has_changes() {
            if let Err(e) = self.fire(SessionEvent::BeforeFlush) {
                self.fail(&e);
                return Err(e);
            }
        }
        // Only objects with relationship fields start the walk (the others link to nothing).
        let mut roots: Vec<Arc<dyn Tracked>> = self.pending.iter().filter(|o| o.has_relations()).cloned().collect();
        roots.extend(self.identity.touched().into_iter().filter(|o| o.has_relations()));
        let found = crate::session::cascade::cascade(roots, self.id)?;
        // Nothing is sent, nor changed, while the calling thread holds a guard the flush
        // would wait for.
        if let Err(e) = self.check_flush_borrows(&found) {
            for o in &found.added {
                o.set_state(ObjectState::Transient, 0);
            }
            return Err(e);
        }
        self.pending.extend(found.added);
        let mut orphans: Vec<Arc<dyn Tracked>> = Vec::new();
        for orphan in found.orphans {
            match orphan.state_and_session().0 {
                ObjectState::Pending => {
                    let addr = orphan.addr();
                    self.pending.retain(|o| o.addr() != addr);
                    orphan.set_state(ObjectState::Transient, 0);
                }
                ObjectState::Persistent if !orphan.is_delete_pending() => {
                    orphan.set_delete_pending(true);
                    self.to_delete.push(orphan.clone());
                    orphans.push(orphan);
                }
                _ => {}
            }
        }
        // The changed objects, once: nothing below changes which they are.
        let touched = self.identity.touched();
        if self.pending.is_empty()
            && self.to_delete.is_empty()
            && found.syncs.is_empty()
            && found.assoc.is_empty()
            && self.association_clears.is_empty()
            && touched.is_empty()
        {
            return Ok(());
        }
        // Validators run before anything is sent: a refusal leaves the session as it was,
        // usable once the value is corrected.
        for obj in self.pending.iter().chain(touched.iter()) {
            obj.validate()?;
        }
        let early: crate::session::FastSet<usize> = orphans.iter().map(|o| o.addr()).collect();
        let mut plan = FlushPlan {
            inserts: self.pending.clone(),
            deletes: self.to_delete.iter().filter(|o| !early.contains(&o.addr())).cloned().collect(),
            early_deletes: orphans,
            syncs: found.syncs,
            assoc: found.assoc,
            assoc_clears: self.association_clears.clone(),
        };
        plan.sort();
        crate::session::cascade::order_within_tables(&mut plan.inserts, &plan.syncs)?;
        // A commit whose flush is one statement, with no transaction open: the statement alone
        // (atomic by itself; BEGIN and COMMIT would be two more round trips). An AfterFlush
        // listener might write more, which must share a transaction with it.
        let alone = self.committing
            && self.savepoints.is_empty()
            && self.explicit.is_none()
            && !self.listeners.has(SessionEvent::AfterFlush)
            && plan.is_one_statement(&touched, self.engine.dialect_kind(), &self.listeners.mapper)
            && !self.checked_out()?.in_transaction();
        let connection = if alone { self.checked_out().map(drop) } else { self.connection(true).map(drop) };
        let result = match connection {
            Ok(_) => {
                let Session { conn, identity, undo, listeners, .. } = self;
                let Some(conn) = conn.as_mut() else { unreachable!("connection() set it") };
                let mut ctx = FlushCtx { conn, identity, undo, mapper: &listeners.mapper };
                plan.execute(&mut ctx)
            }
            Err(e) => Err(e),
        };
        match result {
            Ok(()) => {
                self.pending.clear();
                self.association_clears.clear();
                self.flushed_deletes.append(&mut self.to_delete);
                let after = self.fire(SessionEvent::AfterFlush);
                if let Err(e) = &after {
                    self.fail(e);
                }
                after
            }
            Err(e) => {
                self.fail(&e);
                Err(e)
            }
        }
    }

    /// `Err(ObjectBorrowed)` if the calling thread holds a guard that the flush of `found` (and
    /// of the session's own changes) would wait for: a guard of an object it writes (a new
    /// object gets its generated key, an object whose foreign key follows a relationship,
    /// an updated object with `onupdate` columns, a version column or a before-write
    /// listener), or a write
    /// guard of an object it reads (changed and deleted objects, parents of foreign keys,
    /// ends of association rows). The relationship walk has checked the objects it read.
    fn check_flush_borrows(&self, found: &crate::session::cascade::Cascade) -> Result<()> {
        if !borrows::any() {
            return Ok(());
        }
        const FLUSHED: &str = "flushed";
        let mapper = &self.listeners.mapper;
        let listener = |event| if mapper.has_any_before(event) { Borrow::Write } else { Borrow::Read };
        for o in self.pending.iter().chain(&found.added) {
            o.check_borrow(Borrow::Write, FLUSHED)?;
        }
        for sync in &found.syncs {
            sync.child.check_borrow(Borrow::Write, FLUSHED)?;
            if let Some((parent, _)) = &sync.parent {
                parent.check_borrow(Borrow::Read, FLUSHED)?;
            }
        }
        let updates = listener(crate::session::WriteEvent::Update);
        for o in self.identity.touched() {
            let stamps = o.table().columns.iter().any(|c| c.onupdate.is_some() || c.version);
            let needs = if stamps { Borrow::Write } else { updates };
            o.check_borrow(needs, FLUSHED)?;
        }
        let deletes = listener(crate::session::WriteEvent::Delete);
        for o in self.to_delete.iter().chain(&found.orphans) {
            o.check_borrow(deletes, FLUSHED)?;
        }
        for op in &found.assoc {
            for (_, end, _) in &op.ends {
                end.check_borrow(Borrow::Read, FLUSHED)?;
            }
        }
        Ok(())
    }

    /// Roll the database transaction back now and remember why. Inside a savepoint only the
    /// savepoint is given up (by `rollback_to_savepoint`), so the outer work survives.
    pub(crate) fn fail(&mut self, e: &Error) {
        // Keep the cause itself, not a wrapper (`check_usable` wraps it again).
        let e = e.root_cause();
        if !self.savepoints.is_empty() && !e.is_disconnect() {
            self.failed = Some(e.duplicate());
            return;
        }
        self.savepoints.clear();
        if self.joined && !e.is_disconnect() {
            // Back to the last commit at once; the outer transaction stays for the test.
            if let Some(conn) = self.conn.as_mut() {
                if conn.savepoint_command(SavepointCommand::RollbackTo, JOINED_SAVEPOINT).is_err() {
                    self.conn = None;
                }
            }
            self.failed = Some(e.duplicate());
            return;
        }
        if let Some(conn) = self.conn.as_mut() {
            if conn.rollback().is_err() {
                // The pool discards a broken connection when it gets it back.
                self.conn = None;
            }
        }
        self.failed = Some(e.duplicate());
    }

    /// An async caller gave up on this session's transaction (its future was dropped): roll
    /// the database transaction back and answer `PendingRollback` until `rollback()`, as
    /// after a failed flush. Nothing happens when no transaction is open or begun.
    #[cfg_attr(not(feature = "async"), allow(dead_code))]
    pub(crate) fn interrupt(&mut self, e: &Error) -> bool {
        if !self.in_transaction() && self.explicit.is_none() {
            return false;
        }
        self.explicit = None;
        self.savepoints.clear();
        self.fail(e);
        true
    }

    /// Whether the session holds a pooled connection (dropping it then talks to the database).
    #[cfg_attr(not(feature = "async"), allow(dead_code))]
    pub(crate) fn holds_connection(&self) -> bool {
        self.conn.is_some()
    }

    /// Flush, then commit the transaction. Objects stay persistent (and in the identity
    /// map); objects deleted in the transaction become detached. The connection goes back
    /// to the pool.
    pub fn commit(&mut self) -> Result<()> {
        self.check_usable()?;
        self.check_not_in_listener("commit")?;
        if let Err(e) = self.fire(SessionEvent::BeforeCommit) {
            self.fail(&e);
            return Err(e);
        }
        self.committing = true;
        let flushed = self.flush();
        self.committing = false;
        flushed?;
        if let Some(conn) = self.conn.as_mut() {
            let ended = if self.joined {
                // The outer transaction stays: this commit is the savepoint's release.
                conn.savepoint_command(SavepointCommand::Release, JOINED_SAVEPOINT)
                    .and_then(|()| conn.savepoint_command(SavepointCommand::Create, JOINED_SAVEPOINT))
            } else if conn.in_transaction() {
                conn.commit()
            } else {
                Ok(())
            };
            if let Err(e) = ended {
                self.fail(&e);
                return Err(e);
            }
        }
        self.undo.clear();
        self.savepoints.clear();
        self.explicit = None;
        self.write_locked = false;
        for o in self.flushed_deletes.drain(..) {
            o.set_state(ObjectState::Detached, 0);
        }
        if self.expire_on_commit {
            self.identity.visit(|o| o.expire());
        }
        if !self.joined {
            self.conn = None;
        }
        self.fire(SessionEvent::AfterCommit)
    }

    /// Roll back the transaction and restore the objects: pending and newly inserted objects
    /// become transient (generated keys are reset), deleted ones persistent again, and
    /// changed ones take their loaded values back. Then, as after a commit, every object the
    /// session holds is expired: what it read in the transaction may have been changed by
    /// others since (a deadlock victim's rows, say), so the next `get` or query that reads
    /// an object's row reloads it, and a write is never based on a value read before.
    ///
    /// Refused with [`Error::ObjectBorrowed`], before anything is done (the transaction stays
    /// open), while the calling thread holds a guard of an object whose fields it must
    /// restore: drop the guard and call it again.
    pub fn rollback(&mut self) -> Result<()> {
        self.check_not_in_listener("rollback")?;
        self.check_restorable(0)?;
        self.roll_back_all()
    }

    /// `Err(ObjectBorrowed)` if the calling thread holds a guard of an object whose fields
    /// rolling back the undo log down to `undo_len` (and reverting unflushed changes) writes.
    fn check_restorable(&self, undo_len: usize) -> Result<()> {
        if !borrows::any() {
            return Ok(());
        }
        const RESTORED: &str = "restored by a rollback";
        for entry in self.undo.get(undo_len..).unwrap_or_default() {
            for o in &entry.restores {
                o.check_borrow(Borrow::Write, RESTORED)?;
            }
        }
        let mut refused = Ok(());
        self.identity.visit(|o| {
            if refused.is_ok() && o.is_touched() {
                refused = o.check_borrow(Borrow::Write, RESTORED);
            }
        });
        refused
    }

    /// [`rollback`](Session::rollback) without the guard check: objects the calling thread
    /// borrows keep their fields and are expired.
    fn roll_back_all(&mut self) -> Result<()> {
        self.savepoints.clear();
        self.explicit = None;
        self.write_locked = false;
        let mut result = Ok(());
        // A session that holds a connection has read or written through it; only one whose
        // connection is inside a transaction has anything to roll back (reads at READ
        // COMMITTED run outside one) and fires `AfterRollback`.
        let held = self.conn.is_some();
        let mut rolled_back = false;
        if self.joined {
            // Back to the savepoint; the outer transaction and the connection stay.
            if let Some(conn) = self.conn.as_mut() {
                rolled_back = true;
                result = conn.savepoint_command(SavepointCommand::RollbackTo, JOINED_SAVEPOINT);
            }
        } else if let Some(mut conn) = self.conn.take() {
            rolled_back = conn.in_transaction();
            result = conn.rollback();
        }
        self.restore_memory(0, 0);
        if held {
            self.identity.visit(|o| o.expire());
        }
        self.failed = None;
        result?;
        if rolled_back {
            self.fire(SessionEvent::AfterRollback)?;
        }
        Ok(())
    }

    /// Undo in memory what was flushed since the undo log and the flushed deletes had these
    /// lengths, and drop what was not flushed: pending objects become transient, marked
    /// deletions are unmarked, written fields take their snapshot values back.
    fn restore_memory(&mut self, undo_len: usize, flushed_deletes_len: usize) {
        while self.undo.len() > undo_len {
            if let Some(undo) = self.undo.pop() {
                undo.run(&mut self.identity);
            }
        }
        self.identity.visit(|o| o.revert_unflushed());
        for o in self.pending.drain(..) {
            o.set_state(ObjectState::Transient, 0);
        }
        for o in self.to_delete.drain(..) {
            o.set_delete_pending(false);
        }
        self.flushed_deletes.truncate(flushed_deletes_len);
        self.association_clears.clear();
    }

    /// Whether anything is waiting to be flushed.
    fn has_changes(&self) -> bool {
        !self.pending.is_empty()
            || !self.to_delete.is_empty()
            || !self.association_clears.is_empty()
            || !self.identity.touched().is_empty()
    }

    /// Roll back and detach every object: the session is empty afterwards (and reusable).
    ///
    /// Never refused for a guard, and never waits for one of the calling thread: the
    /// database is rolled back, and objects this thread holds guards of keep their current
    /// fields (not restored) and are expired, so the next read of their rows replaces them.
    /// Dropping a session does the same.
    pub fn close(&mut self) -> Result<()> {
        self.check_not_in_listener("close")?;
        // A joined session's outer transaction ends here, rolled back whole.
        self.joined = false;
        let result = self.roll_back_all();
        self.identity.visit(|o| o.set_state(ObjectState::Detached, 0));
        self.identity.clear();
        result
    }

    /// Objects added and not yet flushed.
    pub fn new_count(&self) -> usize {
        self.pending.len()
    }
}

impl Session {
    /// Watch this session for the N+1 pattern: one relationship loaded lazily
    /// ([`Session::load`]) for many objects of one query. Costs nothing while off; on, each
    /// object a query returns is noted.
    ///
    /// ```
    /// # fn main() -> orm::Result<()> {
    /// use orm::prelude::*;
    /// use orm::NPlusOne;
    ///
    /// #[derive(Model)]
    /// #[orm(table = "authors")]
    /// struct Author {
    ///     #[orm(primary_key, auto_increment)]
    ///     id: i64,
    ///     books: orm::HasMany<Book>,
    /// }
    ///
    /// #[derive(Model)]
    /// #[orm(table = "books")]
    /// struct Book {
    ///     #[orm(primary_key, auto_increment)]
    ///     id: i64,
    ///     #[orm(foreign_key = Author::id)]
    ///     author_id: i64,
    ///     author: orm::BelongsTo<Author>,
    /// }
    ///
    /// let engine = Engine::connect("sqlite::memory:")?;
    /// engine.create_all(&[Author::table(), Book::table()])?;
    /// let mut s = engine.session();
    /// for _ in 0..3 {
    ///     s.add(Author { id: 0, books: orm::HasMany::new() })?;
    /// }
    /// s.commit()?;
    ///
    /// s.detect_n_plus_one(NPlusOne::Fail { threshold: 3 });
    /// let authors = s.query::<Author>().all()?;
    /// s.load(&authors[0], Author::books)?;
    /// s.load(&authors[1], Author::books)?;
    /// let err = s.load(&authors[2], Author::books).unwrap_err();
    /// assert!(err.to_string().contains("add `.options(selectinload(Author::books))`"));
    /// # Ok(())
    /// # }
    /// ```
    pub fn detect_n_plus_one(&mut self, mode: crate::session::NPlusOne) {
        self.detector = Some(Box::new(crate::session::n_plus_one::Detector::new(mode)));
    }

    /// What the detector found so far (empty when it is off).
    pub fn n_plus_one_reports(&self) -> &[crate::session::NPlusOneReport] {
        self.detector.as_ref().map_or(&[], |d| d.reports.as_slice())
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        // Errors cannot be reported from drop; a connection whose rollback fails is marked
        // broken and discarded by the pool.
        let _ = self.close();
    }
}

impl Executor for &mut Session {
    fn with_connection<R>(self, write: bool, f: impl FnOnce(&mut Connection) -> Result<R>) -> Result<R> {
        let conn = self.connection(write)?;
        f(conn)
    }

    fn with_reading_connection<R>(
        self,
        stmt: &crate::query::SelectStatement,
        f: impl FnOnce(&mut Connection) -> Result<R>,
    ) -> Result<Option<R>> {
        let table = stmt.from.first().or_else(|| stmt.joins.first().map(|j| &j.table)).copied();
        match self.reading(stmt, table)? {
            Some((conn, _)) => f(conn).map(Some),
            None => Ok(None),
        }
    }
}

/// What a session holds that the next flush would write (see [`Session::counts`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionCounts {
    /// Objects added and not yet inserted.
    pub new: usize,
    /// Objects written to since they were loaded or flushed.
    pub dirty: usize,
    /// Objects marked for deletion.
    pub deleted: usize,
}

/// An open savepoint of a session: the handle style of [Savepoints](Session::begin_nested).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Savepoint {
    depth: usize,
}

/// Where a savepoint began, in the session's logs.
#[derive(Debug)]
struct SavepointMark {
    name: String,
    undo: usize,
    flushed_deletes: usize,
}

// -- Session events: the vocabulary (registered and run in `events.rs`) ------------------

/// The points in a session's life a listener can run at (SQLAlchemy's session events).
///
/// | event           | runs                                                                 | an `Err` from the listener                                   |
/// |-----------------|----------------------------------------------------------------------|--------------------------------------------------------------|
/// | `BeforeFlush`   | when a flush starts and something is pending; objects added here are flushed too | aborts the flush like a failed statement (rolled back) |
/// | `AfterFlush`    | after a flush wrote its changes (objects are in their new states)    | fails the flush: the transaction is rolled back               |
/// | `BeforeCommit`  | when `commit()` starts, before its final flush                       | aborts the commit: the transaction is rolled back             |
/// | `AfterCommit`   | after the transaction committed                                      | returned to the caller; the commit stands                     |
/// | `AfterRollback` | after `rollback()`, `close()` or drop rolled back an open transaction | returned to the caller; the rollback stands                   |
///
/// Inside a listener the session does not autoflush, and `flush` / `commit` / `rollback` /
/// `close` are refused with [`Misuse::ReentrantCall`] (they would run the listener again).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SessionEvent {
    /// A flush is about to write.
    BeforeFlush,
    /// A flush wrote its changes.
    AfterFlush,
    /// `commit()` is starting.
    BeforeCommit,
    /// The transaction committed.
    AfterCommit,
    /// The session rolled back.
    AfterRollback,
}

impl SessionEvent {
    const COUNT: usize = 5;

    fn index(self) -> usize {
        match self {
            SessionEvent::BeforeFlush => 0,
            SessionEvent::AfterFlush => 1,
            SessionEvent::BeforeCommit => 2,
            SessionEvent::AfterCommit => 3,
            SessionEvent::AfterRollback => 4,
        }
    }
}

/// A session event listener.
pub type SessionListener = Arc<dyn Fn(&mut Session) -> Result<()> + Send + Sync>;

/// The listeners of one session, by event (cheap to clone: the closures are shared).
#[derive(Clone, Default)]
pub(crate) struct Listeners {
    by_event: [Vec<SessionListener>; SessionEvent::COUNT],
    /// Mapper events, per model.
    pub(crate) mapper: MapperListeners,
}

impl std::fmt::Debug for Listeners {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Listeners").field("count", &self.by_event.iter().map(Vec::len).sum::<usize>()).finish()
    }
}

impl Listeners {
    pub(crate) fn add(&mut self, event: SessionEvent, listener: SessionListener) {
        self.by_event[event.index()].push(listener);
    }

    pub(crate) fn has(&self, event: SessionEvent) -> bool {
        !self.by_event[event.index()].is_empty()
    }

    pub(super) fn get(&self, event: SessionEvent) -> Vec<SessionListener> {
        self.by_event[event.index()].clone()
    }
}
