//! [`Engine`]: a pool of connections to one database, made from a URL.

use std::borrow::Cow;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::backend::connection::Timeouts;
use crate::backend::events::{EngineHooks, ExecuteEvent};
use crate::backend::pool::{Manager, PoolShared, PoolStatus, Target};
use crate::backend::tls::PgTls;
use crate::backend::{sqlite_conn, Connection, DatabaseUrl};
use crate::dialect::{render_ddl, DialectKind};
use crate::error::{Error, Result};
use crate::query::{Ddl, IsolationLevel, TransactionOptions};
use crate::schema::{creation_order, drop_order, TableDef};
use crate::types::Value;

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
#[derive(Debug)]
pub struct PooledConnection(r2d2::PooledConnection<Manager>);

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
    pub(crate) pool: r2d2::Pool<Manager>,
    pub(crate) shared: Arc<PoolShared>,
    pub(crate) timeouts: Timeouts,
    /// How sessions' transactions begin unless their factory, the session or the
    /// transaction says otherwise.
    pub(crate) transaction: TransactionOptions,
    pub(crate) dialect: DialectKind,
    /// The URL it was made from (its `Debug` shows `***` for the password).
    pub(crate) url: DatabaseUrl,
    /// Keeps a shared in-memory SQLite database alive while the engine exists.
    _keeper: Option<Mutex<rusqlite::Connection>>,
}

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
    connection_timeout: Duration,
    max_lifetime: Option<Duration>,
    idle_timeout: Option<Duration>,
    pre_ping: bool,
    search_path: Option<String>,
    application_name: Option<String>,
    connect_timeout: Option<Duration>,
    timeouts: Timeouts,
    transaction: TransactionOptions,
    hooks: EngineHooks,
}

impl std::fmt::Debug for EngineBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EngineBuilder")
            .field("pool_size", &self.pool_size)
            .field("connection_timeout", &self.connection_timeout)
            .field("pre_ping", &self.pre_ping)
            .finish_non_exhaustive()
    }
}

static MEMORY_DB: AtomicU64 = AtomicU64::new(0);

impl EngineBuilder {
    /// Most connections the pool opens (default 10).
    pub fn pool_size(mut self, n: u32) -> Self {
        self.pool_size = n.max(1);
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

    /// Probe each connection on checkout (default on). The probe also rejects a connection
    /// left inside a transaction.
    pub fn pre_ping(mut self, on: bool) -> Self {
        self.pre_ping = on;
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

    /// Call `hook` with the SQL and parameters of every statement, before it runs (logging,
    /// statement counting in tests). Several listeners run in the order they were added.
    pub fn before_execute(mut self, hook: impl Fn(&str, &[Value]) + Send + Sync + 'static) -> Self {
        self.hooks.before.push(Arc::new(hook));
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
        self.hooks.connect.push(Arc::new(hook));
        self
    }

    /// Open the pool. No connection is opened before the first checkout, except the one that
    /// keeps an in-memory SQLite database alive.
    pub fn build(self) -> Result<Engine> {
        let url = DatabaseUrl::parse(&self.url)?;
        let (target, dialect, keeper) = match (url.dialect(), url.sqlite_open_path()) {
            (DialectKind::Sqlite, None) => {
                let n = MEMORY_DB.fetch_add(1, Ordering::Relaxed);
                // The memdb VFS shares one database between every connection that opens the
                // same "/name", with ordinary locking (so the busy timeout applies).
                let path = format!("file:/orm-memory-{}-{n}?vfs=memdb", std::process::id());
                let keeper = sqlite_conn::open(&path, true)?;
                (Target::Sqlite { path, memory: true }, DialectKind::Sqlite, Some(Mutex::new(keeper)))
            }
            (DialectKind::Sqlite, Some(path)) => (Target::Sqlite { path, memory: false }, DialectKind::Sqlite, None),
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
            Target::Postgres { config, .. } => config.get_connect_timeout().copied(),
            Target::Sqlite { .. } => None,
        }
        .unwrap_or(self.connection_timeout);
        let shared = Arc::new(PoolShared::default());
        let timeouts = self.timeouts;
        let manager = Manager {
            target,
            hooks: Arc::new(self.hooks),
            shared: shared.clone(),
            connect_timeout,
            max_hung_connects: self.pool_size as usize,
            timeouts: self.timeouts,
        };
        let pool = r2d2::Pool::builder()
            .max_size(self.pool_size)
            .min_idle(Some(0))
            .connection_timeout(self.connection_timeout)
            .max_lifetime(self.max_lifetime)
            .idle_timeout(self.idle_timeout)
            .test_on_check_out(self.pre_ping)
            .error_handler(Box::new(r2d2::NopErrorHandler))
            .build_unchecked(manager);
        let transaction = self.transaction;
        Ok(Engine {
            inner: Arc::new(EngineInner { pool, shared, timeouts, transaction, dialect, url, _keeper: keeper }),
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
            connection_timeout: Duration::from_secs(30),
            max_lifetime: Some(Duration::from_secs(30 * 60)),
            idle_timeout: Some(Duration::from_secs(10 * 60)),
            pre_ping: true,
            search_path: None,
            application_name: None,
            connect_timeout: None,
            timeouts: Timeouts::default(),
            transaction: TransactionOptions::new(),
            hooks: EngineHooks::default(),
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

    /// Check a connection out of the pool.
    ///
    /// A connection of an older pool generation (opened before a disconnect was seen) is
    /// dropped without a round trip and another one taken, also with `pre_ping(false)`.
    pub fn connection(&self) -> Result<PooledConnection> {
        // Each stale connection taken is dropped for good, so this ends within pool_size + 1.
        let mut attempts = self.inner.pool.max_size() + 1;
        loop {
            let mut conn = self.inner.pool.get().map_err(|e| Error::PoolTimeout {
                message: e.to_string(),
                last_error: self.inner.shared.last_connect_error().map(Box::new),
            })?;
            attempts -= 1;
            if attempts == 0 || !self.inner.shared.is_stale(&conn) {
                conn.sync_schema();
                return Ok(PooledConnection(conn));
            }
            conn.mark_broken();
        }
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

    /// A snapshot of the pool: connections held and idle, the generation, and counters of
    /// stale connections dropped, failed probes and connections opened.
    pub fn pool_status(&self) -> PoolStatus {
        self.inner.shared.status(self.inner.pool.state())
    }

    /// Execute raw SQL with bound parameters, in its own implicit transaction.
    pub fn execute(&self, sql: impl Into<RawSql>, params: &[Value]) -> Result<u64> {
        self.connection()?.execute(sql.into().as_str(), params)
    }

    fn ddl(&self, stmts: &[Ddl]) -> Result<()> {
        let mut conn = self.connection()?;
        let d = conn.dialect();
        let mut sql = Vec::new();
        for s in stmts {
            sql.extend(render_ddl(d, s)?);
        }
        conn.begin(true)?;
        for s in &sql {
            if let Err(e) = conn.batch(s) {
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
    /// A single-table subtype adds its own columns to its base's table (the base is created
    /// with it even when it is not listed).
    pub fn create_all(&self, tables: &[&'static TableDef]) -> Result<()> {
        let (subtypes, mut bases): (Vec<&'static TableDef>, Vec<&'static TableDef>) =
            tables.iter().partition(|t| t.single_table_base().is_some());
        for sub in &subtypes {
            if let Some(base) = sub.single_table_base() {
                if !bases.iter().any(|b| b.name == base.name) {
                    bases.push(base);
                }
            }
        }
        let order = creation_order(&bases);
        let subtypes_of = |table: &TableDef| -> Vec<&'static TableDef> {
            subtypes.iter().copied().filter(|s| s.name == table.name).collect()
        };
        let mut stmts: Vec<Ddl> = order
            .iter()
            .map(|&table| Ddl::CreateTable { table, if_not_exists: true, subtypes: subtypes_of(table) })
            .collect();
        stmts.extend(order.iter().chain(&subtypes).map(|&table| Ddl::CreateIndexes { table, if_not_exists: true }));
        self.ddl(&stmts)
    }

    /// Drop the tables that exist, children before parents, in one transaction.
    pub fn drop_all(&self, tables: &[&'static TableDef]) -> Result<()> {
        let stmts: Vec<Ddl> =
            drop_order(tables).into_iter().map(|table| Ddl::DropTable { table, if_exists: true }).collect();
        self.ddl(&stmts)
    }

    /// Create one table and its indexes (fails if it exists).
    /// A single-table subtype creates its base's table, with its own columns.
    pub fn create_table(&self, table: &'static TableDef) -> Result<()> {
        let create = match table.single_table_base() {
            Some(base) => Ddl::CreateTable { table: base, if_not_exists: false, subtypes: vec![table] },
            None => Ddl::CreateTable { table, if_not_exists: false, subtypes: Vec::new() },
        };
        self.ddl(&[create, Ddl::CreateIndexes { table, if_not_exists: false }])
    }

    /// Drop one table (fails if it does not exist).
    pub fn drop_table(&self, table: &'static TableDef) -> Result<()> {
        self.ddl(&[Ddl::DropTable { table, if_exists: false }])
    }
}
