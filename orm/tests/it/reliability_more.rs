//! Reliability suite, second slice (RELIABILITY.md §4.2: T12, T13, T18, T19, T21, T23).
//! Each test is named after its T-number and ends, where the harness allows, with the leak
//! check (`assert_no_leaks` on PostgreSQL, `assert_no_leaks_sqlite` on SQLite files).

use std::sync::{Arc, Barrier, Mutex};
use std::time::{Duration, Instant};

use orm::prelude::*;
use orm::{Engine, Error, SessionCounts};

use crate::common::each_db_with;
use crate::fault_support::{assert_no_leaks_db, assert_no_leaks_sqlite, PgAdmin, TempDb};
use crate::models::User;

fn names(engine: &Engine) -> Vec<String> {
    select(User::name).order_by(User::name).all(engine).unwrap()
}

/// T12. Would catch: a rollback that leaves pending objects in the session or keeps the
/// generated keys the rolled-back INSERTs gave them (the identity map would then answer for
/// a row that does not exist), deleted objects that stay deleted, dirty objects that keep
/// values the database never committed; after a successful flush and after a failed commit.
#[test]
fn t12_session_rollback_restores_identity_map() {
    each_db_with(
        "rm_t12",
        |b| b,
        |db| {
            db.engine.create_all(&[User::table()]).unwrap();
            let mut s = db.engine.session();
            let u1 = s.add(User::new("ed", 30)).unwrap();
            let u3 = s.add(User::new("wendy", 40)).unwrap();
            let u5 = s.add(User::new("zed", 50)).unwrap();
            s.commit().unwrap();
            let (u1_id, u3_id) = (u1.read().id, u3.read().id);

            // A: the flush succeeds (u2 gets its generated key), then rollback.
            let u2 = s.add(User::new("jack", 20)).unwrap();
            s.delete(&u3).unwrap();
            u1.write().name = "edward".into();
            s.flush().unwrap();
            let u2_id = u2.read().id;
            assert!(u2_id > 0 && u2.state() == ObjectState::Persistent, "{u2_id}");
            s.rollback().unwrap();

            assert_eq!((u2.state(), u2.read().id), (ObjectState::Transient, 0), "pending expunged, key cleared");
            assert!(s.new_objects::<User>().is_empty());
            assert_eq!(u3.state(), ObjectState::Persistent, "the deleted object is back");
            assert!(s.deleted_objects::<User>().is_empty() && !s.is_modified(&u3));
            assert_eq!(u1.read().name, "ed", "the dirty object has its committed value");
            assert!(!s.is_modified(&u1));
            assert_eq!(s.counts(), SessionCounts { new: 0, dirty: 0, deleted: 0 });
            assert!(s.get::<User>(u2_id).unwrap().is_none(), "no identity-map entry (nor row) for u2's key");
            assert!(s.get::<User>(u3_id).unwrap().expect("u3").ptr_eq(&u3));
            assert!(s.get::<User>(u1_id).unwrap().expect("u1").ptr_eq(&u1));
            assert_eq!(u1.read().name, "ed", "reloaded from the database");
            assert_eq!(names(&db.engine), ["ed", "wendy", "zed"]);

            // B: the commit fails (unique violation on "zed") after u4's INSERT got a key.
            let u4 = s.add(User::new("kim", 21)).unwrap();
            let dup = s.add(User::new("zed", 1)).unwrap();
            s.delete(&u3).unwrap();
            u1.write().name = "edward".into();
            u5.write().age = 51;
            let err = s.commit().unwrap_err();
            assert!(err.is_integrity(), "{err:?}");
            assert!(matches!(s.flush(), Err(Error::PendingRollback { .. })));
            s.rollback().unwrap();
            for (o, what) in [(&u4, "u4"), (&dup, "dup")] {
                assert_eq!((o.state(), o.read().id), (ObjectState::Transient, 0), "{what}");
            }
            assert_eq!(u3.state(), ObjectState::Persistent);
            assert!(s.deleted_objects::<User>().is_empty());
            assert_eq!((u1.read().name.as_str(), u5.read().age), ("ed", 50));
            assert_eq!(s.counts(), SessionCounts { new: 0, dirty: 0, deleted: 0 });
            assert!(s.get::<User>(u3_id).unwrap().expect("u3").ptr_eq(&u3));

            // The session is usable again: the rolled-back object can be added once more.
            s.add(u2.clone()).unwrap();
            s.commit().unwrap();
            let new_id = u2.read().id;
            assert!(new_id > 0 && u2.state() == ObjectState::Persistent);
            assert!(s.get::<User>(new_id).unwrap().expect("u2").ptr_eq(&u2));
            assert_eq!(names(&db.engine), ["ed", "jack", "wendy", "zed"]);
            drop(s);
            assert_no_leaks_db(db);
        },
    );
}

/// T13. Would catch: a failure inside a savepoint that rolls back the whole transaction
/// (the outer work lost), a session still refusing work after `ROLLBACK TO SAVEPOINT`
/// (PostgreSQL's aborted state not cleared), or the failed object left in the session.
#[test]
#[cfg(feature = "postgres")]
fn t13_session_savepoint_contains_failure() {
    each_db_with(
        "rm_t13",
        |b| b,
        |db| {
            db.engine.create_all(&[User::table()]).unwrap();
            let mut s = db.engine.session();
            let a = s.add(User::new("a", 1)).unwrap();
            s.flush().unwrap();
            db.log.clear();

            // begin_nested / rollback_to_savepoint.
            let sp = s.begin_nested().unwrap();
            let dup = s.add(User::new("a", 2)).unwrap();
            let err = s.flush().unwrap_err();
            assert!(matches!(err, Error::UniqueViolation { .. }), "{err:?}");
            assert!(matches!(s.flush(), Err(Error::PendingRollback { .. })), "nothing more inside the failure");
            s.rollback_to_savepoint(sp).unwrap();
            assert_eq!((dup.state(), dup.read().id), (ObjectState::Transient, 0), "the duplicate is expunged");
            assert_eq!(a.state(), ObjectState::Persistent);
            assert!(a.read().id > 0);

            // savepoint(..): b is flushed before the savepoint, the duplicate inside fails.
            let b = s.add(User::new("b", 3)).unwrap();
            let r = s.savepoint(|s| {
                s.add(User::new("b", 4))?;
                s.flush()
            });
            assert!(matches!(r, Err(Error::UniqueViolation { .. })), "{r:?}");
            // A savepoint that succeeds is kept.
            s.savepoint(|s| s.add(User::new("c", 5)).map(|_| ())).unwrap();
            s.commit().unwrap();

            let log = db.log.take();
            assert!(log.iter().any(|q| q.starts_with("SAVEPOINT")), "{log:?}");
            assert_eq!(log.iter().filter(|q| q.starts_with("ROLLBACK TO SAVEPOINT")).count(), 2, "{log:?}");
            assert!(!log.iter().any(|q| q == "ROLLBACK"), "the outer transaction was never rolled back: {log:?}");
            assert_eq!(names(&db.engine), ["a", "b", "c"], "the outer work and the kept savepoint committed");
            assert!(b.read().id > 0 && a.read().id != b.read().id);
            drop(s);

            if db.is_pg() {
                // ROLLBACK TO SAVEPOINT itself fails (the backend is gone): the whole session
                // needs a rollback, which restores memory to the last commit.
                let mut s = db.engine.session();
                let d = s.add(User::new("d", 6)).unwrap();
                s.flush().unwrap();
                let sp = s.begin_nested().unwrap();
                let e = s.add(User::new("e", 7)).unwrap();
                s.flush().unwrap();
                assert!(PgAdmin::connect().terminate_app(&db.app) >= 1);
                let err = s.rollback_to_savepoint(sp).unwrap_err();
                assert!(err.is_disconnect(), "{err:?}");
                for _ in 0..3 {
                    assert!(matches!(s.flush(), Err(Error::PendingRollback { .. })));
                    assert!(matches!(s.commit(), Err(Error::PendingRollback { .. })));
                    assert!(matches!(s.query::<User>().count(), Err(Error::PendingRollback { .. })));
                }
                s.rollback().unwrap();
                for (o, what) in [(&d, "d"), (&e, "e")] {
                    assert_eq!((o.state(), o.read().id), (ObjectState::Transient, 0), "{what}");
                }
                assert_eq!(s.query::<User>().count().unwrap(), 3, "a fresh connection; d and e are absent");
                drop(s);
                assert_eq!(names(&db.engine), ["a", "b", "c"]);
            }
            assert_no_leaks_db(db);
        },
    );
}

/// Every row of `sql` (integers only), run on one connection of the engine.
fn int_rows(engine: &Engine, sql: &'static str) -> orm::Result<Vec<Vec<i64>>> {
    let mut conn = engine.connection()?;
    // Outside a transaction, where PostgreSQL's 0A000 is retried.
    conn.set_autocommit(true)?;
    let mut rows = Vec::new();
    conn.query(sql, &[], |row| {
        rows.push((0..row.len()).map(|i| row.integer(i)).collect::<orm::Result<Vec<i64>>>()?);
        Ok(())
    })?;
    Ok(rows)
}

/// T18. Would catch: a cached statement whose column metadata is stale after `ALTER TABLE`
/// (`SELECT *` silently dropping the new column, rusqlite#1371), a PostgreSQL 0A000 ("cached
/// plan must not change result type") that is untyped or keeps coming back because the
/// cache entry is never evicted (sqlx#1250), and a changed column type decoded wrongly.
#[test]
fn t18_stmt_cache_invalidated_after_schema_change() {
    each_db_with(
        "rm_t18",
        // Two connections: statements hit the same few statement caches.
        |b| b.pool_size(2),
        |db| {
            let e = &db.engine;
            e.execute("CREATE TABLE rm_items (id INTEGER PRIMARY KEY, a INTEGER NOT NULL)", &[]).unwrap();
            e.execute("INSERT INTO rm_items (id, a) VALUES (1, 10)", &[]).unwrap();
            let star = "SELECT * FROM rm_items";
            let cols = "SELECT id, a FROM rm_items";
            for _ in 0..2 {
                assert_eq!(int_rows(e, star).unwrap(), [[1, 10]]);
                assert_eq!(int_rows(e, cols).unwrap(), [[1, 10]]);
            }
            // Through the engine's raw path (not the DDL API, which flushes the caches).
            e.execute("ALTER TABLE rm_items ADD COLUMN b INTEGER NOT NULL DEFAULT 7", &[]).unwrap();
            // At once: SQLite re-prepares and reports the new columns; PostgreSQL's 0A000
            // outside a transaction is retried once, afresh.
            assert_eq!(int_rows(e, star).unwrap(), [vec![1, 10, 7]], "SELECT * sees the new column");
            assert_eq!(int_rows(e, star).unwrap(), [vec![1, 10, 7]], "and keeps working");
            assert_eq!(int_rows(e, cols).unwrap(), [[1, 10]]);
            if db.is_pg() {
                // A changed result type of an explicit column list, outside a transaction:
                // the server refuses the cached plan (0A000), nothing ran, so the statement
                // is prepared afresh and run again, once; the caller sees the new type.
                e.execute("ALTER TABLE rm_items ALTER COLUMN a TYPE BIGINT", &[]).unwrap();
                e.execute("UPDATE rm_items SET a = 5000000000", &[]).unwrap();
                assert_eq!(int_rows(e, cols).unwrap(), [[1, 5_000_000_000]], "one automatic retry");
                let rows: Vec<(i32, i64)> = text(cols).all(e).unwrap();
                assert_eq!(rows, [(1, 5_000_000_000)], "decoded as int8");

                // Inside a transaction the refusal aborted it: typed, and the session needs
                // a rollback; after it the statement works.
                e.execute("ALTER TABLE rm_items ALTER COLUMN a TYPE INTEGER USING (a / 1000000)", &[]).unwrap();
                let mut s = e.session();
                s.execute("UPDATE rm_items SET b = 8", &[]).unwrap(); // the transaction is open
                let err = text(cols).all::<(i32, i32)>(&mut s).unwrap_err();
                assert!(matches!(err, Error::StaleStatement { .. }) && err.is_retryable(), "{err:?}");
                let again = text(cols).all::<(i32, i32)>(&mut s).unwrap_err();
                assert!(matches!(again, Error::PendingRollback { .. }), "{again:?}");
                s.rollback().unwrap();
                assert_eq!(text(cols).all::<(i32, i32)>(&mut s).unwrap(), [(1, 5000)]);
                drop(s);
            }
            // DDL through the engine's own API empties every pooled connection's statement
            // cache, not only the cache of the connection that ran it: both connections warm
            // `cols`, a raw ALTER changes its result type, then `create_all` (any DDL of the
            // API) runs; inside a transaction neither connection then meets a stale plan.
            let mut both = (e.connection().unwrap(), e.connection().unwrap());
            for conn in [&mut both.0, &mut both.1] {
                conn.query(cols, &[], |_| Ok(())).unwrap();
            }
            drop(both);
            let retype = if db.is_pg() {
                "ALTER TABLE rm_items ALTER COLUMN a TYPE BIGINT"
            } else {
                "ALTER TABLE rm_items ADD c INTEGER"
            };
            e.execute(retype, &[]).unwrap();
            e.create_all(&[Point::table()]).unwrap();
            let mut both = (e.connection().unwrap(), e.connection().unwrap());
            for conn in [&mut both.0, &mut both.1] {
                conn.begin(false).unwrap();
                let r = conn.query(cols, &[], |_| Ok(()));
                assert!(r.is_ok(), "{}: a stale cached statement survived the DDL: {r:?}", db.name);
                conn.rollback().unwrap();
            }
            drop(both);
            assert_no_leaks_db(db);
        },
    );
}

/// A model with one column, so that N rows are N bind parameters.
#[derive(orm::Model, Debug, Clone)]
#[orm(table = "rm_points")]
struct Point {
    #[orm(primary_key)]
    id: i64,
}

/// T19. Would catch: a bulk insert sent as one statement over the bind-parameter limit
/// (PostgreSQL's opaque "error parsing response", SQLite's "too many SQL variables"), a
/// chunking that loses or duplicates rows, and an oversized IN list that reaches the server.
#[test]
fn t19_bind_param_limits_chunked() {
    let sent: Arc<Mutex<Vec<(String, usize)>>> = Arc::default();
    let rec = sent.clone();
    each_db_with(
        "rm_t19",
        move |b| {
            let rec = rec.clone();
            b.before_execute(move |sql, params| rec.lock().unwrap().push((sql.to_owned(), params.len())))
        },
        |db| {
            let limit = if db.is_pg() { 65_535 } else { 32_766 };
            db.engine.create_all(&[Point::table()]).unwrap();
            let points: Vec<Point> = (0..70_000).map(|id| Point { id }).collect();
            sent.lock().unwrap().clear();
            assert_eq!(insert::<Point>().values_many(&points).execute(&db.engine).unwrap(), 70_000);
            let stmts: Vec<(String, usize)> = std::mem::take(&mut *sent.lock().unwrap());
            let inserts: Vec<usize> = stmts.iter().filter(|(q, _)| q.starts_with("INSERT")).map(|x| x.1).collect();
            assert!(inserts.len() >= 2, "split: {} statements", inserts.len());
            assert!(inserts.iter().all(|&n| n > 0 && n <= limit), "{inserts:?}");
            assert_eq!(inserts.iter().sum::<usize>(), 70_000, "every row exactly once");
            let n: i64 = select(func::count_all()).from::<Point>().one(&db.engine).unwrap();
            let distinct: i64 =
                select(func::count_all()).from::<Point>().filter(Point::id.between(0, 69_999)).one(&db.engine).unwrap();
            assert_eq!((n, distinct), (70_000, 70_000));

            // One statement that cannot be split: refused before anything is sent.
            sent.lock().unwrap().clear();
            for count in [70_000, limit + 1] {
                // Compared with an expression: one parameter per value (with a column,
                // PostgreSQL sends one array parameter).
                let ids: Vec<i64> = (0..i64::try_from(count).unwrap()).collect();
                let err = select(Point::id)
                    .filter(func::coalesce(Point::id, Point::id).in_(ids))
                    .all(&db.engine)
                    .unwrap_err();
                assert!(
                    matches!(&err, Error::TooManyParameters { count: c, limit: l, .. } if *c == count && *l == limit),
                    "{err:?}"
                );
                assert!(sent.lock().unwrap().is_empty(), "nothing was sent: {:?}", sent.lock().unwrap().len());
            }
            // The engine is fine afterwards.
            let n: i64 = select(func::count_all()).from::<Point>().filter(Point::id.lt(10)).one(&db.engine).unwrap();
            assert_eq!(n, 10);
            assert_no_leaks_db(db);
        },
    );
}

#[derive(orm::Model, Debug, Clone)]
#[orm(table = "rm_counters")]
struct Counter {
    #[orm(primary_key)]
    id: i64,
    n: i64,
}

#[derive(orm::Model, Debug, Clone)]
#[orm(table = "rm_ticks")]
struct Tick {
    #[orm(primary_key, auto_increment)]
    id: i64,
    worker: i64,
}

/// T21. Would catch: session write transactions begun deferred (`BEGIN`): in WAL mode the
/// read-to-write upgrade then fails at once with `SQLITE_BUSY_SNAPSHOT` (517) whatever the
/// busy timeout, so concurrent writers get `Busy` instead of waiting their turn; and writes
/// that do not serialize (a lost counter increment).
#[test]
#[cfg(feature = "sqlite")]
fn t21_sqlite_write_transactions_begin_immediate() {
    const PER_THREAD: i64 = 100;
    let tmp = TempDb::new("t21");
    let log: Arc<Mutex<Vec<String>>> = Arc::default();
    let rec = log.clone();
    let engine = Engine::builder(&tmp.url)
        .pool_size(3)
        .before_execute(move |sql, _| rec.lock().unwrap().push(sql.to_owned()))
        .build()
        .unwrap();
    engine.create_all(&[Counter::table(), Tick::table()]).unwrap();
    let mut journal = String::new();
    engine
        .connection()
        .unwrap()
        .query("PRAGMA journal_mode", &[], |r| {
            journal = r.value(0)?;
            Ok(())
        })
        .unwrap();
    assert_eq!(journal, "wal");
    insert::<Counter>().values(&Counter { id: 1, n: 0 }).execute(&engine).unwrap();
    log.lock().unwrap().clear();

    // Two sessions at a time: each writes first (the transaction begins), then reads the
    // counter and writes it + 1.
    let barrier = Arc::new(Barrier::new(2));
    let workers: Vec<_> = (0..2)
        .map(|w| {
            let (engine, barrier) = (engine.clone(), barrier.clone());
            std::thread::spawn(move || -> orm::Result<()> {
                barrier.wait();
                for _ in 0..PER_THREAD {
                    let mut s = engine.session();
                    s.add(Tick { id: 0, worker: w })?;
                    s.flush()?;
                    let c = s.get::<Counter>(1)?.expect("counter");
                    c.write().n += 1;
                    s.commit()?;
                }
                Ok(())
            })
        })
        .collect();
    for w in workers {
        w.join().unwrap().expect("no Busy reaches the caller");
    }
    let n: i64 = select(Counter::n).filter(Counter::id.eq(1)).one(&engine).unwrap();
    let ticks: i64 = select(func::count_all()).from::<Tick>().one(&engine).unwrap();
    assert_eq!((n, ticks), (2 * PER_THREAD, 2 * PER_THREAD), "the writes serialized");
    let log = std::mem::take(&mut *log.lock().unwrap());
    let immediate = log.iter().filter(|q| q.as_str() == "BEGIN IMMEDIATE").count();
    assert_eq!(i64::try_from(immediate).unwrap(), 2 * PER_THREAD, "one BEGIN IMMEDIATE per session transaction");
    assert!(!log.iter().any(|q| q.as_str() == "BEGIN" || q.as_str() == "BEGIN DEFERRED"), "no deferred BEGIN");

    // Control: a deferred transaction that read before another connection wrote gets Busy
    // (SQLITE_BUSY_SNAPSHOT) at once, although the busy timeout is 5 s: the bug this test
    // would see if sessions began deferred.
    {
        let mut a = engine.connection().unwrap();
        let mut b = engine.connection().unwrap();
        a.execute("BEGIN", &[]).unwrap();
        a.query("SELECT n FROM rm_counters", &[], |_| Ok(())).unwrap();
        b.execute("UPDATE rm_counters SET n = n + 1", &[]).unwrap();
        let t = Instant::now();
        let err = a.execute("UPDATE rm_counters SET n = n + 1", &[]).unwrap_err();
        assert!(matches!(err, Error::Busy { .. }), "{err:?}");
        assert!(t.elapsed() < Duration::from_secs(1), "{:?}", t.elapsed());
        a.execute("ROLLBACK", &[]).unwrap();
    }
    assert_no_leaks_sqlite(&engine, &tmp.path);
}

/// One value of a one-row query, as text or an integer.
fn pragma_int(conn: &mut orm::PooledConnection, sql: &'static str) -> i64 {
    let mut v = None;
    conn.query(sql, &[], |r| {
        v = Some(r.integer(0)?);
        Ok(())
    })
    .unwrap();
    v.unwrap_or_else(|| panic!("{sql}: no row"))
}

/// The settings every pooled SQLite connection must have (`file`: a file database, WAL).
fn check_pragmas(conn: &mut orm::PooledConnection, file: bool, what: &str) {
    assert_eq!(pragma_int(conn, "PRAGMA foreign_keys"), 1, "{what}");
    assert!(pragma_int(conn, "PRAGMA busy_timeout") > 0, "{what}");
    if file {
        let mut mode = String::new();
        conn.query("PRAGMA journal_mode", &[], |r| {
            mode = r.value(0)?;
            Ok(())
        })
        .unwrap();
        assert_eq!(mode, "wal", "{what}");
    }
    assert_eq!(pragma_int(conn, "SELECT 'abc' LIKE 'ABC'"), 0, "{what}: case-sensitive LIKE");
    assert_eq!(pragma_int(conn, "SELECT 'abc' LIKE 'a%'"), 1, "{what}");
    let err = conn.query("SELECT \"nope\"", &[], |_| Ok(())).unwrap_err();
    assert!(err.to_string().contains("no such column"), "{what}: double-quoted string literal accepted? {err:?}");
    // Foreign keys are enforced on this connection.
    let err = conn.execute("INSERT INTO rm_child (id, parent_id) VALUES (100, 999)", &[]).unwrap_err();
    assert!(err.is_integrity(), "{what}: {err:?}");
}

/// T23. Would catch: pragmas set on the first connection only (or only on some path of
/// opening one), so that a later pooled connection runs without foreign keys, without a busy
/// timeout, outside WAL, with case-insensitive LIKE or with `"x"` read as a string; a
/// session's lock timeout leaking to the next borrower; a `:memory:` pool whose connections
/// each see their own empty database.
#[test]
#[cfg(feature = "sqlite")]
fn t23_sqlite_pool_pragmas_on_every_connection() {
    let tmp = TempDb::new("t23");
    let schema = "CREATE TABLE IF NOT EXISTS rm_parent (id INTEGER PRIMARY KEY);
                  CREATE TABLE IF NOT EXISTS rm_child (id INTEGER PRIMARY KEY,
                      parent_id INTEGER NOT NULL REFERENCES rm_parent (id))";
    for (url, file) in [(tmp.url.as_str(), true), ("sqlite::memory:", false)] {
        let engine = Engine::builder(url).pool_size(3).build().unwrap();
        let mut held: Vec<orm::PooledConnection> = (0..3).map(|_| engine.connection().unwrap()).collect();
        assert_eq!(engine.pool_status().connections, 3, "three distinct connections");
        // Each statement on its own: the connections see each other's writes at once.
        for conn in held.iter_mut() {
            conn.set_autocommit(true).unwrap();
        }
        held[0].batch(schema).unwrap();
        for (i, conn) in held.iter_mut().enumerate() {
            check_pragmas(conn, file, &format!("{url} connection {i}"));
        }
        // One database for all of them (also for `:memory:`).
        held[1].execute("INSERT INTO rm_parent (id) VALUES (1)", &[]).unwrap();
        held[2].execute("INSERT INTO rm_child (id, parent_id) VALUES (1, 1)", &[]).unwrap();
        assert_eq!(pragma_int(&mut held[0], "SELECT count(*) FROM rm_child"), 1);
        drop(held);

        // A session's own lock timeout (the busy timeout) does not outlive it.
        let mut s = engine.session();
        s.set_lock_timeout(Some(Duration::from_millis(50))).unwrap();
        s.execute("INSERT INTO rm_parent (id) VALUES (2)", &[]).unwrap();
        s.commit().unwrap();
        drop(s);
        let mut held: Vec<orm::PooledConnection> = (0..3).map(|_| engine.connection().unwrap()).collect();
        for conn in held.iter_mut() {
            assert_eq!(pragma_int(conn, "PRAGMA busy_timeout"), 5000, "{url}: the default busy timeout is back");
        }
        drop(held);
        if file {
            assert_no_leaks_sqlite(&engine, &tmp.path);
        }
    }
}

/// T12, a flush that fails part-way through one table's inserts. Would catch: rows inserted
/// before the failing one that stay persistent (with keys the rolled-back transaction gave
/// them, registered in the identity map) after the rollback.
#[test]
fn t12b_rollback_undoes_rows_inserted_before_a_failing_one() {
    each_db_with(
        "rm_t12b",
        |b| b,
        |db| {
            db.engine.create_all(&[User::table()]).unwrap();
            let mut s = db.engine.session();
            s.add(User::new("taken", 1)).unwrap();
            s.commit().unwrap();

            let first = s.add(User::new("first", 2)).unwrap();
            let clash = s.add(User::new("taken", 3)).unwrap();
            let last = s.add(User::new("last", 4)).unwrap();
            let err = s.commit().unwrap_err();
            assert!(matches!(err, Error::UniqueViolation { .. }), "{}: {err:?}", db.name);
            let first_id = first.read().id;
            s.rollback().unwrap();
            for (name, obj) in [("first", &first), ("clash", &clash), ("last", &last)] {
                assert_eq!((obj.state(), obj.read().id), (ObjectState::Transient, 0), "{}: {name}", db.name);
            }
            if first_id != 0 {
                assert!(s.get::<User>(first_id).unwrap().is_none(), "{}: the rolled-back row is not held", db.name);
            }
            assert_eq!(names(&db.engine), ["taken"]);
            // The same objects go in once the clash is fixed.
            clash.write().name = "free".into();
            for obj in [&first, &clash, &last] {
                s.add(obj).unwrap();
            }
            s.commit().unwrap();
            assert_eq!(names(&db.engine), ["first", "free", "last", "taken"]);
            assert!([&first, &clash, &last].iter().all(|o| o.read().id > 0));
            drop(s);
            assert_no_leaks_db(db);
        },
    );
}
