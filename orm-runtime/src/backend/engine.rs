//! [`Engine`]: a pool of connections to one database, made from a URL.

use std::borrow::Cow;
#[cfg(feature = "sqlite")]
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::backend::connection::ConnectHook;
use crate::backend::connection::Timeouts;
use crate::backend::events::{before_hook, EngineHooks, ExecuteEvent, HookResult, Listeners, LogSettings};
use crate::backend::liveness::DEFAULT_PROBE_AFTER;
use crate::backend::pool::{ConnectHooks, Manager, PoolManager, PoolStatus, Target};
use crate::backend::pool_state::PoolShared;
#[cfg(feature = "sqlite")]
use crate::backend::sqlite_conn;
#[cfg(feature = "postgres")]
use crate::backend::tls::PgTls;
use crate::backend::{Connection, DatabaseUrl};
use crate::dialect::begin::{IsolationLevel, TransactionOptions};
use crate::dialect::{render_ddl_with, DialectKind};
use crate::error::{Error, Result};
use crate::schema::{create_all_plan, create_table_plan, drop_all_plan, drop_table_plan, Ddl};
use crate::schema::{NamingConvention, TableDef};
use crate::types::Value;

/// How often a checkout waiting for a connection looks for a settled connect error. Each
/// look asks r2d2 again, which starts another connect when none is idle and the pool is
/// below its size: long enough that a handshake (TLS included) normally finishes first.
const SETTLED_ERROR_POLL: Duration = Duration::from_millis(500);

/// SQL text for the raw escape hatches. A `&'static str` converts implicitly; SQL built at
/// run time must be wrapped with [`RawSql::audited`], so that string-built SQL is a visible
/// decision in the code that does it. Values are always passed separately, as parameters.
#[derive(Debug, Clone)]
pub struct RawSql(Cow<'static, str>);

impl RawSql {
    /// SQL built at run time whose every interpolated piece the caller has checked.
    pub fn audited(sql: String) -> Self {
        RawSql(Cow::Owned(sql))
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<&'static str> for RawSql {
    fn from(s: &'static str) -> Self {
        RawSql(Cow::Borrowed(s))
    }
}

/// A connection checked out of an engine's pool; goes back when dropped (rolled back first
/// if a transaction is still open, discarded if that fails or the thread is panicking).
///
/// From [`Engine::connection`] it works "commit as you go" (SQLAlchemy 2.0's `Connection`):
/// the first statement begins a transaction, [`commit`](Connection::commit) commits it (the
/// next statement begins another), [`rollback`](Connection::rollback) rolls it back, and
/// dropping the connection without committing rolls back. [`Connection::transaction`] runs
/// a block in its own transaction; [`Connection::set_autocommit`] makes each statement
/// commit on its own.
#[derive(Debug)]
pub struct PooledConnection(r2d2::PooledConnection<PoolManager>);

impl std::ops::Deref for PooledConnection {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        &self.0
    }
}

impl std::ops::DerefMut for PooledConnection {
    fn deref_mut(&mut self) -> &mut Connection {
        &mut self.0
    }
}

#[derive(Debug)]
pub(crate) struct EngineInner {
    pub(crate) pool: r2d2::Pool<PoolManager>,
    pub(crate) shared: Arc<PoolShared>,
    /// Listeners shared by every connection of the pool (added to after build too).
    pub(crate) listeners: Arc<Listeners>,
    /// The `on_connect` listeners (added to after build too).
    pub(crate) connect_hooks: Arc<ConnectHooks>,
    /// Connections older than this are never handed out.
    pub(crate) max_lifetime: Option<Duration>,
    pub(crate) timeouts: Timeouts,
    /// How sessions' transactions begin unless their factory, the session or the
    /// transaction says otherwise.
    pub(crate) transaction: TransactionOptions,
    pub(crate) dialect: DialectKind,
    /// The URL it was made from (its `Debug` shows `***` for the password).
    pub(crate) url: DatabaseUrl,
    /// Keeps a shared in-memory SQLite database alive while the engine exists.
    _keeper: Option<Keeper>,
}

/// The connection that keeps an in-memory SQLite database alive (none without SQLite).
#[cfg(feature = "sqlite")]
type Keeper = Mutex<rusqlite::Connection>;
#[cfg(not(feature = "sqlite"))]
type Keeper = std::convert::Infallible;

/// A database: a connection pool plus the dialect to render for it. Cheap to clone.
///
/// ```
/// let engine = orm_runtime::backend::Engine::connect("sqlite::memory:").unwrap();
/// assert_eq!(engine.execute("CREATE TABLE t (x INTEGER)", &[]).unwrap(), 0);
/// ```
#[derive(Debug, Clone)]
pub struct Engine {
    pub(crate) inner: Arc<EngineInner>,
}

/// Settings of an [`Engine`]'s pool.
#[derive(Clone)]
pub struct EngineBuilder {
    url: String,
    pool_size: u32,
    max_overflow: u32,
    connection_timeout: Duration,
    max_lifetime: Option<Duration>,
    idle_timeout: Option<Duration>,
    pre_ping: bool,
    probe_after: Duration,
    search_path: Option<String>,
    application_name: Option<String>,
    connect_timeout: Option<Duration>,
    timeouts: Timeouts,
    transaction: TransactionOptions,
    hooks: EngineHooks,
    connect_hooks: Vec<ConnectHook>,
    log: LogSettings,
}

impl std::fmt::Debug for EngineBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EngineBuilder")
            .field("pool_size", &self.pool_size)
            .field("max_overflow", &self.max_overflow)
            .field("connection_timeout", &self.connection_timeout)
            .field("pre_ping", &self.pre_ping)
            .field("probe_after", &self.probe_after)
            .finish_non_exhaustive()
    }
}

#[cfg(feature = "sqlite")]
static MEMORY_DB: AtomicU64 = AtomicU64::new(0);

impl EngineBuilder {
    /// Connections the pool keeps open, idle or not (default 10). Under load it opens up
    /// to [`max_overflow`](EngineBuilder::max_overflow) more.
    pub fn pool_size(mut self, n: u32) -> Self {
        self.pool_size = n.max(1);
        self
    }

    /// Connections that may be opened beyond `pool_size` when every pooled one is checked
    /// out (default 0; SQLAlchemy's `max_overflow`). An overflow connection is closed when
    /// it is returned instead of kept idle, so the pool shrinks back to `pool_size` once the
    /// load is gone. A checkout waits (up to the connection timeout) only when
    /// `pool_size + max_overflow` connections are checked out. See [`Engine::pool_status`].
    pub fn max_overflow(mut self, n: u32) -> Self {
        self.max_overflow = n;
        self
    }

    /// Print every statement to stderr: its SQL, parameters, duration and rows
    /// (SQLAlchemy's `echo=True`). No hook or `tracing` subscriber needed. Parameters are
    /// replaced by their count with [`hide_parameters`](EngineBuilder::hide_parameters).
    /// Independently of this, every statement is also a `tracing` event at `DEBUG` level on
    /// the `orm::sql` target.
    pub fn echo(mut self, on: bool) -> Self {
        self.log.echo = on.then(|| Arc::new(Mutex::new(Box::new(std::io::stderr()) as Box<dyn std::io::Write + Send>)));
        self
    }

    /// [`echo`](EngineBuilder::echo) into `sink` instead of stderr (a log file, a buffer
    /// in a test). Write errors are ignored: logging never fails a statement.
    pub fn echo_to(mut self, sink: impl std::io::Write + Send + 'static) -> Self {
        self.log.echo = Some(Arc::new(Mutex::new(Box::new(sink))));
        self
    }

    /// Keep bound values out of the statement log (echo and `tracing` events): each
    /// statement shows `[N parameters hidden]`, and a failed statement's error only its
    /// kind, since a database message can quote a value (SQLAlchemy's `hide_parameters`).
    /// Listeners still receive the values. Without it, the log shows values, except that
    /// bytes show as their length and long text is cut at 100 characters.
    pub fn hide_parameters(mut self, on: bool) -> Self {
        self.log.hide_parameters = on;
        self
    }

    /// How long a checkout waits for a free connection (default 30 s).
    pub fn connection_timeout(mut self, d: Duration) -> Self {
        self.connection_timeout = d;
        self
    }

    /// Connections older than this are closed (default 30 min; `None`: never).
    pub fn max_lifetime(mut self, d: Option<Duration>) -> Self {
        self.max_lifetime = d;
        self
    }

    /// Idle connections are closed after this (default 10 min; `None`: never).
    pub fn idle_timeout(mut self, d: Option<Duration>) -> Self {
        self.idle_timeout = d;
        self
    }

    /// Check connections at checkout (default on): a connection that is dead, or left inside
    /// a transaction, is never handed out. SQLite's check is free (the library's autocommit
    /// flag). On PostgreSQL the probe is a round trip, sent only to a connection idle for
    /// [`pre_ping_after`](EngineBuilder::pre_ping_after) or whose last borrower ran SQL the
    /// connection could not follow (a multi-statement [`batch`](Connection::batch)) or saw
    /// an error; a more recent one found dead at its first statement is replaced by a new
    /// connection and a read (or `BEGIN`) runs again there, unseen by the caller. A first
    /// statement that writes outside a transaction is never run twice: it fails with
    /// [`Error::CommitOutcomeUnknown`](crate::error::Error::CommitOutcomeUnknown) (it commits
    /// by itself, so the server may have committed it before the connection went).
    ///
    /// `false`: no check and no replacement; the first statement on a dead connection fails
    /// with `Disconnected`, and the connection is discarded.
    pub fn pre_ping(mut self, on: bool) -> Self {
        self.pre_ping = on;
        self
    }

    /// How long a PostgreSQL connection may sit in the pool before its next checkout sends
    /// the probe of [`pre_ping`](EngineBuilder::pre_ping) (default 1 s; HikariCP's
    /// `aliveBypassWindowMs` is the same idea). `Duration::ZERO` probes at every checkout.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use orm_runtime::backend::Engine;
    /// let engine = Engine::builder("sqlite::memory:").pre_ping_after(Duration::ZERO).build().unwrap();
    /// # drop(engine);
    /// ```
    pub fn pre_ping_after(mut self, idle: Duration) -> Self {
        self.probe_after = idle;
        self
    }

    /// Limit for opening one connection (default: the URL's `connect_timeout`, else the
    /// checkout timeout). On PostgreSQL it covers the whole startup handshake, not only the
    /// TCP connect the driver's own `connect_timeout` limits: a server that accepts the
    /// socket and then does not answer gives [`Error::Disconnected`] ("could not connect")
    /// after this long instead of blocking a pool thread indefinitely.
    pub fn connect_timeout(mut self, d: Duration) -> Self {
        self.connect_timeout = Some(d);
        self
    }

    /// Default statement timeout of every connection. PostgreSQL: the server's
    /// `statement_timeout` (a startup option), [`Error::StatementTimeout`] (57014) after it.
    /// SQLite: the ORM interrupts a statement that runs longer, with the same error.
    /// A session can set its own ([`Session::set_statement_timeout`](crate::session::Session::set_statement_timeout)).
    pub fn statement_timeout(mut self, d: Duration) -> Self {
        self.timeouts.statement = Some(d);
        self
    }

    /// Default lock timeout of every connection. PostgreSQL: the server's `lock_timeout`
    /// ([`Error::LockTimeout`], 55P03). SQLite: the busy timeout (default 5 s;
    /// [`Error::Busy`] after it).
    pub fn lock_timeout(mut self, d: Duration) -> Self {
        self.timeouts.lock = Some(d);
        self
    }

    /// Default client-side deadline for every statement: a statement still running after
    /// `d` is canceled (PostgreSQL: a cancel request through the driver's `CancelToken`;
    /// SQLite: `sqlite3_interrupt`) and fails with [`Error::Canceled`]; the connection stays
    /// usable. Unlike `statement_timeout` it needs no server setting and also bounds the
    /// time spent waiting on locks. See also
    /// [`Session::set_query_deadline`](crate::session::Session::set_query_deadline).
    pub fn query_deadline(mut self, d: Duration) -> Self {
        self.timeouts.deadline = Some(d);
        self
    }

    /// The isolation level of every session's transactions (default: the database's own,
    /// `READ COMMITTED` in effect on both; see [`IsolationLevel`] for what each level means
    /// on each database). A session factory, a session or one transaction can ask for
    /// another ([`SessionFactory::isolation_level`](crate::session::SessionFactory::isolation_level),
    /// [`Session::set_isolation_level`](crate::session::Session::set_isolation_level),
    /// [`Session::begin`](crate::session::Session::begin)).
    pub fn isolation_level(mut self, level: IsolationLevel) -> Self {
        self.transaction = self.transaction.isolation(level);
        self
    }

    /// SQLite: every session transaction begins `IMMEDIATE` at its first statement, read or
    /// write, holding the database's write lock from its start (see
    /// [`TransactionOptions::immediate`]). No effect on PostgreSQL.
    pub fn begin_immediate(mut self, on: bool) -> Self {
        self.transaction = self.transaction.immediate(on);
        self
    }

    /// PostgreSQL: the `search_path` of every connection (a schema name).
    pub fn search_path(mut self, schema: &str) -> Self {
        self.search_path = Some(schema.to_owned());
        self
    }

    /// PostgreSQL: the `application_name` of every connection.
    pub fn application_name(mut self, name: &str) -> Self {
        self.application_name = Some(name.to_owned());
        self
    }

    /// Call `hook` with the SQL and parameters of every statement, before it runs (auditing,
    /// statement counting in tests, refusing statements). Several listeners run in the order
    /// they were added. `hook` returns `()`, or `orm::Result<()>`: an error stops the
    /// statement, which is not sent, and is what the caller gets (SQLAlchemy's listener that
    /// raises). To add one to a built engine, see [`Engine::events`].
    ///
    /// ```
    /// # use orm_runtime::backend::Engine;
    /// # use orm_runtime::Error;
    /// let engine = Engine::builder("sqlite::memory:")
    ///     .before_execute(|sql, _| {
    ///         if sql.starts_with("DROP") {
    ///             return Err(Error::Validation { model: "statement".into(), field: None, message: "no DROP here".into() });
    ///         }
    ///         Ok(())
    ///     })
    ///     .build()
    ///     .unwrap();
    /// assert!(engine.execute("DROP TABLE t", &[]).is_err());
    /// ```
    pub fn before_execute<R: HookResult>(mut self, hook: impl Fn(&str, &[Value]) -> R + Send + Sync + 'static) -> Self {
        self.hooks.before.push(before_hook(hook));
        self
    }

    /// Call `hook` after every statement with its SQL, parameters, duration and error, if
    /// any (slow-query logs, metrics).
    ///
    /// ```
    /// # use orm_runtime::backend::Engine;
    /// let engine = Engine::builder("sqlite::memory:")
    ///     .after_execute(|e| {
    ///         if e.elapsed.as_millis() > 100 {
    ///             eprintln!("slow ({:?}): {}", e.elapsed, e.sql);
    ///         }
    ///     })
    ///     .build()
    ///     .unwrap();
    /// engine.execute("CREATE TABLE t (x INTEGER)", &[]).unwrap();
    /// ```
    pub fn after_execute(mut self, hook: impl Fn(&ExecuteEvent<'_>) + Send + Sync + 'static) -> Self {
        self.hooks.after.push(Arc::new(hook));
        self
    }

    /// Call `hook` with each new connection before it is first used (session settings,
    /// `PRAGMA`s). An error fails the checkout that opened the connection, which is not kept.
    pub fn on_connect(mut self, hook: impl Fn(&mut Connection) -> Result<()> + Send + Sync + 'static) -> Self {
        self.connect_hooks.push(Arc::new(hook));
        self
    }

    /// Open the pool. No connection is opened before the first checkout, except the one that
    /// keeps an in-memory SQLite database alive.
    pub fn build(self) -> Result<Engine> {
        let url = DatabaseUrl::parse(&self.url)?;
        let (target, dialect, keeper) = match (url.dialect(), url.sqlite_open_path()) {
            #[cfg(feature = "sqlite")]
            (DialectKind::Sqlite, None) => {
                let n = MEMORY_DB.fetch_add(1, Ordering::Relaxed);
                // The memdb VFS shares one database between every connection that opens the
                // same "/name", with ordinary locking (so the busy timeout applies).
                let path = format!("file:/orm-memory-{}-{n}?vfs=memdb", std::process::id());
                let keeper = sqlite_conn::open(&path, true)?;
                (Target::Sqlite { path, memory: true }, DialectKind::Sqlite, Some(Mutex::new(keeper)))
            }
            #[cfg(feature = "sqlite")]
            (DialectKind::Sqlite, Some(path)) => (Target::Sqlite { path, memory: false }, DialectKind::Sqlite, None),
            #[cfg(not(feature = "sqlite"))]
            (DialectKind::Sqlite, _) => {
                return Err(Error::BackendDisabled { database: "sqlite", feature: "sqlite" });
            }
            #[cfg(not(feature = "postgres"))]
            _ => return Err(Error::BackendDisabled { database: "postgresql", feature: "postgres" }),
            #[cfg(feature = "postgres")]
            _ => {
                let mut config =
                    url.postgres_config().map_err(|reason| Error::InvalidUrl { url: url.to_string(), reason })?;
                let tls = PgTls::new(url.ssl_mode(), url.ssl_root_cert())?;
                tls.configure(&mut config);
                let mut options = config.get_options().unwrap_or_default().to_owned();
                if let Some(schema) = &self.search_path {
                    crate::dialect::check_identifier(schema, 63)?;
                    if !schema.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                        return Err(Error::InvalidIdentifier {
                            name: schema.clone(),
                            reason: "schema names here are [A-Za-z0-9_]",
                        });
                    }
                    options.push_str(&format!(" -c search_path={schema}"));
                }
                // Integers (milliseconds) only: nothing user-provided reaches the options.
                if let Some(d) = self.timeouts.statement {
                    options.push_str(&format!(" -c statement_timeout={}", d.as_millis().max(1)));
                }
                if let Some(d) = self.timeouts.lock {
                    options.push_str(&format!(" -c lock_timeout={}", d.as_millis().max(1)));
                }
                config.options(options.trim());
                if let Some(app) = &self.application_name {
                    config.application_name(app);
                }
                // The TCP connect limit; the handshake's is the pool's (see `pool.rs`).
                if let Some(d) = self.connect_timeout {
                    config.connect_timeout(d);
                } else if config.get_connect_timeout().is_none() {
                    config.connect_timeout(self.connection_timeout);
                }
                (Target::Postgres { config: Box::new(config), tls }, DialectKind::Postgres, None)
            }
        };
        let connect_timeout = match &target {
            #[cfg(feature = "postgres")]
            Target::Postgres { config, .. } => config.get_connect_timeout().copied(),
            #[cfg(feature = "sqlite")]
            Target::Sqlite { .. } => None,
        }
        .unwrap_or(self.connection_timeout);
        let shared = Arc::new(PoolShared::new(self.pool_size, self.max_overflow));
        let timeouts = self.timeouts;
        let listeners = Arc::new(Listeners::new(self.hooks, self.log));
        let connect_hooks = Arc::new(ConnectHooks::new(self.connect_hooks));
        let manager = Manager {
            target,
            listeners: listeners.clone(),
            connect_hooks: connect_hooks.clone(),
            max_lifetime: self.max_lifetime,
            shared: shared.clone(),
            connect_timeout,
            // Every connection the pool may open at once: a healthy burst never waits on it.
            max_hung_connects: self.pool_size.saturating_add(self.max_overflow) as usize,
            timeouts: self.timeouts,
            probe_after: self.probe_after,
        };
        let pool = r2d2::Pool::builder()
            .max_size(self.pool_size.saturating_add(self.max_overflow))
            .min_idle(Some(0))
            .connection_timeout(self.connection_timeout)
            .max_lifetime(self.max_lifetime)
            .idle_timeout(self.idle_timeout)
            .test_on_check_out(self.pre_ping)
            .error_handler(Box::new(r2d2::NopErrorHandler))
            .build_unchecked(PoolManager(Arc::new(manager)));
        let transaction = self.transaction;
        let max_lifetime = self.max_lifetime;
        Ok(Engine {
            inner: Arc::new(EngineInner {
                pool,
                shared,
                listeners,
                connect_hooks,
                max_lifetime,
                timeouts,
                transaction,
                dialect,
                url,
                _keeper: keeper,
            }),
        })
    }
}

impl Engine {
    /// An engine with default pool settings, for a URL in one of SQLAlchemy's forms
    /// (`sqlite://`, `sqlite:///rel.db`, `sqlite:////abs.db`, `postgresql://user@host/db`,
    /// `+driver` suffixes; see [`DatabaseUrl`]). PostgreSQL connections use TLS as the URL's
    /// `sslmode` says ([`SslMode`](crate::backend::SslMode); `prefer` by default).
    pub fn connect(url: &str) -> Result<Engine> {
        Engine::builder(url).build()
    }

    /// Pool settings for `url`.
    pub fn builder(url: &str) -> EngineBuilder {
        EngineBuilder {
            url: url.to_owned(),
            pool_size: 10,
            max_overflow: 0,
            connection_timeout: Duration::from_secs(30),
            max_lifetime: Some(Duration::from_secs(30 * 60)),
            idle_timeout: Some(Duration::from_secs(10 * 60)),
            pre_ping: true,
            probe_after: DEFAULT_PROBE_AFTER,
            search_path: None,
            application_name: None,
            connect_timeout: None,
            timeouts: Timeouts::default(),
            transaction: TransactionOptions::new(),
            hooks: EngineHooks::default(),
            connect_hooks: Vec::new(),
            log: LogSettings::default(),
        }
    }

    /// The dialect statements are rendered in.
    pub fn dialect_kind(&self) -> DialectKind {
        self.inner.dialect
    }

    /// The URL the engine was made from, parsed (SQLAlchemy's `engine.url`): its `Display`
    /// and `Debug` show `***` for the password.
    pub fn url(&self) -> &DatabaseUrl {
        &self.inner.url
    }

    /// Check a connection out of the pool, in commit-as-you-go mode (SQLAlchemy 2.0's
    /// `engine.connect()`): its first statement begins a transaction (at the engine's
    /// [`isolation_level`](EngineBuilder::isolation_level)), which lasts until
    /// [`commit`](Connection::commit) or [`rollback`](Connection::rollback); dropping the
    /// connection without committing rolls back. See [`PooledConnection`] for the block form
    /// and autocommit mode.
    ///
    /// SQLite: a transaction whose first statement writes begins `IMMEDIATE` (with the write
    /// lock); one whose first statement reads begins deferred, and a write after another
    /// connection's commit then fails with the retryable [`Error::Busy`] (stale snapshot).
    /// [`EngineBuilder::begin_immediate`] makes every transaction take the write lock at once.
    ///
    /// ```
    /// # use orm_runtime::backend::Engine;
    /// let engine = Engine::connect("sqlite::memory:").unwrap();
    /// engine.execute("CREATE TABLE t (x INTEGER)", &[]).unwrap();
    /// let mut conn = engine.connection().unwrap();
    /// conn.execute("INSERT INTO t VALUES (1)", &[]).unwrap();
    /// conn.commit().unwrap();
    /// conn.execute("INSERT INTO t VALUES (2)", &[]).unwrap();
    /// drop(conn); // not committed: rolled back
    /// let n: i64 = orm_runtime::query::text("SELECT count(*) FROM t").scalar(&engine).unwrap();
    /// assert_eq!(n, 1);
    /// ```
    ///
    /// A connection of an older pool generation (opened before a disconnect was seen) or
    /// older than the pool's `max_lifetime` is closed without a round trip and another one
    /// taken, also with `pre_ping(false)`.
    pub fn connection(&self) -> Result<PooledConnection> {
        let mut conn = self.checkout()?;
        let options = self.inner.transaction;
        conn.set_autobegin(true, options.isolation_level(), options.is_immediate().unwrap_or(false));
        Ok(conn)
    }

    /// Check a connection out of the pool in autocommit mode (each statement commits on its
    /// own unless a transaction is begun): for the engine's one-shot statements and sessions.
    pub(crate) fn checkout(&self) -> Result<PooledConnection> {
        // Each stale or expired connection taken is closed for good, so this ends within
        // max_size + 1.
        let mut attempts = self.inner.pool.max_size() + 1;
        loop {
            let mut conn = self.pooled()?;
            attempts -= 1;
            let shared = &self.inner.shared;
            if attempts == 0 || !(shared.is_stale(&conn) || shared.is_expired(&conn, self.inner.max_lifetime)) {
                conn.sync_schema();
                return Ok(PooledConnection(conn));
            }
            conn.mark_broken();
        }
    }

    /// A connection from the pool, waiting up to its connection timeout; a settled connect
    /// error (TLS refused or unverifiable) ends the wait at once, since waiting would only
    /// repeat it.
    fn pooled(&self) -> Result<r2d2::PooledConnection<PoolManager>> {
        let pool = &self.inner.pool;
        // An idle connection: no clock, no wait.
        if let Some(conn) = pool.try_get() {
            return Ok(conn);
        }
        let shared = &self.inner.shared;
        let deadline = Instant::now() + pool.connection_timeout();
        // r2d2 hands its last connect error to one timed-out wait only: keep the latest
        // message that carries one.
        let mut message: Option<String> = None;
        loop {
            let wait = deadline.saturating_duration_since(Instant::now()).min(SETTLED_ERROR_POLL);
            match pool.get_timeout(wait) {
                Ok(conn) => return Ok(conn),
                Err(e) => {
                    if let Some(settled) = shared.settled_connect_error() {
                        return Err(settled);
                    }
                    let text = e.to_string();
                    if message.is_none() || text.contains(':') {
                        message = Some(text);
                    }
                    if Instant::now() >= deadline {
                        return Err(Error::PoolTimeout {
                            message: message.unwrap_or_default(),
                            last_error: shared.last_connect_error().map(Box::new),
                        });
                    }
                }
            }
        }
    }

    /// Add listeners to the built engine: every connection, already pooled or opened later,
    /// runs them from its next statement on (connect listeners: from the next connection
    /// opened).
    ///
    /// ```
    /// # use orm_runtime::backend::Engine;
    /// let engine = Engine::connect("sqlite::memory:").unwrap();
    /// engine.events().before_execute(|sql, _| eprintln!("about to run {sql}"));
    /// engine.execute("CREATE TABLE t (x INTEGER)", &[]).unwrap();
    /// ```
    pub fn events(&self) -> EngineEvents<'_> {
        EngineEvents { listeners: &self.inner.listeners, connect_hooks: &self.inner.connect_hooks }
    }

    /// How the engine's sessions begin their transactions (see
    /// [`EngineBuilder::isolation_level`]).
    pub fn transaction_options(&self) -> TransactionOptions {
        self.inner.transaction
    }

    /// The engine's statement, lock and client timeouts.
    pub(crate) fn default_timeouts(&self) -> Timeouts {
        self.inner.timeouts
    }

    /// A snapshot of the pool: its `size` and `max_overflow`, the connections open now
    /// (`connections`), `checked_out`, `idle` and beyond the size (`overflow`), the
    /// generation, and counters of connections opened, recycled (past `max_lifetime`),
    /// closed as overflow, dropped as stale, and of failed probes.
    ///
    /// ```
    /// # use orm_runtime::backend::Engine;
    /// let engine = Engine::builder("sqlite::memory:").pool_size(2).max_overflow(1).build().unwrap();
    /// let held: Vec<_> = (0..3).map(|_| engine.connection().unwrap()).collect();
    /// let s = engine.pool_status();
    /// assert_eq!((s.size, s.checked_out, s.idle, s.overflow), (2, 3, 0, 1));
    /// drop(held);
    /// let s = engine.pool_status();
    /// assert_eq!((s.connections, s.idle, s.overflow), (2, 2, 0)); // the overflow one was closed
    /// ```
    pub fn pool_status(&self) -> PoolStatus {
        self.inner.shared.status(self.inner.pool.state())
    }

    /// Execute raw SQL with bound parameters, in its own implicit transaction.
    pub fn execute(&self, sql: impl Into<RawSql>, params: &[Value]) -> Result<u64> {
        self.checkout()?.execute(sql.into().as_str(), params)
    }

    fn ddl(&self, stmts: &[Ddl], naming: &NamingConvention) -> Result<()> {
        let mut conn = self.checkout()?;
        let d = conn.dialect();
        let mut sql = Vec::new();
        for s in stmts {
            sql.extend(render_ddl_with(d, s, naming)?);
        }
        conn.begin(true)?;
        for s in &sql {
            if let Err(e) = conn.batch_known(s) {
                // Best effort: the pool discards the connection if this fails too.
                let _ = conn.rollback();
                return Err(e);
            }
        }
        let r = conn.commit();
        // Whatever COMMIT answered: a needless cache flush costs a re-prepare, a stale
        // cached statement a wrong result.
        conn.schema_changed();
        r
    }

    /// Create the tables (and their indexes) that do not exist yet, parents before children,
    /// in one transaction.
    ///
    /// Single-table inheritance: the base's table is created with the columns of every
    /// subtype of the program ([`TableDef::subtypes`]), listed or not, each once; a listed
    /// subtype brings its base's table even when the base is not listed. Indexes and
    /// constraints the models do not name get the default [`NamingConvention`]'s names
    /// (`ix_<table>_<columns>`, ...); see [`Engine::create_all_with`] for another convention.
    pub fn create_all(&self, tables: &[&'static TableDef]) -> Result<()> {
        self.create_all_with(tables, &NamingConvention::default())
    }

    /// [`Engine::create_all`], naming the indexes and constraints the models do not name
    /// with `naming` (SQLAlchemy's `MetaData(naming_convention=...)`); a name given in a
    /// model wins. The convention is checked before anything is sent
    /// ([`Error::InvalidNamingConvention`]).
    pub fn create_all_with(&self, tables: &[&'static TableDef], naming: &NamingConvention) -> Result<()> {
        naming.validate()?;
        self.ddl(&create_all_plan(tables), naming)
    }

    /// Drop the tables that exist, children before parents, in one transaction.
    pub fn drop_all(&self, tables: &[&'static TableDef]) -> Result<()> {
        self.ddl(&drop_all_plan(tables), &NamingConvention::default())
    }

    /// Create one table and its indexes (fails if it exists).
    /// A single-table base or subtype creates the shared table with the columns of the base
    /// and of every subtype ([`TableDef::subtypes`]).
    pub fn create_table(&self, table: &'static TableDef) -> Result<()> {
        self.create_table_with(table, &NamingConvention::default())
    }

    /// [`Engine::create_table`], naming what the model leaves unnamed with `naming`.
    pub fn create_table_with(&self, table: &'static TableDef, naming: &NamingConvention) -> Result<()> {
        naming.validate()?;
        self.ddl(&create_table_plan(table), naming)
    }

    /// Drop one table (fails if it does not exist).
    pub fn drop_table(&self, table: &'static TableDef) -> Result<()> {
        self.ddl(&drop_table_plan(table), &NamingConvention::default())
    }
}

/// Adds listeners to a built [`Engine`] (from [`Engine::events`]).
#[derive(Debug)]
pub struct EngineEvents<'e> {
    listeners: &'e Listeners,
    connect_hooks: &'e ConnectHooks,
}

impl EngineEvents<'_> {
    /// Like [`EngineBuilder::before_execute`]: `hook` returns `()` or `orm::Result<()>`, and
    /// an error stops the statement.
    pub fn before_execute<R: HookResult>(&self, hook: impl Fn(&str, &[Value]) -> R + Send + Sync + 'static) -> &Self {
        let hook = before_hook(hook);
        self.listeners.change(|h| h.before.push(hook));
        self
    }

    /// Like [`EngineBuilder::after_execute`].
    pub fn after_execute(&self, hook: impl Fn(&ExecuteEvent<'_>) + Send + Sync + 'static) -> &Self {
        self.listeners.change(|h| h.after.push(Arc::new(hook)));
        self
    }

    /// Like [`EngineBuilder::on_connect`]; runs for connections opened from now on.
    pub fn on_connect(&self, hook: impl Fn(&mut Connection) -> Result<()> + Send + Sync + 'static) -> &Self {
        self.connect_hooks.push(Arc::new(hook));
        self
    }
}
