//! [`Connection`]: one database connection of either backend, with its transaction state.

use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use crate::backend::bind::BindParam;
use crate::backend::deadline::{self, Armed, Canceller, DeadlineKind};
#[cfg(feature = "sqlite")]
use crate::backend::error_map::from_sqlite;
#[cfg(feature = "postgres")]
use crate::backend::error_map::{from_pg, name_nul_column, refuse_nul};
use crate::backend::events::{hooked, Listeners, RowsKind};
use crate::backend::liveness::Liveness;
use crate::backend::pool_state::{PoolShared, PoolSlot};
#[cfg(feature = "postgres")]
use crate::backend::postgres_conn::PgConn;
#[cfg(feature = "sqlite")]
use crate::backend::sqlite_conn;
use crate::dialect::begin::Begin;
use crate::dialect::begin::IsolationLevel;
pub(crate) use crate::dialect::SavepointCommand;
use crate::dialect::{
    commit_statement, is_transaction_control, render_begin, rerun_is_harmless, rollback_statement, savepoint_statement,
    transaction_effect, Dialect, DialectKind, TransactionEffect,
};
use crate::error::{Error, Result};
use crate::types::RowRef;
use crate::types::Value;

#[derive(Debug)]
pub(crate) enum Inner {
    #[cfg(feature = "sqlite")]
    Sqlite(rusqlite::Connection),
    #[cfg(feature = "postgres")]
    Postgres(Box<PgConn>),
}

impl Inner {
    /// Whether this is a PostgreSQL connection.
    fn is_postgres(&self) -> bool {
        match self {
            #[cfg(feature = "sqlite")]
            Inner::Sqlite(_) => false,
            #[cfg(feature = "postgres")]
            Inner::Postgres(_) => true,
        }
    }
}

/// Time limits for the statements of one connection: the engine's defaults, or a session's
/// own settings while the session holds the connection.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Timeouts {
    /// Server-side `statement_timeout` (PostgreSQL, `SET LOCAL` at `BEGIN`); on SQLite the
    /// ORM cancels the statement itself ([`Error::StatementTimeout`]).
    pub(crate) statement: Option<Duration>,
    /// `lock_timeout` (PostgreSQL, `SET LOCAL` at `BEGIN`); on SQLite the busy timeout.
    pub(crate) lock: Option<Duration>,
    /// Client-side deadline per statement, enforced through a cancel request
    /// ([`Error::Canceled`]).
    pub(crate) deadline: Option<Duration>,
}

/// What the connection knows about its own health; shared with [`Prepared`].
#[derive(Debug, Default)]
struct Health {
    /// PostgreSQL: whether a transaction block is open (SQLite asks the library).
    in_transaction: bool,
    /// Unusable: it will not go back to the pool.
    broken: bool,
    /// The disconnect that broke it.
    lost: Option<Error>,
    /// PostgreSQL: the first server error in the open transaction, which aborted it (cleared
    /// by `ROLLBACK TO SAVEPOINT`). COMMIT would silently roll back such a transaction.
    tx_error: Option<Error>,
    /// The pool generation the connection was opened in.
    generation: u64,
    /// The pool's shared state (`None` outside a pool).
    pool: Option<Arc<PoolShared>>,
    /// The pool's schema epoch when this connection's statement cache was last emptied.
    schema_epoch: u64,
    /// When the connection was opened (the pool's `max_lifetime` is counted from here).
    opened_at: Option<Instant>,
    /// The connection's place in the pool's count of open connections (released on drop).
    slot: Option<PoolSlot>,
    /// When the pool probes it at checkout.
    liveness: Liveness,
    /// How to open a replacement if it is found dead at its first statement.
    reopen: Option<Weak<dyn Reopen>>,
}

/// Opens a replacement for a connection found dead at its first statement (the pool's
/// manager, held weakly: a connection never keeps its engine alive).
pub(crate) trait Reopen: Send + Sync {
    /// A new connection, set up as the pool sets up its own (listeners, timeouts, generation).
    fn reopen(&self) -> Result<Connection>;
}

impl Health {
    fn note(&mut self, e: Error, postgres: bool) -> Error {
        // Whatever the error left behind, the next checkout looks.
        self.liveness.probe_next_time();
        if e.is_disconnect() {
            if !self.broken {
                self.broken = true;
                self.lost = Some(e.duplicate());
                if let Some(pool) = &self.pool {
                    pool.disconnect_seen(self.generation);
                }
            }
        } else if postgres && self.in_transaction && self.tx_error.is_none() && aborts_pg_transaction(&e) {
            self.tx_error = Some(e.duplicate());
        }
        e
    }
}

/// Whether a PostgreSQL error came from the server, which then aborts the open transaction
/// (client-side failures, such as decoding a row or a parameter that does not encode, do not).
fn aborts_pg_transaction(e: &Error) -> bool {
    matches!(
        e,
        Error::UniqueViolation { .. }
            | Error::ForeignKeyViolation { .. }
            | Error::NotNullViolation { .. }
            | Error::CheckViolation { .. }
            | Error::Serialization { .. }
            | Error::Deadlock { .. }
            | Error::StatementTimeout { .. }
            | Error::LockTimeout { .. }
            | Error::Canceled { .. }
            | Error::StaleStatement { .. }
            | Error::DiskFull { .. }
            | Error::Database { code: Some(_), .. }
    )
}

/// A connection: runs SQL with bound parameters through cached prepared statements.
///
/// It remembers whether a transaction is open and whether it is broken; the pool uses both
/// to decide, when it gets the connection back, whether to roll back or discard it.
pub struct Connection {
    pub(crate) inner: Inner,
    health: Health,
    /// The limits in force, and the engine's defaults they return to on check-in.
    timeouts: Timeouts,
    default_timeouts: Timeouts,
    /// The engine's listeners and statement-log settings.
    listeners: Arc<Listeners>,
    /// Commit-as-you-go: the first statement outside a transaction begins one (a connection
    /// from [`Engine::connection`](crate::backend::Engine::connection)); off for the
    /// engine's one-shot statements and sessions, which manage transactions themselves.
    autobegin: bool,
    /// How an automatically begun transaction begins: isolation level, and whether SQLite
    /// takes the write lock at once even for a first statement that reads.
    autobegin_options: (Option<IsolationLevel>, bool),
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("inner", &self.inner)
            .field("in_transaction", &self.health.in_transaction)
            .field("broken", &self.health.broken)
            .field("generation", &self.health.generation)
            .finish()
    }
}

impl Connection {
    pub(crate) fn new(inner: Inner, listeners: Arc<Listeners>) -> Self {
        Connection {
            inner,
            health: Health { opened_at: Some(Instant::now()), liveness: Liveness::opened(), ..Health::default() },
            timeouts: Timeouts::default(),
            default_timeouts: Timeouts::default(),
            listeners,
            autobegin: false,
            autobegin_options: (None, false),
        }
    }

    /// How long ago the connection was opened.
    pub(crate) fn age(&self) -> Duration {
        self.health.opened_at.map(|t| t.elapsed()).unwrap_or_default()
    }

    /// The connection's place in the pool's count of open connections.
    pub(crate) fn pool_slot(&mut self) -> &mut Option<PoolSlot> {
        &mut self.health.slot
    }

    /// When the pool probes the connection, and how it is replaced if found dead.
    pub(crate) fn liveness(&mut self) -> &mut Liveness {
        &mut self.health.liveness
    }

    /// How to open a replacement if the connection is found dead at its first statement.
    pub(crate) fn set_reopen(&mut self, reopen: Weak<dyn Reopen>) {
        self.health.reopen = Some(reopen);
    }

    /// Learn what the connection's server defaults to (PostgreSQL: its isolation level),
    /// once, when the pool opens it.
    pub(crate) fn learn_defaults(&mut self) -> Result<()> {
        let postgres = self.inner.is_postgres();
        #[cfg_attr(not(feature = "postgres"), allow(unused_variables))]
        let query = self.dialect().default_isolation_query();
        let r = match &mut self.inner {
            #[cfg(feature = "sqlite")]
            Inner::Sqlite(_) => Ok(()),
            #[cfg(feature = "postgres")]
            Inner::Postgres(c) => match query {
                Some(q) => c.learn_defaults(q),
                None => Ok(()),
            },
        };
        r.map_err(|e| self.health.note(e, postgres))
    }

    /// Whether a read outside a transaction sees what it would see in a transaction begun
    /// without an isolation level: SQLite's reads outside one are its `READ COMMITTED`;
    /// PostgreSQL's when the server's default level is `READ COMMITTED` (each statement of
    /// such a transaction takes its own snapshot anyway).
    pub(crate) fn reads_committed_outside_transactions(&self) -> bool {
        match &self.inner {
            #[cfg(feature = "sqlite")]
            Inner::Sqlite(_) => true,
            #[cfg(feature = "postgres")]
            Inner::Postgres(c) => c.reads_committed,
        }
    }

    /// Whether the limits in force differ from the engine's and so take a transaction to
    /// apply (PostgreSQL's `SET LOCAL` at `BEGIN`).
    pub(crate) fn has_transaction_settings(&self) -> bool {
        let (t, d) = (self.timeouts, self.default_timeouts);
        self.dialect().capabilities().transaction_settings && (t.statement != d.statement || t.lock != d.lock)
    }

    /// Whether the checkout probe needs no round trip (SQLite).
    pub(crate) fn probe_is_free(&self) -> bool {
        self.dialect().idle_probe().is_none()
    }

    /// Run the statement `sql` with `run`; if it is the first statement since a checkout
    /// without a probe, fails because the connection is gone, and may run again without
    /// changing what the database holds (see `liveness.rs`), replace the connection with a
    /// new one and run it there.
    fn first_use<R>(&mut self, sql: &str, mut run: impl FnMut(&mut Connection) -> Result<R>) -> Result<R> {
        if !self.health.liveness.take_unverified() || self.in_transaction() {
            return run(self);
        }
        match run(self) {
            Err(e) if e.is_disconnect() && rerun_is_harmless(sql) => match self.reconnect() {
                Ok(()) => run(self),
                Err(_) => Err(e),
            },
            r => r,
        }
    }

    /// Swap the dead connection underneath for a new one from the pool's manager, keeping
    /// this connection's place in the pool, its mode and its timeouts.
    fn reconnect(&mut self) -> Result<()> {
        let reopen = self.health.reopen.take();
        let manager = reopen
            .as_ref()
            .and_then(Weak::upgrade)
            .ok_or(Error::Disconnected { message: "the connection is gone and its engine was dropped".into() })?;
        let mut fresh = match manager.reopen() {
            Ok(fresh) => fresh,
            Err(e) => {
                self.health.reopen = reopen;
                return Err(e);
            }
        };
        std::mem::swap(&mut self.inner, &mut fresh.inner);
        // The new connection's health (generation, age, place in the pool's count); the dead
        // one leaves with the old place, given back when `fresh` drops.
        let old_slot = self.health.slot.take();
        self.health = std::mem::take(&mut fresh.health);
        fresh.health.slot = old_slot;
        self.health.reopen = reopen;
        Ok(())
    }

    /// Switch commit-as-you-go on (a connection handed to a user) or off (one-shot engine
    /// statements, sessions), with how automatically begun transactions begin.
    pub(crate) fn set_autobegin(&mut self, on: bool, isolation: Option<IsolationLevel>, immediate: bool) {
        self.autobegin = on;
        self.autobegin_options = (isolation, immediate);
    }

    /// Whether each statement commits on its own (autocommit mode), as opposed to
    /// commit-as-you-go, where the first statement begins a transaction that lasts until
    /// [`commit`](Connection::commit) or [`rollback`](Connection::rollback).
    pub fn is_autocommit(&self) -> bool {
        !self.autobegin
    }

    /// Autocommit mode (SQLAlchemy's `isolation_level="AUTOCOMMIT"`): each statement
    /// commits on its own, unless [`begin`](Connection::begin) opened a transaction. A
    /// connection from [`Engine::connection`](crate::backend::Engine::connection) starts in
    /// commit-as-you-go mode; `set_autocommit(false)` goes back to it. Statements that
    /// cannot run inside a transaction (`VACUUM`, PostgreSQL's `CREATE INDEX CONCURRENTLY`,
    /// SQLite's `PRAGMA journal_mode`) need autocommit mode.
    ///
    /// [`Error::TransactionInProgress`] if a transaction is open: commit or roll it back
    /// first.
    pub fn set_autocommit(&mut self, on: bool) -> Result<()> {
        if on && self.autobegin && self.in_transaction() {
            return Err(Error::TransactionInProgress);
        }
        self.autobegin = !on;
        Ok(())
    }

    /// Commit-as-you-go: begin a transaction before a statement that runs outside one,
    /// unless the statement is transaction control itself. `write`: SQLite takes the write
    /// lock at once (`BEGIN IMMEDIATE`).
    fn autobegin(&mut self, sql: &str, write: bool) -> Result<()> {
        // The flags first: the statement's text is read only when a transaction would begin.
        if !self.autobegin || self.in_transaction() || is_transaction_control(sql) {
            return Ok(());
        }
        self.autobegin_for(write)
    }

    /// Commit-as-you-go: begin a transaction now if none is open, for a Core statement
    /// that `write`s (SQLite: `BEGIN IMMEDIATE`) or reads. No-op in autocommit mode.
    pub(crate) fn autobegin_for(&mut self, write: bool) -> Result<()> {
        if !self.autobegin || self.in_transaction() {
            return Ok(());
        }
        let (isolation, immediate) = self.autobegin_options;
        self.begin_with(isolation, write || immediate)
    }

    /// Run `work` in a transaction: begun here (at the engine's isolation level for a
    /// connection from [`Engine::connection`](crate::backend::Engine::connection); SQLite
    /// takes the write lock at once), committed if `work` returns `Ok`, rolled back
    /// if it returns an error (which is returned). The block form of
    /// [`begin`](Connection::begin) / [`commit`](Connection::commit), SQLAlchemy's
    /// `with conn.begin():`. [`Error::TransactionInProgress`] if a transaction is open.
    pub fn transaction<T>(&mut self, work: impl FnOnce(&mut Connection) -> Result<T>) -> Result<T> {
        if self.in_transaction() {
            return Err(Error::TransactionInProgress);
        }
        self.begin_with(self.autobegin_options.0, true)?;
        match work(self) {
            Ok(v) => {
                self.commit()?;
                Ok(v)
            }
            Err(e) => {
                // A failed rollback marks the connection broken; the work's error is the news.
                let _ = self.rollback();
                Err(e)
            }
        }
    }

    /// Join a pool: remember its shared state and the generation the connection belongs to,
    /// and the engine's default timeouts.
    pub(crate) fn attach(&mut self, pool: Arc<PoolShared>, generation: u64, defaults: Timeouts) {
        self.health.schema_epoch = pool.schema_epoch();
        self.health.pool = Some(pool);
        self.health.generation = generation;
        // `set_timeouts(defaults)` follows and applies them (the SQLite busy timeout).
        self.default_timeouts = defaults;
    }

    /// The pool generation this connection was opened in.
    pub(crate) fn generation(&self) -> u64 {
        self.health.generation
    }

    /// Empty the statement cache if the pool's schema changed (DDL through the engine on
    /// any of its connections) since this connection last did: a cached statement must not
    /// outlive the table shapes it was prepared for. One atomic load when nothing changed.
    pub(crate) fn sync_schema(&mut self) {
        let Some(epoch) = self.health.pool.as_ref().map(|p| p.schema_epoch()) else { return };
        if epoch != self.health.schema_epoch {
            self.health.schema_epoch = epoch;
            match &mut self.inner {
                #[cfg(feature = "sqlite")]
                Inner::Sqlite(c) => c.flush_prepared_statement_cache(),
                #[cfg(feature = "postgres")]
                Inner::Postgres(c) => c.clear_statements(),
            }
        }
    }

    /// Record a schema change made on this connection: every other connection of the pool
    /// empties its statement cache at its next checkout (this one already has).
    pub(crate) fn schema_changed(&mut self) {
        if let Some(pool) = &self.health.pool {
            self.health.schema_epoch = pool.bump_schema_epoch();
        }
    }

    /// Mark the connection unusable (the pool discards it on return).
    pub(crate) fn mark_broken(&mut self) {
        self.health.broken = true;
    }

    /// Why the open transaction cannot go on: the disconnect that broke the connection, or
    /// (PostgreSQL) the server error that aborted the transaction. The session reports it as
    /// [`Error::PendingRollback`] until rolled back.
    pub(crate) fn transaction_failure(&self) -> Option<&Error> {
        self.health.lost.as_ref().or(self.health.tx_error.as_ref())
    }

    /// Use these limits until the connection goes back to the pool. PostgreSQL's
    /// `statement_timeout` / `lock_timeout` take effect at the next [`begin`](Connection::begin)
    /// (`SET LOCAL`); SQLite's lock timeout (the busy timeout) at once.
    pub(crate) fn set_timeouts(&mut self, t: Timeouts) -> Result<()> {
        #[cfg(feature = "sqlite")]
        #[cfg_attr(not(feature = "postgres"), allow(irrefutable_let_patterns))]
        if let Inner::Sqlite(c) = &self.inner {
            if t.lock != self.timeouts.lock {
                c.busy_timeout(t.lock.unwrap_or(sqlite_conn::BUSY_TIMEOUT)).map_err(|e| from_sqlite(e, None))?;
            }
        }
        self.timeouts = t;
        Ok(())
    }

    /// Arm the statement deadline, if one is set: the client deadline (both backends) and,
    /// on SQLite, the statement timeout (whichever is shorter).
    /// What a statement run once does before it is sent: refuse more parameters than the
    /// database takes, begin the commit-as-you-go transaction (for a `write`, SQLite's
    /// `BEGIN IMMEDIATE`), note that the connection was used (a BEGIN above may run twice on
    /// a lost connection; this statement never does), and arm the client deadline.
    fn before_statement(&mut self, sql: &str, params: usize, write: bool) -> Result<Option<Armed>> {
        self.check_params(params)?;
        self.autobegin(sql, write)?;
        self.health.liveness.take_unverified();
        self.arm()
    }

    fn arm(&self) -> Result<Option<Armed>> {
        let Some((after, kind)) = self.deadline_plan() else { return Ok(None) };
        let canceller = match &self.inner {
            #[cfg(feature = "sqlite")]
            Inner::Sqlite(c) => Canceller::Sqlite(c.get_interrupt_handle()),
            #[cfg(feature = "postgres")]
            Inner::Postgres(c) => Canceller::Postgres(c.client.cancel_token(), c.tls.clone()),
        };
        deadline::arm(after, kind, canceller).map(Some)
    }

    /// The client-side limit for each statement, if any: the query deadline, or on SQLite
    /// (which has no server-side one) the statement timeout when it is shorter.
    fn deadline_plan(&self) -> Option<(Duration, DeadlineKind)> {
        let t = self.timeouts;
        match (&self.inner, t.deadline, t.statement) {
            #[cfg(feature = "sqlite")]
            (Inner::Sqlite(_), d, Some(st)) if d.is_none_or(|d| st < d) => Some((st, DeadlineKind::StatementTimeout)),
            (_, Some(d), _) => Some((d, DeadlineKind::Canceled)),
            _ => None,
        }
    }

    /// Refuse, before anything is sent, a statement with more parameters than the database
    /// accepts (PostgreSQL answers 65,536 with an opaque protocol error).
    fn check_params(&self, n: usize) -> Result<()> {
        check_param_count(self.dialect(), n)
    }

    /// Note the outcome of a statement: a fired deadline turns its error into
    /// [`Error::Canceled`] / [`Error::StatementTimeout`]; disconnects break the connection.
    fn finish<R>(&mut self, armed: Option<Armed>, sql: &str, r: Result<R>) -> Result<R> {
        let postgres = self.inner.is_postgres();
        finish(&mut self.health, postgres, armed, sql, r)
    }

    /// The dialect to render statements for this connection.
    pub fn dialect(&self) -> &'static dyn Dialect {
        self.dialect_kind().dialect()
    }

    /// The dialect's key.
    pub fn dialect_kind(&self) -> DialectKind {
        match self.inner {
            #[cfg(feature = "sqlite")]
            Inner::Sqlite(_) => DialectKind::Sqlite,
            #[cfg(feature = "postgres")]
            Inner::Postgres(_) => DialectKind::Postgres,
        }
    }

    /// Whether this connection has been found unusable (it will not return to the pool).
    pub fn is_broken(&self) -> bool {
        self.health.broken
    }

    /// Whether a transaction is open on this connection.
    pub fn in_transaction(&self) -> bool {
        match &self.inner {
            #[cfg(feature = "sqlite")]
            Inner::Sqlite(c) => !c.is_autocommit(),
            #[cfg(feature = "postgres")]
            Inner::Postgres(_) => self.health.in_transaction,
        }
    }

    /// Execute a statement, returning the number of rows it changed.
    ///
    /// Transaction control sent this way (`BEGIN`, `COMMIT`, ...) is noticed, so that the
    /// connection knows it is inside a transaction (SQLite reports it itself).
    pub fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64> {
        self.execute_params(sql, params)
    }

    /// [`Connection::execute`] with any kind of parameter (borrowed ones, say).
    pub fn execute_params<P: BindParam>(&mut self, sql: &str, params: &[P]) -> Result<u64> {
        let armed = self.before_statement(sql, params.len(), true)?;
        #[cfg_attr(not(feature = "postgres"), allow(unused_variables))]
        let Connection { inner, listeners, health, .. } = self;
        let r = hooked(listeners, sql, params, RowsKind::Affected, || match inner {
            #[cfg(feature = "sqlite")]
            Inner::Sqlite(c) => sqlite_conn::execute(c, sql, params),
            #[cfg(feature = "postgres")]
            Inner::Postgres(c) => {
                refuse_nul(sql, params)?;
                c.execute(sql, params, !health.in_transaction).map_err(|e| name_nul_column(e, sql, params))
            }
        });
        if r.is_ok() {
            self.note_transaction_control(sql);
        }
        self.finish(armed, sql, r)
    }

    /// SQLite, when nothing looks at statements' values (no listener, no `echo`, no
    /// `tracing` subscriber of `orm::sql`): execute the write `sql`, its `count` parameters
    /// bound in turn by `bind`, each copied by SQLite as it is bound (nothing is collected).
    /// `None` otherwise: the caller collects the values and calls
    /// [`Connection::execute_params`]. The checks and limits of every statement apply.
    #[cfg(feature = "sqlite")]
    pub(crate) fn execute_binding(
        &mut self,
        sql: &str,
        count: usize,
        bind: &mut dyn FnMut(&mut sqlite_conn::Binder<'_, '_>) -> Result<()>,
    ) -> Option<Result<u64>> {
        if !matches!(self.inner, Inner::Sqlite(_)) || self.listeners.watched() {
            return None;
        }
        Some(self.execute_binding_now(sql, count, bind))
    }

    #[cfg(feature = "sqlite")]
    fn execute_binding_now(
        &mut self,
        sql: &str,
        count: usize,
        bind: &mut dyn FnMut(&mut sqlite_conn::Binder<'_, '_>) -> Result<()>,
    ) -> Result<u64> {
        let armed = self.before_statement(sql, count, true)?;
        let r = match &self.inner {
            Inner::Sqlite(c) => sqlite_conn::execute_binding(c, sql, bind),
            #[cfg(feature = "postgres")]
            Inner::Postgres(_) => Err(Error::Internal {
                invariant: "statements are bound in turn on SQLite only",
                detail: sql.to_owned(),
            }),
        };
        self.finish(armed, sql, r)
    }

    fn note_transaction_control(&mut self, sql: &str) {
        let h = &mut self.health;
        match transaction_effect(sql) {
            Some(TransactionEffect::Begin) => {
                h.in_transaction = true;
                h.tx_error = None;
            }
            Some(TransactionEffect::RollbackTo) => h.tx_error = None,
            Some(TransactionEffect::End) => {
                h.in_transaction = false;
                h.tx_error = None;
            }
            None => {}
        }
    }

    /// Run a query, handing each row to `f`. On PostgreSQL the result is fetched whole
    /// (the fast path); see [`Connection::stream`] for row-by-row fetching.
    pub fn query<F>(&mut self, sql: &str, params: &[Value], mut f: F) -> Result<()>
    where
        F: FnMut(&RowRef<'_>) -> Result<()>,
    {
        self.query_while(sql, params, |row| f(row).map(|()| true))
    }

    /// Like [`Connection::query`], but `f` returns whether to go on: `false` stops reading
    /// rows (the rest of the result is discarded).
    pub fn query_while<P: BindParam, F>(&mut self, sql: &str, params: &[P], mut f: F) -> Result<()>
    where
        F: FnMut(&RowRef<'_>) -> Result<bool>,
    {
        self.query_rows(sql, params, &mut f)
    }

    /// [`Connection::query_while`], compiled once per parameter kind rather than once per
    /// caller's closure: every typed query reads its rows through here.
    fn query_rows<P: BindParam>(
        &mut self,
        sql: &str,
        params: &[P],
        f: &mut dyn FnMut(&RowRef<'_>) -> Result<bool>,
    ) -> Result<()> {
        // No row reaches `f` before a lost connection is noticed: PostgreSQL's result is
        // fetched whole first.
        self.first_use(sql, |c| c.query_rows_once(sql, params, f))
    }

    fn query_rows_once<P: BindParam>(
        &mut self,
        sql: &str,
        params: &[P],
        f: &mut dyn FnMut(&RowRef<'_>) -> Result<bool>,
    ) -> Result<()> {
        self.check_params(params.len())?;
        self.autobegin(sql, false)?;
        let armed = self.arm()?;
        #[cfg_attr(not(feature = "postgres"), allow(unused_variables))]
        let Connection { inner, listeners, health, .. } = self;
        let r = hooked(listeners, sql, params, RowsKind::Returned, || {
            let mut rows = 0u64;
            let mut counted = |row: &RowRef<'_>| {
                rows += 1;
                f(row)
            };
            match inner {
                #[cfg(feature = "sqlite")]
                Inner::Sqlite(c) => sqlite_conn::query(c, sql, params, &mut counted),
                #[cfg(feature = "postgres")]
                Inner::Postgres(c) => {
                    refuse_nul(sql, params)?;
                    c.query(sql, params, &mut counted, !health.in_transaction)
                        .map_err(|e| name_nul_column(e, sql, params))
                }
            }
            .map(|()| rows)
        });
        self.finish(armed, sql, r.map(drop))
    }

    /// Run a query, handing each row to `f` as it arrives (memory stays flat for large
    /// results).
    pub fn stream<F>(&mut self, sql: &str, params: &[Value], mut f: F) -> Result<()>
    where
        F: FnMut(&RowRef<'_>) -> Result<()>,
    {
        let armed = self.before_statement(sql, params.len(), false)?;
        #[cfg_attr(not(feature = "postgres"), allow(unused_variables))]
        let Connection { inner, listeners, health, .. } = self;
        let r = hooked(listeners, sql, params, RowsKind::Returned, || {
            let mut rows = 0u64;
            let mut f = |row: &RowRef<'_>| {
                rows += 1;
                f(row).map(|()| true)
            };
            match inner {
                #[cfg(feature = "sqlite")]
                Inner::Sqlite(c) => sqlite_conn::query(c, sql, params, &mut f),
                #[cfg(feature = "postgres")]
                Inner::Postgres(c) => {
                    refuse_nul(sql, params)?;
                    c.stream(sql, params, &mut f, !health.in_transaction).map_err(|e| name_nul_column(e, sql, params))
                }
            }
            .map(|()| rows)
        });
        self.finish(armed, sql, r.map(drop))
    }

    /// Prepare `sql` once (through the statement cache) and run it many times with
    /// [`Prepared::execute`]: the fast path for inserting many rows one by one.
    pub fn prepared(&mut self, sql: &str) -> Result<Prepared<'_>> {
        self.autobegin(sql, true)?;
        // A BEGIN above may run twice on a lost connection; this statement never does.
        self.health.liveness.take_unverified();
        let deadline = self.deadline_plan();
        let dialect = self.dialect();
        let Connection { inner, health, listeners, .. } = self;
        let postgres = inner.is_postgres();
        let r = match inner {
            #[cfg(feature = "sqlite")]
            Inner::Sqlite(c) => {
                c.prepare_cached(sql).map(|stmt| PreparedInner::Sqlite(stmt, c)).map_err(|e| from_sqlite(e, None))
            }
            #[cfg(feature = "postgres")]
            Inner::Postgres(c) => c.prepare(sql).map(|stmt| PreparedInner::Postgres(&mut c.client, stmt, &c.tls)),
        };
        match r {
            Ok(inner) => Ok(Prepared {
                inner,
                sql: sql.to_owned(),
                listeners: listeners.clone(),
                health,
                postgres,
                deadline,
                dialect,
            }),
            Err(e) => Err(health.note(e, postgres)),
        }
    }

    /// SQLite: the rowid of the last row this connection inserted (`None` on PostgreSQL).
    pub fn last_insert_rowid(&self) -> Option<i64> {
        match &self.inner {
            #[cfg(feature = "sqlite")]
            Inner::Sqlite(c) => Some(c.last_insert_rowid()),
            #[cfg(feature = "postgres")]
            Inner::Postgres(_) => None,
        }
    }

    /// Execute SQL without parameters (one or more statements; DDL).
    pub fn batch(&mut self, sql: &str) -> Result<()> {
        // Several statements may open or end a transaction unseen: the next checkout probes.
        self.health.liveness.probe_next_time();
        self.batch_known(sql)
    }

    /// [`Connection::batch`] of statements the ORM generated, which leave the transaction
    /// state alone (DDL).
    pub(crate) fn batch_known(&mut self, sql: &str) -> Result<()> {
        let armed = self.before_statement(sql, 0, true)?;
        let Connection { inner, listeners, .. } = self;
        let r = hooked(listeners, sql, &[] as &[Value], RowsKind::None, || match inner {
            #[cfg(feature = "sqlite")]
            Inner::Sqlite(c) => {
                // DDL changes result shapes: cached statements must not outlive it.
                c.flush_prepared_statement_cache();
                c.execute_batch(sql).map_err(|e| from_sqlite(e, None))
            }
            #[cfg(feature = "postgres")]
            Inner::Postgres(c) => c.batch(sql),
        });
        self.finish(armed, sql, r)
    }

    /// Begin a transaction at the database's default isolation level. On SQLite, `write`
    /// takes the write lock at once (`BEGIN IMMEDIATE`): a deferred transaction that reads
    /// and then writes fails with `SQLITE_BUSY_SNAPSHOT` when another connection wrote in
    /// between. On PostgreSQL the statement and lock timeouts in force are set for the
    /// transaction (`SET LOCAL`, in the same round trip).
    pub fn begin(&mut self, write: bool) -> Result<()> {
        self.begin_with(None, write)
    }

    /// [`begin`](Connection::begin) at an isolation level (PostgreSQL: `BEGIN ISOLATION
    /// LEVEL ...`; SQLite's transactions are serializable whatever the level).
    pub fn begin_with(&mut self, isolation: Option<IsolationLevel>, write_lock: bool) -> Result<()> {
        // Only what differs from the engine's defaults (startup options); `None` over a
        // default turns it off.
        let (t, d) = (self.timeouts, self.default_timeouts);
        let begin = Begin {
            isolation,
            write_lock,
            statement_timeout: (t.statement != d.statement).then_some(t.statement),
            lock_timeout: (t.lock != d.lock).then_some(t.lock),
        };
        let sql = render_begin(self.dialect(), &begin);
        self.control(&sql)?;
        self.health.in_transaction = true;
        self.health.tx_error = None;
        Ok(())
    }

    /// Run `f` with SQLite's busy timeout at zero (a lock another connection holds fails at
    /// once with `Busy`), then put the timeout in force back. Elsewhere `f` runs as it is.
    pub(crate) fn without_busy_wait<R>(&mut self, f: impl FnOnce(&mut Connection) -> Result<R>) -> Result<R> {
        #[cfg_attr(not(feature = "sqlite"), allow(unused_variables))]
        let restore: Option<Duration> = match &self.inner {
            #[cfg(feature = "sqlite")]
            Inner::Sqlite(c) => {
                c.busy_timeout(Duration::ZERO).map_err(|e| from_sqlite(e, None))?;
                Some(self.timeouts.lock.unwrap_or(sqlite_conn::BUSY_TIMEOUT))
            }
            #[cfg(feature = "postgres")]
            Inner::Postgres(_) => None,
        };
        let r = f(self);
        #[cfg(feature = "sqlite")]
        if let (Some(timeout), Inner::Sqlite(c)) = (restore, &self.inner) {
            if c.busy_timeout(timeout).is_err() {
                // A connection stuck without its busy timeout must not be reused.
                self.health.broken = true;
            }
        }
        r
    }

    /// Commit the open transaction.
    ///
    /// An error means nothing was committed, with one exception: [`Error::CommitOutcomeUnknown`]
    /// (the connection was lost while COMMIT was in flight). In every case the transaction is
    /// over when this returns (SQLite leaves a transaction whose COMMIT got `BUSY` open; it is
    /// rolled back here and `Busy` returned), or the connection is broken and will be discarded.
    /// On PostgreSQL a transaction that an earlier statement aborted is not committed (the
    /// server would answer COMMIT with a silent ROLLBACK): it is rolled back and
    /// [`Error::PendingRollback`] names the error that aborted it.
    ///
    /// In commit-as-you-go mode (a connection from
    /// [`Engine::connection`](crate::backend::Engine::connection)) a commit with no
    /// transaction open does nothing, and the next statement begins a new transaction.
    pub fn commit(&mut self) -> Result<()> {
        if self.autobegin && !self.in_transaction() {
            return Ok(());
        }
        let postgres = self.inner.is_postgres();
        if postgres {
            if let Some(lost) = &self.health.lost {
                // Known before sending: nothing can have been committed.
                let e = lost.duplicate();
                self.health.in_transaction = false;
                return Err(e);
            }
            if let Some(original) = self.health.tx_error.take() {
                self.rollback()?;
                return Err(Error::PendingRollback { original: Box::new(original) });
            }
        }
        match self.control(commit_statement(self.dialect())) {
            Ok(()) => {
                self.health.in_transaction = false;
                self.health.tx_error = None;
                Ok(())
            }
            Err(e) if postgres && e.is_disconnect() => {
                self.health.in_transaction = false;
                Err(Error::CommitOutcomeUnknown { message: e.to_string() })
            }
            Err(e) if postgres => {
                // A COMMIT the server refuses (serialization failure, deferred constraint)
                // ends the transaction: the server is idle again.
                self.health.in_transaction = false;
                self.health.tx_error = None;
                Err(e)
            }
            Err(e) => {
                // SQLite: BUSY on COMMIT leaves the transaction open (other errors may have
                // ended it already). Never leave it open behind the caller's back.
                if self.in_transaction() {
                    let _ = self.rollback();
                }
                Err(e)
            }
        }
    }

    /// Roll back the open transaction, if any. A failed rollback marks the connection broken.
    /// On a connection already known to be lost nothing is sent: the server rolls back a
    /// closed connection's transaction itself, and the pool discards the connection.
    pub fn rollback(&mut self) -> Result<()> {
        if !self.in_transaction() || self.health.lost.is_some() {
            self.health.in_transaction = false;
            self.health.tx_error = None;
            return Ok(());
        }
        let r = self.control(rollback_statement(self.dialect()));
        match &r {
            Ok(()) => {
                self.health.in_transaction = false;
                self.health.tx_error = None;
            }
            Err(_) => self.health.broken = true,
        }
        r
    }

    /// `SAVEPOINT name`, `RELEASE SAVEPOINT name` or `ROLLBACK TO SAVEPOINT name`.
    pub(crate) fn savepoint_command(&mut self, command: SavepointCommand, name: &str) -> Result<()> {
        let sql = savepoint_statement(self.dialect(), command, name)?;
        self.control(&sql)?;
        if command == SavepointCommand::RollbackTo {
            // PostgreSQL: ROLLBACK TO ends the aborted state of the transaction.
            self.health.tx_error = None;
        }
        Ok(())
    }

    fn control(&mut self, sql: &str) -> Result<()> {
        self.first_use(sql, |c| c.control_once(sql))
    }

    fn control_once(&mut self, sql: &str) -> Result<()> {
        let postgres = self.inner.is_postgres();
        let Connection { inner, listeners, .. } = self;
        let r = hooked(listeners, sql, &[] as &[Value], RowsKind::None, || match inner {
            #[cfg(feature = "sqlite")]
            Inner::Sqlite(c) => c.execute_batch(sql).map_err(|e| from_sqlite(e, None)),
            #[cfg(feature = "postgres")]
            Inner::Postgres(c) => c.client.batch_execute(sql).map_err(|e| from_pg(e, None)),
        });
        r.map_err(|e| self.health.note(e, postgres))
    }

    /// The checkout probe (one round trip): fails if the connection is dead *or* inside a
    /// transaction block, including an aborted one. The pool runs it on every checkout.
    pub fn ping(&mut self) -> Result<()> {
        let r = self.probe();
        let postgres = self.inner.is_postgres();
        r.map_err(|e| self.health.note(e, postgres))
    }

    fn probe(&mut self) -> Result<()> {
        #[cfg_attr(not(feature = "postgres"), allow(unused_variables))]
        let idle_probe = self.dialect().idle_probe();
        match &mut self.inner {
            #[cfg(feature = "sqlite")]
            Inner::Sqlite(c) => {
                // An embedded connection has no server to lose; a statement here would only
                // wait out the busy timeout while another connection holds the write lock
                // (an in-memory database has no WAL), and then drop a healthy connection.
                if !c.is_autocommit() {
                    return Err(Error::ConnectionInTransaction { database: "SQLite" });
                }
                Ok(())
            }
            #[cfg(feature = "postgres")]
            Inner::Postgres(c) => {
                // The dialect's probe answers `t` only outside a transaction block; it is
                // sent over the simple protocol (one message).
                let Some(probe) = idle_probe else { return Ok(()) };
                let messages = c.client.simple_query(probe).map_err(|e| from_pg(e, None))?;
                let idle = messages.iter().any(|m| match m {
                    postgres::SimpleQueryMessage::Row(row) => row.get(0) == Some("t"),
                    _ => false,
                });
                if idle {
                    Ok(())
                } else {
                    Err(Error::ConnectionInTransaction { database: "PostgreSQL" })
                }
            }
        }
    }

    /// Called when the pool gets the connection back: roll back an open transaction and
    /// report whether the connection must be discarded instead of reused.
    pub(crate) fn reset_on_return(&mut self) -> bool {
        self.autobegin = false;
        self.health.liveness.checked_in();
        if std::thread::panicking() || self.health.broken {
            return true;
        }
        if self.timeouts != self.default_timeouts && self.set_timeouts(self.default_timeouts).is_err() {
            return true;
        }
        #[cfg(feature = "postgres")]
        #[cfg_attr(not(feature = "sqlite"), allow(irrefutable_let_patterns))]
        if let Inner::Postgres(c) = &self.inner {
            if c.client.is_closed() {
                return true;
            }
        }
        if self.in_transaction() {
            return self.rollback().is_err();
        }
        false
    }
}

/// [`Error::TooManyParameters`] when `n` parameters exceed what `dialect` accepts.
fn check_param_count(dialect: &dyn Dialect, n: usize) -> Result<()> {
    let limit = dialect.capabilities().max_params;
    if n > limit {
        return Err(Error::TooManyParameters { count: n, limit, dialect: dialect.name() });
    }
    Ok(())
}

/// Note the outcome of a statement: a fired deadline turns its error into
/// [`Error::Canceled`] / [`Error::StatementTimeout`]; disconnects break the connection.
fn finish<R>(health: &mut Health, postgres: bool, armed: Option<Armed>, sql: &str, r: Result<R>) -> Result<R> {
    let fired = armed.and_then(Armed::disarm);
    r.map_err(|e| {
        let e = match (fired, e) {
            (Some((kind, after)), e @ (Error::Canceled { .. } | Error::StatementTimeout { .. })) => {
                kind.error(after, &e)
            }
            // A write sent outside a transaction commits by itself: lost before its answer,
            // it may or may not have committed (PostgreSQL; SQLite cannot lose its
            // connection). Never `Disconnected`, which tells the caller it may run it again.
            (_, Error::Disconnected { message }) if postgres && !health.in_transaction && !rerun_is_harmless(sql) => {
                Error::CommitOutcomeUnknown { message }
            }
            (_, e) => e,
        };
        health.note(e, postgres)
    })
}

enum PreparedInner<'c> {
    #[cfg(feature = "sqlite")]
    Sqlite(rusqlite::CachedStatement<'c>, &'c rusqlite::Connection),
    #[cfg(feature = "postgres")]
    Postgres(&'c mut postgres::Client, postgres::Statement, &'c crate::backend::tls::PgTls),
}

/// Called with each new connection before it is first used (see
/// [`EngineBuilder::on_connect`](crate::backend::EngineBuilder::on_connect)).
pub type ConnectHook = Arc<dyn Fn(&mut Connection) -> Result<()> + Send + Sync>;

/// A statement prepared once and executed many times (see [`Connection::prepared`]).
pub struct Prepared<'c> {
    inner: PreparedInner<'c>,
    sql: String,
    listeners: Arc<Listeners>,
    health: &'c mut Health,
    postgres: bool,
    /// The client-side deadline armed around each execution.
    deadline: Option<(Duration, DeadlineKind)>,
    /// Whose bind-parameter limit is checked before each execution.
    dialect: &'static dyn Dialect,
}

impl std::fmt::Debug for Prepared<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Prepared").field("sql", &self.sql).finish()
    }
}

impl Prepared<'_> {
    /// Execute with these parameters; returns the number of rows changed. As for every
    /// statement, more parameters than the database takes are refused before anything is
    /// sent ([`Error::TooManyParameters`]), and the connection's client deadline (query
    /// deadline, SQLite statement timeout) is armed around the execution.
    pub fn execute<P: BindParam>(&mut self, params: &[P]) -> Result<u64> {
        check_param_count(self.dialect, params.len())?;
        let armed = match self.deadline {
            Some((after, kind)) => {
                let canceller = match &mut self.inner {
                    #[cfg(feature = "sqlite")]
                    PreparedInner::Sqlite(_, c) => Canceller::Sqlite(c.get_interrupt_handle()),
                    #[cfg(feature = "postgres")]
                    PreparedInner::Postgres(client, _, tls) => {
                        Canceller::Postgres(client.cancel_token(), (*tls).clone())
                    }
                };
                Some(deadline::arm(after, kind, canceller)?)
            }
            None => None,
        };
        let Prepared { inner, sql, listeners, .. } = self;
        let r = hooked(listeners, sql, params, RowsKind::Affected, || match inner {
            #[cfg(feature = "sqlite")]
            PreparedInner::Sqlite(stmt, _) => stmt
                .execute(rusqlite::params_from_iter(params.iter()))
                .map(|n| n as u64)
                .map_err(|e| from_sqlite(e, None)),
            #[cfg(feature = "postgres")]
            PreparedInner::Postgres(client, stmt, _) => {
                let refs: Vec<&(dyn postgres::types::ToSql + Sync)> =
                    params.iter().map(|p| p as &(dyn postgres::types::ToSql + Sync)).collect();
                refuse_nul(sql, params)?;
                client.execute(&*stmt, &refs).map_err(|e| name_nul_column(from_pg(e, None), sql, params))
            }
        });
        finish(self.health, self.postgres, armed, &self.sql, r)
    }

    /// SQLite: the rowid of the row the last execution inserted (`None` on PostgreSQL).
    pub fn last_insert_rowid(&self) -> Option<i64> {
        match &self.inner {
            #[cfg(feature = "sqlite")]
            PreparedInner::Sqlite(_, c) => Some(c.last_insert_rowid()),
            #[cfg(feature = "postgres")]
            PreparedInner::Postgres(..) => None,
        }
    }
}
