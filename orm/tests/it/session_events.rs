//! Session events, the session factory and current (per-thread) sessions.

use std::sync::{Arc, Mutex};

use orm::prelude::*;
use orm::{Error, Misuse};

use crate::common::{each_db, Db};
use crate::models::User;

fn setup(db: &Db) {
    db.engine.create_all(&[User::table()]).unwrap();
}

/// A shared log the listeners write to.
fn log() -> Arc<Mutex<Vec<String>>> {
    Arc::new(Mutex::new(Vec::new()))
}

fn record(log: &Arc<Mutex<Vec<String>>>, event: SessionEvent) -> impl Fn(&mut Session) -> orm::Result<()> {
    let log = log.clone();
    move |s: &mut Session| {
        log.lock().unwrap().push(format!("{event:?} new={}", s.counts().new));
        Ok(())
    }
}

#[test]
fn listeners_run_in_order_at_flush_commit_and_rollback() {
    each_db("e_order", |db| {
        setup(db);
        let seen = log();
        let mut factory = SessionFactory::new(&db.engine);
        for event in [
            SessionEvent::BeforeFlush,
            SessionEvent::AfterFlush,
            SessionEvent::BeforeCommit,
            SessionEvent::AfterCommit,
            SessionEvent::AfterRollback,
        ] {
            factory = factory.listen(event, record(&seen, event));
        }
        let mut s = factory.session();
        s.flush().unwrap();
        assert!(seen.lock().unwrap().is_empty(), "nothing to flush: no flush events");
        s.add(User::new("ada", 36)).unwrap();
        s.commit().unwrap();
        assert_eq!(
            *seen.lock().unwrap(),
            ["BeforeCommit new=1", "BeforeFlush new=1", "AfterFlush new=0", "AfterCommit new=0"]
        );
        seen.lock().unwrap().clear();
        s.add(User::new("bob", 20)).unwrap();
        s.flush().unwrap();
        s.rollback().unwrap();
        assert_eq!(*seen.lock().unwrap(), ["BeforeFlush new=1", "AfterFlush new=0", "AfterRollback new=0"]);
        seen.lock().unwrap().clear();
        drop(s);
        assert!(seen.lock().unwrap().is_empty(), "no open transaction at drop: no rollback event");
    });
}

/// Would catch: `AfterRollback` fired when a session that only read is closed or dropped.
/// Reads at READ COMMITTED run outside a transaction (no BEGIN): nothing is rolled back.
#[test]
fn closing_a_session_that_only_read_fires_no_rollback_event() {
    each_db("e_read_close", |db| {
        setup(db);
        insert::<User>().values(&User::new("ada", 36)).execute(&db.engine).unwrap();
        let seen = log();
        let factory = SessionFactory::new(&db.engine)
            .listen(SessionEvent::AfterRollback, record(&seen, SessionEvent::AfterRollback));
        let mut s = factory.session();
        assert_eq!(s.query::<User>().all().unwrap().len(), 1);
        s.close().unwrap();
        let mut s = factory.session();
        assert!(s.get::<User>(1_i64).unwrap().is_some());
        drop(s);
        assert!(seen.lock().unwrap().is_empty(), "{}: {:?}", db.name, seen.lock().unwrap());
        // A transaction that was open is rolled back, and says so.
        let mut s = factory.session();
        s.begin(orm::IsolationLevel::RepeatableRead).unwrap();
        assert_eq!(s.query::<User>().count().unwrap(), 1);
        assert!(s.in_transaction(), "{}", db.name);
        s.close().unwrap();
        assert_eq!(*seen.lock().unwrap(), ["AfterRollback new=0"], "{}", db.name);
    });
}

#[test]
fn before_flush_can_add_objects_and_query_without_recursing() {
    each_db("e_add", |db| {
        setup(db);
        let mut s = db.engine.session();
        s.listen(SessionEvent::BeforeFlush, |s| {
            // Queries inside a listener do not autoflush (that would run this listener again).
            let audited = s.query::<User>().filter_by(User::name, "audit").count()?;
            if audited == 0 {
                s.add(User::new("audit", 0))?;
            }
            let err = s.flush().unwrap_err();
            assert!(
                matches!(err, Error::Misuse(Misuse::ReentrantCall { call: "flush", ref inside }) if inside == "a BeforeFlush listener"),
                "flush inside a listener is refused: {err:?}"
            );
            Ok(())
        });
        s.add(User::new("ada", 36)).unwrap();
        s.commit().unwrap();
        let n: i64 = select(func::count_all()).from::<User>().one(&db.engine).unwrap();
        assert_eq!(n, 2, "the object the listener added was flushed with the rest");
    });
}

#[test]
fn a_failing_before_flush_or_before_commit_listener_writes_nothing() {
    each_db("e_fail", |db| {
        setup(db);
        let mut s = db.engine.session();
        s.listen(SessionEvent::BeforeFlush, |s| {
            let bad = s.new_objects::<User>().iter().any(|u| u.read().name.is_empty());
            if bad {
                let message = "a user needs a name".to_owned();
                return Err(Error::Validation { model: "User".into(), field: Some("name".into()), message });
            }
            Ok(())
        });
        s.add(User::new("kept", 1)).unwrap();
        s.flush().unwrap();
        s.add(User::new("", 2)).unwrap();
        let err = s.commit().unwrap_err();
        assert!(matches!(err, Error::Validation { ref message, .. } if message == "a user needs a name"), "{err:?}");
        assert!(matches!(s.query::<User>().count(), Err(Error::PendingRollback { .. })));
        s.rollback().unwrap();
        let n: i64 = select(func::count_all()).from::<User>().one(&db.engine).unwrap();
        assert_eq!(n, 0, "the earlier flush was rolled back with the transaction");

        let mut s = db.engine.session();
        s.listen(SessionEvent::BeforeCommit, |_| {
            Err(Error::Validation { model: "User".into(), field: None, message: "read-only session".into() })
        });
        s.add(User::new("ada", 36)).unwrap();
        s.flush().unwrap();
        assert!(s.commit().is_err());
        s.rollback().unwrap();
        let n: i64 = select(func::count_all()).from::<User>().one(&db.engine).unwrap();
        assert_eq!(n, 0);
    });
}

#[test]
fn a_factory_applies_its_settings_to_every_session() {
    each_db("e_factory", |db| {
        setup(db);
        let factory = SessionFactory::new(&db.engine).autoflush(false);
        for _ in 0..2 {
            let mut s = factory.session();
            s.add(User::new("ada", 36)).unwrap();
            assert_eq!(s.query::<User>().count().unwrap(), 0, "autoflush off from the factory");
            s.rollback().unwrap();
        }
        let shared = factory.clone();
        let handle = std::thread::spawn(move || shared.session().query::<User>().count().unwrap());
        assert_eq!(handle.join().unwrap(), 0, "the factory is Send and its sessions work on any thread");
    });
}

#[test]
fn current_sessions_are_per_thread_and_per_factory() {
    each_db("e_scoped", |db| {
        setup(db);
        let factory = SessionFactory::new(&db.engine);
        let ada = factory.with_current(|s| s.add(User::new("ada", 36))).unwrap().unwrap();
        assert_eq!(factory.clone().with_current(|s| s.new_objects::<User>().len()).unwrap(), 1, "clones share it");

        let other = SessionFactory::new(&db.engine);
        assert_eq!(
            other.with_current(|s| s.new_objects::<User>().len()).unwrap(),
            0,
            "another factory: another session"
        );
        other.remove_current().unwrap();

        let shared = factory.clone();
        let on_another_thread = std::thread::spawn(move || {
            let n = shared.with_current(|s| s.new_objects::<User>().len()).unwrap();
            shared.remove_current().unwrap();
            n
        })
        .join()
        .unwrap();
        assert_eq!(on_another_thread, 0, "each thread has its own session");

        factory.with_current(|s| s.flush()).unwrap().unwrap();
        let id = ada.read().id;
        let same = factory.with_current(|s| s.get::<User>(id)).unwrap().unwrap().unwrap();
        assert!(same.ptr_eq(&ada), "the same session, so the same object");

        let nested = factory.with_current(|_| factory.with_current(|_| ()));
        assert!(matches!(nested, Ok(Err(Error::Misuse(Misuse::ReentrantCall { call: "with_current", .. })))));
        assert!(matches!(
            factory.with_current(|_| factory.remove_current()),
            Ok(Err(Error::Misuse(Misuse::ReentrantCall { call: "remove_current", .. })))
        ));

        factory.remove_current().unwrap();
        assert_eq!(ada.state(), ObjectState::Transient, "closed: its uncommitted insert was rolled back");
        let n: i64 = select(func::count_all()).from::<User>().one(&db.engine).unwrap();
        assert_eq!(n, 0, "what it did not commit was rolled back");
        let fresh = factory.with_current(|s| s.query::<User>().count()).unwrap().unwrap();
        assert_eq!(fresh, 0);
        factory.remove_current().unwrap();

        // A panic out of `with_current` abandons the session (it used to be put back, with
        // its transaction open, for the thread's next request to commit).
        let bob = factory.with_current(|s| s.add(User::new("bob", 20))).unwrap().unwrap();
        factory.with_current(|s| s.flush()).unwrap().unwrap();
        let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            factory.with_current(|_| panic!("handler failed")).ok();
        }));
        assert!(panicked.is_err());
        assert_eq!(bob.state(), ObjectState::Transient, "rolled back and closed, not put back");
        assert_eq!(factory.with_current(|s| s.counts().new).unwrap(), 0, "the next call gets a fresh session");
        factory.remove_current().unwrap();
        let n: i64 = select(func::count_all()).from::<User>().one(&db.engine).unwrap();
        assert_eq!(n, 0);
    });
}
