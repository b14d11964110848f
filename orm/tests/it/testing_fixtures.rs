//! `orm::testing`: the fixtures a program's own tests import — private databases with the
//! models' tables, isolated from each other, gone afterwards (also after a panic).

use orm::prelude::*;
use orm::testing::TestDatabase;

use crate::common::{pg_url, PgSchema};

/// Whether PostgreSQL runs here (unreachable and not required: skipped, with a message).
fn postgres_runs(test: &str) -> bool {
    PgSchema::create(test).is_some()
}

#[derive(Model)]
#[orm(table = "tf_notes")]
struct Note {
    #[orm(primary_key, auto_increment)]
    id: i64,
    text: String,
}

fn count(db: &TestDatabase) -> i64 {
    select(func::count_all()).from::<Note>().one(&**db).unwrap()
}

fn add(db: &TestDatabase, text: &str) {
    let mut s = db.session();
    s.add(Note { id: 0, text: text.into() }).unwrap();
    s.commit().unwrap();
}

/// Whether the server has a schema of this name.
fn schema_exists(name: &str) -> bool {
    let mut c = postgres::Client::connect(&pg_url(), postgres::NoTls).unwrap();
    c.query_one("SELECT COUNT(*) FROM pg_namespace WHERE nspname = $1", &[&name]).unwrap().get::<_, i64>(0) == 1
}

#[test]
fn sqlite_fixtures_have_the_models_tables_and_see_only_their_own_rows() {
    let (a, b) = (TestDatabase::sqlite(&[Note::table()]).unwrap(), TestDatabase::sqlite(&[Note::table()]).unwrap());
    add(&a, "one");
    add(&a, "two");
    add(&b, "three");
    assert_eq!((count(&a), count(&b)), (2, 1));
    assert!(a.schema().is_none());
}

#[test]
fn postgres_fixtures_in_parallel_each_get_a_schema_of_their_own_dropped_afterwards() {
    if !postgres_runs("tf_parallel") {
        return;
    }
    let runs: Vec<_> = (0..4)
        .map(|i| {
            std::thread::spawn(move || {
                let db = TestDatabase::postgres(&pg_url(), "tf_parallel", &[Note::table()]).unwrap();
                for n in 0..=i {
                    add(&db, &format!("note {n}"));
                }
                (db.schema().unwrap().to_owned(), count(&db))
            })
        })
        .collect();
    let mut seen = Vec::new();
    for (i, run) in runs.into_iter().enumerate() {
        let (schema, n) = run.join().unwrap();
        assert_eq!(n, i64::try_from(i).unwrap() + 1, "{schema}");
        assert!(!schema_exists(&schema), "{schema} left behind");
        seen.push(schema);
    }
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 4);
}

#[test]
fn a_postgres_fixture_of_a_test_that_panics_is_dropped_too() {
    if !postgres_runs("tf_panics") {
        return;
    }
    let (tx, rx) = std::sync::mpsc::channel();
    let run = std::thread::spawn(move || {
        let db = TestDatabase::postgres(&pg_url(), "tf_panics", &[Note::table()]).unwrap();
        add(&db, "before the panic");
        tx.send(db.schema().unwrap().to_owned()).unwrap();
        panic!("the test fails");
    });
    assert!(run.join().is_err());
    let schema = rx.recv().unwrap();
    assert!(!schema_exists(&schema), "{schema} left behind");
}

#[test]
fn a_postgres_fixture_without_a_server_is_an_error_not_a_hang() {
    let started = std::time::Instant::now();
    let err = TestDatabase::postgres("postgres://nobody@127.0.0.1:1/none", "tf_down", &[Note::table()]).unwrap_err();
    assert!(started.elapsed() < std::time::Duration::from_secs(20), "{:?}", started.elapsed());
    assert!(!err.to_string().is_empty());
}

/// A fixture per database: SQLite in memory, and PostgreSQL when it runs here.
fn each_fixture(test: &str, f: impl Fn(&TestDatabase, &str)) {
    f(&TestDatabase::sqlite(&[Note::table(), Tag::table()]).unwrap(), "sqlite");
    if postgres_runs(test) {
        f(&TestDatabase::postgres(&pg_url(), test, &[Note::table(), Tag::table()]).unwrap(), "postgres");
    }
}

#[derive(Model)]
#[orm(table = "tf_tags")]
struct Tag {
    #[orm(primary_key, auto_increment)]
    id: i64,
    #[orm(unique)]
    name: String,
}

#[test]
fn a_rollback_session_sees_its_commits_and_leaves_nothing_behind() {
    each_fixture("tf_rollback_session", |db, name| {
        {
            let mut s = db.rollback_session().unwrap();
            s.add(Note { id: 0, text: "one".into() }).unwrap();
            s.commit().unwrap();
            s.add(Note { id: 0, text: "two".into() }).unwrap();
            s.transaction(|s| s.add(Note { id: 0, text: "three".into() }).map(drop)).unwrap();
            assert_eq!(s.query::<Note>().all().unwrap().len(), 3, "{name}");
            // Core statements on the session run in the same transaction.
            let n: i64 = select(func::count_all()).from::<Note>().one(&mut s).unwrap();
            assert_eq!(n, 3, "{name}");
        }
        assert_eq!(count(db), 0, "{name}");
    });
}

#[test]
fn rollback_inside_a_rollback_session_goes_back_to_its_last_commit() {
    each_fixture("tf_rollback_to_commit", |db, name| {
        let mut s = db.rollback_session().unwrap();
        s.add(Note { id: 0, text: "committed".into() }).unwrap();
        s.commit().unwrap();
        let undone = s.add(Note { id: 0, text: "undone".into() }).unwrap();
        s.flush().unwrap();
        s.rollback().unwrap();
        assert_eq!(undone.state(), ObjectState::Transient, "{name}");
        let texts: Vec<String> = s.query::<Note>().all().unwrap().iter().map(|n| n.read().text.clone()).collect();
        assert_eq!(texts, ["committed"], "{name}");
        s.close().unwrap();
        assert_eq!(count(db), 0, "{name}");
    });
}

#[test]
fn a_failed_flush_in_a_rollback_session_is_rolled_back_and_the_session_goes_on() {
    each_fixture("tf_failed_flush", |db, name| {
        let mut s = db.rollback_session().unwrap();
        s.add(Tag { id: 0, name: "rust".into() }).unwrap();
        s.commit().unwrap();
        s.add(Tag { id: 0, name: "rust".into() }).unwrap();
        assert!(matches!(s.commit(), Err(orm::Error::UniqueViolation { .. })), "{name}");
        s.rollback().unwrap();
        // PostgreSQL's aborted transaction is recovered by going back to the savepoint.
        s.add(Tag { id: 0, name: "sql".into() }).unwrap();
        s.commit().unwrap();
        assert_eq!(s.query::<Tag>().all().unwrap().len(), 2, "{name}");
        drop(s);
        let tags: i64 = select(func::count_all()).from::<Tag>().one(&**db).unwrap();
        assert_eq!(tags, 0, "{name}");
    });
}

#[test]
fn rollback_sessions_of_parallel_tests_on_one_postgres_database_do_not_see_each_other() {
    if !postgres_runs("tf_parallel_sessions") {
        return;
    }
    let db = std::sync::Arc::new(TestDatabase::postgres(&pg_url(), "tf_parallel_sessions", &[Note::table()]).unwrap());
    let runs: Vec<_> = (0..4)
        .map(|i| {
            let db = db.clone();
            std::thread::spawn(move || {
                let mut s = db.rollback_session().unwrap();
                for n in 0..=i {
                    s.add(Note { id: 0, text: format!("{i}-{n}") }).unwrap();
                    s.commit().unwrap();
                }
                s.query::<Note>().all().unwrap().len()
            })
        })
        .collect();
    for (i, run) in runs.into_iter().enumerate() {
        assert_eq!(run.join().unwrap(), i + 1);
    }
    assert_eq!(count(&db), 0);
}
