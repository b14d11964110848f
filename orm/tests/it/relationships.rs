//! Relationships: reading, explicit (lazy) loading, select-in eager loading with statement
//! counts, joins along relationships, self-reference.

use orm::prelude::*;
use orm::Error;

use crate::common::{each_db, Db};
use crate::models::{Author, Book, Employee};

/// 10 authors with 3 books each.
fn seed(db: &Db) {
    db.engine.create_all(&[Author::table(), Book::table()]).unwrap();
    let mut s = db.engine.session();
    for a in 0..10 {
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

#[test]
fn unloaded_relationships_are_errors_never_empty() {
    each_db("r_unloaded", |db| {
        seed(db);
        let mut s = db.engine.session();
        let a = s.query::<Author>().order_by(Author::id).first().unwrap().unwrap();
        assert!(matches!(a.read().books.get(), Err(Error::NotLoaded { .. })));
        s.load(&a, Author::books).unwrap();
        let titles: Vec<String> = a.read().books.get().unwrap().iter().map(|b| b.read().title.clone()).collect();
        assert_eq!(titles, ["book 0.0", "book 0.1", "book 0.2"]);
        // A new object's collection is loaded and empty.
        assert!(Author { id: 0, name: "new".into(), books: HasMany::new() }.books.get().unwrap().is_empty());
    });
}

#[test]
fn lazy_loading_is_n_plus_one_and_selectin_is_two_statements() {
    each_db("r_counts", |db| {
        seed(db);
        // Lazy, made explicit: one statement for the authors, one per author.
        let mut s = db.engine.session();
        let authors = s.query::<Author>().order_by(Author::id).all().unwrap();
        for a in &authors {
            s.load(a, Author::books).unwrap();
        }
        assert_eq!(db.log.statements().len(), 1 + 10);

        // Select-in: one for the authors, one for all their books.
        let mut s = db.engine.session();
        let authors = s.query::<Author>().options(selectinload(Author::books)).order_by(Author::id).all().unwrap();
        assert_eq!(db.log.statements().len(), 2);
        assert!(authors.iter().all(|a| a.read().books.get().unwrap().len() == 3));
        // The books are the session's objects: the same row is the same object.
        let first = authors[0].read().books.get().unwrap()[0].clone();
        let again = s.get::<Book>(first.read().id).unwrap().unwrap();
        assert!(first.ptr_eq(&again));
    });
}

#[test]
fn belongs_to_loads_parents_once_and_reuses_the_identity_map() {
    each_db("r_parent", |db| {
        seed(db);
        let mut s = db.engine.session();
        let books = s.query::<Book>().options(selectinload(Book::author)).order_by(Book::id).all().unwrap();
        assert_eq!(db.log.statements().len(), 2);
        let a0 = books[0].read().author.get().unwrap().unwrap().clone();
        let a1 = books[1].read().author.get().unwrap().unwrap().clone();
        assert!(a0.ptr_eq(&a1), "books of one author share its object");
        assert_eq!(a0.read().name, "author 0");
        // Parents already in the session need no statement.
        let more = s.query::<Book>().filter(Book::pages.ge(200)).all().unwrap();
        db.log.clear();
        s.load_all(&more, Book::author).unwrap();
        assert!(db.log.statements().is_empty());
    });
}

#[test]
fn selectin_loading_sends_a_thousand_keys_in_one_statement() {
    each_db("r_chunks", |db| {
        db.engine.create_all(&[Author::table(), Book::table()]).unwrap();
        let authors: Vec<Author> =
            (0..1200).map(|i| Author { id: 0, name: format!("a{i}"), books: HasMany::new() }).collect();
        insert::<Author>().values_many(&authors).execute(&db.engine).unwrap();
        db.log.clear();
        let mut s = db.engine.session();
        let all = s.query::<Author>().options(selectinload(Author::books)).all().unwrap();
        assert_eq!(all.len(), 1200);
        let sent = db.log.statements();
        assert_eq!(sent.len(), 1 + 1, "every key in one statement: {}", db.name);
        if db.is_pg() {
            assert!(sent[1].contains(" IN (SELECT unnest($1::int8[]))"), "one array parameter: {}", sent[1]);
        }
        assert!(all.iter().all(|a| a.read().books.get().unwrap().is_empty()));
    });
}

#[test]
fn join_along_a_relationship() {
    each_db("r_join", |db| {
        seed(db);
        let mut s = db.engine.session();
        let thick = s
            .query::<Author>()
            .join_related(Author::books)
            .filter(Book::pages.ge(205))
            .order_by(Author::id)
            .all()
            .unwrap();
        let names: Vec<String> = thick.iter().map(|a| a.read().name.clone()).collect();
        assert_eq!(names, ["author 5", "author 6", "author 7", "author 8", "author 9"]);
        let books = s.query::<Book>().join_related(Book::author).filter(Author::name.eq("author 3")).all().unwrap();
        assert_eq!(books.len(), 3);
    });
}

#[test]
fn self_referential_manager_and_reports() {
    each_db("r_self", |db| {
        db.engine.create_all(&[Employee::table()]).unwrap();
        let mut s = db.engine.session();
        let boss = s
            .add(Employee {
                id: 0,
                name: "boss".into(),
                manager_id: None,
                manager: BelongsTo::not_loaded(),
                reports: HasMany::new(),
            })
            .unwrap();
        s.flush().unwrap();
        let boss_id = boss.read().id;
        for n in ["ann", "ben"] {
            s.add(Employee {
                id: 0,
                name: n.into(),
                manager_id: Some(boss_id),
                manager: BelongsTo::not_loaded(),
                reports: HasMany::new(),
            })
            .unwrap();
        }
        s.commit().unwrap();

        let mut s = db.engine.session();
        let everyone = s
            .query::<Employee>()
            .options(selectinload(Employee::reports))
            .options(selectinload(Employee::manager))
            .order_by(Employee::id)
            .all()
            .unwrap();
        let boss = &everyone[0];
        let reports: Vec<String> = boss.read().reports.get().unwrap().iter().map(|e| e.read().name.clone()).collect();
        assert_eq!(reports, ["ann", "ben"]);
        assert!(boss.read().manager.get().unwrap().is_none());
        assert!(everyone[1].read().manager.get().unwrap().unwrap().ptr_eq(boss));
        assert!(everyone[1].read().reports.get().unwrap().is_empty());
    });
}

#[test]
fn subqueryload_repeats_the_query_instead_of_listing_keys() {
    each_db("r_subquery", |db| {
        seed(db);
        let mut s = db.engine.session();
        let authors = s
            .query::<Author>()
            .filter(Author::name.ne("author 0"))
            .options(subqueryload(Author::books))
            .order_by(Author::id)
            .limit(4)
            .all()
            .unwrap();
        let stmts = db.log.statements();
        assert_eq!(stmts.len(), 2, "{stmts:?}");
        assert!(stmts[1].contains("IN (SELECT"), "{}", stmts[1]);
        assert_eq!(authors.len(), 4);
        assert!(authors.iter().all(|a| a.read().books.get().unwrap().len() == 3));
    });
}

#[test]
fn nested_loader_paths() {
    each_db("r_nested", |db| {
        seed(db);
        let mut s = db.engine.session();
        // authors -> books -> the books' author (back to the same objects): 3 statements.
        let authors = s
            .query::<Author>()
            .options(selectinload(Author::books).then(selectinload(Book::author)))
            .order_by(Author::id)
            .all()
            .unwrap();
        assert_eq!(db.log.statements().len(), 2, "the authors are in the session already: no third statement");
        let a = &authors[3];
        let book = a.read().books.get().unwrap()[0].clone();
        assert!(book.read().author.get().unwrap().unwrap().ptr_eq(a));
    });
}

#[test]
fn noload_and_raiseload() {
    each_db("r_noload", |db| {
        seed(db);
        let mut s = db.engine.session();
        let authors = s.query::<Author>().options(noload(Author::books)).all().unwrap();
        assert_eq!(db.log.statements().len(), 1);
        assert!(authors[0].read().books.get().unwrap().is_empty());
        let books = s.query::<Book>().options(raiseload(Book::author)).all().unwrap();
        assert!(matches!(books[0].read().author.get(), Err(Error::NotLoaded { .. })));
    });
}

#[test]
fn joinedload_is_one_statement_with_each_object_once() {
    each_db("r_joined", |db| {
        seed(db);
        // One author without books.
        insert::<Author>()
            .values(&Author { id: 0, name: "idle".into(), books: HasMany::new() })
            .execute(&db.engine)
            .unwrap();
        db.log.clear();
        let mut s = db.engine.session();
        let authors = s.query::<Author>().options(joinedload(Author::books)).order_by(Author::id).all().unwrap();
        let stmts = db.log.statements();
        assert_eq!(stmts.len(), 1);
        assert!(stmts[0].contains("LEFT OUTER JOIN"), "{}", stmts[0]);
        assert_eq!(authors.len(), 11, "parents de-duplicated");
        assert!(authors[..10].iter().all(|a| a.read().books.get().unwrap().len() == 3));
        assert!(authors[10].read().books.get().unwrap().is_empty());

        let books = s.query::<Book>().options(joinedload(Book::author)).all().unwrap();
        assert_eq!(books.len(), 30);
        assert!(books.iter().all(|b| b.read().author.get().unwrap().is_some()));
        // Limited: the parents' query becomes a subquery, each parent keeps all its books.
        let two = s.query::<Author>().options(joinedload(Author::books)).order_by(Author::id).limit(2).all().unwrap();
        assert_eq!(two.len(), 2);
        assert!(two.iter().all(|a| a.read().books.get().unwrap().len() == 3));
    });
}

#[test]
fn statement_counts_for_100_users_with_10_orders_each() {
    each_db("r_100x10", |db| {
        db.engine.create_all(&[Author::table(), Book::table()]).unwrap();
        let authors: Vec<Author> =
            (0..100).map(|i| Author { id: 0, name: format!("a{i}"), books: HasMany::new() }).collect();
        let ids = insert::<Author>().values_many(&authors).returning_keys(&db.engine).unwrap();
        let books: Vec<Book> = ids
            .iter()
            .flat_map(|&author_id| {
                (0..10).map(move |b| Book {
                    id: 0,
                    author_id,
                    title: format!("t{b}"),
                    pages: b,
                    author: BelongsTo::not_loaded(),
                })
            })
            .collect();
        insert::<Book>().values_many(&books).execute(&db.engine).unwrap();
        let count = |load: &dyn Fn(&mut Session) -> Vec<Obj<Author>>| {
            db.log.clear();
            let mut s = db.engine.session();
            let authors = load(&mut s);
            assert_eq!(authors.len(), 100);
            assert!(authors.iter().all(|a| a.read().books.get().unwrap().len() == 10));
            db.log.statements().len()
        };
        let lazy = count(&|s| {
            let authors = s.query::<Author>().all().unwrap();
            for a in &authors {
                s.load(a, Author::books).unwrap();
            }
            authors
        });
        let joined = count(&|s| s.query::<Author>().options(joinedload(Author::books)).all().unwrap());
        let selectin = count(&|s| s.query::<Author>().options(selectinload(Author::books)).all().unwrap());
        let subquery = count(&|s| s.query::<Author>().options(subqueryload(Author::books)).all().unwrap());
        assert_eq!((lazy, joined, selectin, subquery), (101, 1, 2, 2));
    });
}

#[test]
fn default_strategy_and_dynamic_queries() {
    each_db("r_lazy", |db| {
        seed(db);
        use crate::models::{Playlist, Track};
        db.engine.create_all(&[Playlist::table(), Track::table()]).unwrap();
        let mut s = db.engine.session();
        let mut p = Playlist { id: 0, name: "p".into(), tracks: HasMany::new() };
        p.tracks.push(Track { id: 0, playlist_id: 0, title: "a".into() }).unwrap();
        p.tracks.push(Track { id: 0, playlist_id: 0, title: "b".into() }).unwrap();
        s.add(p).unwrap();
        s.commit().unwrap();
        // `lazy = selectin`: every query of Playlist loads its tracks.
        let mut s = db.engine.session();
        db.log.clear();
        let lists = s.query::<Playlist>().all().unwrap();
        assert_eq!(db.log.statements().len(), 2);
        assert_eq!(lists[0].read().tracks.get().unwrap().len(), 2);
        // Dynamic: a filterable query over one parent's children.
        let a = s.query::<Author>().filter(Author::name.eq("author 7")).one().unwrap();
        let thick =
            Author::books.query_for(&mut s, &a).filter(Book::pages.ge(100)).order_by(Book::pages).all().unwrap();
        let pages: Vec<i32> = thick.iter().map(|b| b.read().pages).collect();
        assert_eq!(pages, [107, 207]);
        assert!(matches!(a.read().books.get(), Err(Error::NotLoaded { .. })), "the collection itself is untouched");
    });
}

#[test]
fn pairs_of_tracked_objects() {
    each_db("r_pairs", |db| {
        seed(db);
        insert::<Author>()
            .values(&Author { id: 0, name: "idle".into(), books: HasMany::new() })
            .execute(&db.engine)
            .unwrap();
        let mut s = db.engine.session();
        let pairs = s
            .query::<(Author, Book)>()
            .outerjoin_related(Author::books)
            .filter(Author::name.eq("author 1").or(Author::name.eq("idle")))
            .order_by(Author::id)
            .order_by(Book::id)
            .all()
            .unwrap();
        assert_eq!(pairs.len(), 4);
        assert!(pairs[0].0.ptr_eq(&pairs[2].0), "one row, one object");
        assert_eq!(pairs[0].1.as_ref().unwrap().read().title, "book 1.0");
        assert!(pairs[3].1.is_none(), "the idle author has no books");
        let again = s.get::<Book>(pairs[1].1.as_ref().unwrap().read().id).unwrap().unwrap();
        assert!(again.ptr_eq(pairs[1].1.as_ref().unwrap()));
    });
}

#[test]
fn self_join_through_an_alias() {
    each_db("r_alias", |db| {
        db.engine.create_all(&[Employee::table()]).unwrap();
        let mut s = db.engine.session();
        let mut boss = Employee {
            id: 0,
            name: "boss".into(),
            manager_id: None,
            manager: BelongsTo::not_loaded(),
            reports: HasMany::new(),
        };
        for n in ["ann", "ben"] {
            boss.reports
                .push(Employee {
                    id: 0,
                    name: n.into(),
                    manager_id: None,
                    manager: BelongsTo::not_loaded(),
                    reports: HasMany::new(),
                })
                .unwrap();
        }
        s.add(boss).unwrap();
        s.commit().unwrap();
        let manager = orm::alias::<Employee, 1>();
        let rows: Vec<(String, String)> = select((Employee::name, manager.col(Employee::name)))
            .join_as::<Employee, 1>()
            .on(manager.col(Employee::id).eq(Employee::manager_id))
            .order_by(Employee::name)
            .all(&db.engine)
            .unwrap();
        assert_eq!(rows, vec![("ann".into(), "boss".into()), ("ben".into(), "boss".into())]);
        let reports_of_boss = s
            .query::<Employee>()
            .join_as::<Employee, 1>()
            .on(manager.col(Employee::id).eq(Employee::manager_id))
            .filter(manager.col(Employee::name).eq("boss"))
            .all()
            .unwrap();
        assert_eq!(reports_of_boss.len(), 2);
    });
}

#[test]
fn query_options_override_the_default_strategy() {
    each_db("r_override", |db| {
        use crate::models::{Playlist, Track};
        db.engine.create_all(&[Playlist::table(), Track::table()]).unwrap();
        let mut s = db.engine.session();
        let mut p = Playlist { id: 0, name: "p".into(), tracks: HasMany::new() };
        p.tracks.push(Track { id: 0, playlist_id: 0, title: "a".into() }).unwrap();
        s.add(p).unwrap();
        s.commit().unwrap();
        let mut s = db.engine.session();
        db.log.clear();
        let lists = s.query::<Playlist>().options(orm::lazyload(Playlist::tracks)).all().unwrap();
        assert_eq!(db.log.statements().len(), 1, "lazyload replaces the selectin default");
        assert!(!lists[0].read().tracks.is_loaded());
        db.log.clear();
        let mut s = db.engine.session();
        let lists = s.query::<Playlist>().options(joinedload(Playlist::tracks)).all().unwrap();
        assert_eq!(db.log.statements().len(), 1, "joinedload replaces it too");
        assert_eq!(lists[0].read().tracks.get().unwrap().len(), 1);
    });
}

/// Would catch: children handed out in the order the database stores their rows rather than
/// in key order once the loader's statement stopped sorting (issue 14 moved the sort into
/// memory). Rewriting the first book of each author moves its row behind the others on
/// PostgreSQL (an UPDATE writes a new row version at the end of the table); SQLite rewrites
/// it in place, and a `DELETE` + re-`INSERT` of a lower key would not be the same book.
#[test]
fn selectin_children_come_in_key_order_whatever_order_the_rows_are_stored_in() {
    each_db("r_key_order", |db| {
        seed(db);
        let mut s = db.engine.session();
        let firsts = s.query::<Book>().filter(Book::title.like("book %.0")).all().unwrap();
        for b in &firsts {
            b.write().pages += 1;
        }
        s.commit().unwrap();
        let mut s = db.engine.session();
        let authors = s.query::<Author>().options(selectinload(Author::books)).order_by(Author::id).all().unwrap();
        for (a, author) in authors.iter().enumerate() {
            let books = author.read().books.get().unwrap().to_vec();
            let titles: Vec<String> = books.iter().map(|b| b.read().title.clone()).collect();
            assert_eq!(titles, [0, 1, 2].map(|b| format!("book {a}.{b}")), "{}", db.name);
            let ids: Vec<i64> = books.iter().map(|b| b.read().id).collect();
            assert!(ids.windows(2).all(|w| w[0] < w[1]), "{}: {ids:?}", db.name);
        }
    });
}
