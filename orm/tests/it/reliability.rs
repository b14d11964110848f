//! Reliability suite, first slice (RELIABILITY.md §4.2). Each test is named after its
//! T-number, injects its fault on the shared PostgreSQL server (or SQLite), checks the typed
//! error and the state left behind, and ends with `assert_no_leaks`.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use orm::prelude::*;
use orm::{Engine, EngineBuilder, Error};

use crate::common::each_db_with;
use crate::fault_support::{assert_no_leaks, assert_no_leaks_db, assert_no_leaks_sqlite, PgAdmin, PgFixture, TempDb};
use crate::models::User;

fn users(engine: &Engine) -> i64 {
    select(func::count_all()).from::<User>().one(engine).unwrap()
}

/// Statements an engine sent, for "nothing was sent" checks.
#[derive(Clone, Default)]
struct Sent(Arc<Mutex<Vec<String>>>);

impl Sent {
    fn record(&self, b: EngineBuilder) -> EngineBuilder {
        let log = self.0.clone();
        b.before_execute(move |sql, _| log.lock().unwrap().push(sql.to_owned()))
    }
    fn take(&self) -> Vec<String> {
        std::mem::take(&mut *self.0.lock().unwrap())
    }
}

/// T01. Would catch: a pool handing out a connection whose backend is gone (no probe and no
/// replacement at the first statement), a disconnect not typed as such, a dead connection
/// put back, or every idle connection of a restarted server costing its own failed probe
/// (no generation).
#[test]
#[cfg(feature = "postgres")]
fn t01_pool_recovers_after_idle_backend_terminated() {
    // Default settings: the connection was returned a moment ago, so the checkout sends no
    // probe; the session's first read finds it dead, and runs again on a new connection.
    let Some(mut fx) = PgFixture::new("t01", |b| b) else { return };
    fx.engine.create_all(&[User::table()]).unwrap();
    assert_eq!(users(&fx.engine), 0);
    let before = fx.admin.pids(&fx.app);
    assert_eq!(before.len(), 1);
    let st0 = fx.engine.pool_status();

    assert_eq!(fx.admin.terminate_app(&fx.app), 1);
    let mut s = fx.engine.session();
    assert_eq!(s.query::<User>().count().unwrap(), 0, "the first read ran again on a new connection");
    drop(s);
    let after = fx.admin.pids(&fx.app);
    assert_eq!(after.len(), 1);
    assert_ne!(after, before, "a new backend");
    let st = fx.engine.pool_status();
    assert_eq!((st.probes, st.reconnects), (st0.probes, st0.reconnects + 1), "{st:?}");
    assert_eq!(st.generation, st0.generation + 1, "the disconnect bumped the generation");
    assert_eq!(st.connections, 1, "the replacement took the dead connection's place: {st:?}");
    fx.assert_no_leaks();

    // A probe at every checkout: the probe finds the dead connection instead.
    let Some(mut fx) = PgFixture::new("t01p", |b| b.pre_ping_after(Duration::ZERO)) else { return };
    fx.engine.create_all(&[User::table()]).unwrap();
    let before = fx.admin.pids(&fx.app);
    let gen0 = fx.engine.pool_status().generation;
    assert_eq!(fx.admin.terminate_app(&fx.app), 1);
    let mut s = fx.engine.session();
    assert_eq!(s.query::<User>().count().unwrap(), 0, "the probe replaced the dead connection");
    drop(s);
    assert_ne!(fx.admin.pids(&fx.app), before, "a new backend");
    let st = fx.engine.pool_status();
    assert_eq!((st.probe_failures, st.reconnects), (1, 0), "{st:?}");
    assert_eq!(st.generation, gen0 + 1, "the disconnect bumped the generation");

    // Every backend at once (a server restart, seen from the pool): one failed probe, and
    // the other stale connection goes without a round trip.
    let (a, b) = (fx.engine.connection().unwrap(), fx.engine.connection().unwrap());
    drop((a, b));
    let warm = fx.engine.pool_status();
    assert_eq!((warm.connections, warm.idle), (2, 2));
    assert_eq!(fx.admin.terminate_app(&fx.app), 2);
    let (a, b) = (fx.engine.connection().unwrap(), fx.engine.connection().unwrap());
    let st = fx.engine.pool_status();
    assert_eq!(st.probe_failures, warm.probe_failures + 1, "only the first stale connection was probed: {st:?}");
    assert!(st.stale_discarded > warm.stale_discarded, "{st:?}");
    drop((a, b));
    fx.assert_no_leaks();

    // The probe off: the first query is a typed disconnect and the connection is not kept.
    let Some(mut raw) = PgFixture::new("t01b", |b| b.pre_ping(false)) else { return };
    raw.engine.create_all(&[User::table()]).unwrap();
    assert_eq!(raw.engine.pool_status().connections, 1);
    raw.admin.terminate_app(&raw.app);
    let mut s = raw.engine.session();
    let err = s.query::<User>().count().unwrap_err();
    assert!(matches!(err, Error::Disconnected { .. }) && err.is_disconnect(), "{err:?}");
    assert!(matches!(s.query::<User>().count(), Err(Error::PendingRollback { .. })));
    s.rollback().unwrap();
    assert_eq!(raw.engine.pool_status().connections, 0, "the dead connection was discarded");
    let mut s = raw.engine.session();
    assert_eq!(s.query::<User>().count().unwrap(), 0, "a retry on a new session works");
    drop(s);
    raw.assert_no_leaks();
}

/// T02. Would catch: an untyped error, a session that carries on (or retries) after losing
/// its transaction, a rollback that fails or waits on the dead socket, in-memory state
/// that keeps the lost inserts, or the dead connection going back to the pool.
#[test]
#[cfg(feature = "postgres")]
fn t02_session_disconnect_mid_transaction_is_typed_and_pending_rollback() {
    let sent = Sent::default();
    let Some(mut fx) = PgFixture::new("t02", |b| sent.record(b)) else { return };
    fx.engine.create_all(&[User::table()]).unwrap();
    let mut s = fx.engine.session();
    let old = s.add(User::new("old", 30)).unwrap();
    s.commit().unwrap();

    let a = s.add(User::new("a", 1)).unwrap();
    let b = s.add(User::new("b", 2)).unwrap();
    s.flush().unwrap();
    old.write().age = 99; // dirty, not flushed
    let pid = fx.admin.pids(&fx.app)[0];
    assert_eq!(fx.admin.backends(&fx.app)[0].state, "idle in transaction");
    fx.admin.terminate(pid);
    let app = fx.app.clone();
    fx.admin.wait_until("backend gone", Duration::from_secs(5), |adm| !adm.pids(&app).contains(&pid));

    let err = s.flush().unwrap_err();
    assert!(err.is_disconnect(), "{err:?}");
    assert!(matches!(err, Error::Disconnected { .. }));
    for _ in 0..5 {
        match s.query::<User>().count() {
            Err(Error::PendingRollback { original }) => assert!(original.is_disconnect(), "{original:?}"),
            other => panic!("{other:?}"),
        }
        assert!(matches!(s.commit(), Err(Error::PendingRollback { .. })));
        assert!(matches!(s.flush(), Err(Error::PendingRollback { .. })));
        assert!(matches!(s.add(User::new("c", 3)), Err(Error::PendingRollback { .. })));
    }
    sent.take();
    s.rollback().unwrap();
    assert!(sent.take().is_empty(), "rollback of a lost connection sends nothing");
    assert_eq!(fx.engine.pool_status().connections, 0, "the dead connection was discarded");
    assert_eq!((a.state(), a.read().id), (ObjectState::Transient, 0));
    assert_eq!((b.state(), b.read().id), (ObjectState::Transient, 0));
    assert_eq!(old.read().age, 30, "the dirty object has its committed values back");

    s.add(User::new("fresh", 5)).unwrap();
    s.commit().unwrap();
    let names: Vec<String> = select(User::name).order_by(User::name).all(&fx.engine).unwrap();
    assert_eq!(names, ["fresh", "old"], "the lost rows are absent; nothing was retried");
    drop(s);
    fx.assert_no_leaks();
}

/// T05 (hung-server part, on a fake server). Would catch: the driver's `connect_timeout`
/// being trusted to bound the startup handshake (it only bounds the TCP connect), which
/// blocks pool threads for as long as the server stays silent.
#[test]
#[cfg(feature = "postgres")]
fn t05_hung_server_handshake_is_bounded() {
    // Accepts TCP connections and never answers the startup message (a stopped postmaster).
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let held = Arc::new(Mutex::new((Vec::new(), false)));
    let keep = held.clone();
    std::thread::spawn(move || {
        for s in listener.incoming().flatten() {
            let mut held = keep.lock().unwrap();
            if !held.1 {
                held.0.push(s); // kept open, never answered
            }
        }
    });
    let engine = Engine::builder(&format!("postgres://postgres@127.0.0.1:{port}/test"))
        .pool_size(2)
        .connect_timeout(Duration::from_millis(200))
        .connection_timeout(Duration::from_millis(800))
        .build()
        .unwrap();
    let t = Instant::now();
    let err = engine.connection().unwrap_err();
    let took = t.elapsed();
    assert!(
        matches!(&err, Error::PoolTimeout { message, last_error: Some(_) } if message.contains("handshake")),
        "{err:?}"
    );
    assert!(took < Duration::from_millis(1500), "{took:?}");
    let st = engine.pool_status();
    assert!(st.hung_connects >= 1 && st.hung_connects <= 2, "abandoned handshakes are capped: {st:?}");
    // The fake server goes away: the abandoned handshakes end and their threads with them.
    *held.lock().unwrap() = (Vec::new(), true);
    let end = Instant::now() + Duration::from_secs(5);
    while engine.pool_status().hung_connects > 0 {
        assert!(Instant::now() < end, "{:?}", engine.pool_status());
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// T07. Would catch: a connection returned inside an open transaction (E5: the next
/// borrower runs inside it and the rows stay locked), on drop, on panic, or after a raw
/// `BEGIN` the ORM did not track.
#[test]
#[cfg(all(feature = "postgres", feature = "sqlite"))]
fn t07_pool_leaked_transaction_never_reaches_next_borrower() {
    // PostgreSQL.
    if let Some(mut fx) = PgFixture::new("t07", |b| b.pool_size(1)) {
        fx.engine.create_all(&[User::table()]).unwrap();
        insert::<User>().values(&User::new("locked?", 1)).execute(&fx.engine).unwrap();
        for variant in ["drop", "panic", "raw BEGIN"] {
            match variant {
                "drop" => {
                    let mut s = fx.engine.session();
                    s.add(User::new("leak", 2)).unwrap();
                    s.query::<User>().filter(User::name.eq("locked?")).one().unwrap().write().age = 5;
                    s.flush().unwrap();
                }
                "panic" => {
                    let engine = fx.engine.clone();
                    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || {
                        let mut s = engine.session();
                        s.add(User::new("leak", 2)).unwrap();
                        s.flush().unwrap();
                        panic!("t07");
                    }));
                    assert!(r.is_err());
                }
                _ => {
                    let mut conn = fx.engine.connection().unwrap();
                    conn.execute("BEGIN", &[]).unwrap();
                    conn.execute("UPDATE users SET age = 7", &[]).unwrap();
                }
            }
            let leaked: Vec<_> = fx.admin.backends(&fx.app).into_iter().filter(|b| b.leaked_transaction()).collect();
            assert!(leaked.is_empty(), "{variant}: {leaked:?}");
            // The checkout probe itself (`SELECT now() = statement_timestamp()`, simple protocol).
            let mut conn = fx.engine.connection().unwrap();
            assert!(
                conn.ping().is_ok() && !conn.in_transaction(),
                "{variant}: the next borrower is outside any transaction"
            );
            drop(conn);
            assert_eq!(users(&fx.engine), 1, "{variant}: the leaked rows are absent");
            // Nobody holds the row lock any more.
            fx.admin.batch("SET lock_timeout = 100");
            let q = format!("UPDATE {}.users SET age = age", fx.schema.name);
            fx.admin.batch(&q);
        }
        fx.assert_no_leaks();
    }
    // SQLite (file, WAL).
    let tmp = TempDb::new("t07");
    let (path, url) = (tmp.path.clone(), tmp.url.clone());
    let engine = Engine::builder(&url).pool_size(1).build().unwrap();
    engine.create_all(&[User::table()]).unwrap();
    {
        let mut s = engine.session();
        s.add(User::new("leak", 2)).unwrap();
        s.flush().unwrap();
    }
    {
        let mut conn = engine.connection().unwrap();
        conn.execute("BEGIN IMMEDIATE", &[]).unwrap();
    }
    assert!(!engine.connection().unwrap().in_transaction());
    assert_eq!(users(&engine), 0);
    assert_no_leaks_sqlite(&engine, &path);
}

/// T08. Would catch: an aborted transaction (25P02 for every later statement) handed to the
/// next borrower, including the raw `BEGIN; SELECT 1/0` shape the ORM does not track, and a
/// COMMIT of an aborted transaction reported as success (the server answers it with ROLLBACK).
#[test]
#[cfg(feature = "postgres")]
fn t08_pool_aborted_transaction_never_reaches_next_borrower() {
    let Some(mut fx) = PgFixture::new("t08", |b| b.pool_size(1)) else { return };
    fx.engine.create_all(&[User::table()]).unwrap();
    insert::<User>().values(&User::new("ada", 1)).execute(&fx.engine).unwrap();
    // A session whose flush fails, dropped without rollback.
    {
        let mut s = fx.engine.session();
        s.add(User::new("ada", 2)).unwrap();
        assert!(matches!(s.flush(), Err(Error::UniqueViolation { .. })));
    }
    // A raw statement fails inside the session's transaction: nothing more runs in it, and
    // COMMIT is refused rather than silently rolled back.
    {
        let mut s = fx.engine.session();
        s.add(User::new("bob", 2)).unwrap();
        s.flush().unwrap();
        let err = s.execute("SELECT 1/0", &[]).unwrap_err();
        assert!(matches!(&err, Error::Database { code: Some(c), .. } if c == "22012"), "{err:?}");
        match s.commit() {
            Err(Error::PendingRollback { original }) => {
                assert!(matches!(*original, Error::Database { .. }), "{original:?}")
            }
            other => panic!("commit of an aborted transaction: {other:?}"),
        }
        // Dropped without rollback.
    }
    // The sqlx#4409 shape: one raw multi-statement batch.
    {
        let mut conn = fx.engine.connection().unwrap();
        assert!(conn.batch("BEGIN; SELECT 1/0").is_err());
    }
    let mut s = fx.engine.session();
    assert_eq!(s.query::<User>().count().unwrap(), 1, "the next borrower's first statement works");
    drop(s);
    fx.assert_no_leaks();
}

/// T09. Would catch: a panic returning the connection with its transaction open, a double
/// panic (abort) when the rollback in drop fails too, or a poisoned pool.
#[test]
#[cfg(feature = "postgres")]
fn t09_session_panic_inside_transaction_rolls_back() {
    each_db_with(
        "t09",
        |b| b.pool_size(1),
        |db| {
            db.engine.create_all(&[User::table()]).unwrap();
            let engine = db.engine.clone();
            let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || {
                let mut s = engine.session();
                let _ = s.transaction(|s| -> orm::Result<()> {
                    s.add(User::new("doomed", 1))?;
                    s.flush()?;
                    panic!("t09");
                });
            }));
            assert!(r.is_err());
            assert_eq!(users(&db.engine), 0);
            assert_no_leaks_db(db);

            if db.is_pg() {
                // The panic unwinds through Session::drop while ROLLBACK fails too: the backend
                // is gone already.
                let mut admin = PgAdmin::connect();
                let engine = db.engine.clone();
                let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || {
                    let mut s = engine.session();
                    s.add(User::new("doomed", 1)).unwrap();
                    s.flush().unwrap();
                    PgAdmin::connect().terminate_app(&db.app);
                    panic!("t09 with the backend gone");
                }));
                assert!(r.is_err());
                let mut s = db.engine.session();
                assert_eq!(s.query::<User>().count().unwrap(), 0, "the next checkout works");
                drop(s);
                assert_no_leaks(&db.engine, &db.app, &mut admin);
            }
        },
    );
}

/// T10. Would catch: the server closing an idle-in-transaction session (25P03, then a
/// closed socket) reported as an ordinary error, or the dead connection kept in the pool.
#[test]
#[cfg(feature = "postgres")]
fn t10_pool_server_side_session_timeouts() {
    let Some(mut fx) = PgFixture::new("t10", |b| b.pool_size(1)) else { return };
    fx.engine.create_all(&[User::table()]).unwrap();
    let mut s = fx.engine.session();
    s.execute("SET idle_in_transaction_session_timeout = 200", &[]).unwrap();
    s.add(User::new("slow", 1)).unwrap();
    s.flush().unwrap();
    std::thread::sleep(Duration::from_millis(600));
    let err = s.query::<User>().count().unwrap_err();
    assert!(err.is_disconnect(), "{err:?}");
    assert!(matches!(s.flush(), Err(Error::PendingRollback { original }) if original.is_disconnect()));
    s.rollback().unwrap();
    drop(s);
    assert_eq!(fx.engine.pool_status().connections, 0, "discarded");
    assert_eq!(users(&fx.engine), 0);
    fx.assert_no_leaks();
}

/// T11. Would catch: an integrity error at commit that leaves the session usable with the
/// transaction half done, that loses the original error, or that needs more than one
/// rollback to recover from.
#[test]
fn t11_session_flush_integrity_error_requires_rollback() {
    each_db_with(
        "t11",
        |b| b,
        |db| {
            db.engine.create_all(&[User::table()]).unwrap();
            let mut s = db.engine.session();
            let ada = s.add(User::new("ada", 36)).unwrap();
            let bob = s.add(User::new("bob", 20)).unwrap();
            s.commit().unwrap();

            s.add(User::new("ada", 1)).unwrap();
            bob.write().age = 21;
            let err = s.commit().unwrap_err();
            assert!(
                matches!(&err, Error::UniqueViolation { table, columns, .. } if table == "users" && columns == &["name"]),
                "{err:?}"
            );
            for _ in 0..5 {
                for r in [s.commit(), s.flush(), s.query::<User>().count().map(|_| ())] {
                    match r {
                        Err(Error::PendingRollback { original }) => {
                            assert!(matches!(*original, Error::UniqueViolation { .. }))
                        }
                        other => panic!("{other:?}"),
                    }
                }
            }
            s.rollback().unwrap();
            assert_eq!(bob.read().age, 20);
            s.add(User::new("cy", 3)).unwrap();
            s.commit().unwrap();
            assert_eq!(s.query::<User>().count().unwrap(), 3);
            assert_eq!(ada.read().age, 36);
            drop(s);
            assert_no_leaks_db(db);
        },
    );
}

/// T14 (serialization part) with the retry helper. Would catch: a serialization failure at
/// COMMIT that is untyped, not retryable, leaves the server `idle in transaction`, or is
/// retried without rolling back; and a retry helper that gives up or retries too often.
#[test]
#[cfg(feature = "postgres")]
fn t14_serialization_failure_at_commit_is_retryable_and_leaves_server_idle() {
    let Some(mut fx) = PgFixture::new("t14", |b| b) else { return };
    fx.admin.batch(&format!("CREATE TABLE {}.ledger (cls INT NOT NULL, amount INT NOT NULL)", fx.schema.name));
    let serializable = |s: &mut Session| s.execute("SET TRANSACTION ISOLATION LEVEL SERIALIZABLE", &[]).map(|_| ());
    let sum = |s: &mut Session, cls: &'static str| -> orm::Result<()> {
        s.execute(orm::RawSql::audited(format!("SELECT coalesce(sum(amount), 0) FROM ledger WHERE cls = {cls}")), &[])
            .map(|_| ())
    };
    // Write skew: each reads the class the other writes.
    let mut a = fx.engine.session();
    let mut b = fx.engine.session();
    serializable(&mut a).unwrap();
    serializable(&mut b).unwrap();
    sum(&mut a, "1").unwrap();
    sum(&mut b, "2").unwrap();
    a.execute("INSERT INTO ledger VALUES (2, 10)", &[]).unwrap();
    b.execute("INSERT INTO ledger VALUES (1, 10)", &[]).unwrap();
    a.commit().unwrap();
    let err = b.commit().unwrap_err();
    assert!(matches!(err, Error::Serialization { .. }), "{err:?}");
    assert!(err.is_retryable() && !err.is_disconnect());
    assert!(matches!(b.query::<User>().count(), Err(Error::PendingRollback { .. })));
    // The server already ended the transaction; the connection is idle, not discarded.
    let leaked: Vec<_> = fx.admin.backends(&fx.app).into_iter().filter(|x| x.leaked_transaction()).collect();
    assert!(leaked.is_empty(), "{leaked:?}");
    b.rollback().unwrap();
    drop((a, b));

    // The same conflict inside `retry_transaction`: the first attempt loses, the second wins.
    let attempts = std::cell::Cell::new(0);
    let mut rival = Some(fx.engine.session());
    serializable(rival.as_mut().unwrap()).unwrap();
    sum(rival.as_mut().unwrap(), "1").unwrap();
    fx.engine
        .retry_transaction(3, |s| {
            attempts.set(attempts.get() + 1);
            serializable(s)?;
            sum(s, "2")?;
            if let Some(mut r) = rival.take() {
                r.execute("INSERT INTO ledger VALUES (2, 1)", &[])?;
                s.execute("INSERT INTO ledger VALUES (1, 1)", &[])?;
                r.commit()?;
            } else {
                s.execute("INSERT INTO ledger VALUES (1, 1)", &[])?;
            }
            Ok(())
        })
        .unwrap();
    assert_eq!(attempts.get(), 2);
    let q = format!("SELECT count(*) FROM {}.ledger", fx.schema.name);
    assert_eq!(fx.admin.count(&q), 3, "a's row, the rival's row and one row of the winning attempt");
    fx.assert_no_leaks();
}

/// T17 / T05 part B. Would catch: timeouts reported as generic errors, a client deadline
/// that does not cancel (the call waits the whole `pg_sleep`), a connection left unusable
/// after a cancel, or a session that carries on in the aborted transaction.
#[test]
#[cfg(feature = "postgres")]
fn t17_session_statement_lock_timeouts_and_client_deadline_typed() {
    let Some(mut fx) = PgFixture::new("t17", |b| b.pool_size(1)) else { return };
    fx.engine.create_all(&[User::table()]).unwrap();
    insert::<User>().values(&User::new("row", 1)).execute(&fx.engine).unwrap();

    let mut s = fx.engine.session();
    s.set_statement_timeout(Some(Duration::from_millis(100))).unwrap();
    let t = Instant::now();
    let err = s.execute("SELECT pg_sleep(1)", &[]).unwrap_err();
    assert!(matches!(err, Error::StatementTimeout { .. }), "{err:?}");
    assert!(t.elapsed() < Duration::from_millis(900));
    assert!(matches!(s.query::<User>().count(), Err(Error::PendingRollback { .. })));
    s.rollback().unwrap();

    // Client-side deadline through the CancelToken; the server has no timeout.
    s.set_statement_timeout(None).unwrap();
    s.set_query_deadline(Some(Duration::from_millis(300))).unwrap();
    let pid = fx.admin.pids(&fx.app);
    let t = Instant::now();
    let err = s.execute("SELECT pg_sleep(5)", &[]).unwrap_err();
    let took = t.elapsed();
    assert!(matches!(err, Error::Canceled { .. }), "{err:?}");
    assert!(took >= Duration::from_millis(290) && took < Duration::from_millis(1500), "{took:?}");
    s.rollback().unwrap();
    assert_eq!(s.query::<User>().count().unwrap(), 1, "the connection is still usable");
    assert_eq!(fx.admin.pids(&fx.app), pid, "same backend");
    s.set_query_deadline(None).unwrap();
    s.commit().unwrap();

    // The engine-wide default (a startup option): also for statements outside sessions.
    if let Some(strict) = PgFixture::new("t17s", |b| b.statement_timeout(Duration::from_millis(100))) {
        let err = strict.engine.execute("SELECT pg_sleep(1)", &[]).unwrap_err();
        assert!(matches!(err, Error::StatementTimeout { .. }), "{err:?}");
        strict.engine.execute("SELECT 1", &[]).unwrap();
        // A session can lift the engine's default.
        let mut s = strict.engine.session();
        s.set_statement_timeout(None).unwrap();
        s.execute("SELECT pg_sleep(0.3)", &[]).unwrap();
        s.commit().unwrap();
    }

    // Lock timeout: the admin holds the row lock.
    fx.admin.batch(&format!("BEGIN; SELECT * FROM {}.users FOR UPDATE", fx.schema.name));
    s.set_lock_timeout(Some(Duration::from_millis(100))).unwrap();
    let t = Instant::now();
    let err = s.execute("UPDATE users SET age = 2", &[]).unwrap_err();
    assert!(matches!(err, Error::LockTimeout { .. }), "{err:?}");
    assert!(t.elapsed() < Duration::from_millis(900));
    s.rollback().unwrap();
    fx.admin.batch("ROLLBACK");
    drop(s);

    // The session's settings do not outlive it: the next session waits without limit.
    let mut s = fx.engine.session();
    s.execute("SELECT pg_sleep(0.2)", &[]).unwrap();
    s.commit().unwrap();
    drop(s);
    fx.assert_no_leaks();
}

/// T17 on SQLite: the client deadline interrupts (`sqlite3_interrupt`) and the statement
/// timeout is the ORM's own. Would catch: a deadline that does not fire (the recursive query
/// never ends), an untyped interrupt, or a connection unusable afterwards.
#[test]
#[cfg(feature = "sqlite")]
fn t17b_sqlite_statement_timeout_and_client_deadline_typed() {
    let tmp = TempDb::new("t17b");
    let (path, url) = (tmp.path.clone(), tmp.url.clone());
    let engine = Engine::builder(&url).pool_size(2).lock_timeout(Duration::from_millis(100)).build().unwrap();
    engine.create_all(&[User::table()]).unwrap();
    // Seconds of work (bounded, so that a deadline that never fires fails the test instead
    // of hanging it).
    let slow =
        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 50000000) SELECT count(*) FROM c";
    let mut s = engine.session();
    s.set_query_deadline(Some(Duration::from_millis(100))).unwrap();
    let t = Instant::now();
    assert!(matches!(s.execute(slow, &[]), Err(Error::Canceled { .. })));
    assert!(t.elapsed() < Duration::from_secs(2));
    s.set_query_deadline(None).unwrap();
    s.set_statement_timeout(Some(Duration::from_millis(100))).unwrap();
    assert!(matches!(s.execute(slow, &[]), Err(Error::StatementTimeout { .. })));
    s.rollback().unwrap();
    s.add(User::new("after", 1)).unwrap();
    s.commit().unwrap();
    drop(s);
    assert_eq!(users(&engine), 1, "the connection is usable after the interrupts");
    assert_no_leaks_sqlite(&engine, &path);

    // The engine's lock timeout is SQLite's busy timeout: a writer waits that long, then gets
    // a retryable `Busy` (T20's shape, with a connection of the same pool holding the lock).
    let strict = Engine::builder(&url).pool_size(2).lock_timeout(Duration::from_millis(150)).build().unwrap();
    let mut holder = strict.connection().unwrap();
    holder.begin(true).unwrap();
    let mut s = strict.session();
    s.add(User::new("waits", 1)).unwrap();
    let t = Instant::now();
    let err = s.commit().unwrap_err();
    let took = t.elapsed();
    assert!(matches!(err, Error::Busy { .. }) && err.is_retryable(), "{err:?}");
    assert!(took >= Duration::from_millis(140) && took < Duration::from_secs(2), "{took:?}");
    assert!(matches!(s.flush(), Err(Error::PendingRollback { .. })));
    holder.rollback().unwrap();
    drop(holder);
    s.rollback().unwrap();
    s.add(User::new("waits", 1)).unwrap();
    s.commit().unwrap();
    drop(s);
    assert_no_leaks_sqlite(&strict, &path);
}

/// T16. Would catch: a connection lost while COMMIT runs reported as an ordinary disconnect
/// (which is retryable: the work could be applied twice) or as "rolled back", a retry helper
/// that retries it, or the connection kept.
#[test]
#[cfg(feature = "postgres")]
fn t16_session_commit_outcome_unknown() {
    let Some(mut fx) = PgFixture::new("t16", |b| b) else { return };
    fx.engine.create_all(&[User::table()]).unwrap();
    let schema = fx.schema.name.clone();
    // COMMIT runs the deferred trigger, which sleeps: the backend is killed in the middle.
    fx.admin.batch(&format!(
        "CREATE FUNCTION {schema}.slow() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(3); RETURN NULL; END $$;
         CREATE CONSTRAINT TRIGGER slow_commit AFTER INSERT ON {schema}.users DEFERRABLE INITIALLY DEFERRED
         FOR EACH ROW EXECUTE FUNCTION {schema}.slow()"
    ));
    // `statement`: how the statement whose commit runs the trigger starts (COMMIT, or an
    // INSERT sent alone, which commits by itself).
    let kill_during = |app: String, statement: &'static str| {
        std::thread::spawn(move || {
            let mut admin = PgAdmin::connect();
            let mut killed = false;
            admin.wait_until("a commit sleeping in the trigger", Duration::from_secs(5), |a| {
                let b = a.backends(&app);
                match b.iter().find(|b| b.query.starts_with(statement) && b.wait_event.as_deref() == Some("PgSleep")) {
                    Some(b) => {
                        killed = a.terminate(b.pid);
                        true
                    }
                    None => false,
                }
            });
            killed
        })
    };

    let kill_during_commit = |app: String| kill_during(app, "COMMIT");
    let killer = kill_during_commit(fx.app.clone());
    let mut s = fx.engine.session();
    s.add(User::new("maybe", 1)).unwrap();
    // Flushed first: the transaction is open, and the commit is a COMMIT.
    s.flush().unwrap();
    let t = Instant::now();
    let err = s.commit().unwrap_err();
    assert!(killer.join().unwrap());
    assert!(t.elapsed() < Duration::from_secs(3), "the commit did not wait for the trigger");
    assert!(matches!(err, Error::CommitOutcomeUnknown { .. }), "{err:?}");
    assert!(err.is_disconnect() && !err.is_retryable());
    assert!(matches!(s.query::<User>().count(), Err(Error::PendingRollback { .. })));
    s.rollback().unwrap();
    drop(s);
    assert_eq!(fx.engine.pool_status().connections, 0, "the connection was discarded");
    assert_eq!(users(&fx.engine), 0, "here the outcome was a rollback (D1); the ORM could not know");

    // The retry helper never runs the work again after an unknown outcome.
    let killer = kill_during_commit(fx.app.clone());
    let mut runs = 0;
    let err = fx
        .engine
        .retry_transaction(5, |s| {
            runs += 1;
            s.add(User::new("once", 1)).map(|_| ())
        })
        .unwrap_err();
    assert!(killer.join().unwrap());
    assert!(matches!(err, Error::CommitOutcomeUnknown { .. }), "{err:?}");
    assert_eq!(runs, 1);

    // A commit of one INSERT is sent alone (no BEGIN / COMMIT): lost while the statement's
    // own commit runs, its outcome is just as unknown.
    let killer = kill_during(fx.app.clone(), "INSERT");
    let mut s = fx.engine.session();
    s.add(User::new("alone", 1)).unwrap();
    let err = s.commit().unwrap_err();
    assert!(killer.join().unwrap());
    assert!(matches!(err, Error::CommitOutcomeUnknown { .. }) && !err.is_retryable(), "{err:?}");
    s.rollback().unwrap();
    drop(s);
    fx.assert_no_leaks();
}
