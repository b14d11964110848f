//! Snapshot tests of a user's own SQL (`orm::testing::{sql_snapshots, SqlRecorder}`): Core
//! statements, an object query with its loader options rendered without a connection, raw
//! `text()`, and the statements a loader really sends after its query, on both databases.

use orm::prelude::*;
use orm::testing::{sql_snapshots, SqlRecorder};

use crate::common::each_db;

#[derive(Model)]
#[orm(table = "ss_authors")]
struct Author {
    #[orm(primary_key, auto_increment)]
    id: i64,
    name: String,
    books: orm::HasMany<Book>,
}

#[derive(Model)]
#[orm(table = "ss_books")]
struct Book {
    #[orm(primary_key, auto_increment)]
    id: i64,
    #[orm(foreign_key = Author::id)]
    author_id: i64,
    title: String,
    author: orm::BelongsTo<Author>,
}

#[test]
fn core_statements_render_for_both_dialects() {
    let by_author = select((Author::name, func::count(Book::id)))
        .join::<Book>()
        .on(Book::author_id.eq(Author::id))
        .filter(Author::name.like("A%") & Book::title.ne("draft"))
        .group_by(Author::name)
        .order_by(Author::name)
        .limit(10);
    insta::assert_snapshot!("user_select_join", sql_snapshots(&by_author));
    let add = insert::<Book>().set(Book::author_id, 1).set(Book::title, "it's here");
    insta::assert_snapshot!("user_insert", sql_snapshots(&add));
    let rename = update::<Book>().set(Book::title, "final").filter(Book::title.eq("draft"));
    insta::assert_snapshot!("user_update", sql_snapshots(&rename));
    let purge = delete::<Book>().filter(Book::author_id.in_([1i64, 2, 3]));
    insta::assert_snapshot!("user_delete", sql_snapshots(&purge));
    let raw = text("SELECT name FROM ss_authors WHERE id = :id OR name = :name").bind("id", 7).bind("name", "Ann");
    insta::assert_snapshot!("user_text", sql_snapshots(&raw));
}

#[test]
fn an_object_query_with_loader_options_renders_without_a_connection() {
    // Port 1 on loopback: nothing listens there. Building the engine and the query connects
    // to nothing; only running it would.
    let engine = Engine::connect("postgresql://nobody@127.0.0.1:1/nothing").unwrap();
    let mut session = engine.session();
    let query = session
        .query::<Author>()
        .options(selectinload(Author::books).then(joinedload(Book::author)))
        .filter(Author::name.eq("Ann"))
        .order_by(Author::id)
        .limit(5);
    insta::assert_snapshot!("user_object_query", sql_snapshots(&query));
    let plain = session.query::<Book>().options(joinedload(Book::author)).filter(Book::title.contains("rust"));
    insta::assert_snapshot!("user_object_query_joined", sql_snapshots(&plain));
}

#[test]
fn the_recorder_shows_what_a_loader_sends_after_its_query() {
    each_db("ss_recorder", |db| {
        db.engine.create_all(&[Author::table(), Book::table()]).unwrap();
        let mut s = db.engine.session();
        let ann = s.add(Author { id: 0, name: "Ann".into(), books: orm::HasMany::new() }).unwrap();
        s.flush().unwrap();
        let id = ann.read().id;
        for title in ["one", "two"] {
            s.add(Book { id: 0, author_id: id, title: title.into(), author: orm::BelongsTo::not_loaded() }).unwrap();
        }
        s.commit().unwrap();

        let recorder = SqlRecorder::attach(&db.engine);
        let mut s = db.engine.session();
        let authors = s.query::<Author>().options(selectinload(Author::books)).order_by(Author::id).all().unwrap();
        assert_eq!(authors[0].read().books.get().unwrap().len(), 2);
        insta::assert_snapshot!(format!("user_recorded_selectin_{}", db.name), recorder.take());
    });
}
