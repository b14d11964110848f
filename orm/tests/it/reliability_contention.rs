//! Reliability suite, contention (RELIABILITY.md §4.2: T06 pool exhaustion, T15 deadlock).
//! Both end with the leak check.

use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use orm::prelude::*;
use orm::{Engine, EngineBuilder, Error, Value};

use crate::common::each_db_with;
use crate::fault_support::{assert_no_leaks_any, PgAdmin, PgFixture, TempDb};
use crate::models::User;

/// A session inside a write transaction (its connection held).
fn busy_session(engine: &Engine, name: &str) -> orm::Session {
    let mut s = engine.session();
    s.add(User::new(name, 1)).unwrap();
    s.flush().unwrap();
    s
}

/// T06. Would catch: a caller waiting the 30 s default (or forever) for an exhausted pool,
/// a session dropped while unwinding that leaks its connection or transaction, and churn
/// (diesel#3156: every returned connection treated as broken, so each checkout connects anew).
/// SQLite runs on a file (WAL): in `sqlite::memory:` a writer's transaction blocks readers.
#[test]
#[cfg(all(feature = "postgres", feature = "sqlite"))]
fn t06_pool_exhaustion_bounded_no_leak_no_churn() {
    const APP: &str = "t06_exhaustion";
    let exhaustible = |b: EngineBuilder| b.pool_size(2).connection_timeout(Duration::from_millis(300));
    let tmp = TempDb::new("t06");
    exhaust_and_reuse(&exhaustible(Engine::builder(&tmp.url)).build().unwrap(), None);
    if let Some(fx) = PgFixture::new(APP, exhaustible) {
        exhaust_and_reuse(&fx.engine, Some(&fx.app));
    }
}

/// T06 on one engine; `app` names its PostgreSQL backends.
fn exhaust_and_reuse(engine: &Engine, app: Option<&str>) {
    let db = engine.dialect_kind();
    engine.create_all(&[User::table()]).unwrap();
    // Two sessions hold both connections: one writing, one that has read.
    let writer = busy_session(engine, "a");
    let mut reader = engine.session();
    assert_eq!(reader.query::<User>().count().unwrap(), 0);

    let t = Instant::now();
    let mut third = engine.session();
    let err = third.query::<User>().count().unwrap_err();
    let took = t.elapsed();
    assert!(matches!(err, Error::PoolTimeout { .. }) && err.is_timeout(), "{db:?}: {err:?}");
    assert!(took >= Duration::from_millis(290) && took < Duration::from_millis(900), "{db:?}: {took:?}");
    drop(third);

    // One holder goes away while its thread unwinds, the other normally.
    let unwound = std::thread::spawn(move || {
        let _held = writer;
        panic!("t06: a request handler panics while its session holds a transaction");
    })
    .join();
    assert!(unwound.is_err());
    drop(reader);
    assert_no_leaks_any(engine, app);
    assert_eq!(select(func::count_all()).from::<User>().one(engine).unwrap(), 0, "{db:?}: the insert rolled back");

    // Warm the pool to two connections, then 20 rounds of two concurrent sessions (one
    // writes, one reads): the same two connections, on PostgreSQL the same two backends.
    drop((engine.connection().unwrap(), engine.connection().unwrap()));
    let connects = engine.pool_status().connects;
    let pids = app.map(|app| PgAdmin::connect().pids(app)).unwrap_or_default();
    for round in 0..20 {
        let mut x = busy_session(engine, &format!("x{round}"));
        let mut y = engine.session();
        assert_eq!(y.query::<User>().filter(User::name.eq("nobody")).count().unwrap(), 0);
        x.commit().unwrap();
        y.commit().unwrap();
    }
    let st = engine.pool_status();
    assert_eq!((st.connects, st.connections), (connects, 2), "{db:?}: no churn: {st:?}");
    if let Some(app) = app {
        assert_eq!(pids.len(), 2);
        assert_eq!(PgAdmin::connect().pids(app), pids, "the same two backends");
    }
    assert_eq!(select(func::count_all()).from::<User>().one(engine).unwrap(), 20);
    assert_no_leaks_any(engine, app);
}

/// T15. Would catch: a deadlock not typed as `Deadlock` (or not retryable), both sessions
/// failing, a victim session that goes on as if its transaction were alive, a victim that
/// cannot run again after rollback, and leaks.
#[test]
#[cfg(feature = "postgres")]
fn t15_session_deadlock_one_victim() {
    let Some(mut fx) = PgFixture::new("t15", |b| b) else { return };
    fx.engine.create_all(&[User::table()]).unwrap();
    let ids: Vec<i64> = ["one", "two"]
        .iter()
        .map(|n| insert::<User>().values(&User::new(n, 0)).returning(User::id).one(&fx.engine).unwrap())
        .collect();
    let barrier = Arc::new(Barrier::new(2));
    let t = Instant::now();
    let workers: Vec<_> = [(ids[0], ids[1]), (ids[1], ids[0])]
        .into_iter()
        .map(|(first, second)| {
            let (engine, barrier) = (fx.engine.clone(), barrier.clone());
            std::thread::spawn(move || {
                let mut s = engine.session();
                s.get::<User>(first).unwrap().expect("row").write().age += 1;
                s.flush().unwrap(); // holds the lock on `first`
                barrier.wait();
                s.get::<User>(second).unwrap().expect("row").write().age += 10;
                let r = s.flush().and_then(|()| s.commit());
                (s, r)
            })
        })
        .collect();
    let results: Vec<(orm::Session, orm::Result<()>)> = workers.into_iter().map(|w| w.join().unwrap()).collect();
    let took = t.elapsed();
    let (victims, winners): (Vec<_>, Vec<_>) = results.into_iter().partition(|(_, r)| r.is_err());
    assert_eq!((victims.len(), winners.len()), (1, 1), "exactly one victim");
    assert!(took < Duration::from_secs(3), "found within deadlock_timeout (1 s) plus slack: {took:?}");
    let (mut victim, err) = victims.into_iter().next().map(|(s, r)| (s, r.unwrap_err())).unwrap();
    assert!(matches!(err, Error::Deadlock { .. }) && err.is_retryable(), "{err:?}");
    let again = victim.query::<User>().count().unwrap_err();
    assert!(
        matches!(&again, Error::PendingRollback { original } if matches!(**original, Error::Deadlock { .. })),
        "{again:?}"
    );
    victim.rollback().unwrap();
    drop(winners);

    // The winner's two updates are in; the victim's are not.
    let ages: Vec<i32> = select(User::age).order_by(User::id).all(&fx.engine).unwrap();
    assert!(ages == [1, 10] || ages == [10, 1], "{ages:?}");
    // After rollback the victim's work runs again (the same session, a new transaction).
    for id in &ids {
        victim.get::<User>(*id).unwrap().expect("row").write().age += 100;
    }
    victim.commit().unwrap();
    drop(victim);
    let ages: Vec<i32> = select(User::age).order_by(User::id).all(&fx.engine).unwrap();
    assert!(ages == [101, 110] || ages == [110, 101], "{ages:?}");
    fx.assert_no_leaks();
}

/// T17, prepared statements (the bulk path of `Connection::prepared`): the client deadline is
/// armed around each execution and the bind-parameter limit is checked before anything is
/// sent, as for every other statement. Would catch: a prepared execution that runs past the
/// deadline, or an oversized one reaching the server (PostgreSQL's opaque protocol error).
#[test]
fn t17c_prepared_statements_keep_deadline_and_parameter_limit() {
    each_db_with(
        "t17c_prepared",
        |b| b.pool_size(1).query_deadline(Duration::from_millis(200)),
        |db| {
            let e = &db.engine;
            e.execute("CREATE TABLE t17c (x BIGINT)", &[]).unwrap();
            let slow = if db.is_pg() {
                "SELECT pg_sleep(5)"
            } else {
                "INSERT INTO t17c (x) WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c \
                 WHERE x < 50000000) SELECT count(*) FROM c"
            };
            let mut conn = e.connection().unwrap();
            // Each statement on its own (a canceled one must not abort a transaction here).
            conn.set_autocommit(true).unwrap();
            let mut stmt = conn.prepared(slow).unwrap();
            let t = Instant::now();
            let err = stmt.execute(&[] as &[Value]).unwrap_err();
            let took = t.elapsed();
            assert!(matches!(err, Error::Canceled { .. }), "{}: {err:?}", db.name);
            assert!(took >= Duration::from_millis(190) && took < Duration::from_secs(2), "{}: {took:?}", db.name);
            drop(stmt);

            let mut insert = conn.prepared("INSERT INTO t17c (x) VALUES (1)").unwrap();
            assert_eq!(insert.execute(&[] as &[Value]).unwrap(), 1, "{}: usable after the cancel", db.name);
            let limit = if db.is_pg() { 65_535 } else { 32_766 };
            let too_many = vec![Value::I64(1); limit + 1];
            let err = insert.execute(&too_many).unwrap_err();
            assert!(
                matches!(err, Error::TooManyParameters { count, limit: l, .. } if count == limit + 1 && l == limit),
                "{}: {err:?}",
                db.name
            );
            drop(insert);
            assert!(!conn.is_broken());
            drop(conn);
            let n: i64 = text("SELECT count(*) FROM t17c").scalar(e).unwrap();
            assert_eq!(n, 1, "{}: nothing else ran", db.name);
        },
    );
}
