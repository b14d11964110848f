//! What a checkout and a session's reads cost in round trips, and what still protects them
//! (issue 14): a connection returned a moment ago is not probed; one idle past the window,
//! or after SQL the connection could not follow, is; a connection found dead at its first
//! statement is replaced and a read runs again, a write never; a read at READ COMMITTED
//! sends no BEGIN / ROLLBACK.

use std::time::Duration;

use orm::prelude::*;
use orm::{Engine, Error, IsolationLevel};

use crate::common::{each_db, each_db_with, Db};
#[cfg(feature = "postgres")]
use crate::fault_support::PgFixture;
use crate::models::User;

fn users(engine: &Engine) -> i64 {
    select(func::count_all()).from::<User>().one(engine).unwrap()
}

/// Transaction control among the statements `db` sent since the log was last taken.
fn transaction_control(db: &Db) -> Vec<String> {
    db.log
        .take()
        .into_iter()
        .filter(|s| ["BEGIN", "COMMIT", "ROLLBACK", "START"].iter().any(|w| s.starts_with(w)))
        .collect()
}

/// Would catch: a probe round trip at every checkout of a connection just returned.
#[test]
fn a_connection_returned_a_moment_ago_is_not_probed() {
    each_db("lv_recent", |db| {
        db.engine.create_all(&[User::table()]).unwrap();
        let before = db.engine.pool_status();
        for _ in 0..5 {
            assert_eq!(users(&db.engine), 0);
            let mut s = db.engine.session();
            assert!(s.get::<User>(1).unwrap().is_none());
        }
        let st = db.engine.pool_status();
        assert_eq!(st.probes, before.probes, "{}: {st:?}", db.name);
    });
}

/// Would catch: a connection idle past the window handed out without a probe.
#[test]
fn a_connection_idle_past_the_window_is_probed() {
    each_db_with(
        "lv_idle",
        |b| b.pool_size(1).pre_ping_after(Duration::from_millis(50)),
        |db| {
            db.engine.create_all(&[User::table()]).unwrap();
            assert_eq!(users(&db.engine), 0);
            let before = db.engine.pool_status();
            std::thread::sleep(Duration::from_millis(120));
            assert_eq!(users(&db.engine), 0);
            let st = db.engine.pool_status();
            // SQLite's check is the library's autocommit flag: no round trip to count.
            let sent = if db.is_pg() { 1 } else { 0 };
            assert_eq!(st.probes, before.probes + sent, "{}: {st:?}", db.name);
            assert_eq!(st.probe_failures, before.probe_failures);
        },
    );
}

/// Would catch: a connection whose last borrower's batch left a transaction open (unseen by
/// the connection) handed out unprobed because it was returned a moment ago.
#[test]
fn a_batch_makes_the_next_checkout_probe() {
    each_db_with(
        "lv_batch",
        |b| b.pool_size(1),
        |db| {
            db.engine.create_all(&[User::table()]).unwrap();
            let before = db.engine.pool_status();
            {
                let mut conn = db.engine.connection().unwrap();
                conn.set_autocommit(true).unwrap();
                conn.batch("BEGIN; SELECT 1").unwrap();
            }
            insert::<User>().values(&User::new("after", 1)).execute(&db.engine).unwrap();
            let st = db.engine.pool_status();
            if db.is_pg() {
                // The connection did not see the BEGIN: the probe at the next checkout did.
                assert_eq!((st.probes, st.probe_failures), (before.probes + 1, before.probe_failures + 1), "{st:?}");
            } else {
                // SQLite's library flag saw it: the pool rolled it back on return.
                assert_eq!(st.probe_failures, before.probe_failures, "{st:?}");
            }
            let conn = db.engine.connection().unwrap();
            assert!(!conn.in_transaction());
            drop(conn);
            assert_eq!(users(&db.engine), 1, "the insert committed outside the leaked block");
        },
    );
}

/// Would catch: BEGIN / ROLLBACK round trips around session reads that see the same rows
/// without them, and a read that should be in a transaction (REPEATABLE READ, a locking
/// read, an explicit transaction) sent outside one.
#[test]
fn session_reads_at_read_committed_send_no_transaction_control() {
    each_db("lv_reads", |db| {
        db.engine.create_all(&[User::table()]).unwrap();
        insert::<User>().values(&User::new("ada", 1)).execute(&db.engine).unwrap();
        db.log.take();

        let mut s = db.engine.session();
        let ada = s.get::<User>(1).unwrap().unwrap();
        assert_eq!(s.query::<User>().count().unwrap(), 1);
        assert!(!s.in_transaction());
        s.close().unwrap();
        assert_eq!(transaction_control(db), Vec::<String>::new(), "{}", db.name);
        drop(ada);

        // Writes begin one, and commit it (two statements: one alone needs no transaction).
        let mut s = db.engine.session();
        s.get::<User>(1).unwrap().unwrap().write().age = 2;
        s.add(User::new("bob", 3)).unwrap();
        s.commit().unwrap();
        let sent = transaction_control(db);
        assert!(sent.first().is_some_and(|b| b.starts_with("BEGIN")) && sent.last().is_some_and(|c| c == "COMMIT"));

        // REPEATABLE READ: one snapshot for the session's reads, so a transaction.
        let mut s = db.engine.session();
        s.set_isolation_level(IsolationLevel::RepeatableRead);
        s.get::<User>(1).unwrap();
        assert!(s.in_transaction(), "{}", db.name);
        s.close().unwrap();
        assert_eq!(transaction_control(db).len(), 2, "{}: BEGIN and ROLLBACK", db.name);

        // A locking read holds its locks until the transaction ends.
        let mut s = db.engine.session();
        let n = s.query::<User>().with_for_update().all().unwrap().len();
        assert_eq!(n, 2);
        assert!(s.in_transaction(), "{}: FOR UPDATE in a transaction", db.name);
        s.rollback().unwrap();

        // An explicit transaction begins at its first read.
        let mut s = db.engine.session();
        s.begin(orm::TransactionOptions::new()).unwrap();
        s.get::<User>(1).unwrap();
        assert!(s.in_transaction(), "{}", db.name);
        s.rollback().unwrap();
    });
}

/// Would catch: a session's own statement timeout lost because its reads ran outside the
/// transaction that carries `SET LOCAL statement_timeout`.
#[test]
fn a_session_timeout_still_applies_to_its_reads() {
    each_db("lv_timeout", |db| {
        db.engine.create_all(&[User::table()]).unwrap();
        let mut s = db.engine.session();
        s.set_statement_timeout(Some(Duration::from_millis(100))).unwrap();
        let slow = if db.is_pg() {
            "SELECT pg_sleep(2)::text"
        } else {
            "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT max(x) FROM c"
        };
        let err = text(slow).scalar::<Option<String>>(&mut s).unwrap_err();
        assert!(matches!(err, Error::StatementTimeout { .. }), "{}: {err:?}", db.name);
    });
}

/// Would catch: reads at a server whose default isolation level is not READ COMMITTED run
/// outside a transaction (each with its own snapshot instead of one for the transaction).
#[test]
#[cfg(feature = "postgres")]
fn a_server_default_above_read_committed_keeps_reads_in_a_transaction() {
    let Some(fx) = PgFixture::new("lv_default_level", |b| {
        b.on_connect(|c| c.batch("SET default_transaction_isolation = 'repeatable read'"))
    }) else {
        return;
    };
    fx.engine.create_all(&[User::table()]).unwrap();
    let mut s = fx.engine.session();
    assert!(s.get::<User>(1).unwrap().is_none());
    assert!(s.in_transaction(), "the server's default level needs the transaction");
    let level: String = text("SHOW transaction_isolation").scalar(&mut s).unwrap();
    assert_eq!(level, "repeatable read");
}

/// Would catch: a dead connection found at its first statement surfacing to a Core read,
/// or to a connection in commit-as-you-go mode (whose first statement is BEGIN).
#[test]
#[cfg(feature = "postgres")]
fn a_first_read_on_a_dead_connection_runs_again_on_a_new_one() {
    let Some(mut fx) = PgFixture::new("lv_read", |b| b.pool_size(1)) else { return };
    fx.engine.create_all(&[User::table()]).unwrap();
    assert_eq!(users(&fx.engine), 0);
    assert_eq!(fx.admin.terminate_app(&fx.app), 1);
    assert_eq!(users(&fx.engine), 0, "a Core read on the engine");
    assert_eq!(fx.admin.terminate_app(&fx.app), 1);
    {
        let mut conn = fx.engine.connection().unwrap();
        let n: i64 = select(func::count_all()).from::<User>().one(&mut conn).unwrap();
        assert_eq!(n, 0, "BEGIN, then the read, on the new connection");
        assert!(conn.in_transaction());
        conn.commit().unwrap();
    }
    let st = fx.engine.pool_status();
    assert_eq!((st.reconnects, st.probes), (2, 0), "{st:?}");
    fx.assert_no_leaks();
}

/// Would catch: a write run a second time after its connection was lost (the server may
/// have committed it before the connection went).
#[test]
#[cfg(feature = "postgres")]
fn a_first_write_on_a_dead_connection_fails_and_is_not_run_again() {
    let Some(mut fx) = PgFixture::new("lv_write", |b| b.pool_size(1)) else { return };
    fx.engine.create_all(&[User::table()]).unwrap();
    assert_eq!(users(&fx.engine), 0);
    assert_eq!(fx.admin.terminate_app(&fx.app), 1);
    let err = insert::<User>().values(&User::new("once", 1)).execute(&fx.engine).unwrap_err();
    // It commits by itself: lost before the answer, its outcome is unknown (not retryable).
    assert!(matches!(err, Error::CommitOutcomeUnknown { .. }) && !err.is_retryable(), "{err:?}");
    let st = fx.engine.pool_status();
    assert_eq!((st.reconnects, st.connections), (0, 0), "not run again; the dead connection went: {st:?}");
    assert_eq!(users(&fx.engine), 0);
    insert::<User>().values(&User::new("once", 1)).execute(&fx.engine).unwrap();
    assert_eq!(users(&fx.engine), 1);
    fx.assert_no_leaks();
}
