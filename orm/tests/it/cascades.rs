//! The unit of work along relationships: save-update cascade, foreign keys filled from
//! generated keys, parents before children (also within one table), orphans.

use orm::prelude::*;
use orm::{Error, Misuse};

use crate::common::{each_db, Db};
use crate::models::{Author, Book, Employee, Playlist, Track};

fn book(title: &str) -> Book {
    Book { id: 0, author_id: 0, title: title.into(), pages: 1, author: BelongsTo::not_loaded() }
}

fn employee(name: &str) -> Employee {
    Employee { id: 0, name: name.into(), manager_id: None, manager: BelongsTo::not_loaded(), reports: HasMany::new() }
}

fn setup(db: &Db) {
    db.engine
        .create_all(&[Author::table(), Book::table(), Employee::table(), Playlist::table(), Track::table()])
        .unwrap();
    db.log.clear();
}

#[test]
fn new_parent_with_new_children_inserts_parent_first_and_fills_keys() {
    each_db("c_save", |db| {
        setup(db);
        let mut s = db.engine.session();
        let mut author = Author { id: 0, name: "ada".into(), books: HasMany::new() };
        let b1 = author.books.push(book("one")).unwrap();
        let b2 = author.books.push(book("two")).unwrap();
        let author = s.add(author).unwrap();
        s.commit().unwrap();
        let id = author.read().id;
        assert_ne!(id, 0);
        assert_eq!((b1.read().author_id, b2.read().author_id), (id, id));
        assert_eq!((b1.state(), b2.state()), (ObjectState::Persistent, ObjectState::Persistent));
        let inserts: Vec<String> = db.log.statements().into_iter().filter(|s| s.starts_with("INSERT")).collect();
        assert!(inserts[0].contains("\"authors\"") && inserts[1].contains("\"books\""), "{inserts:?}");
        let titles: Vec<String> =
            select(Book::title).filter(Book::author_id.eq(id)).order_by(Book::id).all(&db.engine).unwrap();
        assert_eq!(titles, ["one", "two"]);
    });
}

#[test]
fn adding_to_a_loaded_collection_and_moving_children() {
    each_db("c_move", |db| {
        setup(db);
        let mut s = db.engine.session();
        let a = s.add(Author { id: 0, name: "a".into(), books: HasMany::new() }).unwrap();
        let b = s.add(Author { id: 0, name: "b".into(), books: HasMany::new() }).unwrap();
        let moved = a.write().books.push(book("moving")).unwrap();
        s.commit().unwrap();
        assert_eq!(moved.read().author_id, a.read().id);

        // Move it: out of a's collection, into b's. One UPDATE of the foreign key.
        let mut s = db.engine.session();
        let a = s.get::<Author>(a.read().id).unwrap().unwrap();
        let b = s.get::<Author>(b.read().id).unwrap().unwrap();
        s.load(&a, Author::books).unwrap();
        s.load(&b, Author::books).unwrap();
        let moving = a.read().books.get().unwrap()[0].clone();
        a.write().books.remove(&moving).unwrap();
        b.write().books.push(&moving).unwrap();
        db.log.clear();
        s.commit().unwrap();
        let stmts = db.log.statements();
        assert_eq!(stmts.len(), 1, "{stmts:?}");
        assert!(stmts[0].starts_with("UPDATE \"books\" SET \"author_id\""));
        assert_eq!(moving.read().author_id, b.read().id);
    });
}

#[test]
fn assigning_a_new_parent_inserts_it_first() {
    each_db("c_assign", |db| {
        setup(db);
        let mut s = db.engine.session();
        let mut child = book("orphan no more");
        child.author.assign(Some(Obj::new(Author { id: 0, name: "late".into(), books: HasMany::new() })));
        let child = s.add(child).unwrap();
        s.commit().unwrap();
        let parent = child.read().author.get().unwrap().unwrap().clone();
        assert_eq!(parent.state(), ObjectState::Persistent);
        assert_eq!(child.read().author_id, parent.read().id);
    });
}

#[test]
fn removing_a_child_nulls_its_key_or_deletes_the_orphan() {
    each_db("c_orphan", |db| {
        setup(db);
        let mut s = db.engine.session();
        // Nullable key: removed reports keep existing, without a manager.
        let mut boss = employee("boss");
        let ann = boss.reports.push(employee("ann")).unwrap();
        let boss = s.add(boss).unwrap();
        // Delete-orphan: removed tracks are deleted.
        let mut list = Playlist { id: 0, name: "mix".into(), tracks: HasMany::new() };
        let t1 = list.tracks.push(Track { id: 0, playlist_id: 0, title: "t1".into() }).unwrap();
        list.tracks.push(Track { id: 0, playlist_id: 0, title: "t2".into() }).unwrap();
        let list = s.add(list).unwrap();
        s.commit().unwrap();
        assert_eq!(ann.read().manager_id, Some(boss.read().id));

        boss.write().reports.remove(&ann).unwrap();
        list.write().tracks.remove(&t1).unwrap();
        s.commit().unwrap();
        assert_eq!(ann.read().manager_id, None);
        let managers: Vec<Option<i32>> =
            select(Employee::manager_id).filter(Employee::name.eq("ann")).all(&db.engine).unwrap();
        assert_eq!(managers, [None]);
        assert_eq!(t1.state(), ObjectState::Detached);
        let titles: Vec<String> = select(Track::title).all(&db.engine).unwrap();
        assert_eq!(titles, ["t2"]);

        // A NOT NULL key without delete-orphan: refused before anything is sent.
        let mut a = Author { id: 0, name: "x".into(), books: HasMany::new() };
        let kept = a.books.push(book("kept")).unwrap();
        let a = s.add(a).unwrap();
        s.commit().unwrap();
        a.write().books.remove(&kept).unwrap();
        db.log.clear();
        let err = s.flush().unwrap_err();
        assert!(
            matches!(err, Error::Misuse(Misuse::OrphanNotNull { model: "Book", table: "books", column: "author_id" })),
            "{err:?}"
        );
        assert!(db.log.statements().is_empty());
        s.rollback().unwrap();
    });
}

#[test]
fn new_rows_of_one_table_referring_to_each_other() {
    each_db("c_self", |db| {
        setup(db);
        let mut s = db.engine.session();
        // Added child first: the flush still inserts the manager before the report.
        let mut report = employee("report");
        let mut boss = employee("boss");
        let grand = Obj::new(employee("grand-boss"));
        boss.manager.assign(Some(grand.clone()));
        let boss = Obj::new(boss);
        report.manager.assign(Some(boss.clone()));
        let report = s.add(report).unwrap();
        s.commit().unwrap();
        assert_eq!(report.read().manager_id, Some(boss.read().id));
        assert_eq!(boss.read().manager_id, Some(grand.read().id));
        assert!(grand.read().id < boss.read().id && boss.read().id < report.read().id);
    });
}

#[test]
fn a_failed_cascade_flush_rolls_everything_back() {
    each_db("c_fail", |db| {
        setup(db);
        db.engine.create_all(&[crate::models::User::table()]).unwrap();
        let mut s = db.engine.session();
        let mut a = Author { id: 0, name: "ada".into(), books: HasMany::new() };
        let first = a.books.push(book("one")).unwrap();
        a.books.push(book("two")).unwrap();
        s.add(a).unwrap();
        // Another object of the same flush fails: nothing of the cascade stays.
        s.add(crate::models::User::new(&"z".repeat(41), 1)).unwrap();
        assert!(matches!(s.commit(), Err(Error::ValueTooLong { .. })));
        s.rollback().unwrap();
        assert_eq!(first.state(), ObjectState::Transient);
        let n: i64 = select(func::count_all()).from::<Book>().one(&db.engine).unwrap();
        assert_eq!(n, 0);
    });
}

#[test]
fn back_populates_keeps_both_sides_in_step() {
    each_db("c_back", |db| {
        setup(db);
        let mut s = db.engine.session();
        let a = s.add(Author { id: 0, name: "a".into(), books: HasMany::new() }).unwrap();
        let b = s.add(Author { id: 0, name: "b".into(), books: HasMany::new() }).unwrap();
        // Appending through the descriptor sets the child's parent at once.
        let bk = Author::books.append(&a, book("shared")).unwrap();
        assert!(bk.read().author.get().unwrap().unwrap().ptr_eq(&a));
        s.commit().unwrap();
        assert_eq!(bk.read().author_id, a.read().id);

        // Setting the parent moves the child between the loaded collections.
        Book::author.set(&bk, Some(&b));
        assert!(a.read().books.get().unwrap().is_empty());
        assert!(b.read().books.get().unwrap()[0].ptr_eq(&bk));
        s.commit().unwrap();
        assert_eq!(bk.read().author_id, b.read().id);
        let owner: i64 = select(Book::author_id).filter(Book::title.eq("shared")).one(&db.engine).unwrap();
        assert_eq!(owner, b.read().id);

        // Removing through the descriptor clears the child's parent.
        let mut p = Playlist { id: 0, name: "p".into(), tracks: HasMany::new() };
        p.tracks.push(Track { id: 0, playlist_id: 0, title: "t".into() }).unwrap();
        s.add(p).unwrap();
        s.commit().unwrap();
        assert!(Author::books.remove(&b, &bk).unwrap());
        assert!(bk.read().author.get().unwrap().is_none());
        s.rollback().unwrap();
    });
}

#[test]
fn deleting_a_parent_deletes_its_cascade_delete_children() {
    each_db("c_delete", |db| {
        setup(db);
        let mut s = db.engine.session();
        let mut p = Playlist { id: 0, name: "gone".into(), tracks: HasMany::new() };
        let t = p.tracks.push(Track { id: 0, playlist_id: 0, title: "t".into() }).unwrap();
        p.tracks.push(Track { id: 0, playlist_id: 0, title: "u".into() }).unwrap();
        let p = s.add(p).unwrap();
        s.add(Playlist { id: 0, name: "kept".into(), tracks: HasMany::new() }).unwrap();
        s.commit().unwrap();
        let id = p.read().id;

        // In a new session the tracks are not loaded yet: delete loads them, then deletes
        // children before the parent.
        let mut s = db.engine.session();
        let gone = s.get::<Playlist>(id).unwrap().unwrap();
        assert!(!gone.read().tracks.is_loaded());
        s.delete(&gone).unwrap();
        db.log.clear();
        s.commit().unwrap();
        let deletes: Vec<String> = db.log.statements().into_iter().filter(|s| s.starts_with("DELETE")).collect();
        assert_eq!(deletes.len(), 3, "{deletes:?}");
        assert!(deletes[0].contains("\"tracks\"") && deletes[2].contains("\"playlists\""));
        let left: i64 = select(func::count_all()).from::<Track>().one(&db.engine).unwrap();
        assert_eq!(left, 0);
        assert_eq!(t.state(), ObjectState::Persistent, "t belongs to the first session, untouched");
    });
}

#[test]
fn a_cycle_of_new_rows_is_broken_with_a_post_update() {
    each_db("c_cycle", |db| {
        setup(db);
        let mut s = db.engine.session();
        let a = Obj::new(employee("a"));
        let b = Obj::new(employee("b"));
        a.write().manager.assign(Some(b.clone()));
        b.write().manager.assign(Some(a.clone()));
        s.add(&a).unwrap();
        db.log.clear();
        s.commit().unwrap();
        assert_eq!(a.read().manager_id, Some(b.read().id));
        assert_eq!(b.read().manager_id, Some(a.read().id));
        let stmts = db.log.statements();
        assert_eq!(stmts.iter().filter(|s| s.starts_with("INSERT")).count(), 2);
        assert_eq!(stmts.iter().filter(|s| s.starts_with("UPDATE")).count(), 1, "{stmts:?}");
        let mut rows: Vec<(String, Option<i32>)> =
            select((Employee::name, Employee::manager_id)).all(&db.engine).unwrap();
        rows.sort();
        assert_eq!(rows, vec![("a".into(), Some(b.read().id)), ("b".into(), Some(a.read().id))]);
    });
}

#[test]
fn reusable_loader_sets() {
    each_db("c_loaders", |db| {
        setup(db);
        fn everything() -> orm::Loaders<Author> {
            orm::Loaders::new().with(selectinload(Author::books).then(selectinload(Book::author)))
        }
        let mut s = db.engine.session();
        let mut a = Author { id: 0, name: "a".into(), books: HasMany::new() };
        a.books.push(book("x")).unwrap();
        s.add(a).unwrap();
        s.commit().unwrap();
        let mut s = db.engine.session();
        let authors = s.query::<Author>().options(everything()).all().unwrap();
        let b = authors[0].read().books.get().unwrap()[0].clone();
        assert!(b.read().author.get().unwrap().unwrap().ptr_eq(&authors[0]));
    });
}
