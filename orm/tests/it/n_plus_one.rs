//! The N+1 detector: one relationship loaded lazily for many objects of one query is reported
//! with the query's call site, the count and the loader option that fixes it — or fails the
//! load, for tests. Both databases.

use orm::prelude::*;
use orm::NPlusOne;

use crate::common::{each_db, Db};

#[derive(Model)]
#[orm(table = "np_authors")]
struct Author {
    #[orm(primary_key, auto_increment)]
    id: i64,
    name: String,
    books: orm::HasMany<Book>,
}

#[derive(Model)]
#[orm(table = "np_books")]
struct Book {
    #[orm(primary_key, auto_increment)]
    id: i64,
    #[orm(foreign_key = Author::id)]
    author_id: i64,
    title: String,
    author: orm::BelongsTo<Author>,
}

/// Five authors with two books each.
fn seed(db: &Db) {
    db.engine.create_all(&[Author::table(), Book::table()]).unwrap();
    let mut s = db.engine.session();
    for i in 0..5 {
        let a = s.add(Author { id: 0, name: format!("author {i}"), books: orm::HasMany::new() }).unwrap();
        s.flush().unwrap();
        let id = a.read().id;
        for j in 0..2 {
            s.add(Book { id: 0, author_id: id, title: format!("book {i}.{j}"), author: orm::BelongsTo::not_loaded() })
                .unwrap();
        }
    }
    s.commit().unwrap();
}

#[test]
fn lazy_loads_for_the_objects_of_one_query_are_reported_with_the_query_and_the_fix() {
    each_db("np_report", |db| {
        seed(db);
        let mut s = db.engine.session();
        s.detect_n_plus_one(NPlusOne::Report { threshold: 3 });
        let query_line = line!() + 1;
        let authors = s.query::<Author>().all().unwrap();
        for a in &authors {
            s.load(a, Author::books).unwrap();
        }
        let reports = s.n_plus_one_reports();
        assert_eq!(reports.len(), 1, "{}: {reports:?}", db.name);
        let r = &reports[0];
        assert_eq!((r.relationship.as_str(), r.count), ("Author::books", 5));
        let query_site = r.query_site.clone().unwrap_or_default();
        assert!(query_site.starts_with(&format!("orm/tests/it/n_plus_one.rs:{query_line}:")), "{query_site}");
        assert!(r.load_site.starts_with("orm/tests/it/n_plus_one.rs:"), "{}", r.load_site);
        let text = r.to_string();
        assert!(
            text.starts_with("`Author::books` loaded lazily 5 times")
                && text.ends_with("add `.options(selectinload(Author::books))` to that query"),
            "{text}"
        );
        // The fix: one statement, nothing to report.
        let mut s = db.engine.session();
        s.detect_n_plus_one(NPlusOne::Report { threshold: 3 });
        let authors = s.query::<Author>().options(selectinload(Author::books)).all().unwrap();
        assert_eq!(authors.len(), 5);
        assert!(s.n_plus_one_reports().is_empty(), "{}", db.name);
    });
}

#[test]
fn in_failing_mode_the_load_that_reaches_the_threshold_fails() {
    each_db("np_fail", |db| {
        seed(db);
        let mut s = db.engine.session();
        s.detect_n_plus_one(NPlusOne::Fail { threshold: 3 });
        let authors = s.query::<Author>().all().unwrap();
        s.load(&authors[0], Author::books).unwrap();
        s.load(&authors[1], Author::books).unwrap();
        let err = s.load(&authors[2], Author::books).unwrap_err();
        assert!(matches!(err, orm::Error::NPlusOne { .. }), "{}: {err}", db.name);
        assert!(err.to_string().contains("add `.options(selectinload(Author::books))`"), "{err}");
        // The failed load sent nothing: the field is still not loaded.
        assert!(!authors[2].read().books.is_loaded(), "{}", db.name);
    });
}

#[test]
fn loads_for_objects_of_different_queries_or_with_the_detector_off_are_not_reported() {
    each_db("np_quiet", |db| {
        seed(db);
        let mut s = db.engine.session();
        s.detect_n_plus_one(NPlusOne::Fail { threshold: 3 });
        for name in ["author 0", "author 1", "author 2", "author 3"] {
            // One object per query: a lazy load each is no N+1.
            let a = s.query::<Author>().filter(Author::name.eq(name)).one().unwrap();
            s.load(&a, Author::books).unwrap();
        }
        assert!(s.n_plus_one_reports().is_empty(), "{}", db.name);
        let mut off = db.engine.session();
        for a in off.query::<Author>().all().unwrap() {
            off.load(&a, Author::books).unwrap();
        }
        assert!(off.n_plus_one_reports().is_empty());
    });
}

#[test]
fn a_factory_turns_the_detector_on_for_every_session_it_makes() {
    each_db("np_factory", |db| {
        seed(db);
        let factory = orm::SessionFactory::new(&db.engine).detect_n_plus_one(NPlusOne::Report { threshold: 3 });
        for _ in 0..2 {
            let mut s = factory.session();
            let authors = s.query::<Author>().all().unwrap();
            for a in &authors {
                s.load(a, Author::books).unwrap();
            }
            assert_eq!(s.n_plus_one_reports().len(), 1, "{}", db.name);
        }
        // Without it, a session stays quiet.
        let mut s = db.engine.session();
        let authors = s.query::<Author>().all().unwrap();
        for a in &authors {
            s.load(a, Author::books).unwrap();
        }
        assert!(s.n_plus_one_reports().is_empty());
    });
}

#[test]
fn async_queries_and_loads_report_their_own_call_sites() {
    each_db("np_async", |db| {
        seed(db);
        let engine = orm::asyncio::AsyncEngine::from(db.engine.clone());
        crate::async_session::block_on(async {
            let s = engine.session();
            s.detect_n_plus_one(NPlusOne::Report { threshold: 3 }).await;
            let query_line = line!() + 1;
            let authors = s.query::<Author>().all().await.unwrap();
            for a in &authors {
                s.load(a, Author::books).await.unwrap();
            }
            let reports = s.n_plus_one_reports().await;
            assert_eq!(reports.len(), 1, "{}: {reports:?}", db.name);
            let site = reports[0].query_site.clone().unwrap_or_default();
            assert!(site.starts_with(&format!("orm/tests/it/n_plus_one.rs:{query_line}:")), "{site}");
            assert!(reports[0].load_site.starts_with("orm/tests/it/n_plus_one.rs:"), "{}", reports[0].load_site);
        });
    });
}
