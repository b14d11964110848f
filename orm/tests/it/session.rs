//! The Session: add / get / delete / flush / commit / rollback / close, identity map,
//! object states, change tracking.

use orm::prelude::*;

use crate::common::each_db;
use crate::models::{Order, User};

fn setup(db: &crate::common::Db) {
    db.engine.create_all(&[User::table(), Order::table()]).unwrap();
    db.log.clear();
}

#[test]
fn add_flush_fills_generated_key_and_states_follow_the_lifecycle() {
    each_db("states", |db| {
        setup(db);
        let mut s = db.engine.session();
        let u = Obj::new(User::new("ada", 36));
        assert_eq!(u.state(), ObjectState::Transient);
        let u = s.add(&u).unwrap();
        assert_eq!(u.state(), ObjectState::Pending);
        assert_eq!(u.read().id, 0, "key reads as given before the insert");
        s.flush().unwrap();
        assert_eq!(u.state(), ObjectState::Persistent);
        assert_eq!(u.read().id, 1, "generated key written back at flush");
        s.commit().unwrap();
        assert_eq!(u.state(), ObjectState::Persistent);

        s.delete(&u).unwrap();
        assert_eq!(u.state(), ObjectState::Persistent, "delete is applied at flush");
        s.flush().unwrap();
        assert_eq!(u.state(), ObjectState::Deleted);
        s.commit().unwrap();
        assert_eq!(u.state(), ObjectState::Detached);
        assert_eq!(s.query::<User>().count().unwrap(), 0);

        let v = s.add(User::new("bob", 20)).unwrap();
        s.commit().unwrap();
        s.close().unwrap();
        assert_eq!(v.state(), ObjectState::Detached);
    });
}

#[test]
fn identity_map_returns_the_same_object_for_the_same_row() {
    each_db("identity", |db| {
        setup(db);
        let mut s = db.engine.session();
        let u = s.add(User::new("ada", 36)).unwrap();
        s.commit().unwrap();
        let id = u.read().id;

        let a = s.get::<User>(id).unwrap().unwrap();
        let b = s.query::<User>().filter(User::name.eq("ada")).one().unwrap();
        assert!(a.ptr_eq(&u) && b.ptr_eq(&u));

        // A fresh session loads its own object, once.
        let mut s2 = db.engine.session();
        db.log.clear();
        let c = s2.get::<User>(id).unwrap().unwrap();
        let d = s2.get::<User>(id).unwrap().unwrap();
        assert!(c.ptr_eq(&d) && !c.ptr_eq(&u));
        assert_eq!(db.log.statements().len(), 1, "second get is served by the identity map");
        assert!(s2.get::<User>(id + 100).unwrap().is_none());
    });
}

#[test]
fn flush_updates_only_changed_columns_and_nothing_when_unchanged() {
    each_db("dirty", |db| {
        setup(db);
        let mut s = db.engine.session();
        let u = s.add(User::new("ada", 36)).unwrap();
        s.commit().unwrap();
        db.log.clear();

        u.write().age = 37;
        s.commit().unwrap();
        let stmts = db.log.statements();
        assert_eq!(stmts.len(), 1, "{stmts:?}");
        let q = if db.is_pg() { "$1" } else { "?" };
        assert!(stmts[0].starts_with(&format!("UPDATE \"users\" SET \"age\" = {q} WHERE")), "{stmts:?}");

        // Written through a guard, but set to the same value: no statement.
        {
            let mut w = u.write();
            w.age = 99;
            w.age = 37;
        }
        s.commit().unwrap();
        assert!(db.log.statements().is_empty());

        // Two columns changed: one UPDATE of those two.
        {
            let mut w = u.write();
            w.email = Some("ada@example.com".into());
            w.score = 1.5;
        }
        s.flush().unwrap();
        let stmts = db.log.statements();
        assert_eq!(stmts.len(), 1);
        assert!(
            stmts[0].contains("\"email\" = ") && stmts[0].contains("\"score\" = ") && !stmts[0].contains("\"age\"")
        );
        s.commit().unwrap();

        let mut s2 = db.engine.session();
        let fresh = s2.get::<User>(u.read().id).unwrap().unwrap();
        assert_eq!(*fresh.read(), *u.read());
    });
}

#[test]
fn rollback_restores_objects_and_database() {
    each_db("rollback", |db| {
        setup(db);
        let mut s = db.engine.session();
        let kept = s.add(User::new("kept", 30)).unwrap();
        s.commit().unwrap();

        kept.write().age = 31;
        let fresh = s.add(User::new("fresh", 1)).unwrap();
        s.flush().unwrap();
        assert_ne!(fresh.read().id, 0);
        s.delete(&kept).unwrap();
        s.flush().unwrap();
        assert_eq!(kept.state(), ObjectState::Deleted);

        s.rollback().unwrap();
        assert_eq!(kept.state(), ObjectState::Persistent);
        assert_eq!(kept.read().age, 30, "flushed change undone");
        assert_eq!(fresh.state(), ObjectState::Transient);
        assert_eq!(fresh.read().id, 0, "generated key reset");
        let names: Vec<String> = select(User::name).all(&db.engine).unwrap();
        assert_eq!(names, vec!["kept".to_string()]);
        let again = s.get::<User>(kept.read().id).unwrap().unwrap();
        assert!(again.ptr_eq(&kept));
    });
}

#[test]
fn dropping_an_uncommitted_session_rolls_back() {
    each_db("drop_rollback", |db| {
        setup(db);
        {
            let mut s = db.engine.session();
            s.add(User::new("ghost", 1)).unwrap();
            s.flush().unwrap();
        }
        let n: i64 = select(func::count_all()).from::<User>().one(&db.engine).unwrap();
        assert_eq!(n, 0);
    });
}

#[test]
fn commit_is_atomic_across_tables_in_foreign_key_order() {
    each_db("atomic", |db| {
        setup(db);
        let mut s = db.engine.session();
        let u = s.add(User::new("ada", 36)).unwrap();
        s.flush().unwrap();
        let uid = u.read().id;
        // Added child first, parent second: the flush orders parents first.
        s.add(Order { id: 0, user_id: uid + 1, total: 5.0, note: None }).unwrap();
        s.add(User::new("bob", 20)).unwrap();
        s.commit().unwrap();
        let orders: Vec<i64> = select(Order::user_id).all(&db.engine).unwrap();
        assert_eq!(orders, vec![uid + 1]);
    });
}

#[test]
fn add_all_and_expunge() {
    each_db("expunge", |db| {
        setup(db);
        let mut s = db.engine.session();
        let objs = s.add_all(vec![User::new("a", 1), User::new("b", 2), User::new("c", 3)]).unwrap();
        s.expunge(&objs[1]);
        assert_eq!(objs[1].state(), ObjectState::Transient);
        s.commit().unwrap();
        assert_eq!(s.query::<User>().count().unwrap(), 2);
        s.expunge(&objs[0]);
        assert_eq!(objs[0].state(), ObjectState::Detached);
        // Re-attaching a detached object makes it persistent again, tracked as before.
        s.add(&objs[0]).unwrap();
        objs[0].write().age = 10;
        s.commit().unwrap();
        let age: i32 = select(User::age).filter(User::name.eq("a")).one(&db.engine).unwrap();
        assert_eq!(age, 10);
    });
}

#[test]
fn deleting_a_transient_object_is_refused() {
    each_db("delete_transient", |db| {
        setup(db);
        let mut s = db.engine.session();
        let u = Obj::new(User::new("x", 1));
        assert!(matches!(s.delete(&u), Err(orm::Error::NotPersisted { state: "transient", .. })));
    });
}

#[test]
fn session_is_send_and_handles_are_send_sync() {
    fn send<T: Send>() {}
    fn send_sync<T: Send + Sync>() {}
    send::<Session>();
    send_sync::<Obj<User>>();
    send_sync::<Engine>();
}
