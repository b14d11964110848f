//! Relationships and the N+1 problem, on the embedded SQLite default.
//!
//! Run with `cargo run --example relationships`: it prints every statement, so the cost of
//! each loading strategy is visible.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use orm::prelude::*;

/// An author and their books (one-to-many).
#[derive(Model, Debug)]
#[orm(table = "authors")]
struct Author {
    #[orm(primary_key, auto_increment)]
    id: i64,
    name: String,
    books: HasMany<Book>,
}

/// A book and its author (many-to-one); the foreign key ties both sides together.
#[derive(Model, Debug)]
#[orm(table = "books")]
struct Book {
    #[orm(primary_key, auto_increment)]
    id: i64,
    #[orm(foreign_key = Author::id, on_delete = cascade)]
    author_id: i64,
    title: String,
    author: BelongsTo<Author>,
}

fn main() -> orm::Result<()> {
    let statements = Arc::new(AtomicUsize::new(0));
    let counter = statements.clone();
    let engine = Engine::builder("sqlite::memory:")
        .before_execute(move |_, _| {
            counter.fetch_add(1, Ordering::Relaxed);
        })
        .echo(true)
        .build()?;
    engine.create_all(&[Author::table(), Book::table()])?;

    let mut session = engine.session();
    for a in ["Le Guin", "Lem", "Borges"] {
        let author = session.add(Author { id: 0, name: a.into(), books: HasMany::new() })?;
        session.flush()?;
        let author_id = author.read().id;
        for t in 1..=2 {
            session.add(Book { id: 0, author_id, title: format!("{a} #{t}"), author: BelongsTo::not_loaded() })?;
        }
    }
    session.commit()?;

    println!("-- an unloaded relationship is an error, never an empty list");
    let mut session = engine.session();
    let first = session.query::<Author>().first()?.ok_or(orm::Error::NotFound { table: "authors".into() })?;
    if let Err(e) = first.read().books.get() {
        println!("{e}");
    }

    println!("-- lazy loading, made explicit: 1 + N statements");
    statements.store(0, Ordering::Relaxed);
    let mut session = engine.session();
    let authors = session.query::<Author>().order_by(Author::name).all()?;
    for a in &authors {
        session.load(a, Author::books)?;
    }
    println!("{} statements", statements.load(Ordering::Relaxed));

    println!("-- select-in loading: 2 statements, whatever N is");
    statements.store(0, Ordering::Relaxed);
    let mut session = engine.session();
    let authors = session.query::<Author>().options(selectinload(Author::books)).order_by(Author::name).all()?;
    println!("{} statements", statements.load(Ordering::Relaxed));
    for a in &authors {
        let a = a.read();
        let titles: Vec<String> = a.books.get()?.iter().map(|b| b.read().title.clone()).collect();
        println!("{}: {titles:?}", a.name);
    }

    println!("-- the other direction, and joins along a relationship");
    let books = session
        .query::<Book>()
        .options(selectinload(Book::author))
        .join_related(Book::author)
        .filter(Author::name.eq("Lem"))
        .all()?;
    for b in &books {
        let b = b.read();
        let author = b.author.get()?.map(|a| a.read().name.clone()).unwrap_or_default();
        println!("{} by {author}", b.title);
    }
    Ok(())
}
