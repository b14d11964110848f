//! Mapper events: typed listeners around each INSERT, UPDATE and DELETE a flush writes.

use std::sync::{Arc, Mutex};

use orm::prelude::*;
use orm::Error;

use crate::common::{each_db, Db};
use crate::models::User;

fn setup(db: &Db) {
    db.engine.create_all(&[User::table()]).unwrap();
}

#[test]
fn before_write_listeners_change_what_is_written() {
    each_db("m_before", |db| {
        setup(db);
        let factory = SessionFactory::new(&db.engine)
            .before_write::<User>(WriteEvent::Insert, |_, u| {
                if u.email.is_none() {
                    u.email = Some(format!("{}@example.com", u.name));
                }
                Ok(())
            })
            .before_write::<User>(WriteEvent::Update, |_, u| {
                u.score += 1.0; // a revision counter stamped on every UPDATE
                Ok(())
            });
        let mut s = factory.session();
        let ada = s.add(User::new("ada", 36)).unwrap();
        s.commit().unwrap();
        assert_eq!(ada.read().email.as_deref(), Some("ada@example.com"), "the object holds the stamped value");
        ada.write().age = 37;
        s.commit().unwrap();
        let row = select_model::<User>().one(&db.engine).unwrap();
        assert_eq!((row.email.as_deref(), row.age, row.score), (Some("ada@example.com"), 37, 1.0));
        s.query::<User>().all().unwrap();
        s.commit().unwrap();
        let row = select_model::<User>().one(&db.engine).unwrap();
        assert_eq!(row.score, 1.0, "no write, no UPDATE listener");
    });
}

#[test]
fn after_write_listeners_see_each_write_on_the_flush_connection() {
    each_db("m_after", |db| {
        setup(db);
        let seen: Arc<Mutex<Vec<String>>> = Arc::default();
        let mut s = db.engine.session();
        for event in [WriteEvent::Insert, WriteEvent::Update, WriteEvent::Delete] {
            let seen = seen.clone();
            s.after_write::<User>(event, move |conn, u| {
                // The listener runs inside the flush's transaction: it sees the write.
                let mut rows = 0;
                conn.query("SELECT id FROM users", &[], |_| {
                    rows += 1;
                    Ok(())
                })?;
                seen.lock().unwrap().push(format!("{event:?} {} id>0:{} rows:{rows}", u.name, u.id > 0));
                Ok(())
            });
        }
        let ada = s.add(User::new("ada", 36)).unwrap();
        s.flush().unwrap();
        ada.write().age = 40;
        s.flush().unwrap();
        s.delete(&ada).unwrap();
        s.commit().unwrap();
        assert_eq!(
            *seen.lock().unwrap(),
            ["Insert ada id>0:true rows:1", "Update ada id>0:true rows:1", "Delete ada id>0:true rows:0"]
        );
    });
}

#[test]
fn a_failing_listener_fails_the_flush_and_nothing_is_written() {
    each_db("m_fail", |db| {
        setup(db);
        let mut s = db.engine.session();
        s.before_write::<User>(WriteEvent::Delete, |_, u| {
            if u.name == "keep" {
                let message = format!("`{}` may not be deleted", u.name);
                return Err(Error::Validation { model: "User".into(), field: None, message });
            }
            Ok(())
        });
        let other = s.add(User::new("other", 1)).unwrap();
        let keep = s.add(User::new("keep", 2)).unwrap();
        s.commit().unwrap();
        s.delete(&other).unwrap();
        s.delete(&keep).unwrap();
        let err = s.commit().unwrap_err();
        assert!(
            matches!(err, Error::Validation { ref message, .. } if message.contains("may not be deleted")),
            "{err:?}"
        );
        s.rollback().unwrap();
        assert_eq!(keep.state(), ObjectState::Persistent);
        let n: i64 = select(func::count_all()).from::<User>().one(&db.engine).unwrap();
        assert_eq!(n, 2, "the other delete of the same flush was rolled back too");
    });
}
