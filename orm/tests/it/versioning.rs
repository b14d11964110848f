//! Optimistic concurrency (issue 11, part 1): a version column (`#[orm(version)]`,
//! SQLAlchemy's `version_id_col`). Every UPDATE and DELETE of the session carries
//! `AND "version" = ?` and every UPDATE bumps it; a row changed since it was read matches
//! nothing, which is the typed, retryable `StaleData`, and the flush is rolled back.

use orm::prelude::*;

use crate::common::both;
use orm::query::model_statements;
use orm::{DialectKind, Error};

use crate::common::each_db;
use crate::fault_support::assert_no_leaks_db;

#[derive(orm::Model, Debug, Clone)]
#[orm(table = "vs_docs")]
pub struct Doc {
    #[orm(primary_key, auto_increment)]
    pub id: i64,
    pub title: String,
    #[orm(version)]
    pub version: i32,
}

#[derive(orm::Model, Debug, Clone)]
#[orm(table = "vs_notes")]
pub struct Note {
    #[orm(primary_key, auto_increment)]
    pub id: i64,
    pub text: String,
}

/// A natural key (no auto-increment) and a small version counter.
#[derive(orm::Model, Debug, Clone)]
#[orm(table = "vs_slots")]
pub struct Slot {
    #[orm(primary_key)]
    pub id: i64,
    pub title: String,
    #[orm(version)]
    pub version: i16,
}

fn doc(title: &str) -> Doc {
    Doc { id: 0, title: title.into(), version: 0 }
}

/// The session's UPDATE and DELETE check the version; a Core UPDATE bumps it.
#[test]
fn versioned_statements_per_dialect() {
    let mut out = String::new();
    for kind in [DialectKind::Sqlite, DialectKind::Postgres] {
        let s = model_statements(Doc::table(), kind).unwrap();
        out.push_str(&format!("-- {kind:?} session\n{}\n{}\n", s.update, s.delete));
    }
    out.push_str("-- core update\n");
    out.push_str(&both(|d| update::<Doc>().set(Doc::title, "x").filter(Doc::id.eq(1)).render(d)));
    out.push_str("-- core update that sets the version itself\n");
    out.push_str(&both(|d| update::<Doc>().set(Doc::version, 7).filter(Doc::id.eq(1)).render(d)));
    insta::assert_snapshot!(out);
}

/// Each flushed UPDATE moves the version by one, in the database and in the object; an
/// object that did not change writes nothing and keeps its version. Would catch: a version
/// that does not move, or that moves without a change.
#[test]
fn every_update_bumps_the_version() {
    each_db("vs_bump", |db| {
        db.engine.create_all(&[Doc::table()]).unwrap();
        let mut s = db.engine.session();
        let d = s.add(doc("a")).unwrap();
        s.commit().unwrap();
        assert_eq!(d.read().version, 0, "inserted as written");
        for (i, title) in ["b", "c"].iter().enumerate() {
            d.write().title = (*title).into();
            s.commit().unwrap();
            assert_eq!(d.read().version, i32::try_from(i).unwrap() + 1);
        }
        d.write().title = "c".into();
        db.log.clear();
        s.commit().unwrap();
        assert!(db.log.statements().is_empty(), "no change, no UPDATE");
        let v: i32 = select(Doc::version).one(&db.engine).unwrap();
        assert_eq!(v, 2);
        // A version the user writes is the next version (manual versioning).
        d.write().version = 10;
        d.write().title = "d".into();
        s.commit().unwrap();
        let row: (String, i32) = select((Doc::title, Doc::version)).one(&db.engine).unwrap();
        assert_eq!(row, ("d".to_string(), 10));
        drop(s);
        assert_no_leaks_db(db);
    });
}

/// Two sessions change the same row: the second flush matches no row and fails with
/// `StaleData` naming the table, the key and the version it expected; the flush is rolled
/// back (the note added in the same flush is gone) and the session waits for `rollback()`.
/// Would catch: the second writer silently overwriting the first (a lost update).
#[test]
fn a_stale_update_is_refused_and_the_flush_rolled_back() {
    each_db("vs_stale", |db| {
        db.engine.create_all(&[Doc::table(), Note::table()]).unwrap();
        insert::<Doc>().values(&doc("draft")).execute(&db.engine).unwrap();
        let mut a = db.engine.session();
        let mut b = db.engine.session();
        let da = a.get::<Doc>(1).unwrap().unwrap();
        let db_ = b.get::<Doc>(1).unwrap().unwrap();
        db_.write().title = "b's".into();
        b.commit().unwrap();

        a.add(Note { id: 0, text: "written with a's change".into() }).unwrap();
        da.write().title = "a's".into();
        let err = a.commit().unwrap_err();
        match &err {
            Error::StaleData { table, action, key, expected_version, matched } => {
                assert_eq!(
                    (table.as_str(), *action, key.as_str(), *expected_version, *matched),
                    ("vs_docs", "update", "1", Some(0), 0)
                );
            }
            other => panic!("{}: {other:?}", db.name),
        }
        assert!(err.is_retryable());
        assert!(err.to_string().contains("changed or deleted by another transaction"), "{err}");
        assert!(matches!(a.commit(), Err(Error::PendingRollback { .. })));
        a.rollback().unwrap();
        let notes: i64 = select(func::count_all()).from::<Note>().one(&db.engine).unwrap();
        assert_eq!(notes, 0, "{}: the flush was rolled back", db.name);
        let row: (String, i32) = select((Doc::title, Doc::version)).one(&db.engine).unwrap();
        assert_eq!(row, ("b's".to_string(), 1));
        // Read again, the change goes through.
        let da = a.get::<Doc>(1).unwrap().unwrap();
        assert_eq!(da.read().version, 1, "rollback expired the object; get read it again");
        da.write().title = "a's".into();
        a.commit().unwrap();
        assert_eq!(da.read().version, 2);
        drop((a, b));
        assert_no_leaks_db(db);
    });
}

/// A DELETE of a row changed since it was read is refused the same way.
#[test]
fn a_stale_delete_is_refused() {
    each_db("vs_delete", |db| {
        db.engine.create_all(&[Doc::table()]).unwrap();
        insert::<Doc>().values(&doc("x")).execute(&db.engine).unwrap();
        let mut a = db.engine.session();
        let d = a.get::<Doc>(1).unwrap().unwrap();
        update::<Doc>().set(Doc::title, "changed").filter(Doc::id.eq(1)).execute(&db.engine).unwrap();
        a.delete(&d).unwrap();
        let err = a.commit().unwrap_err();
        assert!(matches!(err, Error::StaleData { action: "delete", expected_version: Some(0), .. }), "{err:?}");
        a.rollback().unwrap();
        let n: i64 = select(func::count_all()).from::<Doc>().one(&db.engine).unwrap();
        assert_eq!(n, 1);
        let d = a.get::<Doc>(1).unwrap().unwrap();
        a.delete(&d).unwrap();
        a.commit().unwrap();
        drop(a);
        assert_no_leaks_db(db);
    });
}

/// Core `update()` and an upsert's `DO UPDATE` bump the version of every row they change,
/// and the session's
/// `bulk_update` brings its objects' versions up to date; a session that read a row before
/// a Core update then fails its flush. Would catch: a write path that leaves the version
/// alone, letting an optimistic writer overwrite it.
#[test]
fn core_and_bulk_updates_bump_the_version() {
    each_db("vs_core", |db| {
        db.engine.create_all(&[Doc::table()]).unwrap();
        insert::<Doc>().values_many(&[doc("a"), doc("b")]).execute(&db.engine).unwrap();
        let mut stale = db.engine.session();
        let old = stale.get::<Doc>(1).unwrap().unwrap();

        let n = update::<Doc>().set(Doc::title, "core").all_rows().execute(&db.engine).unwrap();
        assert_eq!(n, 2);
        let versions: Vec<i32> = select(Doc::version).order_by(Doc::id.asc()).all(&db.engine).unwrap();
        assert_eq!(versions, [1, 1]);

        let mut s = db.engine.session();
        let d2 = s.get::<Doc>(2).unwrap().unwrap();
        s.bulk_update(update::<Doc>().set(Doc::title, "bulk").filter(Doc::id.eq(2))).unwrap();
        assert_eq!(d2.read().version, 2, "{}: the session's object took the new version", db.name);
        d2.write().title = "after bulk".into();
        s.commit().unwrap();
        assert_eq!(d2.read().version, 3);

        // An upsert that updates the existing row bumps its version too (an i16 one here).
        db.engine.create_all(&[Slot::table()]).unwrap();
        for title in ["first", "second", "third"] {
            insert::<Slot>()
                .values(&Slot { id: 1, title: title.into(), version: 0 })
                .on_conflict(Slot::id)
                .do_update(|set| set.set(Slot::title, excluded(Slot::title)))
                .execute(&db.engine)
                .unwrap();
        }
        let row: (String, i16) = select((Slot::title, Slot::version)).one(&db.engine).unwrap();
        assert_eq!(row, ("third".to_string(), 2), "{}: inserted at 0, updated twice", db.name);

        old.write().title = "stale".into();
        assert!(matches!(stale.commit(), Err(Error::StaleData { expected_version: Some(0), .. })));
        stale.rollback().unwrap();
        drop((s, stale));
        assert_no_leaks_db(db);
    });
}

/// `merge` of a value carrying an older version than the row's is `StaleData` (a web form
/// posted back after someone else saved): SQLAlchemy's check. Would catch: merge copying
/// the stale values over the newer row.
#[test]
fn merge_of_a_stale_value_is_refused() {
    each_db("vs_merge", |db| {
        db.engine.create_all(&[Doc::table()]).unwrap();
        insert::<Doc>().values(&doc("v0")).execute(&db.engine).unwrap();
        let posted = Doc { id: 1, title: "from the form".into(), version: 0 };
        update::<Doc>().set(Doc::title, "saved meanwhile").filter(Doc::id.eq(1)).execute(&db.engine).unwrap();
        let mut s = db.engine.session();
        let err = s.merge(&posted).unwrap_err();
        assert!(matches!(err, Error::StaleData { action: "merge", expected_version: Some(0), .. }), "{err:?}");
        let fresh = Doc { version: 1, ..posted };
        s.merge(&fresh).unwrap();
        s.commit().unwrap();
        let row: (String, i32) = select((Doc::title, Doc::version)).one(&db.engine).unwrap();
        assert_eq!(row, ("from the form".to_string(), 2));
        drop(s);
        assert_no_leaks_db(db);
    });
}

/// The flush writes the next version into the object, so a read guard the calling thread
/// holds on a changed versioned object refuses the flush before anything is sent, and the
/// flush goes through once the guard is dropped. Would catch: a flush that fails half-way
/// (the session then needs a rollback) or waits forever on the caller's own guard.
#[test]
fn a_versioned_flush_refuses_a_read_guard_of_the_caller_up_front() {
    each_db("vs_guard", |db| {
        db.engine.create_all(&[Doc::table()]).unwrap();
        insert::<Doc>().values(&doc("x")).execute(&db.engine).unwrap();
        let mut s = db.engine.session();
        let d = s.get::<Doc>(1).unwrap().unwrap();
        d.write().title = "y".into();
        db.log.clear();
        {
            let guard = d.read();
            let err = s.flush().unwrap_err();
            assert!(matches!(err, Error::ObjectBorrowed { .. }), "{}: {err:?}", db.name);
            assert_eq!(guard.title, "y");
        }
        assert!(db.log.statements().is_empty(), "{}: nothing was sent", db.name);
        s.commit().unwrap();
        assert_eq!(d.read().version, 1);
        drop(s);
        assert_no_leaks_db(db);
    });
}
