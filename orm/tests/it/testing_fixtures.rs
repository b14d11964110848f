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
