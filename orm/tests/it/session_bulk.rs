//! Query-level UPDATE and DELETE through a session, with the identity map kept in step.

use orm::prelude::*;
use orm::Error;

use crate::common::{each_db, Db};
use crate::models::User;

fn setup(db: &Db) -> Vec<Obj<User>> {
    db.engine.create_all(&[User::table()]).unwrap();
    let mut s = db.engine.session();
    let users = s.add_all([User::new("ada", 36), User::new("bob", 15), User::new("cy", 12)]).unwrap();
    s.commit().unwrap();
    users
}

#[test]
fn bulk_update_changes_rows_and_the_objects_the_session_holds() {
    each_db("b_update", |db| {
        setup(db);
        let mut s = db.engine.session();
        let users = s.query::<User>().order_by(User::name.asc()).all().unwrap();
        db.log.clear();
        let n = s.bulk_update(update::<User>().set(User::active, false).filter(User::age.lt(18))).unwrap();
        assert_eq!(n, 2);
        let sql = db.log.statements();
        assert_eq!(sql.len(), 1, "one statement: {sql:?}");
        assert!(sql[0].starts_with("UPDATE \"users\" SET \"active\" = ") && sql[0].contains(" RETURNING "), "{sql:?}");
        let active: Vec<bool> = users.iter().map(|u| u.read().active).collect();
        assert_eq!(active, [true, false, false], "objects took the new values at once");
        assert!(!s.is_modified(&users[1]), "values from the database are not changes");
        s.commit().unwrap();
        let inactive: i64 =
            select(func::count_all()).from::<User>().filter(User::active.eq(false)).one(&db.engine).unwrap();
        assert_eq!(inactive, 2);
    });
}

#[test]
fn bulk_update_autoflushes_first_and_keeps_unflushed_writes_when_autoflush_is_off() {
    each_db("b_writes", |db| {
        setup(db);
        let mut s = db.engine.session();
        let bob = s.query::<User>().filter_by(User::name, "bob").one().unwrap();
        bob.write().age = 17;
        s.bulk_update(update::<User>().set(User::score, 1.5).filter(User::age.eq(17))).unwrap();
        assert_eq!(bob.read().score, 1.5, "the write was flushed before, so the filter matched bob");

        s.set_autoflush(false);
        bob.write().email = Some("bob@example.com".into());
        s.bulk_update(update::<User>().set(User::score, 2.5).filter(User::name.eq("bob"))).unwrap();
        assert_eq!(bob.read().email.as_deref(), Some("bob@example.com"), "the unflushed write is kept");
        assert_eq!(bob.read().score, 1.5);
        assert!(bob.is_expired(), "... and the object is read again after its flush");
        s.flush().unwrap();
        s.query::<User>().all().unwrap();
        assert_eq!(bob.read().score, 2.5);
        assert_eq!(bob.read().email.as_deref(), Some("bob@example.com"));
    });
}

#[test]
fn bulk_delete_marks_held_objects_deleted_and_rollback_restores_them() {
    each_db("b_delete", |db| {
        setup(db);
        let mut s = db.engine.session();
        let users = s.query::<User>().order_by(User::name.asc()).all().unwrap();
        let n = s.bulk_delete(delete::<User>().filter(User::age.lt(18))).unwrap();
        assert_eq!(n, 2);
        let states: Vec<ObjectState> = users.iter().map(Obj::state).collect();
        assert_eq!(states, [ObjectState::Persistent, ObjectState::Deleted, ObjectState::Deleted]);
        let bob_id = users[1].read().id;
        assert!(s.get::<User>(bob_id).unwrap().is_none());
        s.rollback().unwrap();
        assert_eq!(users[1].state(), ObjectState::Persistent);
        assert!(s.get::<User>(bob_id).unwrap().unwrap().ptr_eq(&users[1]));

        s.bulk_delete(delete::<User>().filter(User::age.lt(18))).unwrap();
        s.commit().unwrap();
        assert_eq!(users[1].state(), ObjectState::Detached);
        let left: Vec<String> = select(User::name).all(&db.engine).unwrap();
        assert_eq!(left, ["ada"]);
    });
}

#[test]
fn bulk_update_is_undone_by_rollback_and_its_failures_are_typed() {
    each_db("b_fail", |db| {
        setup(db);
        let mut s = db.engine.session();
        let ada = s.query::<User>().filter_by(User::name, "ada").one().unwrap();
        s.bulk_update(update::<User>().set(User::age, 50).filter(User::name.eq("ada"))).unwrap();
        assert_eq!(ada.read().age, 50);
        s.rollback().unwrap();
        assert!(ada.is_expired(), "rolled back: the object is read again");
        s.query::<User>().all().unwrap();
        assert_eq!(ada.read().age, 36);

        // Without a filter bulk_update / bulk_delete do not compile (ui tests).
        let err = s.bulk_update(update::<User>().set(User::name, "ada").filter(User::name.eq("bob"))).unwrap_err();
        assert!(matches!(err, Error::UniqueViolation { ref table, .. } if table == "users"), "{err:?}");
        assert!(matches!(s.query::<User>().count(), Err(Error::PendingRollback { .. })));
        s.rollback().unwrap();
        let err = s.bulk_update(update::<User>().set(User::age, -1).all_rows()).unwrap_err();
        assert!(matches!(err, Error::CheckViolation { .. }), "{err:?}");
        s.rollback().unwrap();
        let names: Vec<String> = select(User::name).order_by(User::name.asc()).all(&db.engine).unwrap();
        assert_eq!(names, ["ada", "bob", "cy"], "nothing was written");
    });
}
