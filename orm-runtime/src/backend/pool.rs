//! The only r2d2 glue: how to open, probe and take back a [`Connection`].
//!
//! Three things r2d2 does not do are added here:
//!
//! - **A generation counter.** Every connection remembers the pool generation it was opened
//!   in. The first disconnect a connection sees bumps the generation, and every connection
//!   of an older generation is then dropped at checkout or check-in *without a round trip*
//!   (after a server restart each idle connection is dead; pinging them one by one would cost
//!   a failed probe each). Connections in use keep working until they go back.
//! - **A connect deadline around the whole PostgreSQL handshake.** The driver's
//!   `connect_timeout` only limits the TCP connect; a server that accepts the connection but
//!   does not answer the startup messages (a stopped postmaster, an overloaded server) blocks
//!   `Client::connect` indefinitely. The handshake therefore runs on a helper thread and the
//!   pool waits for it at most the connect timeout. A handshake that misses its deadline is
//!   abandoned: its thread finishes (and drops the client) whenever the server answers or
//!   the socket fails. At most `pool_size` abandoned handshakes per engine are allowed to hang
//!   at once; beyond that, connecting fails at once instead of spawning more threads.
//!   (A socket-level limit cannot do this: the kernel acknowledges the data of a stopped
//!   process, so `tcp_user_timeout` and keepalives never fire, and the `postgres` crate
//!   offers no way to hand it a socket with a read timeout.)
//! - **`max_lifetime` at checkout.** r2d2 closes old connections only in a background sweep
//!   every 30 s, so a checkout could get a connection long past its lifetime (SQLAlchemy's
//!   `pool_recycle` checks at checkout). An expired connection is closed at checkout (before
//!   the probe, so without a round trip) and at check-in, and another one taken.
//! - **Overflow.** r2d2 has one size. The pool is built with `pool_size + max_overflow` as
//!   r2d2's maximum and counts the connections open ([`PoolSlot`]); a connection returned
//!   while more than `pool_size` are open is closed instead of kept idle, so the pool shrinks
//!   back to `pool_size` once the load is gone (SQLAlchemy's `QueuePool` overflow).
//! - **Counters** for tests and monitoring ([`PoolStatus`]).

use std::sync::atomic::Ordering;
use std::sync::{Arc, PoisonError, RwLock, Weak};
#[cfg(feature = "postgres")]
use std::sync::{Condvar, Mutex};
use std::time::Duration;

use crate::backend::connection::{ConnectHook, Connection, Inner, Reopen, Timeouts};
#[cfg(feature = "postgres")]
use crate::backend::error_map::from_pg;
use crate::backend::events::Listeners;
use crate::backend::pool_state::{PoolShared, PoolSlot};
#[cfg(feature = "postgres")]
use crate::backend::postgres_conn::PgConn;
#[cfg(feature = "sqlite")]
use crate::backend::sqlite_conn;
#[cfg(feature = "postgres")]
use crate::backend::tls::PgTls;
use crate::error::Error;

/// How to open a connection.
#[derive(Debug, Clone)]
pub(crate) enum Target {
    #[cfg(feature = "sqlite")]
    Sqlite { path: String, memory: bool },
    #[cfg(feature = "postgres")]
    Postgres { config: Box<postgres::Config>, tls: PgTls },
}

/// The parts of the shared state that look at a connection or at r2d2.
impl PoolShared {
    /// Whether `conn` belongs to an older generation; counts it as discarded if so.
    pub(crate) fn is_stale(&self, conn: &Connection) -> bool {
        let stale = conn.generation() < self.generation();
        if stale {
            self.stale_discarded.fetch_add(1, Ordering::Relaxed);
        }
        stale
    }

    /// Whether `conn` outlived `max_lifetime`; counts it as recycled if so.
    pub(crate) fn is_expired(&self, conn: &Connection, max_lifetime: Option<Duration>) -> bool {
        let expired = max_lifetime.is_some_and(|max| conn.age() >= max);
        if expired {
            self.recycled.fetch_add(1, Ordering::Relaxed);
        }
        expired
    }

    /// A snapshot of the pool's counters.
    pub(crate) fn status(&self, state: r2d2::State) -> PoolStatus {
        PoolStatus {
            size: self.pool_size,
            max_overflow: self.max_overflow,
            checked_out: state.connections.saturating_sub(state.idle_connections),
            overflow: state.connections.saturating_sub(self.pool_size),
            recycled: self.recycled.load(Ordering::Relaxed),
            overflow_closed: self.overflow_closed.load(Ordering::Relaxed),
            connections: state.connections,
            idle: state.idle_connections,
            generation: self.generation(),
            stale_discarded: self.stale_discarded.load(Ordering::Relaxed),
            probe_failures: self.probe_failures.load(Ordering::Relaxed),
            probes: self.probes.load(Ordering::Relaxed),
            reconnects: self.reconnects.load(Ordering::Relaxed),
            connects: self.connects.load(Ordering::Relaxed),
            hung_connects: self.hung_connects.load(Ordering::Relaxed),
        }
    }
}

/// A snapshot of an engine's pool (see [`Engine::pool_status`](crate::backend::Engine::pool_status)).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct PoolStatus {
    /// The pool size: connections kept open, idle or not
    /// ([`EngineBuilder::pool_size`](crate::backend::EngineBuilder::pool_size)).
    pub size: u32,
    /// Connections that may be opened beyond `size` under load
    /// ([`EngineBuilder::max_overflow`](crate::backend::EngineBuilder::max_overflow)).
    pub max_overflow: u32,
    /// Connections checked out now (by sessions, [`Engine::connection`](crate::backend::Engine::connection)
    /// or a statement running on the engine).
    pub checked_out: u32,
    /// Connections open beyond `size` now; each is closed when it is returned.
    pub overflow: u32,
    /// Connections closed because they outlived `max_lifetime`.
    pub recycled: u64,
    /// Overflow connections closed when they were returned.
    pub overflow_closed: u64,
    /// Connections the pool holds, idle or checked out.
    pub connections: u32,
    /// Idle connections. Once every session and checked-out connection has been dropped,
    /// `idle == connections` (nothing leaked).
    pub idle: u32,
    /// The pool generation: bumped by the first disconnect seen in a generation; connections
    /// of older generations are dropped at checkout and check-in without a round trip.
    pub generation: u64,
    /// Connections dropped because their generation was old.
    pub stale_discarded: u64,
    /// Checkout probes that failed (a dead connection, or one left inside a transaction).
    pub probe_failures: u64,
    /// Checkout probes sent (round trips; SQLite's probe needs none and is not counted). A
    /// connection returned less than
    /// [`pre_ping_after`](crate::backend::EngineBuilder::pre_ping_after) ago is not probed.
    pub probes: u64,
    /// Connections found dead at their first statement after a checkout without a probe,
    /// and replaced by a new connection before the statement ran again (a read or `BEGIN`).
    pub reconnects: u64,
    /// Connections opened since the engine was built.
    pub connects: u64,
    /// PostgreSQL handshakes that missed the connect deadline and have not finished yet: at
    /// most `pool_size + max_overflow`, since a connect waits for a free slot among the
    /// handshakes under way or hanging (and is refused when there is none).
    pub hung_connects: usize,
}

/// The `on_connect` listeners of one engine. Copy-on-write like the statement listeners
/// ([`Listeners`]): one added after the engine was built runs for connections opened from
/// then on.
#[derive(Default)]
pub(crate) struct ConnectHooks(RwLock<Arc<Vec<ConnectHook>>>);

impl std::fmt::Debug for ConnectHooks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConnectHooks").field("connect", &self.current().len()).finish()
    }
}

impl ConnectHooks {
    /// The hooks given to the engine builder.
    pub(crate) fn new(hooks: Vec<ConnectHook>) -> Self {
        ConnectHooks(RwLock::new(Arc::new(hooks)))
    }

    /// The hooks in force.
    pub(crate) fn current(&self) -> Arc<Vec<ConnectHook>> {
        self.0.read().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// Add one, for connections opened from now on.
    pub(crate) fn push(&self, hook: ConnectHook) {
        let mut guard = self.0.write().unwrap_or_else(PoisonError::into_inner);
        let mut hooks = Vec::clone(&guard);
        hooks.push(hook);
        *guard = Arc::new(hooks);
    }
}

/// r2d2 manager: opens connections, probes them on checkout, resets them on return.
pub(crate) struct Manager {
    pub(crate) target: Target,
    pub(crate) listeners: Arc<Listeners>,
    /// The engine's `on_connect` listeners.
    pub(crate) connect_hooks: Arc<ConnectHooks>,
    /// Connections older than this are closed at checkout and check-in.
    pub(crate) max_lifetime: Option<Duration>,
    pub(crate) shared: Arc<PoolShared>,
    /// Limit for opening one connection, handshake included.
    #[cfg_attr(not(feature = "postgres"), allow(dead_code))]
    pub(crate) connect_timeout: Duration,
    /// Most handshakes under way or hanging at once (abandoned ones count until they end).
    #[cfg_attr(not(feature = "postgres"), allow(dead_code))]
    pub(crate) max_hung_connects: usize,
    /// The engine's statement, lock and client timeouts.
    pub(crate) timeouts: Timeouts,
    /// A PostgreSQL connection returned less than this ago is not probed at checkout (see
    /// `liveness.rs`).
    pub(crate) probe_after: Duration,
}

/// What r2d2 holds: the [`Manager`], shared with the connections it opens (weakly), which
/// reopen themselves through it when they turn out dead at their first statement.
#[derive(Debug)]
pub(crate) struct PoolManager(pub(crate) Arc<Manager>);

impl std::fmt::Debug for Manager {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Manager").field("target", &self.target).finish()
    }
}

/// The pool holds each connection boxed: r2d2 moves its connections by value at every
/// checkout and check-in (into and out of its idle list, its guard and back), and a
/// [`Connection`] is over 500 bytes.
impl r2d2::ManageConnection for PoolManager {
    type Connection = Box<Connection>;
    type Error = Error;

    fn connect(&self) -> Result<Box<Connection>, Error> {
        let manager = &self.0;
        let result = manager.connect_and_set_up();
        manager.shared.record_connect(result.as_ref().err());
        let mut conn = result?;
        let reopen: Weak<dyn Reopen> = Arc::downgrade(&self.0) as Weak<dyn Reopen>;
        conn.set_reopen(reopen);
        Ok(Box::new(conn))
    }

    fn is_valid(&self, conn: &mut Box<Connection>) -> Result<(), Error> {
        let manager = &self.0;
        if manager.shared.is_expired(conn, manager.max_lifetime) {
            conn.mark_broken();
            return Err(Error::Disconnected { message: "connection outlived the pool's max_lifetime".into() });
        }
        if manager.shared.is_stale(conn) {
            conn.mark_broken();
            return Err(Error::Disconnected {
                message: "connection opened before a disconnect was seen (stale pool generation)".into(),
            });
        }
        if !conn.probe_is_free() {
            if conn.liveness().skip_probe(manager.probe_after) {
                return Ok(());
            }
            manager.shared.probes.fetch_add(1, Ordering::Relaxed);
        }
        let r = conn.ping();
        if r.is_err() {
            manager.shared.probe_failures.fetch_add(1, Ordering::Relaxed);
        }
        r
    }

    fn has_broken(&self, conn: &mut Box<Connection>) -> bool {
        let manager = &self.0;
        if !conn.is_broken() && manager.shared.is_stale(conn) {
            return true;
        }
        if conn.reset_on_return() {
            return true;
        }
        // Expired or overflow: closed now rather than kept idle.
        manager.shared.is_expired(conn, manager.max_lifetime) || manager.shared.retire_overflow(conn.pool_slot())
    }
}

impl Reopen for Manager {
    fn reopen(&self) -> Result<Connection, Error> {
        let result = self.connect_and_set_up();
        self.shared.record_connect(result.as_ref().err());
        if result.is_ok() {
            self.shared.reconnects.fetch_add(1, Ordering::Relaxed);
        }
        result
    }
}

impl Manager {
    /// A new connection, set up: pool generation, timeouts, `on_connect` listeners.
    fn connect_and_set_up(&self) -> Result<Connection, Error> {
        let mut conn = self.open()?;
        // Read after the handshake: a connection opened across a bump belongs to the new
        // generation (the server answered it after the disconnect was seen).
        conn.attach(self.shared.clone(), self.shared.generation(), self.timeouts);
        *conn.pool_slot() = Some(PoolSlot::take(&self.shared));
        conn.set_timeouts(self.timeouts)?;
        for on_connect in self.connect_hooks.current().iter() {
            on_connect(&mut conn)?;
        }
        conn.learn_defaults()?;
        self.shared.connects.fetch_add(1, Ordering::Relaxed);
        Ok(conn)
    }

    /// A new connection, before the `on_connect` listeners.
    fn open(&self) -> Result<Connection, Error> {
        match &self.target {
            #[cfg(feature = "sqlite")]
            Target::Sqlite { path, memory } => {
                Ok(Connection::new(Inner::Sqlite(sqlite_conn::open(path, *memory)?), self.listeners.clone()))
            }
            #[cfg(feature = "postgres")]
            Target::Postgres { config, tls } => {
                let client = self.connect_pg(config, tls)?;
                Ok(Connection::new(Inner::Postgres(Box::new(PgConn::new(client, tls.clone()))), self.listeners.clone()))
            }
        }
    }

    /// `config.connect` on a helper thread, waited for at most the connect timeout.
    #[cfg(feature = "postgres")]
    fn connect_pg(&self, config: &postgres::Config, tls: &PgTls) -> Result<postgres::Client, Error> {
        let could_not_connect = |e: Error| match e {
            Error::Disconnected { message } | Error::Database { message, .. } => {
                Error::Disconnected { message: format!("could not connect: {message}") }
            }
            other => other,
        };
        let max = self.max_hung_connects;
        if self
            .shared
            .connect_slots
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| (n < max).then_some(n + 1))
            .is_err()
        {
            let hung = self.shared.hung_connects.load(Ordering::Acquire);
            return Err(Error::Disconnected {
                message: format!(
                    "could not connect: {hung} earlier handshakes with the server have not completed \
                     ({max} handshakes at most under way or hanging)"
                ),
            });
        }
        // The slot is given back when the handshake ends: here if it ends in time, else by
        // the helper thread once the abandoned handshake ends.
        let release = |shared: &PoolShared| {
            shared.connect_slots.fetch_sub(1, Ordering::AcqRel);
        };
        // The attempt's result, or that the caller gave up; one lock orders the two.
        type Slot = (Mutex<(Option<Result<postgres::Client, postgres::Error>>, bool)>, Condvar);
        let slot: Arc<Slot> = Arc::new((Mutex::new((None, false)), Condvar::new()));
        let config = config.clone();
        let theirs_tls = tls.clone();
        let shared = self.shared.clone();
        let theirs = slot.clone();
        std::thread::Builder::new()
            .name("orm-pg-connect".into())
            .spawn(move || {
                let r = theirs_tls.connect(&config);
                let mut guard = theirs.0.lock().unwrap_or_else(PoisonError::into_inner);
                if guard.1 {
                    // Abandoned: the caller gave up; the client (if any) is closed here.
                    drop(guard);
                    drop(r);
                    shared.hung_connects.fetch_sub(1, Ordering::AcqRel);
                    shared.connect_slots.fetch_sub(1, Ordering::AcqRel);
                } else {
                    guard.0 = Some(r);
                    theirs.1.notify_one();
                }
            })
            .map_err(|e| {
                release(&self.shared);
                Error::Disconnected { message: format!("could not connect: cannot spawn a thread: {e}") }
            })?;
        let guard = slot.0.lock().unwrap_or_else(PoisonError::into_inner);
        let (mut guard, _) = slot
            .1
            .wait_timeout_while(guard, self.connect_timeout, |(r, _)| r.is_none())
            .unwrap_or_else(PoisonError::into_inner);
        match guard.0.take() {
            Some(r) => {
                release(&self.shared);
                r.map_err(|e| tls.connect_error(e).unwrap_or_else(|e| could_not_connect(from_pg(e, None))))
            }
            None => {
                // Counted under the lock the helper takes to see `guard.1`: it cannot
                // uncount before this counts.
                guard.1 = true;
                self.shared.hung_connects.fetch_add(1, Ordering::AcqRel);
                Err(Error::Disconnected {
                    message: format!(
                        "could not connect: the server did not complete the handshake within {} ms",
                        self.connect_timeout.as_millis()
                    ),
                })
            }
        }
    }
}

#[cfg(all(test, feature = "postgres"))]
mod tests {
    use std::sync::atomic::Ordering;
    use std::sync::{Arc, Barrier};
    use std::time::Duration;

    use super::{ConnectHooks, Manager, Target};
    use crate::backend::connection::Timeouts;
    use crate::backend::events::Listeners;
    use crate::backend::pool_state::PoolShared;
    use crate::backend::tls::PgTls;
    use crate::backend::url::SslMode;

    /// Would catch: concurrent connects each passing the cap on hung handshakes before any of
    /// them had timed out (check, then count later), leaving more hung handshakes, and their
    /// threads, than the cap.
    #[test]
    fn concurrent_handshakes_to_a_hung_server_stay_under_the_cap() {
        // Accepts TCP connections and never answers the startup message.
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        std::thread::spawn(move || {
            let mut held = Vec::new();
            for s in listener.incoming().flatten() {
                held.push(s);
            }
        });
        let mut config = postgres::Config::new();
        config.host("127.0.0.1").port(port).user("postgres").dbname("test");
        let tls = PgTls::new(SslMode::Disable, None).unwrap();
        let manager = Arc::new(Manager {
            target: Target::Postgres { config: Box::new(config.clone()), tls: tls.clone() },
            listeners: Arc::new(Listeners::default()),
            connect_hooks: Arc::new(ConnectHooks::default()),
            max_lifetime: None,
            shared: Arc::new(PoolShared::new(2, 0)),
            connect_timeout: Duration::from_millis(200),
            max_hung_connects: 2,
            timeouts: Timeouts::default(),
            probe_after: Duration::from_secs(1),
        });
        let start = Arc::new(Barrier::new(4));
        let callers: Vec<_> = (0..4)
            .map(|_| {
                let (manager, start, config, tls) = (manager.clone(), start.clone(), config.clone(), tls.clone());
                std::thread::spawn(move || {
                    start.wait();
                    manager.connect_pg(&config, &tls).is_err()
                })
            })
            .collect();
        for c in callers {
            assert!(c.join().unwrap(), "a hung server gives no connection");
        }
        let hung = manager.shared.hung_connects.load(Ordering::Acquire);
        assert_eq!(hung, 2, "four handshakes at once, a cap of two: two hang, two are refused");
    }
}
