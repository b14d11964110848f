//! Engine events: on_connect, before_execute, after_execute.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use orm::prelude::*;
use orm::Error;

use crate::common::each_db_with;
use crate::models::User;

#[test]
fn after_execute_sees_sql_params_duration_and_errors() {
    let seen: Arc<Mutex<Vec<(String, usize, bool)>>> = Arc::default();
    let log = seen.clone();
    each_db_with(
        "ev_after",
        move |b| {
            let log = log.clone();
            b.after_execute(move |e| {
                assert!(e.elapsed < Duration::from_secs(60));
                log.lock().unwrap().push((e.sql.to_owned(), e.params.len(), e.error.is_some()));
            })
        },
        |db| {
            seen.lock().unwrap().clear();
            db.engine.create_all(&[User::table()]).unwrap();
            let n: i64 = select(func::count_all()).from::<User>().filter(User::age.gt(3)).one(&db.engine).unwrap();
            assert_eq!(n, 0);
            assert!(db.engine.execute("SELECT * FROM no_such_table", &[]).is_err());
            let seen = seen.lock().unwrap();
            let count =
                seen.iter().find(|(sql, ..)| sql.to_lowercase().starts_with("select count(*)")).expect("the count ran");
            assert_eq!((count.1, count.2), (1, false), "{seen:?}");
            let failed = seen.last().unwrap();
            assert!(failed.0.contains("no_such_table") && failed.2, "the failure is reported: {seen:?}");
        },
    );
}

#[test]
fn on_connect_runs_once_per_new_connection_and_its_error_fails_the_checkout() {
    let opened = Arc::new(AtomicUsize::new(0));
    let counter = opened.clone();
    each_db_with(
        "ev_connect",
        move |b| {
            let counter = counter.clone();
            b.on_connect(move |conn| {
                counter.fetch_add(1, Ordering::SeqCst);
                // A listener can use the connection (session settings, PRAGMAs).
                conn.batch("SELECT 1")?;
                Ok(())
            })
        },
        |db| {
            opened.store(0, Ordering::SeqCst);
            let a = db.engine.connection().unwrap();
            let b = db.engine.connection().unwrap();
            assert_eq!(opened.load(Ordering::SeqCst), 2);
            drop((a, b));
            db.engine.connection().unwrap();
            assert_eq!(opened.load(Ordering::SeqCst), 2, "a pooled connection is not opened again");
        },
    );

    each_db_with(
        "ev_connect_err",
        |b| {
            b.connection_timeout(Duration::from_millis(300))
                .on_connect(|_| Err(Error::Database { code: None, message: "refused by on_connect".into() }))
        },
        |db| {
            let err = db.engine.connection().unwrap_err();
            assert!(
                matches!(err, Error::PoolTimeout { ref message, .. } if message.contains("refused by on_connect")),
                "{err:?}"
            );
            // The listener's own error, typed.
            assert!(
                matches!(&err, Error::PoolTimeout { last_error: Some(e), .. }
                    if matches!(&**e, Error::Database { message, .. } if message == "refused by on_connect")),
                "{err:?}"
            );
        },
    );
}
