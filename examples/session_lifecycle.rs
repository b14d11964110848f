//! The life of an object in a Session: states, the identity map, autoflush, change tracking,
//! expiry, refresh, expunge and merge, on the embedded SQLite default.
//!
//! Run with `cargo run --example session_lifecycle` (`DATABASE_URL=postgres://...` to run it
//! on PostgreSQL). Every statement is printed as it runs; the asserts state what to expect.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use orm::prelude::*;
use orm::SessionCounts;

/// A user account.
#[derive(Model, Debug)]
#[orm(table = "lifecycle_users")]
struct User {
    #[orm(primary_key, auto_increment)]
    id: i64,
    #[orm(max_length = 50, unique)]
    name: String,
    age: i32,
}

fn main() -> orm::Result<()> {
    let url = std::env::var("DATABASE_URL").unwrap_or_else(|_| "sqlite::memory:".into());
    let statements = Arc::new(AtomicUsize::new(0));
    let counter = statements.clone();
    let engine = Engine::builder(&url)
        .before_execute(move |_, _| {
            counter.fetch_add(1, Ordering::Relaxed);
        })
        .echo(true)
        .build()?;
    let ran = || statements.load(Ordering::Relaxed);
    engine.drop_all(&[User::table()])?;
    engine.create_all(&[User::table()])?;
    let mut session = engine.session();

    println!("-- transient -> pending: add() only records the object, no SQL yet");
    let ada = Obj::new(User { id: 0, name: "Ada".into(), age: 36 });
    assert_eq!(ada.state(), ObjectState::Transient);
    session.add(&ada)?;
    assert_eq!(ada.state(), ObjectState::Pending);
    assert_eq!(session.counts(), SessionCounts { new: 1, dirty: 0, deleted: 0 });
    assert!(session.new_objects::<User>()[0].ptr_eq(&ada), "the session's `new` set holds our handle");

    println!("-- autoflush: a query first writes what is pending, so it sees it");
    assert_eq!(session.query::<User>().count()?, 1); // INSERT, then SELECT COUNT(*)
    assert_eq!(ada.state(), ObjectState::Persistent);
    let id = ada.read().id; // the generated key was filled in by the flush
    println!("ada is {:?} with id {id}", ada.state());

    println!("-- identity map: get() of a held key runs no statement and returns the same object");
    let before = ran();
    let same = session.get::<User>(id)?.expect("ada exists");
    assert!(same.ptr_eq(&ada) && ran() == before);

    println!("-- change tracking: `dirty` = written to, is_modified = a value differs");
    ada.write().age = 36; // same value
    assert_eq!(session.counts().dirty, 1);
    assert!(!session.is_modified(&ada));
    ada.write().age = 37;
    assert!(session.is_modified(&ada) && session.dirty_objects::<User>()[0].ptr_eq(&ada));
    let bob = session.add(User { id: 0, name: "Bob".into(), age: 17 })?;
    session.commit()?; // INSERT bob, UPDATE "age" only, COMMIT
    assert_eq!(session.counts(), SessionCounts { new: 0, dirty: 0, deleted: 0 });

    println!("-- expire_on_commit: committed objects are expired");
    assert!(ada.is_expired());
    // Another connection changes the row.
    update::<User>().set(User::age, 40).filter(User::id.eq(id)).execute(&engine)?;
    // A field read cannot run a query: an expired object shows the values it had...
    assert_eq!(ada.read().age, 37);
    // ...until the next query (or get, or refresh) that reads its row replaces them.
    let found = session.query::<User>().filter(User::name.eq("Ada")).one()?;
    assert!(found.ptr_eq(&ada) && !ada.is_expired());
    assert_eq!(ada.read().age, 40);

    println!("-- refresh: read the row again now, dropping unflushed changes");
    update::<User>().set(User::age, 41).filter(User::id.eq(id)).execute(&engine)?;
    ada.write().name = "unsaved".into();
    session.refresh(&ada)?;
    assert_eq!((ada.read().name.as_str(), ada.read().age), ("Ada", 41));
    assert!(!session.is_modified(&ada));

    println!("-- expire: the next get() reads the row again (one SELECT)");
    session.expire(&ada)?;
    let before = ran();
    assert!(session.get::<User>(id)?.expect("ada exists").ptr_eq(&ada));
    assert_eq!(ran(), before + 1);

    println!("-- delete: persistent -> (flush) deleted -> (commit) detached");
    session.delete(&bob)?;
    assert_eq!(session.counts().deleted, 1);
    assert!(session.deleted_objects::<User>()[0].ptr_eq(&bob));
    session.flush()?;
    assert_eq!(bob.state(), ObjectState::Deleted);
    session.commit()?;
    assert_eq!(bob.state(), ObjectState::Detached);

    println!("-- expunge: detach an object without touching the database");
    session.expunge(&ada);
    assert_eq!(ada.state(), ObjectState::Detached);
    let loaded = session.get::<User>(id)?.expect("the row is still there"); // a new object
    assert!(!loaded.ptr_eq(&ada));
    // A detached object cannot be re-added while another object holds its key.
    assert!(matches!(session.add(&ada), Err(orm::Error::IdentityConflict { .. })));

    println!("-- merge: copy a detached object's values into the session's object");
    ada.write().age = 50; // detached: no session tracks this write
    let merged = session.merge(&ada.to_value())?;
    assert!(merged.ptr_eq(&loaded) && session.is_modified(&merged));
    session.commit()?; // UPDATE ... SET "age"
    let age: i32 = select(User::age).filter(User::id.eq(id)).one(&engine)?;
    assert_eq!(age, 50);
    // A value whose key the database does not have is added as new.
    let carol = session.merge(&User { id: 0, name: "Carol".into(), age: 29 })?;
    assert_eq!(carol.state(), ObjectState::Pending);

    println!("-- close: roll back what was not committed, detach everything");
    session.close()?;
    assert_eq!((loaded.state(), carol.state()), (ObjectState::Detached, ObjectState::Transient));

    println!("-- yield_per: a large result in batches; objects nobody keeps leave the session");
    let many: Vec<User> = (0..25).map(|i| User { id: 0, name: format!("bulk-{i:02}"), age: 20 }).collect();
    insert::<User>().values_many(&many).execute(&engine)?;
    let mut kept = Vec::new();
    let mut batches = 0;
    session.query::<User>().order_by(User::id.asc()).yield_per(10, |batch| {
        batches += 1;
        kept.push(batch[0].clone()); // kept: stays in the session
        for u in batch.iter().filter(|u| u.read().name == "bulk-24") {
            u.write().age = 21; // changed: stays, and is flushed at commit
        }
        Ok(())
    })?;
    assert_eq!(batches, 3, "26 rows (Ada and 25 more) in batches of 10");
    assert!(kept.iter().all(|u| u.state() == ObjectState::Persistent));
    session.commit()?;
    let changed: i32 = select(User::age).filter(User::name.eq("bulk-24")).one(&engine)?;
    assert_eq!(changed, 21);
    println!("done: {} statements", ran());
    Ok(())
}
