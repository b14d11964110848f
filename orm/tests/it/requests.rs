//! Per-request sessions: `with_current` after a panic, and `SessionFactory::request`.

use std::panic::{catch_unwind, AssertUnwindSafe};

use orm::prelude::*;

use crate::common::{each_db, Db};
use crate::fault_support::{assert_no_leaks_db, Backend, PgAdmin};
use crate::models::User;

fn setup(db: &Db) {
    db.engine.create_all(&[User::table()]).unwrap();
}

/// The names in the table, sorted (read outside any session).
fn names(db: &Db) -> Vec<String> {
    select(User::name).order_by(User::name.asc()).all(&db.engine).unwrap()
}

/// PostgreSQL: the test's backends that sit inside a transaction block.
fn idle_in_transaction(db: &Db) -> Vec<Backend> {
    if !db.is_pg() {
        return Vec::new();
    }
    PgAdmin::connect().backends(&db.app).into_iter().filter(Backend::leaked_transaction).collect()
}

/// A request handler with a bug: it writes, then panics inside `with_current` (the server
/// catches the panic, as a web server does).
fn panicking_request(factory: &SessionFactory) -> Obj<User> {
    let mut added = None;
    let panicked = catch_unwind(AssertUnwindSafe(|| {
        factory
            .with_current(|s| {
                added = Some(s.add(User::new("mallory", 1)).unwrap());
                s.flush().unwrap();
                panic!("a bug in the handler");
            })
            .ok();
    }));
    assert!(panicked.is_err());
    added.expect("the handler ran")
}

#[test]
fn a_panic_inside_with_current_persists_nothing_and_the_next_request_starts_fresh() {
    each_db("rq_panic_rows", |db| {
        setup(db);
        let factory = SessionFactory::new(&db.engine);
        let mallory = panicking_request(&factory);

        // The next request on this thread.
        let fresh = factory.with_current(|s| (s.in_transaction(), s.counts().new)).unwrap();
        factory.with_current(|s| s.add(User::new("ada", 36)).map(drop)).unwrap().unwrap();
        factory.with_current(|s| s.commit()).unwrap().unwrap();
        factory.remove_current().unwrap();
        assert_eq!(names(db), ["ada"], "only the second request's row");
        assert_eq!(fresh, (false, 0), "the second request got a fresh session, not the panicking one");
        assert_eq!(mallory.state(), ObjectState::Transient, "its session was rolled back and closed");
        assert_no_leaks_db(db);
    });
}

#[test]
fn a_panic_inside_with_current_leaves_no_transaction_open_and_no_connection_checked_out() {
    each_db("rq_panic_leak", |db| {
        setup(db);
        let factory = SessionFactory::new(&db.engine);
        panicking_request(&factory);
        assert_eq!(idle_in_transaction(db).len(), 0, "the panicking request's transaction is gone");
        let status = db.engine.pool_status();
        assert_eq!(status.connections, status.idle, "no connection checked out after the panic: {status:?}");
        assert_no_leaks_db(db);
        factory.remove_current().unwrap();
    });
}

#[test]
fn request_commits_when_the_handler_returns_ok_and_removes_the_session() {
    each_db("rq_ok", |db| {
        setup(db);
        let factory = SessionFactory::new(&db.engine);
        let mut added = None;
        let value = factory
            .request(|| {
                added = Some(factory.with_current(|s| s.add(User::new("ada", 36)))??);
                // Anywhere else in the handler: the same session, so the same object.
                let pending = factory.with_current(|s| s.new_objects::<User>())?;
                assert!(pending[0].ptr_eq(added.as_ref().unwrap()));
                Ok(7)
            })
            .unwrap();
        assert_eq!(value, 7);
        assert_eq!(names(db), ["ada"], "committed");
        let ada = added.unwrap();
        assert_eq!(ada.state(), ObjectState::Detached, "committed, then the session was closed");
        let fresh = factory.with_current(|s| (s.in_transaction(), s.counts().new)).unwrap();
        assert_eq!(fresh, (false, 0), "the session was removed");
        factory.remove_current().unwrap();
        // A handler that never touches the database makes no session.
        assert_eq!(factory.request(|| Ok("no session")).unwrap(), "no session");
        assert_no_leaks_db(db);
    });
}

#[test]
fn request_rolls_back_when_the_handler_returns_err() {
    each_db("rq_err", |db| {
        setup(db);
        let factory = SessionFactory::new(&db.engine);
        let mut added = None;
        let r: orm::Result<()> = factory.request(|| {
            added = Some(factory.with_current(|s| s.add(User::new("mallory", 1)))??);
            factory.with_current(|s| s.flush())??;
            Err(orm::Error::Validation { model: "User".into(), field: None, message: "refused by the handler".into() })
        });
        assert!(
            matches!(r, Err(orm::Error::Validation { ref message, .. }) if message == "refused by the handler"),
            "{r:?}"
        );
        assert_eq!(names(db), Vec::<String>::new(), "rolled back");
        assert_eq!(added.unwrap().state(), ObjectState::Transient);
        assert_eq!(idle_in_transaction(db).len(), 0);
        // The next request on this thread works.
        factory.request(|| factory.with_current(|s| s.add(User::new("ada", 36)).map(drop))?).unwrap();
        assert_eq!(names(db), ["ada"]);
        assert_no_leaks_db(db);
    });
}

#[test]
fn request_rolls_back_and_resumes_a_panic_then_the_next_request_works() {
    each_db("rq_panic", |db| {
        setup(db);
        let factory = SessionFactory::new(&db.engine);
        let mut added = None;
        let panicked = catch_unwind(AssertUnwindSafe(|| {
            factory.request(|| -> orm::Result<()> {
                added = Some(factory.with_current(|s| s.add(User::new("mallory", 1)))??);
                factory.with_current(|s| s.flush())??;
                panic!("a bug in the handler");
            })
        }));
        let payload = panicked.expect_err("the panic goes on");
        assert_eq!(payload.downcast_ref::<&str>(), Some(&"a bug in the handler"));
        assert_eq!(added.unwrap().state(), ObjectState::Transient, "rolled back");
        assert_eq!(idle_in_transaction(db).len(), 0, "no transaction left open");
        let status = db.engine.pool_status();
        assert_eq!(status.connections, status.idle, "no connection checked out: {status:?}");

        factory.request(|| factory.with_current(|s| s.add(User::new("ada", 36)).map(drop))?).unwrap();
        assert_eq!(names(db), ["ada"], "only the second request's row");
        assert_no_leaks_db(db);
    });
}

#[test]
fn request_fails_without_committing_when_a_with_current_inside_it_panicked() {
    each_db("rq_poison", |db| {
        setup(db);
        let factory = SessionFactory::new(&db.engine);
        let r = factory.request(|| {
            factory.with_current(|s| s.add(User::new("mallory", 1)).map(drop))??;
            // The handler swallows a panic of its own code...
            let caught = catch_unwind(AssertUnwindSafe(|| {
                factory.with_current(|_| panic!("a bug deeper down")).ok();
            }));
            assert!(caught.is_err());
            // ...but the session it ran in is gone, and the request cannot go on.
            let again = factory.with_current(|s| s.add(User::new("bob", 2)).map(drop));
            assert!(matches!(again, Err(orm::Error::RequestPanicked { ended: false })), "{again:?}");
            Ok(())
        });
        assert!(matches!(r, Err(orm::Error::RequestPanicked { ended: true })), "{r:?}");
        assert!(r.is_err_and(|e| e.to_string().contains("nothing was committed")));
        assert_eq!(names(db), Vec::<String>::new());
        factory.request(|| factory.with_current(|s| s.add(User::new("ada", 36)).map(drop))?).unwrap();
        assert_eq!(names(db), ["ada"]);
        assert_no_leaks_db(db);
    });
}

#[test]
fn request_returns_a_commit_failure() {
    each_db("rq_commit_fail", |db| {
        setup(db);
        let factory = SessionFactory::new(&db.engine);
        factory.request(|| factory.with_current(|s| s.add(User::new("ada", 36)).map(drop))?).unwrap();
        let r = factory.request(|| factory.with_current(|s| s.add(User::new("ada", 20)).map(drop))?);
        assert!(matches!(r, Err(orm::Error::UniqueViolation { .. })), "{r:?}");
        assert_eq!(idle_in_transaction(db).len(), 0);
        factory.request(|| factory.with_current(|s| s.add(User::new("bob", 20)).map(drop))?).unwrap();
        assert_eq!(names(db), ["ada", "bob"]);
        assert_no_leaks_db(db);
    });
}

#[test]
fn request_inside_request_or_beside_a_leftover_current_session_is_refused() {
    each_db("rq_nested", |db| {
        setup(db);
        let factory = SessionFactory::new(&db.engine);
        let other = SessionFactory::new(&db.engine);
        factory
            .request(|| {
                let nested = factory.clone().request(|| Ok(()));
                assert!(
                    matches!(nested, Err(orm::Error::Misuse(orm::Misuse::ReentrantCall { call: "request", ref inside })) if inside == "`request` of the same factory"),
                    "{nested:?}"
                );
                let inside = factory.with_current(|_| factory.request(|| Ok(())))?;
                assert!(
                    matches!(inside, Err(orm::Error::Misuse(orm::Misuse::ReentrantCall { call: "request", .. }))),
                    "{inside:?}"
                );
                // Another factory's request is its own unit of work.
                other.request(|| other.with_current(|s| s.add(User::new("bob", 20)).map(drop))?)?;
                factory.with_current(|s| s.add(User::new("ada", 36)).map(drop))?
            })
            .unwrap();
        assert_eq!(names(db), ["ada", "bob"]);

        // A current session made outside any request is not silently taken over.
        factory.with_current(|s| s.add(User::new("leftover", 1)).map(drop)).unwrap().unwrap();
        let r = factory.request(|| Ok(()));
        assert!(matches!(r, Err(orm::Error::Misuse(orm::Misuse::RequestOverCurrentSession))), "{r:?}");
        assert!(r.is_err_and(|e| e.to_string().contains("remove_current")));
        factory.remove_current().unwrap();
        factory.request(|| Ok(())).unwrap();
        assert_eq!(names(db), ["ada", "bob"]);
        assert_no_leaks_db(db);
    });
}
