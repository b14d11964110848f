//! Issue 12, engine part: commit-as-you-go connections, `max_lifetime` at checkout,
//! `max_overflow` and the pool status, the statement log (`tracing` events and `echo`), and
//! engine listeners that can fail or be added after the engine is built. Both databases.

use std::collections::BTreeMap;
use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier, Mutex};
use std::time::{Duration, Instant};

use orm::prelude::*;
use orm::{Error, PooledConnection};

use crate::common::{each_db, each_db_with, pg_url, Db};
use crate::models::User;

fn count(db: &Db) -> i64 {
    select(func::count_all()).from::<User>().one(&db.engine).unwrap()
}

fn insert_user(conn: &mut PooledConnection, name: &str) {
    insert::<User>().values(&User::new(name, 30)).execute(conn).unwrap();
}

fn names(db: &Db) -> Vec<String> {
    select(User::name).from::<User>().order_by(User::name.asc()).all(&db.engine).unwrap()
}

// ---------------------------------------------------------------------------------------
// 1. Commit as you go
// ---------------------------------------------------------------------------------------

#[test]
fn connection_write_dropped_without_commit_is_rolled_back() {
    each_db("ce_drop", |db| {
        db.engine.create_all(&[User::table()]).unwrap();
        {
            let mut conn = db.engine.connection().unwrap();
            insert_user(&mut conn, "uncommitted");
            assert!(conn.in_transaction(), "the first statement began a transaction");
        }
        assert_eq!(count(db), 0, "dropping the connection without commit rolled back");
    });
}

#[test]
fn connection_commit_is_visible_from_another_connection() {
    each_db("ce_commit", |db| {
        db.engine.create_all(&[User::table()]).unwrap();
        let mut conn = db.engine.connection().unwrap();
        insert_user(&mut conn, "committed");
        conn.commit().unwrap();
        assert!(!conn.in_transaction());
        // Counted on another pooled connection while this one is still checked out.
        assert_eq!(count(db), 1);
        // A commit with nothing begun is a no-op, as in SQLAlchemy.
        conn.commit().unwrap();
        drop(conn);
        assert_eq!(count(db), 1);
    });
}

#[test]
fn commit_then_more_writes_then_drop_keeps_only_the_committed_part() {
    each_db("ce_partial", |db| {
        db.engine.create_all(&[User::table()]).unwrap();
        {
            let mut conn = db.engine.connection().unwrap();
            insert_user(&mut conn, "a");
            conn.commit().unwrap();
            insert_user(&mut conn, "b");
            assert!(conn.in_transaction(), "the statement after commit began a new transaction");
        }
        assert_eq!(names(db), ["a"]);
    });
}

#[test]
fn connection_rollback_discards_and_the_next_statement_begins_again() {
    each_db("ce_rollback", |db| {
        db.engine.create_all(&[User::table()]).unwrap();
        let mut conn = db.engine.connection().unwrap();
        insert_user(&mut conn, "gone");
        conn.rollback().unwrap();
        insert_user(&mut conn, "kept");
        conn.commit().unwrap();
        drop(conn);
        assert_eq!(names(db), ["kept"]);
    });
}

#[test]
fn autocommit_mode_commits_each_statement() {
    each_db("ce_autocommit", |db| {
        db.engine.create_all(&[User::table()]).unwrap();
        {
            let mut conn = db.engine.connection().unwrap();
            assert!(!conn.is_autocommit());
            conn.set_autocommit(true).unwrap();
            insert_user(&mut conn, "one");
            assert!(!conn.in_transaction());
            assert_eq!(count(db), 1, "committed at once, seen from another connection");
            insert_user(&mut conn, "two");
        }
        assert_eq!(names(db), ["one", "two"]);

        // Switching to autocommit inside a transaction is refused; nothing is lost.
        let mut conn = db.engine.connection().unwrap();
        insert_user(&mut conn, "three");
        assert!(matches!(conn.set_autocommit(true), Err(Error::TransactionInProgress)));
        conn.commit().unwrap();
        conn.set_autocommit(true).unwrap();
        drop(conn);
        assert_eq!(count(db), 3);
    });
}

#[test]
#[cfg(feature = "sqlite")]
fn pooled_connection_comes_back_in_commit_as_you_go_mode() {
    let engine = Engine::builder("sqlite::memory:").pool_size(1).build().unwrap();
    engine.create_all(&[User::table()]).unwrap();
    let mut conn = engine.connection().unwrap();
    conn.set_autocommit(true).unwrap();
    drop(conn);
    let mut conn = engine.connection().unwrap();
    assert!(!conn.is_autocommit(), "autocommit mode ends with the checkout");
    insert_user(&mut conn, "x");
    drop(conn);
    let n: i64 = select(func::count_all()).from::<User>().one(&engine).unwrap();
    assert_eq!(n, 0);
}

#[test]
fn engine_one_shot_statements_still_commit_each() {
    each_db("ce_oneshot", |db| {
        db.engine.create_all(&[User::table()]).unwrap();
        insert::<User>().values(&User::new("one-shot", 1)).execute(&db.engine).unwrap();
        db.engine.execute("UPDATE users SET age = 2", &[]).unwrap();
        // Read on a connection checked out afterwards: both statements were committed.
        let mut conn = db.engine.connection().unwrap();
        let ages: Vec<i32> = select(User::age).from::<User>().all(&mut conn).unwrap();
        assert_eq!(ages, [2]);
    });
}

#[test]
fn transaction_block_commits_on_ok_and_rolls_back_on_error() {
    each_db("ce_block", |db| {
        db.engine.create_all(&[User::table()]).unwrap();
        let mut conn = db.engine.connection().unwrap();
        conn.transaction(|c| insert::<User>().values(&User::new("in-block", 1)).execute(c)).unwrap();
        assert!(!conn.in_transaction());
        let r: orm::Result<()> = conn.transaction(|c| {
            insert::<User>().values(&User::new("failed-block", 1)).execute(c)?;
            Err(Error::NotFound { table: "test".into() })
        });
        assert!(matches!(r, Err(Error::NotFound { .. })));
        // Explicit begin still works too.
        conn.begin(true).unwrap();
        insert_user(&mut conn, "begun");
        conn.commit().unwrap();
        drop(conn);
        assert_eq!(names(db), ["begun", "in-block"]);
    });
}

// ---------------------------------------------------------------------------------------
// 2. Pool: max_lifetime at checkout, max_overflow, status
// ---------------------------------------------------------------------------------------

/// Something that tells two physical connections apart: the server process on PostgreSQL,
/// a value in a per-connection TEMP table on SQLite.
fn identity(db: &Db, conn: &mut PooledConnection) -> String {
    conn.set_autocommit(true).unwrap();
    let mut id = String::new();
    if db.is_pg() {
        conn.query("SELECT pg_backend_pid()::text", &[], |r| {
            id = r.value(0)?;
            Ok(())
        })
        .unwrap();
    } else {
        conn.batch("CREATE TEMP TABLE IF NOT EXISTS conn_identity AS SELECT CAST(random() AS TEXT) AS id").unwrap();
        conn.query("SELECT id FROM conn_identity", &[], |r| {
            id = r.value(0)?;
            Ok(())
        })
        .unwrap();
    }
    id
}

fn lifetime_is_enforced_at_checkout(name: &str, pre_ping: bool) {
    let configure =
        move |b: orm::EngineBuilder| b.pool_size(1).max_lifetime(Some(Duration::from_secs(1))).pre_ping(pre_ping);
    each_db_with(name, configure, |db| {
        let first = identity(db, &mut db.engine.connection().unwrap());
        let again = identity(db, &mut db.engine.connection().unwrap());
        assert_eq!(first, again, "a young connection is reused");
        std::thread::sleep(Duration::from_millis(1500));
        let later = identity(db, &mut db.engine.connection().unwrap());
        assert_ne!(first, later, "a connection older than max_lifetime was handed out");
        let status = db.engine.pool_status();
        assert!(status.recycled >= 1, "{status:?}");
        assert_eq!(status.connections, 1, "the expired connection was closed: {status:?}");
    });
}

#[test]
fn checkout_never_hands_out_a_connection_older_than_max_lifetime() {
    lifetime_is_enforced_at_checkout("ce_lifetime", true);
}

#[test]
fn max_lifetime_is_enforced_without_pre_ping_too() {
    lifetime_is_enforced_at_checkout("ce_lifetime_np", false);
}

/// Server processes of this engine, counted by PostgreSQL itself (0 on SQLite).
fn pg_backends(db: &Db) -> i64 {
    let mut admin = postgres::Client::connect(&pg_url(), postgres::NoTls).unwrap();
    admin.query_one("SELECT count(*) FROM pg_stat_activity WHERE application_name = $1", &[&db.app]).unwrap().get(0)
}

#[test]
fn max_overflow_opens_beyond_pool_size_under_load_and_closes_on_return() {
    let configure =
        |b: orm::EngineBuilder| b.pool_size(2).max_overflow(2).connection_timeout(Duration::from_millis(300));
    each_db_with("ce_overflow", configure, |db| {
        db.engine.create_all(&[User::table()]).unwrap();
        let status = db.engine.pool_status();
        assert_eq!((status.size, status.max_overflow), (2, 2));

        const THREADS: usize = 4;
        let held = Barrier::new(THREADS + 1);
        let release = Barrier::new(THREADS + 1);
        std::thread::scope(|s| {
            for i in 0..THREADS {
                let (held, release, engine) = (&held, &release, &db.engine);
                s.spawn(move || {
                    let mut conn = engine.connection().unwrap();
                    insert::<User>().values(&User::new(&format!("t{i}"), 1)).execute(&mut conn).unwrap();
                    conn.commit().unwrap();
                    held.wait();
                    release.wait();
                });
            }
            held.wait();
            let status = db.engine.pool_status();
            assert_eq!(status.checked_out, 4, "{status:?}");
            assert_eq!(status.overflow, 2, "{status:?}");
            assert_eq!(status.idle, 0, "{status:?}");
            if db.is_pg() {
                assert_eq!(pg_backends(db), 4);
            }
            // pool_size + max_overflow checked out: the next checkout waits, then times out.
            assert!(matches!(db.engine.connection().map(drop), Err(Error::PoolTimeout { .. })));
            release.wait();
        });

        let status = db.engine.pool_status();
        assert_eq!((status.connections, status.idle, status.checked_out, status.overflow), (2, 2, 0, 0), "{status:?}");
        assert_eq!(status.overflow_closed, 2, "{status:?}");
        if db.is_pg() {
            // The server sees the two overflow backends go (asynchronously).
            let deadline = Instant::now() + Duration::from_secs(5);
            while pg_backends(db) != 2 && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(20));
            }
            assert_eq!(pg_backends(db), 2);
        }
        assert_eq!(count(db), 4);
    });
}

#[test]
fn pool_without_overflow_keeps_every_connection() {
    each_db_with(
        "ce_no_overflow",
        |b| b.pool_size(3),
        |db| {
            let conns: Vec<_> = (0..3).map(|_| db.engine.connection().unwrap()).collect();
            let status = db.engine.pool_status();
            assert_eq!((status.size, status.checked_out, status.overflow), (3, 3, 0), "{status:?}");
            drop(conns);
            let status = db.engine.pool_status();
            assert_eq!((status.connections, status.idle, status.overflow_closed), (3, 3, 0), "{status:?}");
        },
    );
}

// ---------------------------------------------------------------------------------------
// 3. Statement log: tracing events and echo
// ---------------------------------------------------------------------------------------

/// A tiny `tracing` subscriber that keeps the fields of every `orm::sql` event.
#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<BTreeMap<String, String>>>>);

struct Fields<'a>(&'a mut BTreeMap<String, String>);

impl tracing::field::Visit for Fields<'_> {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        self.0.insert(field.name().to_owned(), format!("{value:?}"));
    }
    fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }
}

impl tracing::Subscriber for Capture {
    fn enabled(&self, metadata: &tracing::Metadata<'_>) -> bool {
        metadata.target() == orm::backend::SQL_LOG_TARGET && *metadata.level() == tracing::Level::DEBUG
    }
    fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        tracing::span::Id::from_u64(1)
    }
    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, event: &tracing::Event<'_>) {
        let mut fields = BTreeMap::new();
        event.record(&mut Fields(&mut fields));
        self.0.lock().unwrap().push(fields);
    }
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}

impl Capture {
    fn find(&self, sql_start: &str) -> BTreeMap<String, String> {
        let events = self.0.lock().unwrap();
        events
            .iter()
            .find(|e| e.get("sql").is_some_and(|s| s.starts_with(sql_start)))
            .cloned()
            .unwrap_or_else(|| panic!("no event for {sql_start}: {events:?}"))
    }
}

#[test]
fn every_statement_is_a_tracing_event_with_sql_params_duration_and_rows() {
    each_db("ce_tracing", |db| {
        db.engine.create_all(&[User::table()]).unwrap();
        let capture = Capture::default();
        tracing::subscriber::with_default(capture.clone(), || {
            insert::<User>().values(&User::new("traced", 41)).execute(&db.engine).unwrap();
            insert::<User>().values(&User::new("other", 42)).execute(&db.engine).unwrap();
            let names: Vec<String> = select(User::name).from::<User>().all(&db.engine).unwrap();
            assert_eq!(names.len(), 2);
            db.engine.execute("UPDATE users SET age = age + 1", &[]).unwrap();
        });
        let insert = capture.find("INSERT INTO");
        assert!(insert["params"].contains("traced") && insert["params"].contains("41"), "{insert:?}");
        assert!(insert.contains_key("duration_us"), "{insert:?}");
        assert_eq!(insert["rows_affected"], "1", "{insert:?}");
        let select = capture.find("SELECT");
        assert_eq!(select["rows_returned"], "2", "{select:?}");
        let update = capture.find("UPDATE");
        assert_eq!(update["rows_affected"], "2", "{update:?}");
        assert_eq!(update["params"], "[]");
    });
}

/// A statement that changes no rows reports none: SQLite's change counter keeps the last
/// INSERT / UPDATE / DELETE's count through DDL, which `execute` and the log used to report
/// for a `CREATE` or `DROP` that followed it.
#[test]
fn ddl_after_a_write_affects_no_rows() {
    each_db("ce_ddl_rows", |db| {
        db.engine.create_all(&[User::table()]).unwrap();
        let capture = Capture::default();
        tracing::subscriber::with_default(capture.clone(), || {
            insert::<User>().values(&User::new("a", 1)).execute(&db.engine).unwrap();
            insert::<User>().values(&User::new("b", 2)).execute(&db.engine).unwrap();
            assert_eq!(db.engine.execute("UPDATE users SET age = age + 1", &[]).unwrap(), 2);
            assert_eq!(db.engine.execute("CREATE TABLE ddl_rows (x INTEGER)", &[]).unwrap(), 0);
            assert_eq!(db.engine.execute("DROP TABLE ddl_rows", &[]).unwrap(), 0);
            assert_eq!(db.engine.execute("UPDATE users SET age = age WHERE age > 100", &[]).unwrap(), 0);
        });
        assert_eq!(capture.find("CREATE TABLE")["rows_affected"], "0");
        assert_eq!(capture.find("DROP TABLE")["rows_affected"], "0");
    });
}

#[test]
fn hide_parameters_keeps_values_out_of_the_log() {
    let buf = SharedBuf::default();
    let sink = buf.clone();
    each_db_with(
        "ce_hidden",
        move |b| b.hide_parameters(true).echo_to(sink.clone()),
        |db| {
            db.engine.create_all(&[User::table()]).unwrap();
            let capture = Capture::default();
            tracing::subscriber::with_default(capture.clone(), || {
                insert::<User>().values(&User::new("s3cret-value", 41)).execute(&db.engine).unwrap();
                // A failed statement: the database's message quotes the duplicate value.
                insert::<User>().values(&User::new("s3cret-value", 41)).execute(&db.engine).unwrap_err();
            });
            let events = format!("{:?}", capture.0.lock().unwrap());
            assert!(!events.contains("s3cret"), "{events}");
            let insert = capture.find("INSERT INTO");
            assert!(insert["params"].contains("parameters hidden"), "{insert:?}");
        },
    );
    let echoed = buf.text();
    assert!(echoed.contains("INSERT INTO"), "{echoed}");
    assert!(echoed.contains("parameters hidden"), "{echoed}");
    assert!(!echoed.contains("s3cret"), "{echoed}");
}

/// A writer the test can read back.
#[derive(Clone, Default)]
struct SharedBuf(Arc<Mutex<Vec<u8>>>);

impl Write for SharedBuf {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(data);
        Ok(data.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl SharedBuf {
    fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
}

#[test]
fn echo_prints_each_statement_with_params_duration_and_rows() {
    let buf = SharedBuf::default();
    let sink = buf.clone();
    each_db_with(
        "ce_echo",
        move |b| b.echo_to(sink.clone()),
        |db| {
            db.engine.create_all(&[User::table()]).unwrap();
            insert::<User>().values(&User::new("echoed", 7)).execute(&db.engine).unwrap();
            let n: i64 = select(func::count_all()).from::<User>().one(&db.engine).unwrap();
            assert_eq!(n, 1);
        },
    );
    let out = buf.text();
    assert!(out.contains("[orm] CREATE TABLE"), "{out}");
    assert!(out.contains("INSERT INTO") && out.contains("\"echoed\"") && out.contains("1 row affected"), "{out}");
    assert!(out.contains("1 row returned") && out.contains(" ms"), "{out}");
    // Both databases wrote to it.
    assert!(out.contains("$1") && out.contains('?'), "{out}");
}

#[test]
fn echo_to_stderr_does_not_disturb_execution() {
    each_db_with(
        "ce_echo_stderr",
        |b| b.echo(true),
        |db| {
            db.engine.create_all(&[User::table()]).unwrap();
            insert::<User>().values(&User::new("e", 1)).execute(&db.engine).unwrap();
            assert_eq!(count(db), 1);
        },
    );
}

// ---------------------------------------------------------------------------------------
// 4. Listeners that fail, listeners added after build
// ---------------------------------------------------------------------------------------

fn refusal() -> Error {
    Error::Validation { model: "audit".into(), field: None, message: "writes to users are frozen".into() }
}

#[test]
fn failing_before_execute_stops_the_statement_with_its_error() {
    let configure = |b: orm::EngineBuilder| {
        b.before_execute(|sql, _| if sql.starts_with("INSERT INTO") { Err(refusal()) } else { Ok(()) })
    };
    each_db_with("ce_hook_fails", configure, |db| {
        db.engine.create_all(&[User::table()]).unwrap();
        let err = insert::<User>().values(&User::new("refused", 1)).execute(&db.engine).unwrap_err();
        assert!(
            matches!(&err, Error::Validation { model, message, .. } if model == "audit" && message.contains("frozen")),
            "{err:?}"
        );
        assert_eq!(count(db), 0, "nothing written");
        // The statement was not sent: the recording listener (added before) saw it, the
        // database did not; and the connection is still usable.
        assert!(db.log.take().iter().any(|s| s.starts_with("INSERT INTO")));
        let mut conn = db.engine.connection().unwrap();
        assert!(insert::<User>().values(&User::new("refused", 1)).execute(&mut conn).is_err());
        conn.rollback().unwrap();
        assert!(conn.ping().is_ok());
    });
}

#[test]
fn failing_hook_inside_a_transaction_leaves_it_usable() {
    let configure = |b: orm::EngineBuilder| {
        b.before_execute(|sql, _| if sql.contains("'forbidden'") { Err(refusal()) } else { Ok(()) })
    };
    each_db_with("ce_hook_tx", configure, |db| {
        db.engine.create_all(&[User::table()]).unwrap();
        let mut conn = db.engine.connection().unwrap();
        insert_user(&mut conn, "before");
        assert!(conn.execute("UPDATE users SET name = 'forbidden'", &[]).is_err());
        // Not sent, so on PostgreSQL the transaction is not aborted: commit keeps the insert.
        conn.commit().unwrap();
        drop(conn);
        assert_eq!(names(db), ["before"]);
    });
}

#[test]
fn listener_added_after_build_is_seen_by_pooled_connections() {
    let configure = |b: orm::EngineBuilder| b.pool_size(1);
    each_db_with("ce_late_hook", configure, |db| {
        db.engine.create_all(&[User::table()]).unwrap();
        assert_eq!(db.engine.pool_status().connections, 1, "a connection is pooled already");
        // A connection checked out before the listener is added sees it too.
        let mut held = db.engine.connection().unwrap();

        let seen = Arc::new(AtomicUsize::new(0));
        let rows = Arc::new(Mutex::new(Vec::new()));
        let (s, r) = (seen.clone(), rows.clone());
        db.engine
            .events()
            .before_execute(move |sql, _| {
                if sql.contains("users") {
                    s.fetch_add(1, Ordering::SeqCst);
                }
            })
            .after_execute(move |e| r.lock().unwrap().push(e.rows));
        insert_user(&mut held, "late");
        held.commit().unwrap();
        drop(held);
        assert_eq!(count(db), 1);
        assert_eq!(seen.load(Ordering::SeqCst), 2, "the insert and the count");
        assert!(rows.lock().unwrap().contains(&Some(1)));
        assert_eq!(db.engine.pool_status().connects, 1, "no new connection was needed");

        // A failing listener added late stops statements too.
        db.engine.events().before_execute(|sql, _| if sql.starts_with("DELETE") { Err(refusal()) } else { Ok(()) });
        let err = delete::<User>().filter(User::age.gt(0)).execute(&db.engine).unwrap_err();
        assert!(matches!(err, Error::Validation { .. }), "{err:?}");
        assert_eq!(count(db), 1);
    });
}

#[test]
fn on_connect_listener_added_after_build_runs_for_new_connections() {
    each_db_with(
        "ce_late_connect",
        |b| b.pool_size(2),
        |db| {
            let opened = Arc::new(AtomicUsize::new(0));
            let o = opened.clone();
            db.engine.events().on_connect(move |_| {
                o.fetch_add(1, Ordering::SeqCst);
                Ok(())
            });
            let both = (db.engine.connection().unwrap(), db.engine.connection().unwrap());
            drop(both);
            assert_eq!(opened.load(Ordering::SeqCst), 2);
        },
    );
}
