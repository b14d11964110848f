//! Reliability suite, the slice that needs a second process (RELIABILITY.md §4.2: T20, T22,
//! T25). The other process is the test binary itself, re-executed by
//! [`ChildProc`](crate::fault_child::ChildProc). Each test is named after its T-number and
//! ends with the leak check (`assert_no_leaks_sqlite` on the SQLite file, `assert_no_leaks`
//! on PostgreSQL).

use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

use orm::prelude::*;
use orm::{Engine, Error};

use crate::common::{pg_url, PgSchema};
use crate::fault_child::{journal_mode, rollback_journal, ChildProc, Ledger, Role, Total};
use crate::fault_support::{assert_no_leaks, assert_no_leaks_sqlite, serial, Backend, PgAdmin, TempDb};

/// `(sum of ledger.v, ledger rows, the total)`, read in one statement (one snapshot).
fn ledger_state(engine: &Engine) -> (i64, i64, i64) {
    let mut conn = engine.connection().unwrap();
    let mut state = None;
    conn.query(
        "SELECT CAST(coalesce((SELECT sum(v) FROM rp_ledger), 0) AS BIGINT), \
         (SELECT count(*) FROM rp_ledger), (SELECT total FROM rp_totals WHERE id = 1)",
        &[],
        |r| {
            state = Some((r.integer(0)?, r.integer(1)?, r.integer(2)?));
            Ok(())
        },
    )
    .unwrap();
    state.expect("one row")
}

fn integrity_check(engine: &Engine) -> String {
    let mut conn = engine.connection().unwrap();
    let mut result = Vec::new();
    conn.query("PRAGMA integrity_check", &[], |r| {
        result.push(r.value::<String>(0)?);
        Ok(())
    })
    .unwrap();
    result.join("; ")
}

fn ledger_rows(engine: &Engine) -> i64 {
    select(func::count_all()).from::<Ledger>().one(engine).unwrap()
}

fn is_busy(e: &Error) -> bool {
    matches!(e, Error::Busy { .. })
}

/// `PendingRollback` whose original error is `Busy`.
fn pending_busy<T: std::fmt::Debug>(r: orm::Result<T>) -> bool {
    matches!(&r, Err(Error::PendingRollback { original }) if is_busy(original))
}

/// T20. Would catch: a busy timeout that is not applied to the engine's connections (an
/// immediate `Busy`, or a 5 s wait whatever the setting), `SQLITE_BUSY` not typed as
/// [`Error::Busy`], a session that keeps working (or keeps a transaction) after its write
/// got `Busy`, and a writer that does not get the lock once the other process releases it.
#[test]
#[cfg(feature = "sqlite")]
fn t20_sqlite_busy_other_process_holds_lock() {
    let tmp = TempDb::new("t20");
    let impatient = Engine::builder(&tmp.url).pool_size(2).lock_timeout(Duration::from_millis(300)).build().unwrap();
    impatient.create_all(&[Ledger::table()]).unwrap();
    insert::<Ledger>().values(&Ledger { id: 0, v: 1 }).execute(&impatient).unwrap();

    // Another process takes the write lock, writes a row and holds the lock 1.5 s.
    let hold = Duration::from_millis(1500);
    let mut child = ChildProc::spawn(&Role::HoldWriteLock {
        url: tmp.url.clone(),
        hold,
        sql: Some("INSERT INTO rp_ledger (v) VALUES (100)".into()),
    });
    let held_since = Instant::now();

    // Busy timeout 300 ms: the session's write waits that long, then gets Busy.
    let mut s = impatient.session();
    let obj = s.add(Ledger { id: 0, v: 10 }).unwrap();
    let t = Instant::now();
    let err = s.commit().unwrap_err();
    let took = t.elapsed();
    assert!(is_busy(&err), "{err:?}");
    assert!(took >= Duration::from_millis(300), "Busy before the busy timeout: {took:?}");
    assert!(took < Duration::from_secs(1), "Busy long after the busy timeout: {took:?}");
    assert!(held_since.elapsed() < hold, "the child still held the lock");
    assert!(!s.in_transaction());
    for _ in 0..3 {
        assert!(pending_busy(s.flush()), "the session refuses work until rollback");
        assert!(pending_busy(s.commit()));
        assert!(pending_busy(s.query::<Ledger>().count()));
    }
    s.rollback().unwrap();
    assert_eq!((obj.state(), obj.read().id), (ObjectState::Transient, 0), "the failed insert is undone in memory");
    // WAL: reading does not wait for the writer; the child's row is not committed yet.
    assert_eq!(ledger_rows(&impatient), 1);

    // Busy timeout 3 s: the same write waits for the child's commit, then succeeds.
    let patient = Engine::builder(&tmp.url).pool_size(2).lock_timeout(Duration::from_secs(3)).build().unwrap();
    let mut s2 = patient.session();
    let obj2 = s2.add(Ledger { id: 0, v: 10 }).unwrap();
    let t = Instant::now();
    s2.commit().unwrap();
    let (waited, since_ready) = (t.elapsed(), held_since.elapsed());
    eprintln!("T20: Busy after {took:?}; the 3 s writer waited {waited:?} ({since_ready:?} after READY)");
    assert!(waited > Duration::from_millis(300), "it waited for the lock: {waited:?}");
    assert!(since_ready >= hold - Duration::from_millis(200), "it got the lock only after the child: {since_ready:?}");
    assert!(obj2.read().id > 0 && obj2.state() == ObjectState::Persistent);
    let status = child.wait(Duration::from_secs(5));
    assert!(status.success(), "the child committed and exited: {status}\n{}", child.output());

    // Consistent: the seed row, the child's row, the patient write; not the Busy one.
    let values: Vec<i64> = select(Ledger::v).order_by(Ledger::v).all(&impatient).unwrap();
    assert_eq!(values, [1, 10, 100]);
    assert_eq!(integrity_check(&impatient), "ok");
    // The rolled-back session is usable again.
    s.add(obj.clone()).unwrap();
    s.commit().unwrap();
    assert_eq!(ledger_rows(&patient), 4);
    drop((s, s2));
    assert_no_leaks_sqlite(&impatient, &tmp.path);
    assert_no_leaks_sqlite(&patient, &tmp.path);
}

/// T22. Would catch: a COMMIT that got `SQLITE_BUSY` (a reader's open cursor in rollback
/// journal mode) leaving the transaction open behind the caller's back (S3): the connection
/// would keep its RESERVED/PENDING lock, block every other writer and reader, go back to the
/// pool inside a transaction, or commit later by accident; also a session whose memory says
/// "inserted" while the database does not hold the row, and a commit that cannot be retried.
#[test]
#[cfg(feature = "sqlite")]
fn t22_sqlite_commit_busy_never_leaves_open_tx() {
    let tmp = TempDb::new("t22");
    let sent: Arc<Mutex<Vec<String>>> = Arc::default();
    let rec = sent.clone();
    let engine = rollback_journal(Engine::builder(&tmp.url))
        .pool_size(3)
        .lock_timeout(Duration::from_millis(200))
        .before_execute(move |sql, _| rec.lock().unwrap().push(sql.to_owned()))
        .build()
        .unwrap();
    // Open the three connections before anyone reads: opening one changes the journal mode
    // (to WAL, then back to DELETE in `on_connect`), which needs the database unlocked.
    {
        let mut held: Vec<orm::PooledConnection> = (0..3).map(|_| engine.connection().unwrap()).collect();
        for conn in held.iter_mut() {
            assert_eq!(journal_mode(conn, "PRAGMA journal_mode").unwrap(), "delete", "rollback journal");
        }
    }
    engine.create_all(&[Ledger::table()]).unwrap();
    for v in [1, 2, 3] {
        insert::<Ledger>().values(&Ledger { id: 0, v }).execute(&engine).unwrap();
    }

    // A reader stops in the middle of its result: its cursor keeps a SHARED lock.
    let (holding_tx, holding_rx) = mpsc::channel::<()>();
    let (release_tx, release_rx) = mpsc::channel::<()>();
    let reader = {
        let engine = engine.clone();
        std::thread::spawn(move || -> orm::Result<usize> {
            let mut conn = engine.connection()?;
            let mut seen = 0;
            conn.query("SELECT id FROM rp_ledger ORDER BY id", &[], |_| {
                seen += 1;
                if seen == 1 {
                    let _ = holding_tx.send(());
                    let _ = release_rx.recv();
                }
                Ok(())
            })?;
            Ok(seen)
        })
    };
    holding_rx.recv_timeout(Duration::from_secs(10)).expect("the reader holds its cursor");
    let probe_failures = engine.pool_status().probe_failures;

    // The session's INSERT works (RESERVED lock); its COMMIT needs the readers gone: Busy.
    // Two rows: a commit of one INSERT alone would be sent without BEGIN / COMMIT (SQLite
    // then rolls the statement back itself), and this is about a COMMIT that got Busy.
    let mut s = engine.session();
    let obj = s.add(Ledger { id: 0, v: 40 }).unwrap();
    s.add(Ledger { id: 0, v: 41 }).unwrap();
    sent.lock().unwrap().clear();
    let t = Instant::now();
    let err = s.commit().unwrap_err();
    let took = t.elapsed();
    assert!(is_busy(&err), "{err:?}");
    assert!(took >= Duration::from_millis(200), "the busy handler waited: {took:?}");
    let log = std::mem::take(&mut *sent.lock().unwrap());
    let insert_at = log.iter().position(|q| q.starts_with("INSERT")).expect("the INSERT ran");
    assert!(log[insert_at..].iter().any(|q| q == "COMMIT"), "COMMIT got Busy, not BEGIN or INSERT: {log:?}");
    eprintln!("T22: COMMIT got Busy after {took:?}; statements: {log:?}");

    // The connection is not left inside the transaction, and holds no lock.
    assert!(!s.in_transaction(), "COMMIT got Busy and the transaction was left open");
    for _ in 0..3 {
        assert!(pending_busy(s.flush()), "the session refuses work until rollback");
        assert!(pending_busy(s.commit()));
        assert!(pending_busy(s.query::<Ledger>().count()));
    }
    // Another connection (the reader still reading): the row is not there, a new reader is
    // not blocked (no PENDING lock left) and the write lock is free (no RESERVED lock left).
    {
        let mut other = engine.connection().unwrap();
        // Raw transaction control below: each statement on its own until then.
        other.set_autocommit(true).unwrap();
        let mut n = 0;
        other
            .query("SELECT count(*) FROM rp_ledger", &[], |r| {
                n = r.integer(0)?;
                Ok(())
            })
            .unwrap();
        assert_eq!(n, 3, "the row whose COMMIT got Busy is not in the database");
        other.begin(true).expect("the write lock is free");
        other.rollback().unwrap();

        // Control (S3): a raw COMMIT, not the ORM's, gets Busy and leaves the transaction
        // open, which is what the checks above would see if the ORM did not roll back.
        other.execute("BEGIN IMMEDIATE", &[]).unwrap();
        other.execute("INSERT INTO rp_ledger (v) VALUES (-1)", &[]).unwrap();
        let err = other.execute("COMMIT", &[]).unwrap_err();
        assert!(is_busy(&err), "{err:?}");
        assert!(other.in_transaction(), "SQLite leaves a transaction whose COMMIT got Busy open");
        other.execute("ROLLBACK", &[]).unwrap();
        assert!(!other.in_transaction());
    }

    // Rollback: memory matches the database again.
    s.rollback().unwrap();
    assert_eq!((obj.state(), obj.read().id), (ObjectState::Transient, 0), "the object is transient again");
    assert_eq!(s.counts(), orm::SessionCounts { new: 0, dirty: 0, deleted: 0 });
    let status = engine.pool_status();
    assert_eq!((status.connections, status.idle), (3, 2), "only the reader's connection is out: {status:?}");
    {
        let held: Vec<orm::PooledConnection> = (0..2).map(|_| engine.connection().unwrap()).collect();
        assert!(held.iter().all(|c| !c.in_transaction() && !c.is_broken()), "{held:?}");
    }
    assert_eq!(engine.pool_status().probe_failures, probe_failures, "no connection came back inside a transaction");

    // The reader finishes; the same write now commits.
    release_tx.send(()).unwrap();
    assert_eq!(reader.join().unwrap().unwrap(), 3, "the reader saw every row");
    s.add(obj.clone()).unwrap();
    s.commit().unwrap();
    assert!(obj.read().id > 0 && obj.state() == ObjectState::Persistent);
    drop(s);
    let mut values: Vec<i64> = select(Ledger::v).all(&engine).unwrap();
    values.sort_unstable();
    assert_eq!(values, [1, 2, 3, 40]);
    assert_eq!(integrity_check(&engine), "ok");
    {
        let mut held: Vec<orm::PooledConnection> = (0..3).map(|_| engine.connection().unwrap()).collect();
        for conn in held.iter_mut() {
            assert_eq!(journal_mode(conn, "PRAGMA journal_mode").unwrap(), "delete", "still a rollback journal");
        }
    }
    assert!(!tmp.sibling("-journal").exists(), "no journal left behind");
    assert_no_leaks_sqlite(&engine, &tmp.path);
}

/// A tiny deterministic PRNG (SplitMix64), so the kill times are the same on every run.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A duration between `lo` and `hi` milliseconds, both included.
    fn millis(&mut self, lo: u64, hi: u64) -> Duration {
        Duration::from_millis(lo + self.next() % (hi - lo + 1))
    }
}

/// The child was killed by SIGKILL (it did not exit by itself, say after a failed commit).
fn assert_killed(status: std::process::ExitStatus, child: &ChildProc) {
    assert!(!status.success(), "{status}");
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        assert_eq!(status.signal(), Some(9), "the child was still looping: {status}\n{}", child.output());
    }
}

/// SQLite part of T25: 20 kills of a committing child in one journal mode.
fn t25_sqlite(rollback: bool, rng: &mut SplitMix64) {
    const ROUNDS: usize = 20;
    let mode = if rollback { "delete" } else { "wal" };
    let tmp = TempDb::new(&format!("t25-{mode}"));
    let open = || {
        let b = Engine::builder(&tmp.url).pool_size(1);
        if rollback { rollback_journal(b) } else { b }.build().unwrap()
    };
    {
        let engine = open();
        engine.create_all(&[Ledger::table(), Total::table()]).unwrap();
        insert::<Total>().values(&Total { id: 1, total: 0 }).execute(&engine).unwrap();
    }
    let (mut rows, mut hot_journals) = (0, 0);
    for round in 0..ROUNDS {
        let mut child = ChildProc::spawn(&Role::CommitLoop {
            url: tmp.url.clone(),
            rollback_journal: rollback,
            schema: None,
            app: None,
        });
        std::thread::sleep(rng.millis(50, 250));
        let status = child.kill();
        assert_killed(status, &child);
        if rollback && tmp.sibling("-journal").exists() {
            hot_journals += 1;
        }
        // The database opens (a hot journal is rolled back, a WAL recovered), is intact, and
        // holds whole transactions only.
        let engine = open();
        let what = format!("{mode} round {round}");
        assert_eq!(integrity_check(&engine), "ok", "{what}");
        let mut conn = engine.connection().unwrap();
        assert_eq!(journal_mode(&mut conn, "PRAGMA journal_mode").unwrap(), mode, "{what}");
        drop(conn);
        let (sum, count, total) = ledger_state(&engine);
        assert_eq!(sum, total, "{what}: sum(ledger.v) = total ({count} rows)");
        assert!(count > rows, "{what}: the child committed (READY comes after its first commit): {count}");
        rows = count;
        drop(engine);
        if rollback {
            assert!(!tmp.sibling("-journal").exists(), "{what}: the hot journal was rolled back and removed");
        }
    }
    eprintln!("T25 sqlite {mode}: {ROUNDS} kills, {rows} transactions committed, {hot_journals} hot journals left");
    let engine = open();
    assert_no_leaks_sqlite(&engine, &tmp.path);
}

/// PostgreSQL client-kill part of T25 (the shared server).
fn t25_postgres(rng: &mut SplitMix64) {
    const ROUNDS: usize = 5;
    let Some(schema) = PgSchema::create("t25") else { return };
    let app = format!("t25-parent-{}", std::process::id());
    let engine =
        Engine::builder(&pg_url()).pool_size(1).search_path(&schema.name).application_name(&app).build().unwrap();
    engine.create_all(&[Ledger::table(), Total::table()]).unwrap();
    insert::<Total>().values(&Total { id: 1, total: 0 }).execute(&engine).unwrap();
    let mut admin = PgAdmin::connect();
    let mut rows = 0;
    for round in 0..ROUNDS {
        let child_app = format!("t25-child-{}-{round}", std::process::id());
        let mut child = ChildProc::spawn(&Role::CommitLoop {
            url: pg_url(),
            rollback_journal: false,
            schema: Some(schema.name.clone()),
            app: Some(child_app.clone()),
        });
        std::thread::sleep(rng.millis(50, 250));
        let status = child.kill();
        assert_killed(status, &child);
        // The server sees the closed socket: the backend does not stay inside the
        // transaction (whose locks would block every other writer).
        admin.wait_until(&format!("no backend of {child_app} is idle in transaction"), Duration::from_secs(2), |a| {
            !a.backends(&child_app).iter().any(Backend::leaked_transaction)
        });
        admin.wait_until(&format!("the backends of {child_app} are gone"), Duration::from_secs(5), |a| {
            a.pids(&child_app).is_empty()
        });
        let (sum, count, total) = ledger_state(&engine);
        assert_eq!(sum, total, "postgres round {round}: sum(ledger.v) = total ({count} rows)");
        assert!(count > rows, "postgres round {round}: the child committed: {count}");
        rows = count;
    }
    eprintln!("T25 postgres: {ROUNDS} client kills, {rows} transactions committed");
    assert_no_leaks(&engine, &app, &mut admin);
}

/// T25. Would catch: a SIGKILL during a commit leaving a SQLite database that does not open
/// (a stale `-journal`), is corrupt, or holds half a transaction (a ledger row without its
/// total, or the reverse), in rollback-journal and WAL mode; a test that never saw a commit;
/// and on PostgreSQL a killed client's backend left `idle in transaction`, or half of a
/// transaction committed.
#[test]
fn t25_fault_sigkill_mid_commit_consistency() {
    let _serial = serial();
    let started = Instant::now();
    let mut rng = SplitMix64(0x7_2525);
    t25_sqlite(true, &mut rng);
    t25_sqlite(false, &mut rng);
    t25_postgres(&mut rng);
    eprintln!("T25: {:?}", started.elapsed());
}
