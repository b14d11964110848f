//! The pool: connections never go back inside a transaction, panics discard them, the probe
//! rejects leaked transactions, checkouts time out, SQLite settings hold.

use std::time::Duration;

use orm::prelude::*;
use orm::{DatabaseUrl, Error};

use crate::common::{each_db_with, Db};
use crate::models::User;

fn one_connection(b: orm::EngineBuilder) -> orm::EngineBuilder {
    b.pool_size(1).connection_timeout(Duration::from_millis(500))
}

fn count(db: &Db) -> i64 {
    select(func::count_all()).from::<User>().one(&db.engine).unwrap()
}

fn outside_transaction(db: &Db) -> bool {
    let mut conn = db.engine.connection().unwrap();
    conn.ping().is_ok() && !conn.in_transaction()
}

#[test]
fn connection_returned_inside_a_transaction_is_rolled_back() {
    each_db_with("p_return", one_connection, |db| {
        db.engine.create_all(&[User::table()]).unwrap();
        {
            let mut conn = db.engine.connection().unwrap();
            conn.begin(true).unwrap();
            insert::<User>().values(&User::new("leak", 1)).execute(&mut conn).unwrap();
        }
        assert!(outside_transaction(db));
        assert_eq!(count(db), 0);
    });
}

#[test]
fn untracked_raw_begin_is_caught_by_the_checkout_probe() {
    each_db_with("p_probe", one_connection, |db| {
        db.engine.create_all(&[User::table()]).unwrap();
        {
            let mut conn = db.engine.connection().unwrap();
            conn.execute("BEGIN", &[]).unwrap();
            insert::<User>().values(&User::new("leak", 1)).execute(&mut conn).unwrap();
        }
        assert!(outside_transaction(db), "the next borrower never runs inside the leaked transaction");
        assert_eq!(count(db), 0);
    });
}

#[test]
fn aborted_transaction_is_not_handed_out() {
    each_db_with("p_aborted", one_connection, |db| {
        db.engine.create_all(&[User::table()]).unwrap();
        {
            let mut conn = db.engine.connection().unwrap();
            conn.execute("BEGIN", &[]).unwrap();
            // Fails; on PostgreSQL the transaction is now aborted (25P02 for what follows).
            assert!(conn.execute("SELECT * FROM no_such_table", &[]).is_err());
        }
        assert!(outside_transaction(db));
    });
}

#[test]
fn panic_inside_a_transaction_discards_the_connection() {
    each_db_with("p_panic", one_connection, |db| {
        db.engine.create_all(&[User::table()]).unwrap();
        let engine = db.engine.clone();
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let mut s = engine.session();
            s.add(User::new("doomed", 1)).unwrap();
            s.flush().unwrap();
            panic!("boom");
        }));
        assert!(r.is_err());
        assert!(outside_transaction(db));
        assert_eq!(count(db), 0);
    });
}

#[test]
fn checkout_times_out_with_a_typed_error() {
    each_db_with("p_timeout", one_connection, |db| {
        let _held = db.engine.connection().unwrap();
        let t = std::time::Instant::now();
        match db.engine.connection() {
            Err(Error::PoolTimeout { .. }) => {}
            other => panic!("{other:?}"),
        }
        assert!(t.elapsed() >= Duration::from_millis(400));
    });
}

#[test]
#[cfg(feature = "sqlite")]
fn in_memory_sqlite_is_one_database_for_the_whole_pool() {
    let engine = Engine::builder("sqlite::memory:").pool_size(3).build().unwrap();
    let a = engine.connection().unwrap();
    let b = engine.connection().unwrap();
    engine.create_all(&[User::table()]).unwrap();
    drop((a, b));
    insert::<User>().values(&User::new("shared", 1)).execute(&engine).unwrap();
    let mut c1 = engine.connection().unwrap();
    let mut c2 = engine.connection().unwrap();
    let n1: i64 = select(func::count_all()).from::<User>().one(&mut c1).unwrap();
    let n2: i64 = select(func::count_all()).from::<User>().one(&mut c2).unwrap();
    assert_eq!((n1, n2), (1, 1));
    // Two engines never share a database.
    let other = Engine::connect("sqlite::memory:").unwrap();
    assert!(select(func::count_all()).from::<User>().one(&other).is_err());
}

#[test]
#[cfg(feature = "sqlite")]
fn sqlite_file_sessions_write_concurrently_with_begin_immediate() {
    let dir = std::env::temp_dir().join(format!("orm-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("concurrent.db");
    let _ = std::fs::remove_file(&path);
    let log = crate::common::Log::default();
    let l = log.clone();
    let engine = Engine::builder(&format!("sqlite:///{}", path.display()))
        .pool_size(4)
        .before_execute(move |sql, _| l.0.lock().unwrap().push(sql.to_owned()))
        .build()
        .unwrap();
    engine.create_all(&[User::table()]).unwrap();
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let engine = engine.clone();
            std::thread::spawn(move || {
                for i in 0..25 {
                    let mut s = engine.session();
                    // Read first, then write: a deferred transaction would fail here.
                    let _ = s.query::<User>().count().unwrap();
                    s.add(User::new(&format!("t{t}-{i}"), i)).unwrap();
                    s.commit().unwrap();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let n: i64 = select(func::count_all()).from::<User>().one(&engine).unwrap();
    assert_eq!(n, 100);
    let stmts = log.take();
    assert!(stmts.iter().any(|s| s == "BEGIN IMMEDIATE"));
    assert!(!stmts.iter().any(|s| s == "BEGIN"), "sessions never open deferred write transactions");
    let mut conn = engine.connection().unwrap();
    let mut mode = String::new();
    conn.query("PRAGMA journal_mode", &[], |r| {
        mode = r.value(0)?;
        Ok(())
    })
    .unwrap();
    assert_eq!(mode, "wal");
    let mut fk = 0i64;
    conn.query("PRAGMA foreign_keys", &[], |r| {
        fk = r.value(0)?;
        Ok(())
    })
    .unwrap();
    assert_eq!(fk, 1);
    drop(conn);
    drop(engine);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn urls() {
    assert!(DatabaseUrl::parse("sqlite::memory:").unwrap().is_memory());
    assert_eq!(DatabaseUrl::parse("sqlite://a/b.db").unwrap().database(), Some("a/b.db"));
    assert_eq!(DatabaseUrl::parse("postgres://u@h:5432/db").unwrap().dialect(), orm::dialect::DialectKind::Postgres);
    match DatabaseUrl::parse("mysql://u:secret@h/db") {
        Err(Error::InvalidUrl { url, .. }) => assert!(!url.contains("secret"), "{url}"),
        other => panic!("{other:?}"),
    }
    assert!(matches!(DatabaseUrl::parse("sqlite:"), Err(Error::InvalidUrl { .. })));
}

#[test]
fn prepared_statements_are_reused() {
    crate::common::each_db("p_cache", |db| {
        db.engine.create_all(&[User::table()]).unwrap();
        let mut s = db.engine.session();
        for i in 0..3 {
            s.add(User::new(&format!("u{i}"), i)).unwrap();
            s.flush().unwrap();
        }
        s.commit().unwrap();
        // Same shape, same SQL text: the CRUD statement is rendered once and cached.
        let inserts: Vec<String> = db.log.take().into_iter().filter(|s| s.starts_with("INSERT")).collect();
        assert_eq!(inserts.len(), 3);
        assert!(inserts.windows(2).all(|w| w[0] == w[1]));
    });
}

#[test]
#[cfg(feature = "postgres")]
fn terminated_backend_gives_connection_lost_and_is_discarded() {
    crate::common::each_db_with("p_lost", one_connection, |db| {
        if !db.is_pg() {
            return;
        }
        db.engine.create_all(&[User::table()]).unwrap();
        let mut s = db.engine.session();
        s.add(User::new("lost", 1)).unwrap();
        s.flush().unwrap();
        let mut admin = postgres::Client::connect(&crate::common::pg_url(), postgres::NoTls).unwrap();
        admin
            .execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1 AND pid <> pg_backend_pid()",
                &[&db.app],
            )
            .unwrap();
        let err = s.commit().unwrap_err();
        assert!(err.is_disconnect(), "{err:?}");
        assert!(matches!(s.query::<User>().count(), Err(Error::PendingRollback { .. })));
        s.rollback().unwrap_or(());
        // The dead connection was discarded: the next checkout works and nothing was written.
        assert_eq!(count(db), 0);
    });
}
