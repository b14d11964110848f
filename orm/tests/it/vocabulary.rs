//! One vocabulary for every query type: the builder traits (`QueryBuilder`, `OrderLimit`)
//! serve Core selects, session queries, pair queries and compound selects alike; pair queries
//! group, filter groups and deduplicate; SQL functions live in `func`.

use orm::prelude::*;

use crate::common::{each_db, Db};
use crate::models::{Author, Book};

/// 4 authors with 3 books each; author `a`'s books have `a`, `100 + a` and `200 + a` pages.
fn seed(db: &Db) {
    db.engine.create_all(&[Author::table(), Book::table()]).unwrap();
    let mut s = db.engine.session();
    for a in 0..4 {
        let author = s.add(Author { id: 0, name: format!("author {a}"), books: HasMany::new() }).unwrap();
        s.flush().unwrap();
        let author_id = author.read().id;
        for b in 0..3 {
            s.add(Book {
                id: 0,
                author_id,
                title: format!("book {a}.{b}"),
                pages: 100 * b + a,
                author: BelongsTo::not_loaded(),
            })
            .unwrap();
        }
    }
    s.commit().unwrap();
    db.log.clear();
}

/// Written once against the trait, used on a Core select and on a session query.
fn thick_first<Q: QueryBuilder<From = Book>>(q: Q, min_pages: i32) -> Q {
    q.filter(Book::pages.ge(min_pages)).order_by(Book::pages.desc()).limit(2)
}

#[test]
fn one_builder_serves_core_and_session_queries() {
    each_db("voc_builder", |db| {
        seed(db);
        let core: Vec<i32> = thick_first(select(Book::pages), 100).all(&db.engine).unwrap();
        assert_eq!(core, [203, 202]);
        let mut s = db.engine.session();
        let objects = thick_first(s.query::<Book>(), 100).all().unwrap();
        let pages: Vec<i32> = objects.iter().map(|b| b.read().pages).collect();
        assert_eq!(pages, core);
        // `paginate` is the same LIMIT / OFFSET on both.
        let page: Vec<i32> = select(Book::pages).order_by(Book::pages).paginate(2, 5).all(&db.engine).unwrap();
        assert_eq!(page, [101, 102, 103, 200, 201]);
        let page = s.query::<Book>().order_by(Book::pages).paginate(2, 5).all().unwrap();
        assert_eq!(page.iter().map(|b| b.read().pages).collect::<Vec<_>>(), [101, 102, 103, 200, 201]);
    });
}

#[test]
fn session_queries_group_and_filter_groups() {
    each_db("voc_query_group", |db| {
        seed(db);
        let mut s = db.engine.session();
        // Pages per author: 300 + 3a, so authors 2 and 3 have more than 305.
        let prolific = s
            .query::<Author>()
            .join_related(Author::books)
            .group_by(Author::id)
            .having(func::sum(Book::pages).gt(305i64))
            .order_by(Author::id)
            .all()
            .unwrap();
        let names: Vec<String> = prolific.iter().map(|a| a.read().name.clone()).collect();
        assert_eq!(names, ["author 2", "author 3"]);
        db.log.clear();
        let distinct = s.query::<Author>().join_related(Author::books).distinct().order_by(Author::id).all().unwrap();
        assert_eq!(distinct.len(), 4);
        assert!(db.log.statements()[0].starts_with("SELECT DISTINCT"), "{:?}", db.log.statements());
    });
}

#[test]
fn pair_queries_group_filter_groups_and_deduplicate() {
    each_db("voc_pair_group", |db| {
        seed(db);
        let mut s = db.engine.session();
        // Grouped by both keys (PostgreSQL then allows every column of both models): one
        // group per pair, filtered on its aggregate.
        let pairs = s
            .query::<(Author, Book)>()
            .join_related(Author::books)
            .filter(Book::pages.ge(100))
            .group_by(Author::id)
            .group_by(Book::id)
            .having(func::count(Book::id).eq(1i64))
            .order_by(Book::id)
            .all()
            .unwrap();
        assert_eq!(pairs.len(), 8);
        assert_eq!(pairs[0].0.read().name, "author 0");
        assert_eq!(pairs[0].1.as_ref().unwrap().read().pages, 100);
        let none = s
            .query::<(Author, Book)>()
            .join_related(Author::books)
            .group_by(Author::id)
            .group_by(Book::id)
            .having(func::count(Book::id).gt(1i64))
            .all()
            .unwrap();
        assert!(none.is_empty());

        db.log.clear();
        let pairs = s
            .query::<(Author, Book)>()
            .join_related(Author::books)
            .filter(Author::name.eq("author 1"))
            .distinct()
            .order_by(Book::id)
            .all()
            .unwrap();
        assert_eq!(pairs.len(), 3);
        assert!(pairs[0].0.ptr_eq(&pairs[2].0), "one row, one object");
        assert!(db.log.statements()[0].starts_with("SELECT DISTINCT"));
    });
}

#[test]
fn compound_selects_order_and_page_the_whole_result() {
    each_db("voc_compound", |db| {
        seed(db);
        let pages = Book::pages.label("pages");
        let rows: Vec<i32> = select(pages.clone())
            .filter(Book::pages.lt(100))
            .union(select(Book::pages).filter(Book::pages.ge(200)))
            .order_by(pages.desc())
            .paginate(2, 3)
            .all(&db.engine)
            .unwrap();
        assert_eq!(rows, [200, 3, 2]);
    });
}
