//! Autoflush, is_modified, counts, new/dirty/deleted objects, expunge_all, transaction closures, refresh.

use orm::prelude::*;
use orm::Error;

use crate::common::{each_db, Db};
use crate::models::{Author, Book, User};

fn setup(db: &Db) {
    db.engine.create_all(&[User::table()]).unwrap();
}

#[test]
fn queries_see_what_the_session_added_unless_autoflush_is_off() {
    each_db("f_autoflush", |db| {
        setup(db);
        let mut s = db.engine.session();
        s.add(User::new("ada", 36)).unwrap();
        assert_eq!(s.query::<User>().count().unwrap(), 1, "autoflush before the query");
        s.set_autoflush(false);
        s.add(User::new("bob", 20)).unwrap();
        assert_eq!(s.query::<User>().count().unwrap(), 1);
        s.set_autoflush(true);
        assert!(s.query::<User>().filter_by(User::name, "bob").exists().unwrap());
        s.rollback().unwrap();
        let n: i64 = select(func::count_all()).from::<User>().one(&db.engine).unwrap();
        assert_eq!(n, 0, "autoflush writes inside the transaction only");
    });
}

#[test]
fn modified_objects_and_counts() {
    each_db("f_counts", |db| {
        setup(db);
        let mut s = db.engine.session();
        let u = s.add(User::new("ada", 36)).unwrap();
        assert!(s.is_modified(&u));
        assert_eq!(s.counts().new, 1);
        s.commit().unwrap();
        assert!(!s.is_modified(&u));
        u.write().age = 36; // written, same value
        assert!(!s.is_modified(&u));
        assert_eq!(s.counts().dirty, 1);
        u.write().age = 37;
        assert!(s.is_modified(&u));
        s.delete(&u).unwrap();
        assert_eq!(s.counts().deleted, 1);
        s.expunge_all();
        assert_eq!(u.state(), ObjectState::Detached);
        assert_eq!(s.counts(), orm::SessionCounts { new: 0, dirty: 0, deleted: 0 });
    });
}

#[test]
fn new_dirty_and_deleted_objects_are_listed_per_model() {
    each_db("f_sets", |db| {
        db.engine.create_all(&[User::table(), Author::table(), Book::table()]).unwrap();
        let mut s = db.engine.session();
        let ada = s.add(User::new("ada", 36)).unwrap();
        let tolkien = s.add(Author { id: 0, name: "Tolkien".into(), books: HasMany::default() }).unwrap();
        let new_users = s.new_objects::<User>();
        assert_eq!(new_users.len(), 1);
        assert!(new_users[0].ptr_eq(&ada), "the same handle, not a copy");
        assert_eq!(s.new_objects::<Author>().len(), 1);
        assert!(s.new_objects::<Book>().is_empty());
        s.commit().unwrap();
        assert!(s.new_objects::<User>().is_empty());
        assert!(s.dirty_objects::<User>().is_empty());
        ada.write().age = 37;
        let dirty = s.dirty_objects::<User>();
        assert!(dirty.len() == 1 && dirty[0].ptr_eq(&ada));
        assert!(s.dirty_objects::<Author>().is_empty(), "only the model asked for");
        s.delete(&tolkien).unwrap();
        let deleted = s.deleted_objects::<Author>();
        assert!(deleted.len() == 1 && deleted[0].ptr_eq(&tolkien));
        assert!(s.deleted_objects::<User>().is_empty());
        s.delete(&ada).unwrap();
        assert!(s.dirty_objects::<User>().is_empty(), "an object marked for deletion is not dirty");
        s.commit().unwrap();
        assert!(s.deleted_objects::<Author>().is_empty() && s.deleted_objects::<User>().is_empty());
    });
}

#[test]
fn transaction_closure_commits_or_rolls_back() {
    each_db("f_tx", |db| {
        setup(db);
        let mut s = db.engine.session();
        let id = s
            .transaction(|s| {
                let u = s.add(User::new("kept", 1))?;
                s.flush()?;
                let id = u.read().id;
                Ok::<_, orm::Error>(id)
            })
            .unwrap();
        assert!(id > 0);
        let r: orm::Result<()> = s.transaction(|s| {
            s.add(User::new("dropped", 2))?;
            s.flush()?;
            Err(Error::Validation { model: "User".into(), field: None, message: "changed my mind".into() })
        });
        assert!(matches!(r, Err(Error::Validation { ref message, .. }) if message == "changed my mind"), "{r:?}");
        let engine = db.engine.clone();
        let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let mut s = engine.session();
            let _: orm::Result<()> = s.transaction(|s| {
                s.add(User::new("panicked", 3))?;
                s.flush()?;
                panic!("boom")
            });
        }));
        assert!(panicked.is_err());
        let names: Vec<String> = select(User::name).all(&db.engine).unwrap();
        assert_eq!(names, ["kept"]);
    });
}

/// An application's own error type, for `transaction`.
#[derive(Debug)]
enum AppError {
    Orm(Error),
    Refused(&'static str),
}

impl From<Error> for AppError {
    fn from(e: Error) -> Self {
        AppError::Orm(e)
    }
}

#[test]
fn transaction_hands_back_the_callers_own_error_type_unchanged() {
    each_db("f_tx_error_type", |db| {
        setup(db);
        let mut s = db.engine.session();
        let r = s.transaction(|s| -> Result<(), AppError> {
            s.add(User::new("dropped", 2))?;
            s.flush()?;
            Err(AppError::Refused("changed my mind"))
        });
        assert!(matches!(r, Err(AppError::Refused("changed my mind"))), "{r:?}");
        // An ORM error inside (here a unique violation at the commit) comes through `From`.
        s.add(User::new("kept", 1)).unwrap();
        s.commit().unwrap();
        let dup = s.transaction_with(orm::IsolationLevel::ReadCommitted, |s| -> Result<i64, AppError> {
            s.add(User::new("kept", 3))?;
            Ok(7)
        });
        assert!(matches!(dup, Err(AppError::Orm(Error::UniqueViolation { .. }))), "{}: {dup:?}", db.name);
        s.rollback().unwrap();
        let names: Vec<String> = select(User::name).all(&db.engine).unwrap();
        assert_eq!(names, ["kept"]);
    });
}

#[test]
fn refresh_reads_the_row_again() {
    each_db("f_refresh", |db| {
        setup(db);
        let mut s = db.engine.session();
        let u = s.add(User::new("ada", 36)).unwrap();
        s.commit().unwrap();
        update::<User>().set(User::age, 50).filter(User::id.eq(u.read().id)).execute(&db.engine).unwrap();
        u.write().name = "unsaved".into();
        s.refresh(&u).unwrap();
        assert_eq!((u.read().name.as_str(), u.read().age), ("ada", 50));
        assert!(!s.is_modified(&u));
        delete::<User>().all_rows().execute(&db.engine).unwrap();
        assert!(matches!(s.refresh(&u), Err(Error::NotFound { .. })));
    });
}

#[test]
fn savepoints_undo_only_their_part() {
    each_db("f_savepoint", |db| {
        setup(db);
        let mut s = db.engine.session();
        let ada = s.add(User::new("ada", 36)).unwrap();
        // Work that fails inside a savepoint: undone, the outer work stays.
        let r: orm::Result<()> = s.savepoint(|s| {
            ada.write().age = 99;
            s.add(User::new("tmp", 1))?;
            s.flush()?;
            Err(Error::Validation { model: "User".into(), field: None, message: "no".into() })
        });
        assert!(r.is_err());
        assert_eq!(ada.read().age, 36, "changed in the savepoint, restored");
        // A failed flush inside a savepoint is contained.
        let sp = s.begin_nested().unwrap();
        s.add(User::new("ada", 1)).unwrap(); // duplicate name
        assert!(matches!(s.flush(), Err(Error::UniqueViolation { .. })));
        assert!(matches!(s.query::<User>().count(), Err(Error::PendingRollback { .. })));
        s.rollback_to_savepoint(sp).unwrap();
        // Work that succeeds inside a savepoint is kept.
        s.savepoint(|s| s.add(User::new("bob", 20)).map(drop)).unwrap();
        s.commit().unwrap();
        let mut names: Vec<String> = select(User::name).all(&db.engine).unwrap();
        names.sort();
        assert_eq!(names, ["ada", "bob"]);
    });
}

#[test]
fn merge_copies_values_into_the_sessions_object() {
    each_db("f_merge", |db| {
        setup(db);
        let mut s = db.engine.session();
        let u = s.add(User::new("ada", 36)).unwrap();
        s.commit().unwrap();
        let id = u.read().id;
        // A value from elsewhere (a request, another session) with the same key.
        let mut incoming = u.to_value();
        incoming.age = 40;
        let mut s2 = db.engine.session();
        let merged = s2.merge(&incoming).unwrap();
        assert_eq!(merged.read().age, 40);
        db.log.clear();
        s2.commit().unwrap();
        let stmts = db.log.statements();
        assert!(stmts.iter().any(|q| q.starts_with("UPDATE \"users\" SET \"age\"")), "{stmts:?}");
        let age: i32 = select(User::age).filter(User::id.eq(id)).one(&db.engine).unwrap();
        assert_eq!(age, 40);
        // No such row: added as new.
        let new = s2.merge(&User { id: 0, ..User::new("bob", 20) }).unwrap();
        assert_eq!(new.state(), ObjectState::Pending);
    });
}
