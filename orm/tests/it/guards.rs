//! Guards of objects (`Obj::read` / `Obj::write`) and the session: no call blocks forever on
//! a guard of the calling thread. A session call that would is refused with
//! `Error::ObjectBorrowed` before anything is sent, and succeeds once the guard is dropped;
//! `read` then `write` on one thread panics at once (`try_write` returns the error); guards of
//! other threads are waited for.
//!
//! Each call runs under a watchdog: on a thread of its own, failing the test if it has not
//! returned within 5 s (on PostgreSQL the test's backends are then terminated, so that the
//! hung thread's transaction does not block the schema's cleanup).

use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use orm::prelude::*;
use orm::Error;

use crate::common::{each_db, Db};
use crate::fault_support::{assert_no_leaks_db, PgAdmin};
use crate::models::{Author, Book};

/// A model without Rust-side defaults: its insert writes only the generated key back.
#[derive(Model, Debug, Clone, PartialEq)]
#[orm(table = "guard_notes")]
pub struct Note {
    #[orm(primary_key, auto_increment)]
    pub id: i64,
    pub owner: String,
    pub body: String,
}

/// A model whose updates write an `update_default` column into the object.
#[derive(Model, Debug, Clone, PartialEq)]
#[orm(table = "guard_stamped")]
pub struct Stamped {
    #[orm(primary_key, auto_increment)]
    pub id: i64,
    pub body: String,
    #[orm(update_default = next_stamp())]
    pub stamp: i64,
}

fn next_stamp() -> i64 {
    static STAMP: std::sync::atomic::AtomicI64 = std::sync::atomic::AtomicI64::new(1);
    STAMP.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

fn note(owner: &str, body: &str) -> Note {
    Note { id: 0, owner: owner.into(), body: body.into() }
}

fn setup(db: &Db) {
    db.engine.create_all(&[Note::table(), Stamped::table(), Author::table(), Book::table()]).unwrap();
}

/// The bodies in the table, by owner (read outside any session).
fn bodies(db: &Db) -> Vec<(String, String)> {
    select((Note::owner, Note::body)).order_by(Note::owner.asc()).all(&db.engine).unwrap()
}

/// Run `f` on a thread of its own; fail the test if it has not returned within 5 s.
fn watchdog<T: Send + 'static>(db: &Db, what: &str, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(catch_unwind(AssertUnwindSafe(f)));
    });
    match rx.recv_timeout(Duration::from_secs(5)) {
        Ok(Ok(value)) => value,
        Ok(Err(panic)) => resume_unwind(panic),
        Err(_) => {
            if db.is_pg() {
                PgAdmin::connect().terminate_app(&db.app);
            }
            panic!("{what}: did not return within 5 s (blocked on the calling thread's own guard)")
        }
    }
}

/// Whether `r` is `Error::ObjectBorrowed` for table `table`.
fn refused<T: std::fmt::Debug>(r: &orm::Result<T>, table: &str) -> bool {
    matches!(r, Err(Error::ObjectBorrowed { table: t, .. }) if t == table)
}

/// A committed note, its session (holding it, persistent) and its key.
fn committed(db: &Db, owner: &str) -> (Session, Obj<Note>, i64) {
    let mut s = db.engine.session();
    let n = s.add(note(owner, "v1")).unwrap();
    s.commit().unwrap();
    let id = n.read().id;
    (s, n, id)
}

#[test]
fn guards_flush_with_a_read_guard_on_a_pending_object_is_refused_then_succeeds() {
    each_db("g_flush_pending", |db| {
        setup(db);
        let mut s = db.engine.session();
        let ada = s.add(note("ada", "v1")).unwrap();
        let log = db.log.clone();
        log.clear();
        let (s, ada) = watchdog(db, "flush with a read guard on a pending object", move || {
            let guard = ada.read();
            let r = s.flush();
            assert!(refused(&r, "guard_notes"), "{r:?}");
            assert!(log.take().is_empty(), "refused before anything was sent");
            assert_eq!((s.counts().new, ada.state()), (1, ObjectState::Pending), "the session is as it was");
            drop(guard);
            s.flush().unwrap();
            (s, ada)
        });
        assert!(ada.read().id > 0, "the generated key was written back");
        assert_eq!(ada.state(), ObjectState::Persistent);
        let mut s = s;
        s.commit().unwrap();
        assert_eq!(bodies(db), [("ada".to_string(), "v1".to_string())]);
        drop(s);
        assert_no_leaks_db(db);
    });
}

#[test]
fn guards_commit_with_a_read_guard_on_a_pending_object_is_refused_then_succeeds() {
    each_db("g_commit", |db| {
        setup(db);
        let mut s = db.engine.session();
        let ada = s.add(note("ada", "v1")).unwrap();
        let s = watchdog(db, "commit with a read guard on a pending object", move || {
            let guard = ada.read();
            let r = s.commit();
            assert!(refused(&r, "guard_notes"), "{r:?}");
            assert_eq!(guard.body, "v1");
            drop(guard);
            s.commit().unwrap();
            assert!(ada.read().id > 0);
            s
        });
        assert_eq!(bodies(db), [("ada".to_string(), "v1".to_string())]);
        drop(s);
        assert_no_leaks_db(db);
    });
}

#[test]
fn guards_query_and_get_autoflush_with_a_guard_held_are_refused_then_succeed() {
    each_db("g_autoflush", |db| {
        setup(db);
        let (mut s, ada, id) = committed(db, "ada");
        let bob = s.add(note("bob", "v1")).unwrap();
        let s = watchdog(db, "a query's autoflush with a read guard on a pending object", move || {
            let guard = bob.read();
            let r = s.query::<Note>().count();
            assert!(refused(&r, "guard_notes"), "{r:?}");
            let r = s.get::<Note>(id + 100);
            assert!(refused(&r, "guard_notes"), "get's autoflush: {r:?}");
            drop(guard);
            assert_eq!(s.query::<Note>().count().unwrap(), 2);
            assert!(s.get::<Note>(id).unwrap().unwrap().ptr_eq(&ada));
            s
        });
        let mut s = s;
        s.commit().unwrap();
        assert_eq!(bodies(db).len(), 2);
        drop(s);
        assert_no_leaks_db(db);
    });
}

#[test]
fn guards_flush_with_a_write_guard_on_a_dirty_persistent_object_is_refused_then_succeeds() {
    each_db("g_flush_dirty", |db| {
        setup(db);
        let (s, ada, id) = committed(db, "ada");
        let s = watchdog(db, "flush with a write guard on a dirty persistent object", move || {
            let mut s = s;
            let mut w = ada.write();
            w.body = "v2".into();
            let r = s.flush();
            match &r {
                Err(Error::ObjectBorrowed { table, key, .. }) => {
                    assert_eq!((table.as_str(), key.as_deref()), ("guard_notes", Some(id.to_string().as_str())));
                }
                other => panic!("expected ObjectBorrowed, got {other:?}"),
            }
            let msg = r.unwrap_err().to_string();
            assert!(msg.contains("Note") && msg.contains("write guard"), "{msg}");
            w.body.push('!');
            drop(w);
            s.commit().unwrap();
            s
        });
        assert_eq!(bodies(db), [("ada".to_string(), "v2!".to_string())], "the change made under the guard is kept");
        drop(s);
        assert_no_leaks_db(db);
    });
}

#[test]
fn guards_rollback_after_a_flush_with_a_guard_held_is_refused_then_restores() {
    each_db("g_rollback", |db| {
        setup(db);
        let (mut s, ada, _) = committed(db, "ada");
        ada.write().body = "v2".into();
        let bob = s.add(note("bob", "v1")).unwrap();
        s.flush().unwrap();
        let (s, ada, bob) = watchdog(db, "rollback after a flush with a guard held", move || {
            let guard = ada.read();
            let r = s.rollback();
            assert!(refused(&r, "guard_notes"), "{r:?}");
            assert!(s.in_transaction(), "refused before doing anything");
            assert_eq!(guard.body, "v2");
            let pending_guard = bob.read();
            drop(guard);
            let r = s.rollback();
            assert!(refused(&r, "guard_notes"), "bob's generated key must be reset: {r:?}");
            drop(pending_guard);
            s.rollback().unwrap();
            (s, ada, bob)
        });
        assert_eq!(ada.read().body, "v1", "restored");
        assert_eq!((bob.state(), bob.read().id), (ObjectState::Transient, 0), "the insert was undone");
        assert_eq!(bodies(db), [("ada".to_string(), "v1".to_string())]);
        drop(s);
        assert_no_leaks_db(db);
    });
}

#[test]
fn guards_read_then_write_on_one_thread_panics_at_once_and_try_write_is_refused() {
    each_db("g_read_write", |db| {
        setup(db);
        let (s, ada, _) = committed(db, "ada");
        watchdog(db, "read then write on one thread", move || {
            let guard = ada.read();
            let again = ada.read(); // a second read of this thread: fine
            assert_eq!(again.body, guard.body);
            let panicked = catch_unwind(AssertUnwindSafe(|| drop(ada.write()))).expect_err("write must panic");
            let msg = panicked.downcast_ref::<String>().cloned().unwrap_or_default();
            assert!(msg.contains("Note") && msg.contains("read guard"), "{msg}");
            assert!(matches!(ada.try_write(), Err(Error::ObjectBorrowed { .. })));
            drop((guard, again));
            let mut w = ada.try_write().unwrap();
            w.body = "v2".into();
            let panicked = catch_unwind(AssertUnwindSafe(|| drop(ada.read()))).expect_err("read must panic");
            let msg = panicked.downcast_ref::<String>().cloned().unwrap_or_default();
            assert!(msg.contains("Note") && msg.contains("write guard"), "{msg}");
            assert!(matches!(ada.try_read(), Err(Error::ObjectBorrowed { .. })));
            assert!(matches!(ada.try_write(), Err(Error::ObjectBorrowed { .. })));
            drop(w);
            assert_eq!(ada.try_read().unwrap().body, "v2");
        });
        drop(s);
    });
}

#[test]
fn guards_read_then_read_while_another_thread_waits_to_write_does_not_deadlock() {
    each_db("g_read_read", |db| {
        setup(db);
        let (s, ada, _) = committed(db, "ada");
        let shared = ada.clone();
        watchdog(db, "a second read while another thread waits to write", move || {
            let first = ada.read();
            let writer = std::thread::spawn(move || shared.write().body = "v2".into());
            // Let the writer start waiting for `first`.
            std::thread::sleep(Duration::from_millis(200));
            let second = ada.read();
            assert_eq!(second.body, "v1");
            drop((first, second));
            writer.join().unwrap();
            assert_eq!(ada.read().body, "v2");
        });
        drop(s);
    });
}

#[test]
fn guards_of_other_threads_are_waited_for_not_refused() {
    each_db("g_other_thread", |db| {
        setup(db);
        let (mut s, ada, _) = committed(db, "ada");
        let bob = s.add(note("bob", "v1")).unwrap();
        let (held_tx, held_rx) = mpsc::channel();
        let (a, b) = (ada.clone(), bob.clone());
        let other = std::thread::spawn(move || {
            let mut w = a.write();
            let r = b.read();
            held_tx.send(()).unwrap();
            std::thread::sleep(Duration::from_millis(300));
            w.body = "v2".into();
            drop(r);
        });
        held_rx.recv().unwrap();
        let s = watchdog(db, "commit while another thread holds guards", move || {
            let start = Instant::now();
            s.commit().unwrap();
            assert!(start.elapsed() >= Duration::from_millis(200), "waited for the other thread's guards");
            s
        });
        other.join().unwrap();
        assert_eq!(bodies(db), [("ada".to_string(), "v2".to_string()), ("bob".to_string(), "v1".to_string())]);
        drop(s);
        assert_no_leaks_db(db);
    });
}

#[test]
fn guards_close_and_drop_with_a_guard_held_roll_back_without_blocking() {
    each_db("g_close", |db| {
        setup(db);
        let (mut s, ada, id) = committed(db, "ada");
        ada.write().body = "v2".into();
        let bob = s.add(note("bob", "v1")).unwrap();
        s.flush().unwrap();
        let (ada, bob) = watchdog(db, "close with guards held", move || {
            let (a, b) = (ada.read(), bob.read());
            s.close().unwrap();
            assert_eq!((a.body.as_str(), b.body.as_str()), ("v2", "v1"), "borrowed: kept as they are");
            drop((a, b));
            (ada, bob)
        });
        assert!(ada.is_expired() && bob.is_expired(), "their fields were not restored: expired");
        assert_eq!(ada.state(), ObjectState::Detached);
        assert_eq!(bob.state(), ObjectState::Transient, "its insert was rolled back");
        assert_eq!(bodies(db), [("ada".to_string(), "v1".to_string())], "the database was rolled back");
        let mut s = db.engine.session();
        s.add(&ada).unwrap();
        assert_eq!(s.get::<Note>(id).unwrap().unwrap().read().body, "v1", "an expired object is read again");
        drop(s);

        // Dropping the session: the same, from `Drop`.
        let (mut s, carol, _) = committed(db, "carol");
        carol.write().body = "v2".into();
        s.flush().unwrap();
        let carol = watchdog(db, "drop with a guard held", move || {
            let guard = carol.write();
            drop(s);
            drop(guard);
            carol
        });
        assert!(carol.is_expired());
        assert_eq!(bodies(db)[1], ("carol".to_string(), "v1".to_string()));
        assert_no_leaks_db(db);
    });
}

#[test]
fn guards_refresh_merge_and_load_with_a_guard_held_are_refused_then_succeed() {
    each_db("g_refresh", |db| {
        setup(db);
        let (mut s, ada, id) = committed(db, "ada");
        let author = s.add(Author { id: 0, name: "Le Guin".into(), books: HasMany::new() }).unwrap();
        s.commit().unwrap();
        let s = watchdog(db, "refresh, merge and load with a guard held", move || {
            let mut s = s;
            let guard = ada.read();
            assert!(refused(&s.refresh(&ada), "guard_notes"));
            let r = s.merge(&Note { id, owner: "ada".into(), body: "merged".into() });
            assert!(refused(&r, "guard_notes"), "{r:?}");
            drop(guard);
            s.refresh(&ada).unwrap();
            s.merge(&Note { id, owner: "ada".into(), body: "merged".into() }).unwrap();
            assert_eq!(ada.read().body, "merged");

            let guard = author.read();
            let r = s.load(&author, Author::books);
            assert!(refused(&r, "authors"), "{r:?}");
            drop(guard);
            s.load(&author, Author::books).unwrap();
            assert_eq!(author.read().books.get().unwrap().len(), 0);
            s.commit().unwrap();
            s
        });
        assert_eq!(bodies(db), [("ada".to_string(), "merged".to_string())]);
        drop(s);
        assert_no_leaks_db(db);
    });
}

#[test]
fn guards_a_read_guard_stops_a_flush_only_where_the_flush_writes_the_object() {
    each_db("g_update_read", |db| {
        setup(db);
        let (mut s, ada, _) = committed(db, "ada");
        let stamped = s.add(Stamped { id: 0, body: "v1".into(), stamp: 0 }).unwrap();
        s.commit().unwrap();
        ada.write().body = "v2".into();
        stamped.write().body = "v2".into();
        let s = watchdog(db, "flush of updates with read guards held", move || {
            let mut s = s;
            let (a, st) = (ada.read(), stamped.read());
            // The UPDATE of `stamped` writes its update_default column into the object: refused.
            let r = s.flush();
            assert!(refused(&r, "guard_stamped"), "{r:?}");
            drop(st);
            // The UPDATE of `ada` only reads it: a read guard of this thread is no obstacle.
            s.flush().unwrap();
            assert_eq!(a.body, "v2");
            drop(a);
            assert!(stamped.read().stamp > 0, "the update_default value was written into the object");
            s.commit().unwrap();
            s
        });
        assert_eq!(bodies(db), [("ada".to_string(), "v2".to_string())]);
        drop(s);
        assert_no_leaks_db(db);
    });
}

#[test]
fn guards_savepoint_rollbacks_refuse_when_asked_and_never_when_unwinding_an_error() {
    each_db("g_savepoint", |db| {
        setup(db);
        let (s, ada, _) = committed(db, "ada");
        let s = watchdog(db, "savepoint rollbacks with a guard held", move || {
            let mut s = s;
            let sp = s.begin_nested().unwrap();
            ada.write().body = "v2".into();
            s.flush().unwrap();
            let guard = ada.read();
            let r = s.rollback_to_savepoint(sp);
            assert!(refused(&r, "guard_notes"), "{r:?}");
            drop(guard);
            s.rollback_to_savepoint(sp).unwrap();
            assert_eq!(ada.read().body, "v1");

            // The closure forms cannot refuse: the savepoint (or transaction) is rolled back in
            // the database, and an object this thread still borrows keeps its fields, expired.
            for nested in [true, false] {
                let mut held = None;
                let work = |s: &mut Session| -> orm::Result<()> {
                    ada.write().body = "v3".into();
                    s.flush()?;
                    held = Some(ada.read());
                    Err(Error::Validation { model: "Note".into(), field: None, message: "refused by the work".into() })
                };
                let r = if nested { s.savepoint(work) } else { s.transaction(work) };
                assert!(matches!(r, Err(Error::Validation { .. })), "{r:?}");
                assert_eq!(held.as_ref().map(|g| g.body.clone()).as_deref(), Some("v3"), "borrowed: kept");
                drop(held);
                assert!(ada.is_expired(), "not restored: expired");
                assert_eq!(s.in_transaction(), nested, "a savepoint's failure leaves the transaction open");
                assert_eq!(s.query::<Note>().one().unwrap().read().body, "v1", "read again");
            }
            s
        });
        assert_eq!(bodies(db), [("ada".to_string(), "v1".to_string())]);
        drop(s);
        assert_no_leaks_db(db);
    });
}
