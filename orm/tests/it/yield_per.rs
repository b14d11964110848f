//! `Query::yield_per`: a session query streamed in batches, its objects let go after each
//! batch unless kept or changed (issue 14: a Session read whose memory stays flat).

use orm::prelude::*;
use orm::{Error, ObjectState};

use crate::common::{each_db, Db};
use crate::models::{Author, User};

fn seed(db: &Db, n: i32) {
    db.engine.create_all(&[User::table()]).unwrap();
    let people: Vec<User> = (0..n).map(|i| User::new(&format!("u{i:03}"), i)).collect();
    insert::<User>().values_many(&people).execute(&db.engine).unwrap();
}

/// Would catch: rows lost or repeated across batches, or batches of the wrong size.
#[test]
fn every_row_comes_once_in_batches_of_the_size_asked() {
    each_db("yp_batches", |db| {
        seed(db, 10);
        let mut s = db.engine.session();
        let mut sizes = Vec::new();
        let mut names = Vec::new();
        s.query::<User>()
            .order_by(User::id.asc())
            .yield_per(3, |batch| {
                sizes.push(batch.len());
                names.extend(batch.iter().map(|u| u.read().name.clone()));
                Ok(())
            })
            .unwrap();
        assert_eq!(sizes, [3, 3, 3, 1], "{}", db.name);
        let want: Vec<String> = (0..10).map(|i| format!("u{i:03}")).collect();
        assert_eq!(names, want);
    });
}

/// Would catch: every streamed object kept in the identity map (memory growing with the
/// result), or an object the caller kept let go.
#[test]
fn objects_nobody_keeps_leave_the_session_and_kept_ones_stay() {
    each_db("yp_release", |db| {
        seed(db, 6);
        let mut s = db.engine.session();
        let mut kept = Vec::new();
        let mut ids = Vec::new();
        s.query::<User>()
            .order_by(User::id.asc())
            .yield_per(2, |batch| {
                kept.push(batch[0].clone());
                ids.extend(batch.iter().map(|u| u.read().id));
                Ok(())
            })
            .unwrap();
        assert!(kept.iter().all(|u| u.state() == ObjectState::Persistent), "{}", db.name);
        db.log.clear();
        let again = s.get::<User>(kept[1].read().id).unwrap().unwrap();
        assert!(again.ptr_eq(&kept[1]), "a kept object is still the session's");
        assert!(db.log.statements().is_empty(), "{}: from the identity map", db.name);
        let released = ids[1];
        s.get::<User>(released).unwrap().unwrap();
        assert_eq!(db.log.statements().len(), 1, "{}: a let-go object is read again", db.name);
    });
}

/// Would catch: a change made inside a batch lost because its object was let go.
#[test]
fn changes_made_in_a_batch_are_flushed_at_commit() {
    each_db("yp_changes", |db| {
        seed(db, 5);
        let mut s = db.engine.session();
        s.query::<User>()
            .yield_per(2, |batch| {
                for u in batch {
                    u.write().age += 100;
                }
                Ok(())
            })
            .unwrap();
        s.commit().unwrap();
        let ages: Vec<i32> = select(User::age).order_by(User::age.asc()).all(&db.engine).unwrap();
        assert_eq!(ages, [100, 101, 102, 103, 104], "{}", db.name);
    });
}

/// Would catch: an object the session held before the stream detached by it, or its
/// unflushed change overwritten by the streamed row.
#[test]
fn objects_held_before_the_stream_stay_with_their_changes() {
    each_db("yp_held", |db| {
        seed(db, 3);
        let mut s = db.engine.session();
        s.set_autoflush(false);
        let first = s.query::<User>().order_by(User::id.asc()).first().unwrap().unwrap();
        first.write().name = "changed".into();
        let id = first.read().id;
        drop(first);
        let mut seen = Vec::new();
        s.query::<User>()
            .yield_per(10, |batch| {
                seen.extend(batch.iter().map(|u| u.read().name.clone()));
                Ok(())
            })
            .unwrap();
        assert!(seen.contains(&"changed".to_owned()), "{}: {seen:?}", db.name);
        let held = s.get::<User>(id).unwrap().unwrap();
        assert_eq!(held.state(), ObjectState::Persistent);
        assert_eq!(held.read().name, "changed");
    });
}

/// Would catch: loader options silently ignored by a stream (relationships left unloaded).
#[test]
fn loader_options_are_refused() {
    each_db("yp_loaders", |db| {
        db.engine.create_all(&[Author::table(), crate::models::Book::table()]).unwrap();
        let mut s = db.engine.session();
        let err = s.query::<Author>().options(selectinload(Author::books)).yield_per(10, |_| Ok(())).unwrap_err();
        assert!(matches!(err, Error::Misuse(orm::Misuse::YieldPerWithLoaders { table: "authors" })), "{err:?}");
    });
}
