//! A flush writes the new objects of one shape with multi-row INSERT statements (issue 14:
//! one round trip per batch, not per object), and still gives each object the key of its
//! own row, keeps a failed batch all-or-nothing, and takes the dialect's batch size.

use orm::prelude::*;
use orm::{Error, ObjectState};

use crate::common::{each_db, each_db_unwatched};
use crate::models::{Sample, User};

fn inserts(db: &crate::common::Db) -> Vec<String> {
    db.log.take().into_iter().filter(|s| s.starts_with("INSERT")).collect()
}

/// Would catch: keys handed to the wrong objects (rows matched by an order the database does
/// not promise), or one statement per object.
#[test]
fn new_objects_of_one_shape_share_one_statement_and_get_their_own_keys() {
    each_db("fb_keys", |db| {
        db.engine.create_all(&[User::table()]).unwrap();
        // A row first, so that keys do not simply count from 1.
        insert::<User>().values(&User::new("first", 1)).execute(&db.engine).unwrap();
        db.log.take();
        let mut s = db.engine.session();
        let objs: Vec<_> = (0..7).map(|i| s.add(User::new(&format!("u{i}"), 20 + i)).unwrap()).collect();
        s.commit().unwrap();
        let sent = inserts(db);
        assert_eq!(sent.len(), 1, "{}: {sent:?}", db.name);
        assert_eq!(sent[0].matches("), (").count(), 6, "{}: seven rows in one statement", db.name);
        for (i, o) in objs.iter().enumerate() {
            let (id, name) = (o.read().id, o.read().name.clone());
            assert_eq!(name, format!("u{i}"));
            let stored: String = select(User::name).filter(User::id.eq(id)).one(&db.engine).unwrap();
            assert_eq!(stored, name, "{}: object {i} holds the key of its own row", db.name);
        }
        let mut s = db.engine.session();
        let again = s.get::<User>(objs[3].read().id).unwrap().unwrap();
        assert_eq!(again.read().name, "u3");
    });
}

/// Would catch: a failed multi-row statement leaving some of its rows, or objects that keep
/// keys of rows that were rolled back.
#[test]
fn a_failed_batch_inserts_nothing_and_leaves_every_object_transient() {
    each_db("fb_fail", |db| {
        db.engine.create_all(&[User::table()]).unwrap();
        let mut s = db.engine.session();
        let objs: Vec<_> = ["a", "b", "a", "c"].iter().map(|n| s.add(User::new(n, 30)).unwrap()).collect();
        let err = s.commit().unwrap_err();
        assert!(
            matches!(&err, Error::UniqueViolation { table, .. } if table == "users"),
            "{}: the error names the table: {err:?}",
            db.name
        );
        s.rollback().unwrap();
        for o in &objs {
            assert_eq!((o.state(), o.read().id), (ObjectState::Transient, 0), "{}", db.name);
        }
        assert_eq!(select(func::count_all()).from::<User>().one(&db.engine).unwrap(), 0);
    });
}

/// Would catch: a batch larger than the dialect takes (SQLite's parameter budget), or rows
/// lost or mismatched across the statements of one flush.
#[test]
fn many_objects_are_cut_into_the_dialects_batches() {
    each_db("fb_many", |db| {
        db.engine.create_all(&[User::table()]).unwrap();
        let per = orm::query::Insert::<User>::rows_per_statement(db.engine.dialect_kind().dialect());
        let n = per * 2 + 3;
        let mut s = db.engine.session();
        let objs: Vec<_> = (0..n).map(|i| s.add(User::new(&format!("m{i:05}"), 40)).unwrap()).collect();
        s.commit().unwrap();
        assert_eq!(inserts(db).len(), 3, "{}: {per} rows per statement", db.name);
        let stored: Vec<(i64, String)> =
            select((User::id, User::name)).order_by(User::id.asc()).all(&db.engine).unwrap();
        let held: Vec<(i64, String)> = objs.iter().map(|o| (o.read().id, o.read().name.clone())).collect();
        assert_eq!(stored, held, "{}", db.name);
    });
}

/// Would catch: objects whose keys the application gives (nothing to read back) sent one by
/// one, or their server defaults lost.
#[test]
fn objects_with_their_own_keys_share_one_statement() {
    each_db("fb_own_keys", |db| {
        db.engine.create_all(&[Sample::table()]).unwrap();
        db.log.take();
        let mut s = db.engine.session();
        for seq in 0..4 {
            s.add(Sample {
                region: "eu".into(),
                seq,
                small: 1,
                big: 2,
                real: 1.5,
                double: 2.5,
                flag: true,
                label: format!("l{seq}"),
                data: vec![1, 2],
                maybe: None,
                status: Some("set".into()),
            })
            .unwrap();
        }
        s.commit().unwrap();
        assert_eq!(inserts(db).len(), 1, "{}", db.name);
        let labels: Vec<String> = select(Sample::label).order_by(Sample::seq.asc()).all(&db.engine).unwrap();
        assert_eq!(labels, ["l0", "l1", "l2", "l3"]);
    });
}

/// Would catch: BEGIN / COMMIT round trips around a commit that writes one statement, or a
/// commit of several statements sent without a transaction.
#[test]
fn a_commit_of_one_insert_statement_sends_no_transaction_control() {
    each_db("fb_alone", |db| {
        db.engine.create_all(&[User::table()]).unwrap();
        db.log.take();
        let mut s = db.engine.session();
        s.add(User::new("solo", 1)).unwrap();
        s.commit().unwrap();
        let sent = db.log.take();
        assert_eq!(sent.len(), 1, "{}: {sent:?}", db.name);
        assert!(sent[0].starts_with("INSERT"));

        // Several rows in one statement (PostgreSQL; SQLite reads their keys back with a
        // second statement, so it keeps the transaction).
        let mut s = db.engine.session();
        for i in 0..3 {
            s.add(User::new(&format!("trio{i}"), 2)).unwrap();
        }
        s.commit().unwrap();
        let sent = db.log.take();
        let expected = if db.is_pg() { 1 } else { 4 };
        assert_eq!(sent.len(), expected, "{}: {sent:?}", db.name);

        // One changed object: its UPDATE alone; one deleted object: its DELETE alone.
        let mut s = db.engine.session();
        let solo = s.query::<User>().filter_by(User::name, "solo").one().unwrap();
        db.log.take();
        solo.write().age = 5;
        s.commit().unwrap();
        let sent = db.log.take();
        assert!(sent.len() == 1 && sent[0].starts_with("UPDATE"), "{}: {sent:?}", db.name);
        let mut s = db.engine.session();
        let trio = s.query::<User>().filter_by(User::name, "trio0").one().unwrap();
        db.log.take();
        s.delete(&trio).unwrap();
        s.commit().unwrap();
        let sent = db.log.take();
        assert!(sent.len() == 1 && sent[0].starts_with("DELETE"), "{}: {sent:?}", db.name);

        // An insert and an update: two statements, one transaction.
        let mut s = db.engine.session();
        let solo = s.query::<User>().filter_by(User::name, "solo").one().unwrap();
        solo.write().age = 9;
        s.add(User::new("duo", 3)).unwrap();
        s.commit().unwrap();
        let sent = db.log.take();
        assert!(sent.iter().any(|q| q.starts_with("BEGIN")) && sent.last().is_some_and(|q| q == "COMMIT"), "{sent:?}");
    });
}

/// Would catch: a failed single-statement commit leaving objects persistent, or the session
/// usable without a rollback.
#[test]
fn a_failed_commit_of_one_statement_keeps_the_session_rules() {
    each_db("fb_alone_fail", |db| {
        db.engine.create_all(&[User::table()]).unwrap();
        insert::<User>().values(&User::new("taken", 1)).execute(&db.engine).unwrap();
        let mut s = db.engine.session();
        let dup = s.add(User::new("taken", 2)).unwrap();
        assert!(matches!(s.commit(), Err(Error::UniqueViolation { .. })), "{}", db.name);
        assert!(matches!(s.flush(), Err(Error::PendingRollback { .. })));
        s.rollback().unwrap();
        assert_eq!((dup.state(), dup.read().id), (ObjectState::Transient, 0));
        assert_eq!(select(func::count_all()).from::<User>().one(&db.engine).unwrap(), 1);
    });
}

/// Would catch, on the path SQLite takes when nothing watches statements (each object's values
/// bound straight from its fields, one object after another): values bound to the wrong
/// placeholders or objects, a NULL or a text with quotes mangled, a batch boundary losing a
/// row, or a failed batch leaving rows and keys behind.
#[test]
fn values_bound_straight_from_the_objects_reach_their_rows() {
    each_db_unwatched("fb_direct", |db| {
        db.engine.create_all(&[User::table()]).unwrap();
        let mut s = db.engine.session();
        let objs: Vec<_> = (0..130)
            .map(|i| {
                let mut u = User::new(&format!("o'{i}\"é"), i);
                u.email = (i % 3 == 0).then(|| format!("u{i}@example.com"));
                u.active = i % 2 == 0;
                u.score = f64::from(i) / 4.0;
                s.add(u).unwrap()
            })
            .collect();
        s.commit().unwrap();
        let rows: Vec<User> = select_model::<User>().order_by(User::id).all(&db.engine).unwrap();
        assert_eq!(rows.len(), 130, "{}", db.name);
        for (o, row) in objs.iter().zip(&rows) {
            assert_eq!(&*o.read(), row, "{}: the object and its row", db.name);
        }
        assert!(rows.iter().enumerate().all(|(i, r)| r.age == i32::try_from(i).unwrap()), "{}", db.name);

        let mut s = db.engine.session();
        let dup: Vec<_> = ["fresh", "o'7\"é", "other"].iter().map(|n| s.add(User::new(n, 1)).unwrap()).collect();
        let err = s.commit().unwrap_err();
        assert!(matches!(&err, Error::UniqueViolation { table, .. } if table == "users"), "{}: {err:?}", db.name);
        s.rollback().unwrap();
        assert!(dup.iter().all(|o| o.state() == ObjectState::Transient && o.read().id == 0), "{}", db.name);
        assert_eq!(select(func::count_all()).from::<User>().one(&db.engine).unwrap(), 130, "{}", db.name);
    });
}
