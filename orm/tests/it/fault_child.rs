//! Child processes for the fault tests (RELIABILITY.md §4.1 `ChildProc`): "another process
//! holds the lock" and "SIGKILL mid-commit" need a second process, not a second thread.
//!
//! [`ChildProc::spawn`] re-executes the current test binary with
//! `--exact fault_child::child_process_entry --nocapture --test-threads=1` and the role in
//! environment variables (`ORM_CHILD_ROLE`, `ORM_CHILD_URL`, ...). [`child_process_entry`] is
//! an ordinary test: without `ORM_CHILD_ROLE` it returns at once (so it passes in every normal
//! run); with it, it plays the role. A child prints [`READY`] on stdout once it is in the state
//! the parent wants (lock taken, first transaction committed); the parent reads the child's
//! stdout and returns from `spawn` only then, so no test relies on a sleep to order the two.
//!
//! A child never outlives its parent for long: it exits when its stdin (a pipe the parent
//! holds) reaches end-of-file, which happens when the [`ChildProc`] is dropped or the parent
//! dies, and a looping child stops by itself after [`MAX_LOOP`]. The `ChildProc` drop guard
//! kills (SIGKILL) and reaps the child.

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use orm::{Engine, EngineBuilder, Error};

/// The line a child prints on stdout when it is ready.
pub const READY: &str = "ORM_CHILD_READY";

/// The environment variable that names the child's role.
const ROLE: &str = "ORM_CHILD_ROLE";
/// The database URL the child uses.
const URL: &str = "ORM_CHILD_URL";
/// `HoldWriteLock`: milliseconds to hold the lock; SQL to run inside the locked transaction.
const HOLD_MS: &str = "ORM_CHILD_HOLD_MS";
const HOLD_SQL: &str = "ORM_CHILD_HOLD_SQL";
/// `CommitLoop`: `delete` for a rollback journal; PostgreSQL schema and application name.
const JOURNAL: &str = "ORM_CHILD_JOURNAL";
const SCHEMA: &str = "ORM_CHILD_SCHEMA";
const APP: &str = "ORM_CHILD_APP";

/// The entry test's path as libtest names it (the child runs only this test).
const ENTRY: &str = "fault_child::child_process_entry";

/// How long a looping child runs at most when nobody kills it.
pub const MAX_LOOP: Duration = Duration::from_secs(60);

/// How long [`ChildProc::spawn`] waits for [`READY`].
const READY_TIMEOUT: Duration = Duration::from_secs(20);

/// One row per committed transaction of the commit loop: the value it added to the total.
#[derive(orm::Model, Debug, Clone)]
#[orm(table = "rp_ledger")]
pub struct Ledger {
    #[orm(primary_key, auto_increment)]
    pub id: i64,
    pub v: i64,
}

/// The single row (`id = 1`) holding the sum of every `Ledger::v`.
#[derive(orm::Model, Debug, Clone)]
#[orm(table = "rp_totals")]
pub struct Total {
    #[orm(primary_key)]
    pub id: i64,
    pub total: i64,
}

/// What a child process does.
#[derive(Debug, Clone)]
pub enum Role {
    /// Open the SQLite file at `url`, run `BEGIN EXCLUSIVE` and `sql` (if any), print
    /// [`READY`], sleep `hold`, then commit and exit.
    HoldWriteLock { url: String, hold: Duration, sql: Option<String> },
    /// Loop session transactions until killed (or [`MAX_LOOP`]): insert a [`Ledger`] row with
    /// value `v` and add `v` to [`Total`] 1, then commit. [`READY`] after the first commit.
    /// `rollback_journal`: SQLite with `journal_mode=DELETE` (see [`rollback_journal`]);
    /// `schema` / `app`: PostgreSQL `search_path` and `application_name`.
    CommitLoop { url: String, rollback_journal: bool, schema: Option<String>, app: Option<String> },
}

impl Role {
    fn name(&self) -> &'static str {
        match self {
            Role::HoldWriteLock { .. } => "hold_write_lock",
            Role::CommitLoop { .. } => "commit_loop",
        }
    }

    fn env(&self) -> Vec<(&'static str, String)> {
        let mut env = vec![(ROLE, self.name().to_owned())];
        match self {
            Role::HoldWriteLock { url, hold, sql } => {
                env.push((URL, url.clone()));
                env.push((HOLD_MS, hold.as_millis().to_string()));
                env.extend(sql.clone().map(|s| (HOLD_SQL, s)));
            }
            Role::CommitLoop { url, rollback_journal, schema, app } => {
                env.push((URL, url.clone()));
                env.push((JOURNAL, if *rollback_journal { "delete" } else { "default" }.to_owned()));
                env.extend(schema.clone().map(|s| (SCHEMA, s)));
                env.extend(app.clone().map(|a| (APP, a)));
            }
        }
        env
    }

    fn from_env() -> Option<Role> {
        let role = std::env::var(ROLE).ok()?;
        let var = |k: &str| std::env::var(k).ok();
        let url = var(URL).unwrap_or_else(|| panic!("{ROLE}={role} without {URL}"));
        Some(match role.as_str() {
            "hold_write_lock" => {
                let ms: u64 = var(HOLD_MS).and_then(|v| v.parse().ok()).expect("ORM_CHILD_HOLD_MS");
                Role::HoldWriteLock { url, hold: Duration::from_millis(ms), sql: var(HOLD_SQL) }
            }
            "commit_loop" => Role::CommitLoop {
                url,
                rollback_journal: var(JOURNAL).as_deref() == Some("delete"),
                schema: var(SCHEMA),
                app: var(APP),
            },
            other => panic!("unknown {ROLE}: {other}"),
        })
    }
}

/// `builder` with a rollback journal: every new connection runs `PRAGMA journal_mode=DELETE`
/// (the engine itself turns WAL on for files) and fails to open if the mode did not change.
pub fn rollback_journal(builder: EngineBuilder) -> EngineBuilder {
    builder.on_connect(|conn| {
        let mode = journal_mode(conn, "PRAGMA journal_mode = DELETE")?;
        if mode != "delete" {
            return Err(Error::Database {
                code: None,
                message: format!("journal_mode stayed {mode:?}, wanted delete"),
            });
        }
        Ok(())
    })
}

/// The journal mode a `PRAGMA journal_mode[=...]` statement reports.
pub fn journal_mode(conn: &mut orm::backend::Connection, pragma: &str) -> orm::Result<String> {
    let mut mode = String::new();
    conn.query(pragma, &[], |r| {
        mode = r.value(0)?;
        Ok(())
    })?;
    Ok(mode)
}

/// A running child process, killed (SIGKILL) and reaped on drop.
pub struct ChildProc {
    child: Child,
    /// The child exits when this pipe closes (see the module doc).
    stdin: Option<ChildStdin>,
    /// Everything the child printed, stdout and stderr, for failure messages.
    output: Arc<Mutex<String>>,
    role: &'static str,
}

impl ChildProc {
    /// Start a child playing `role` and wait until it prints [`READY`]. Panics, with the
    /// child's output, if it exits or takes longer than 20 s first.
    pub fn spawn(role: &Role) -> ChildProc {
        let exe = std::env::current_exe().expect("current test binary");
        let mut cmd = Command::new(exe);
        cmd.args(["--exact", ENTRY, "--nocapture", "--test-threads=1"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (k, v) in role.env() {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("spawn the child test process");
        let output: Arc<Mutex<String>> = Arc::default();
        let (ready_tx, ready_rx) = mpsc::channel::<()>();
        // Both pipes are drained until the child exits, so it never blocks on a full pipe.
        let stdout = child.stdout.take().expect("piped stdout");
        let out = output.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                // libtest may print "test <name> ... " on the same line first.
                if line.contains(READY) {
                    let _ = ready_tx.send(());
                }
                let mut out = out.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                out.push_str(&line);
                out.push('\n');
            }
        });
        let mut stderr = child.stderr.take().expect("piped stderr");
        let err = output.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n @ 1..) = stderr.read(&mut buf) {
                let text = String::from_utf8_lossy(&buf[..n]).into_owned();
                err.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push_str(&text);
            }
        });
        let stdin = child.stdin.take();
        let mut proc = ChildProc { child, stdin, output, role: role.name() };
        if ready_rx.recv_timeout(READY_TIMEOUT).is_err() {
            // Dropped sender (the child exited) or the timeout.
            let status = proc.kill();
            panic!("child {} never printed {READY} ({status}); its output:\n{}", proc.role, proc.output());
        }
        proc
    }

    /// Kill the child at once (SIGKILL on Unix) and reap it.
    pub fn kill(&mut self) -> ExitStatus {
        let _ = self.child.kill();
        self.child.wait().expect("reap the killed child")
    }

    /// Wait until the child exits by itself; panics, with its output, after `timeout`.
    pub fn wait(&mut self, timeout: Duration) -> ExitStatus {
        let end = Instant::now() + timeout;
        loop {
            if let Some(status) = self.child.try_wait().expect("child status") {
                return status;
            }
            if Instant::now() >= end {
                let status = self.kill();
                panic!(
                    "child {} still running after {timeout:?} ({status}); its output:\n{}",
                    self.role,
                    self.output()
                );
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// What the child printed so far (stdout and stderr).
    pub fn output(&self) -> String {
        self.output.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone()
    }
}

impl Drop for ChildProc {
    fn drop(&mut self) {
        drop(self.stdin.take());
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The child side: a normal test that does nothing unless `ORM_CHILD_ROLE` is set (the
/// project allows no ignored tests).
#[test]
fn child_process_entry() {
    let Some(role) = Role::from_env() else { return };
    exit_when_parent_goes();
    match role {
        Role::HoldWriteLock { url, hold, sql } => hold_write_lock(&url, hold, sql.as_deref()),
        Role::CommitLoop { url, rollback_journal, schema, app } => {
            commit_loop(&url, rollback_journal, schema.as_deref(), app.as_deref());
        }
    }
}

/// Exit as soon as stdin (the parent's pipe) reaches end-of-file.
fn exit_when_parent_goes() {
    std::thread::spawn(|| {
        let mut sink = [0u8; 64];
        let mut stdin = std::io::stdin();
        while let Ok(1..) = stdin.read(&mut sink) {}
        std::process::exit(3);
    });
}

fn ready() {
    println!("{READY}");
}

/// [`Role::HoldWriteLock`].
fn hold_write_lock(url: &str, hold: Duration, sql: Option<&str>) {
    let engine = Engine::builder(url).pool_size(1).build().expect("child engine");
    let mut conn = engine.connection().expect("child connection");
    conn.execute("BEGIN EXCLUSIVE", &[]).expect("BEGIN EXCLUSIVE");
    if let Some(sql) = sql {
        conn.batch(sql).expect("the child's statements");
    }
    ready();
    std::thread::sleep(hold);
    conn.execute("COMMIT", &[]).expect("the child's COMMIT");
}

/// [`Role::CommitLoop`].
fn commit_loop(url: &str, rollback: bool, schema: Option<&str>, app: Option<&str>) {
    let mut builder = Engine::builder(url).pool_size(1);
    if rollback {
        builder = rollback_journal(builder);
    }
    if let Some(schema) = schema {
        builder = builder.search_path(schema);
    }
    if let Some(app) = app {
        builder = builder.application_name(app);
    }
    let engine = builder.build().expect("child engine");
    let start = Instant::now();
    for i in 0_i64.. {
        let v = i % 97 + 1;
        let mut s = engine.session();
        s.add(Ledger { id: 0, v }).expect("add");
        s.flush().expect("flush");
        let total = s.get::<Total>(1).expect("get").expect("the total row");
        total.write().total += v;
        s.commit().expect("commit");
        if i == 0 {
            ready();
        }
        if start.elapsed() > MAX_LOOP {
            break;
        }
    }
}
