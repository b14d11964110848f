//! Expiry: expire_on_commit, expire, expire_all, and what reads of expired objects do.

use orm::prelude::*;
use orm::{Error, Misuse};

use crate::common::{each_db, Db};
use crate::models::User;

fn setup(db: &Db) -> i64 {
    db.engine.create_all(&[User::table()]).unwrap();
    let mut s = db.engine.session();
    let ada = s.add(User::new("ada", 36)).unwrap();
    s.commit().unwrap();
    let id = ada.read().id;
    id
}

/// Another transaction changes the row (the session under test has no transaction open).
fn change_elsewhere(db: &Db, id: i64, age: i32, email: &str) {
    update::<User>()
        .set(User::age, age)
        .set(User::email, Some(email.to_string()))
        .filter(User::id.eq(id))
        .execute(&db.engine)
        .unwrap();
}

#[test]
fn a_commit_expires_objects_and_the_next_query_reads_them_again() {
    each_db("x_commit", |db| {
        let id = setup(db);
        let mut s = db.engine.session();
        let ada = s.get::<User>(id).unwrap().unwrap();
        assert!(!ada.is_expired());
        s.commit().unwrap();
        assert!(ada.is_expired(), "expire_on_commit is on by default");
        change_elsewhere(db, id, 40, "ada@example.com");
        assert_eq!(ada.read().age, 36, "a read of an expired object shows the values it had");
        let again = s.query::<User>().one().unwrap();
        assert!(again.ptr_eq(&ada), "the identity map hands back the same object");
        assert_eq!(ada.read().age, 40, "... with the row's current values");
        assert!(!ada.is_expired());
    });
}

#[test]
fn without_expire_on_commit_objects_keep_their_values() {
    each_db("x_keep", |db| {
        let id = setup(db);
        let mut s = SessionFactory::new(&db.engine).expire_on_commit(false).session();
        let ada = s.get::<User>(id).unwrap().unwrap();
        s.commit().unwrap();
        assert!(!ada.is_expired());
        change_elsewhere(db, id, 40, "ada@example.com");
        s.query::<User>().one().unwrap();
        assert_eq!(ada.read().age, 36, "the identity map keeps the in-memory values");
        s.expire(&ada).unwrap();
        assert!(ada.is_expired());
        assert!(s.get::<User>(id).unwrap().unwrap().ptr_eq(&ada));
        assert_eq!(ada.read().age, 40, "get reads an expired object again");
        change_elsewhere(db, id, 41, "x");
        s.commit().unwrap();
        s.expire_all();
        s.query::<User>().all().unwrap();
        assert_eq!(ada.read().age, 41);
    });
}

#[test]
fn get_of_an_expired_object_whose_row_is_gone_is_none() {
    each_db("x_gone", |db| {
        let id = setup(db);
        let mut s = db.engine.session();
        let ada = s.get::<User>(id).unwrap().unwrap();
        s.commit().unwrap();
        delete::<User>().filter(User::id.eq(id)).execute(&db.engine).unwrap();
        assert!(s.get::<User>(id).unwrap().is_none());
        assert!(matches!(s.refresh(&ada), Err(Error::NotFound { .. })));
    });
}

#[test]
fn writes_to_an_expired_object_win_over_the_reload_and_flush_only_what_changed() {
    each_db("x_write", |db| {
        let id = setup(db);
        let mut s = db.engine.session();
        let ada = s.get::<User>(id).unwrap().unwrap();
        s.commit().unwrap();
        change_elsewhere(db, id, 40, "ada@example.com");
        ada.write().name = "Ada".into();
        s.set_autoflush(false);
        s.query::<User>().one().unwrap();
        assert_eq!(ada.read().name, "Ada", "a written object is not replaced");
        assert_eq!(ada.read().age, 36);
        s.commit().unwrap();
        let row = select_model::<User>().filter(User::id.eq(id)).one(&db.engine).unwrap();
        assert_eq!((row.name.as_str(), row.age), ("Ada", 40), "only the written column was updated");
        s.query::<User>().one().unwrap();
        assert_eq!(ada.read().age, 40, "after the flush the object is read again");
    });
}

#[test]
fn a_held_guard_is_never_waited_for() {
    each_db("x_guard", |db| {
        let id = setup(db);
        let mut s = db.engine.session();
        let ada = s.get::<User>(id).unwrap().unwrap();
        s.commit().unwrap();
        change_elsewhere(db, id, 40, "x");
        let guard = ada.read();
        // The argument's guard lives through the call: the reload must not wait for it.
        assert!(s.get::<User>(guard.id).unwrap().unwrap().ptr_eq(&ada));
        s.query::<User>().all().unwrap();
        assert_eq!(guard.age, 36);
        let err = s.refresh(&ada).unwrap_err();
        assert!(matches!(err, Error::ObjectBorrowed { action: "refreshed", .. }), "{err:?}");
        assert!(err.to_string().contains("drop the guard"), "{err}");
        drop(guard);
        assert!(ada.is_expired(), "still expired: the next read replaces it");
        s.query::<User>().all().unwrap();
        assert_eq!(ada.read().age, 40);
        let err = s.expire(&Obj::new(User::new("t", 1))).unwrap_err();
        assert!(
            matches!(
                err,
                Error::Misuse(Misuse::NotPersistentHere {
                    call: "expire",
                    model: "User",
                    state: "transient",
                    other_session: false
                })
            ),
            "{err:?}"
        );
    });
}
