//! Fault-injection harness (RELIABILITY.md §4.1): an admin client for the shared PostgreSQL
//! server and the leak check every reliability test ends with.
//!
//! `PgAdmin` sees the server from the outside (`pg_stat_activity`) and kills backends with
//! `pg_terminate_backend`; tests find their own backends by `application_name`, unique per
//! test, so they run in parallel on the shared server.
//!
//! Tests that stop or kill a server, fill a disk or kill a process hold [`serial`] while they
//! run (their names carry `_fault_`), so they never overlap one another even when the test
//! harness runs tests in parallel (`.config/nextest.toml` puts them in a serial group too).

use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use orm::Engine;

use crate::common::{pg_url, PgSchema};

/// The lock every `_fault_` test holds for its whole run: one fault at a time. A test that
/// panicked while holding it does not block the others.
pub fn serial() -> MutexGuard<'static, ()> {
    static FAULTS: Mutex<()> = Mutex::new(());
    FAULTS.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// One server backend, as `pg_stat_activity` shows it.
#[derive(Debug, Clone)]
pub struct Backend {
    pub pid: i32,
    /// `active`, `idle`, `idle in transaction`, `idle in transaction (aborted)`, ...
    pub state: String,
    pub wait_event: Option<String>,
    pub query: String,
}

impl Backend {
    /// Inside a transaction block (open or aborted) while waiting for the client.
    pub fn leaked_transaction(&self) -> bool {
        self.state.starts_with("idle in transaction")
    }
}

/// An admin connection to the shared server.
pub struct PgAdmin {
    client: postgres::Client,
}

impl PgAdmin {
    /// Connect (the server is known to be up: the caller got a [`PgSchema`] first).
    pub fn connect() -> PgAdmin {
        PgAdmin::connect_to(&pg_url())
    }

    /// Connect to another server (a private cluster).
    pub fn connect_to(url: &str) -> PgAdmin {
        let client = postgres::Client::connect(url, postgres::NoTls).expect("admin connection");
        PgAdmin { client }
    }

    /// The backends of the application `app` (never the admin's own).
    pub fn backends(&mut self, app: &str) -> Vec<Backend> {
        self.client
            .query(
                "SELECT pid, coalesce(state, ''), wait_event, coalesce(query, '') FROM pg_stat_activity \
                 WHERE application_name = $1 AND pid <> pg_backend_pid() ORDER BY pid",
                &[&app],
            )
            .expect("pg_stat_activity")
            .iter()
            .map(|r| Backend { pid: r.get(0), state: r.get(1), wait_event: r.get(2), query: r.get(3) })
            .collect()
    }

    /// The pids of `app`'s backends.
    pub fn pids(&mut self, app: &str) -> Vec<i32> {
        self.backends(app).into_iter().map(|b| b.pid).collect()
    }

    /// `pg_terminate_backend(pid)`; whether the signal was sent.
    pub fn terminate(&mut self, pid: i32) -> bool {
        self.client.query_one("SELECT pg_terminate_backend($1)", &[&pid]).map(|r| r.get(0)).unwrap_or(false)
    }

    /// Terminate every backend of `app` and wait until they are gone; how many there were.
    pub fn terminate_app(&mut self, app: &str) -> usize {
        let pids = self.pids(app);
        for &pid in &pids {
            self.terminate(pid);
        }
        self.wait_until(&format!("backends of {app} gone"), Duration::from_secs(5), |a| a.pids(app).is_empty());
        pids.len()
    }

    /// Poll `pred` every 10 ms until it holds; panics naming `what` after `timeout`.
    pub fn wait_until(&mut self, what: &str, timeout: Duration, mut pred: impl FnMut(&mut PgAdmin) -> bool) {
        let end = Instant::now() + timeout;
        while !pred(self) {
            assert!(Instant::now() < end, "timed out after {timeout:?} waiting until {what}");
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Run SQL as the admin (test setup outside the engine under test).
    pub fn batch(&mut self, sql: &str) {
        self.client.batch_execute(sql).expect("admin batch");
    }

    /// A count from the admin's side.
    pub fn count(&mut self, sql: &str) -> i64 {
        self.client.query_one(sql, &[]).expect("admin count").get(0)
    }
}

/// A PostgreSQL engine for one reliability test: its own schema and a unique
/// `application_name`, plus an admin client. `None` when the server is down and not required.
pub struct PgFixture {
    pub engine: Engine,
    pub app: String,
    pub admin: PgAdmin,
    pub schema: PgSchema,
}

impl PgFixture {
    pub fn new(test: &str, configure: impl FnOnce(orm::EngineBuilder) -> orm::EngineBuilder) -> Option<PgFixture> {
        let schema = PgSchema::create(test)?;
        let app = format!("{test}-{}", std::process::id());
        let builder = Engine::builder(&pg_url()).pool_size(2).search_path(&schema.name).application_name(&app);
        let engine = configure(builder).build().expect("engine");
        Some(PgFixture { engine, app, admin: PgAdmin::connect(), schema })
    }

    /// `assert_no_leaks` for this fixture.
    pub fn assert_no_leaks(&mut self) {
        assert_no_leaks(&self.engine, &self.app, &mut self.admin);
    }
}

/// Once every session and connection of `engine` is dropped: the pool holds only idle
/// connections, the server has exactly as many backends for `app` (backends of discarded
/// connections may take a moment to go), and none of them is `idle in transaction` or
/// `idle in transaction (aborted)`.
pub fn assert_no_leaks(engine: &Engine, app: &str, admin: &mut PgAdmin) {
    let status = engine.pool_status();
    assert_eq!(status.connections, status.idle, "a connection is still checked out: {status:?}");
    // The pool's count is read again each time: a connect started by an earlier checkout may
    // still complete (the pool then holds one more idle connection).
    admin.wait_until(
        &format!("the server shows as many backends for {app} as the pool holds"),
        Duration::from_secs(5),
        |a| a.backends(app).len() == engine.pool_status().connections as usize,
    );
    let status = engine.pool_status();
    assert_eq!(status.connections, status.idle, "a connection is still checked out: {status:?}");
    let leaked: Vec<Backend> = admin.backends(app).into_iter().filter(Backend::leaked_transaction).collect();
    assert!(leaked.is_empty(), "backends left inside a transaction: {leaked:?}");
}

/// After a test, on either backend: on PostgreSQL [`assert_no_leaks`] for application `app`;
/// on SQLite (`app` is `None`) every pooled connection is idle, unbroken and outside a
/// transaction.
pub fn assert_no_leaks_any(engine: &Engine, app: Option<&str>) {
    match app {
        Some(app) => assert_no_leaks(engine, app, &mut PgAdmin::connect()),
        None => {
            let status = engine.pool_status();
            assert_eq!(status.connections, status.idle, "{status:?}");
            let held: Vec<_> = (0..status.idle).map(|_| engine.connection().expect("pooled connection")).collect();
            assert!(
                held.iter().all(|c| !c.in_transaction() && !c.is_broken()),
                "a pooled connection is in a transaction or broken"
            );
        }
    }
}

/// [`assert_no_leaks_any`] for one database of `each_db`.
pub fn assert_no_leaks_db(db: &crate::common::Db) {
    assert_no_leaks_any(&db.engine, db.is_pg().then_some(db.app.as_str()));
}

/// The SQLite variant: every pooled connection is idle and a fresh connection to the file
/// can take the write lock at once (`BEGIN IMMEDIATE` with busy_timeout 0).
pub fn assert_no_leaks_sqlite(engine: &Engine, path: &std::path::Path) {
    let status = engine.pool_status();
    assert_eq!(status.connections, status.idle, "a connection is still checked out: {status:?}");
    let c = rusqlite_free_probe(path);
    assert!(c, "another connection still holds the write lock on {}", path.display());
}

/// Whether a new connection to `path` gets the write lock without waiting.
fn rusqlite_free_probe(path: &std::path::Path) -> bool {
    // The engine's own connections are pooled; a separate engine with busy timeout 0 gives
    // a connection that is not one of them.
    let probe = Engine::builder(&format!("sqlite:///{}", path.display()))
        .pool_size(1)
        .lock_timeout(Duration::from_millis(1))
        .build()
        .expect("probe engine");
    let mut conn = probe.connection().expect("probe connection");
    let ok = conn.begin(true).is_ok();
    let _ = conn.rollback();
    ok
}

/// A private directory for a SQLite file database, removed on drop.
pub struct TempDb {
    dir: std::path::PathBuf,
    /// The database file.
    pub path: std::path::PathBuf,
    /// `sqlite:///<path>` (the path is absolute: four slashes in all).
    pub url: String,
}

impl TempDb {
    /// A fresh directory for `test` (unique per test name and process).
    pub fn new(test: &str) -> TempDb {
        let dir = std::env::temp_dir().join(format!("orm-tempdb-{test}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        let path = dir.join("db.sqlite");
        let url = format!("sqlite:///{}", path.display());
        TempDb { dir, path, url }
    }

    /// The database file's companion (`-journal`, `-wal`).
    pub fn sibling(&self, suffix: &str) -> std::path::PathBuf {
        let mut name = self.path.clone().into_os_string();
        name.push(suffix);
        name.into()
    }
}

impl Drop for TempDb {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
